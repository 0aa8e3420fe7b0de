"""portfolio_trend: each snapshot day's figures equal direct SQL over loan_snapshots; the
range and its bound; zeros for an office without loans; the scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.db.scope import Scope
from server.domain import NON_PERFORMING, RiskClass, Role
from server.errors import BadQueryArgument, NotFound
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.access import authorize
from server.services.reports import trend
from server.services.reports.trend import portfolio_trend
from server.services.snapshots import take_loan_snapshot
from tests.services.reports import direct
from tests.services.reports.book import HR, TENANT, Book, build_book, new_outlet

TODAY = dt.date(2026, 6, 15)
DAYS = (dt.date(2026, 3, 31), dt.date(2026, 4, 30), dt.date(2026, 5, 31))


@pytest.fixture
async def book(session: AsyncSession, registry: PolicyRegistry) -> Book:
    book = await build_book(session, registry)
    for n, day in enumerate(DAYS):
        # Each month one more of the outlet's loans turns bad.
        book.loans[n].risk_class = RiskClass.DOUBTFUL
        await session.flush()
        await take_loan_snapshot(session, HR, as_of=day, today=TODAY)
    return book


def scope_of(role: Role, office: str | None = None) -> Scope:
    return authorize(
        Principal(TENANT, "u", frozenset({role}), office=office), "portfolioTrend", "query"
    )


async def test_each_day_equals_direct_sql(session: AsyncSession, book: Book) -> None:
    for office in (book.head, book.outlet):
        report = await portfolio_trend(
            session, scope_of(Role.RISK), office_id=office.id, start=DAYS[0], end=DAYS[-1]
        )
        assert [p.as_of for p in report.points] == list(DAYS)
        for point in report.points:
            expected = await direct.figures(
                session, TENANT, office.path, table="loan_snapshots", as_of=point.as_of
            )
            assert (point.count, point.balance, point.non_performing_balance) == (
                expected.count,
                expected.balance,
                expected.npl,
            )
            assert point.non_performing_ratio == (expected.npl / expected.balance).quantize(
                Decimal("0.0001")
            )
    outlet = await portfolio_trend(
        session, scope_of(Role.HR), office_id=book.outlet.id, start=DAYS[0], end=DAYS[-1]
    )
    bad = [p.non_performing_balance for p in outlet.points]
    assert bad == sorted(bad) and bad[0] < bad[-1]


async def test_the_range_includes_both_ends_and_is_bounded(
    session: AsyncSession, book: Book, monkeypatch: pytest.MonkeyPatch
) -> None:
    scope = scope_of(Role.AUDITOR)
    one = await portfolio_trend(session, scope, office_id=None, start=DAYS[1], end=DAYS[1])
    assert [p.as_of for p in one.points] == [DAYS[1]]
    gap = await portfolio_trend(
        session, scope, office_id=None, start=DAYS[0] + dt.timedelta(days=1), end=DAYS[1]
    )
    assert [p.as_of for p in gap.points] == [DAYS[1]]
    none = await portfolio_trend(
        session, scope, office_id=None, start=dt.date(2026, 6, 1), end=dt.date(2026, 6, 14)
    )
    assert none.points == []
    with pytest.raises(BadQueryArgument, match="before from") as bad:
        await portfolio_trend(session, scope, office_id=None, start=DAYS[1], end=DAYS[0])
    assert bad.value.field == "to"
    monkeypatch.setattr(trend, "MAX_TREND_DAYS", 2)
    with pytest.raises(BadQueryArgument, match="more than 2 snapshot days") as many:
        await portfolio_trend(session, scope, office_id=None, start=DAYS[0], end=DAYS[-1])
    assert many.value.field == "to"


async def test_an_empty_office_has_zero_points_and_the_scope_holds(
    session: AsyncSession, book: Book
) -> None:
    empty = await new_outlet(session, book.branch, "RPT04")
    head = scope_of(Role.BRANCH_HEAD, office=book.branch.code)
    report = await portfolio_trend(session, head, office_id=empty.id, start=DAYS[0], end=DAYS[-1])
    assert [(p.count, p.balance, p.non_performing_ratio) for p in report.points] == [
        (0, 0, None)
    ] * len(DAYS)
    with pytest.raises(NotFound):
        await portfolio_trend(session, head, office_id=book.head.id, start=DAYS[0], end=DAYS[-1])


async def test_a_snapshot_retaken_replaces_its_office_totals(
    session: AsyncSession, book: Book
) -> None:
    """The trend reads the office totals kept with each snapshot: a day's snapshot taken
    again after the book changed replaces them, and they stay the loans' own sums."""
    day = DAYS[-1]
    book.loans[-1].risk_class = RiskClass.LOSS
    book.loans[-1].balance += Decimal("123.45")
    await session.flush()
    await take_loan_snapshot(session, HR, as_of=day, today=TODAY)
    t = models.LoanSnapshotTotal
    rows = (
        await session.execute(
            select(t.office_id, t.loans, t.balance, t.non_performing_balance).where(
                t.tenant_id == TENANT, t.as_of == day
            )
        )
    ).all()
    s = models.LoanSnapshot
    npl = func.sum(case((s.risk_class.in_(NON_PERFORMING), s.balance), else_=Decimal("0")))
    summed = (
        await session.execute(
            select(s.office_id, func.count(), func.sum(s.balance), npl)
            .where(s.tenant_id == TENANT, s.as_of == day)
            .group_by(s.office_id)
        )
    ).all()
    assert sorted(rows) == sorted(summed) and len(rows) >= 2
    report = await portfolio_trend(
        session, scope_of(Role.RISK), office_id=book.head.id, start=day, end=day
    )
    expected = await direct.figures(
        session, TENANT, book.head.path, table="loan_snapshots", as_of=day
    )
    assert (report.points[0].balance, report.points[0].non_performing_balance) == (
        expected.balance,
        expected.npl,
    )
