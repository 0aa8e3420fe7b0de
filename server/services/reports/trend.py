"""The trend of an office subtree's portfolio: balance and non-performing balance on each
day a loan snapshot was taken in a range, in one grouped statement over the office totals
kept with each snapshot (``loan_snapshot_totals``; the loans themselves for a scope of one
manager's own)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import BindParameter, bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.db.queries.province import RATIO_PLACES, ZERO
from server.db.scope import Scope
from server.domain import NON_PERFORMING
from server.errors import BadQueryArgument
from server.services.reports.portfolio import in_subtree, report_office

MAX_TREND_DAYS = 60
"""The most snapshot days one trend reads: five years of month ends."""


@dataclass(frozen=True)
class TrendPoint:
    as_of: dt.date
    count: int
    balance: Decimal
    non_performing_balance: Decimal

    @property
    def non_performing_ratio(self) -> Decimal | None:
        """As ``LoanBook.non_performing_ratio``: 4 places, half-even; None without a balance."""
        if self.balance <= 0:
            return None
        return (self.non_performing_balance / self.balance).quantize(
            RATIO_PLACES, rounding=ROUND_HALF_EVEN
        )


@dataclass(frozen=True)
class PortfolioTrend:
    office: models.Office
    points: list[TrendPoint]


async def snapshot_days(
    session: AsyncSession, tenant_id: str, start: dt.date, end: dt.date, most: int
) -> list[dt.date]:
    """The first ``most`` days from ``start`` to ``end`` with a snapshot of the tenant, one
    index probe each (the key begins with tenant and day), not a read of every row."""
    s = models.LoanSnapshot
    days: list[dt.date] = []
    after = start - dt.timedelta(days=1)
    while len(days) < most:
        day = await session.scalar(
            select(func.min(s.as_of)).where(
                s.tenant_id == tenant_id, s.as_of > after, s.as_of <= end
            )
        )
        if day is None:
            break
        days.append(day)
        after = day
    return days


async def portfolio_trend(
    session: AsyncSession,
    scope: Scope,
    *,
    office_id: object | None,
    start: dt.date,
    end: dt.date,
) -> PortfolioTrend:
    """One point per day of the tenant's snapshots from ``start`` to ``end`` (both
    included), oldest first, zeros on a day none of the subtree's loans was in; a range
    holding more than ``MAX_TREND_DAYS`` snapshot days is a bad ``to``."""
    if start > end:
        raise BadQueryArgument("to", f"to {end} is before from {start}")
    office = await report_office(session, scope, office_id)
    s = models.LoanSnapshot
    days = await snapshot_days(session, scope.tenant_id, start, end, MAX_TREND_DAYS + 1)
    if len(days) > MAX_TREND_DAYS:
        raise BadQueryArgument(
            "to", f"from {start} to {end} holds more than {MAX_TREND_DAYS} snapshot days"
        )
    if not days:
        return PortfolioTrend(office, [])
    # The days written into the statement: with the range as parameters, a prepared
    # statement's generic plan guesses a small share of the rows and reads them by index,
    # ten times slower than reading them whole.
    on_days: BindParameter[dt.date] = bindparam("days", days, expanding=True, literal_execute=True)
    if scope.manager is None:
        # The office totals kept with each snapshot: one row per office and day. A scope
        # of one manager's own loans is not a set of offices, so it reads the loans.
        t = models.LoanSnapshotTotal
        stmt = (
            select(
                t.as_of, func.sum(t.loans), func.sum(t.balance), func.sum(t.non_performing_balance)
            )
            .where(
                t.tenant_id == scope.tenant_id, t.as_of.in_(on_days), *in_subtree(scope, office, t)
            )
            .group_by(t.as_of)
            .order_by(t.as_of)
        )
    else:
        npl = func.sum(case((s.risk_class.in_(NON_PERFORMING), s.balance), else_=ZERO))
        stmt = (
            select(s.as_of, func.count(), func.sum(s.balance), npl)
            .where(
                s.tenant_id == scope.tenant_id, s.as_of.in_(on_days), *in_subtree(scope, office, s)
            )
            .group_by(s.as_of)
            .order_by(s.as_of)
        )
    found = {day: (n, b, bad) for day, n, b, bad in (await session.execute(stmt)).all()}
    points = []
    for day in days:
        n, balance, bad = found.get(day, (0, ZERO, ZERO))
        points.append(TrendPoint(day, int(n), balance or ZERO, bad or ZERO))
    return PortfolioTrend(office, points)
