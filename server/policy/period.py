"""Appraisal periods: a calendar year (``2025``) or a calendar quarter (``2025-Q3``)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from server.policy.vocabulary import PeriodKind

PERIOD_TEXT = re.compile(r"^([0-9]{4})(?:-Q([1-4]))?$")
"""How a period is written: ``2025`` or ``2025-Q1`` … ``2025-Q4``."""


@dataclass(frozen=True)
class Period:
    """A year or quarter appraised: its text, kind, year and first and last day."""

    text: str
    kind: PeriodKind
    year: int
    start: dt.date
    end: dt.date

    def __str__(self) -> str:
        return self.text

    @property
    def day_before_start(self) -> dt.date:
        return self.start - dt.timedelta(days=1)


def parse_period(text: str) -> Period:
    """The period ``2025`` or ``2025-Q3`` stands for; ``ValueError`` for any other text."""
    match = PERIOD_TEXT.match(text)
    if match is None:
        raise ValueError(f"a period is a year '2025' or a quarter '2025-Q3', not {text!r}")
    year = int(match[1])
    if match[2] is None:
        return Period(text, PeriodKind.YEAR, year, dt.date(year, 1, 1), dt.date(year, 12, 31))
    quarter = int(match[2])
    start = dt.date(year, 3 * quarter - 2, 1)
    next_start = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return Period(text, PeriodKind.QUARTER, year, start, next_start - dt.timedelta(days=1))
