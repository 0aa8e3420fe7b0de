"""Reports of the managers of an office subtree: how many hold each tier, and the league
table of a period's appraisals.

A manager belongs to the subtree of its current office (``managers.office_id``), also
for an appraisal of a past period.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.db.scope import Scope
from server.domain import AppraisalStatus, ManagerStatus
from server.errors import BadQueryArgument
from server.services.reports.portfolio import in_subtree, report_office

MAX_LEAGUE = 100
"""The most rows of a league table one request reads."""


@dataclass(frozen=True)
class TierCount:
    """How many managers hold one tier; code, rank and name None: no tier."""

    code: str | None
    rank: int | None
    name: str | None
    count: int


@dataclass(frozen=True)
class GradeDistribution:
    office: models.Office
    period: str | None
    tiers: list[TierCount]

    @property
    def total(self) -> int:
        return sum(t.count for t in self.tiers)


async def grade_distribution(
    session: AsyncSession, scope: Scope, *, office_id: object | None, period: str | None
) -> GradeDistribution:
    """Managers by tier, best tier first, those without one last. Without ``period``: the
    current tiers of the subtree's managers who have not left (status ``LEFT``); with
    it: the tiers of that period's ``CONFIRMED`` appraisals (an appraisal under appeal
    counts again once the appeal is resolved)."""
    office = await report_office(session, scope, office_id)
    m, a = models.Manager, models.Appraisal
    in_office = in_subtree(scope, office, m)
    if period is None:
        columns = (m.tier_code, m.tier_rank, m.tier_name)
        stmt = select(*columns, func.count()).where(*in_office, m.status != ManagerStatus.LEFT)
    else:
        columns = (a.tier_code, a.tier_rank, a.tier_name)
        stmt = (
            select(*columns, func.count())
            .join(m, (m.tenant_id == a.tenant_id) & (m.id == a.manager_id))
            .where(
                a.tenant_id == scope.tenant_id,
                a.period == period,
                a.status == AppraisalStatus.CONFIRMED,
                *in_office,
            )
        )
    rows = (await session.execute(stmt.group_by(*columns))).all()
    tiers = [TierCount(code, rank, name, int(n)) for code, rank, name, n in rows]
    tiers.sort(key=lambda t: (t.rank is None, -(t.rank or 0), t.code or ""))
    return GradeDistribution(office, period, tiers)


@dataclass(frozen=True)
class LeagueRow:
    rank: int
    appraisal: models.Appraisal
    manager: models.Manager
    office: models.Office


@dataclass(frozen=True)
class AppraisalLeague:
    office: models.Office
    period: str
    ranked: int
    """How many appraisals the table ranks (it may show fewer)."""
    rows: list[LeagueRow]


async def appraisal_league(
    session: AsyncSession, scope: Scope, *, period: str, office_id: object | None, first: int
) -> AppraisalLeague:
    """The subtree's appraisals of ``period`` with a total, ranked by total, highest first.

    Ranks are competition ranks (SQL ``RANK()``: 1, 2, 2, 4): equal totals share a rank
    and the next rank skips. Within a rank, rows come by employee number. Appraisals of
    every status are ranked (the status is shown); those without a total (not graded)
    are not. The window runs over the whole subtree before the first ``first`` rows are
    taken, so a rank is the same whatever ``first`` is.
    """
    if not 1 <= first <= MAX_LEAGUE:
        raise BadQueryArgument("first", f"first must be from 1 to {MAX_LEAGUE}")
    office = await report_office(session, scope, office_id)
    m, a, o = models.Manager, models.Appraisal, models.Office
    rank = func.rank().over(order_by=a.total.desc()).label("rank")
    ranked = (
        select(a.id.label("appraisal_id"), m.employee_no, rank)
        .join(m, (m.tenant_id == a.tenant_id) & (m.id == a.manager_id))
        .where(
            a.tenant_id == scope.tenant_id,
            a.period == period,
            a.total.is_not(None),
            *in_subtree(scope, office, m),
        )
        .subquery()
    )
    count = await session.scalar(select(func.count()).select_from(ranked))
    stmt = (
        select(ranked.c.rank, a, m, o)
        .join(a, (a.tenant_id == scope.tenant_id) & (a.id == ranked.c.appraisal_id))
        .join(m, (m.tenant_id == a.tenant_id) & (m.id == a.manager_id))
        .join(o, (o.tenant_id == m.tenant_id) & (o.id == m.office_id))
        .order_by(ranked.c.rank, ranked.c.employee_no)
        .limit(first)
    )
    rows = [LeagueRow(int(r), ap, mg, of) for r, ap, mg, of in (await session.execute(stmt)).all()]
    return AppraisalLeague(office, period, int(count or 0), rows)
