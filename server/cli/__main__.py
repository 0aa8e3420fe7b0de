"""``python -m server.cli``: the ``ruralcredit`` command."""

import sys

from server.cli import main

sys.exit(main())
