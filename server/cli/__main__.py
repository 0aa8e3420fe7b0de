"""``python -m server.cli``: the ``ruralcredit`` command."""

import sys

from server.cli import main

if __name__ == "__main__":
    # Guarded: a worker process the demo load spawns imports the main module again.
    sys.exit(main())
