"""Appraisal periods: ``2025`` (a year) and ``2025-Q3`` (a quarter)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from server.policy.types import PeriodKind


@dataclass(frozen=True)
class Period:
    text: str
    kind: PeriodKind
    year: int
    start: dt.date
    end: dt.date

    @property
    def day_before_start(self) -> dt.date:
        return self.start - dt.timedelta(days=1)


def parse_period(text: str) -> Period:
    """A validated period (the GraphQL scalar has checked the format already)."""
    year = int(text[:4])
    if len(text) == 4:
        return Period(text, PeriodKind.YEAR, year, dt.date(year, 1, 1), dt.date(year, 12, 31))
    quarter = int(text[-1])
    start = dt.date(year, 3 * quarter - 2, 1)
    end_month_next = dt.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return Period(text, PeriodKind.QUARTER, year, start, end_month_next - dt.timedelta(days=1))


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (earlier if negative), clamped to the month's end."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
