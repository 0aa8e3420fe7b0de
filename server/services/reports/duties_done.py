"""The post-loan duties done of a loan, read from its own row.

The database keeps three columns of each loan from its duty records (migration 0022):
``first_notice_on``, the first collection notice; ``inspection_year``, the latest year
with an inspection; ``inspection_quarters``, bit ``4 * (inspection_year - y) + (q - 1)``
for each quarter ``q`` of a year ``y`` with an inspection, over the
:data:`INSPECTION_WINDOW_YEARS` up to the latest. A report's pass over the loans reads
them instead of summing millions of records. A record is never dated after the tenant's
today (``record_duty`` refuses it), so no loan's latest year is after today's: an interval
of the window's years before today is read from the row alone; an older one is looked up
in the loan's records (a correlated subquery, which also keeps PostgreSQL's pass to one
process — a statement that reaches back so far pays for it).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, case, false, literal
from sqlalchemy.sql.expression import ColumnElement

from server.db import models
from server.db.queries.indicators import inspection_recorded

INSPECTION_WINDOW_YEARS = 15
"""How many years of quarters a loan row holds: 60 bits of a BIGINT (migration 0022)."""


def quarter_of(day: dt.date) -> int:
    return (day.month - 1) // 3 + 1


def inspected_within(first: dt.date, last: dt.date, today: dt.date) -> ColumnElement[bool]:
    """Whether the loan has an inspection recorded from ``first`` to ``last``: whole
    calendar quarters of one year (a quarter, a half year, a year — C1.4's intervals)."""
    if first.year != last.year or first.day != 1 or first.month % 3 != 1:
        raise ValueError(f"{first}..{last} is not whole quarters of one year")
    lo = models.Loan
    q0, q1 = quarter_of(first), quarter_of(last)
    bits = ((1 << (q1 - q0 + 1)) - 1) << (q0 - 1)
    back = lo.inspection_year - first.year
    held = lo.inspection_quarters.op(">>")(literal(4) * back).op("&")(literal(bits, BigInteger))
    # Only a loan inspected in a year the window's length after this one reads its records.
    reaches_back = today.year - first.year >= INSPECTION_WINDOW_YEARS
    out: ColumnElement[bool] = case(
        # No inspection in the year or after it (none at all: NULL, which no WHEN holds,
        # and no record either).
        (lo.inspection_year < first.year, false()),
        (back < INSPECTION_WINDOW_YEARS, held != 0),
        else_=inspection_recorded(first, last) if reaches_back else false(),
    )
    return out
