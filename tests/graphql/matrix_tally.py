"""What the permission matrix tried in a run, added up and printed at the run's end.

The matrix tests (``tests/graphql/test_permission_matrix.py``) count each probe here as
they make it — every lookup, every object a list or nested field returned, every write
attempt — and count a leak or an unauthorised write *before* asserting that there is
none, so the printed totals are what was observed, not what the assertions imply. The
conftest's terminal summary prints them (nothing when no matrix test ran).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

TRIED: Counter[str] = Counter()

LINES = (
    ("lookups", "lookups by id (role × scope × field)"),
    ("objects", "objects returned by lists, counts and nested fields, each checked"),
    ("leaks", "read leaks (an object or count outside the caller's scope)"),
    ("writes", "write attempts (mutation × role × scope)"),
    ("writes refused", "of them refused (PermissionDenied or NotFound)"),
    ("unauthorised", "unauthorised writes (a refused attempt that changed its target)"),
    ("subscriptions", "subscription openings (field × role)"),
)


def summary(terminalreporter: Any) -> None:
    if not TRIED:
        return
    terminalreporter.write_sep("-", "permission matrix")
    for key, label in LINES:
        terminalreporter.write_line(f"{TRIED[key]:>8,}  {label}")
