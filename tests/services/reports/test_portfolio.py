"""loan_portfolio: every figure equal to a direct SQL computation of it, for the tenant,
a branch's subtree and each row by office; the overdue buckets' bounds; the snapshot of
a past day; the scope; an empty office; bad arguments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.scope import Scope
from server.domain import RiskClass, Role
from server.errors import BadQueryArgument, NotFound, PermissionDenied
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.access import authorize
from server.services.reports.portfolio import OVERDUE_BUCKETS, Portfolio, loan_portfolio
from server.services.snapshots import take_loan_snapshot
from tests.services.reports import direct
from tests.services.reports.book import (
    HR,
    SPREAD,
    SPREAD_BUCKETS,
    TENANT,
    Book,
    build_book,
    new_outlet,
    spread_total,
)

TODAY = dt.date(2026, 6, 15)


@pytest.fixture
async def book(session: AsyncSession, registry: PolicyRegistry) -> Book:
    return await build_book(session, registry)


def scope_of(roles: tuple[Role, ...], office: str | None = None) -> Scope:
    return authorize(
        Principal(TENANT, "u", frozenset(roles), office=office), "loanPortfolio", "query"
    )


def assert_equal(report: Portfolio, expected: direct.Figures) -> None:
    assert report.count == expected.count
    assert report.outstanding == expected.outstanding
    assert report.balance == expected.balance
    assert report.non_performing_balance == expected.npl
    assert {r.value: (t.count, t.balance) for r, t in report.by_risk_class.items()} == (
        expected.by_class
    )
    assert [(t.count, t.balance) for t in report.by_bucket.values()] == expected.by_bucket
    ratio = (
        None
        if expected.balance == 0
        else (expected.npl / expected.balance).quantize(Decimal("0.0001"))
    )
    assert report.non_performing_ratio == ratio


async def test_the_tenant_and_each_office_row_equal_direct_sql(
    session: AsyncSession, book: Book
) -> None:
    report = await loan_portfolio(
        session, scope_of((Role.HR,)), office_id=None, as_of=None, today=TODAY
    )
    assert report.office.id == book.head.id and not report.from_snapshot
    whole = await direct.figures(session, TENANT, book.head.path)
    assert whole.count > len(SPREAD) and whole.npl > 0
    assert_equal(report.total, whole)
    assert report.by_office[0].office.id == book.head.id and not report.by_office[0].subtree
    own = await direct.figures(session, TENANT, "", only_office_path=book.head.path)
    assert_equal(report.by_office[0].portfolio, own)
    for row in report.by_office[1:]:
        assert row.subtree and row.office.parent_id == book.head.id
        assert_equal(row.portfolio, await direct.figures(session, TENANT, row.office.path))
    assert sum(r.portfolio.count for r in report.by_office) == whole.count
    assert sum((r.portfolio.balance for r in report.by_office), Decimal(0)) == whole.balance


async def test_a_branch_head_reads_its_subtree(session: AsyncSession, book: Book) -> None:
    scope = scope_of((Role.BRANCH_HEAD,), office=book.branch.code)
    report = await loan_portfolio(session, scope, office_id=None, as_of=None, today=TODAY)
    assert report.office.id == book.branch.id
    assert_equal(report.total, await direct.figures(session, TENANT, book.branch.path))
    mine = next(r for r in report.by_office if r.office.id == book.outlet.id)
    assert mine.portfolio.balance == spread_total()
    named = await loan_portfolio(session, scope, office_id=book.outlet.id, as_of=None, today=TODAY)
    assert [r.office.id for r in named.by_office] == [book.outlet.id]
    assert_equal(named.total, await direct.figures(session, TENANT, book.outlet.path))


async def test_the_overdue_buckets_hold_their_bounds(session: AsyncSession, book: Book) -> None:
    report = await loan_portfolio(
        session, scope_of((Role.RISK,)), office_id=book.outlet.id, as_of=None, today=TODAY
    )
    expected = [0] * len(OVERDUE_BUCKETS)
    for bucket in SPREAD_BUCKETS:
        expected[bucket] += 1
    assert [t.count for t in report.total.by_bucket.values()] == expected
    assert report.total.count == len(SPREAD) and report.total.outstanding == len(SPREAD) - 1
    npl = sum(
        (
            Decimal(b)
            for _, r, b in SPREAD
            if r in (RiskClass.SUBSTANDARD, RiskClass.DOUBTFUL, RiskClass.LOSS)
        ),
        Decimal(0),
    )
    assert report.total.non_performing_balance == npl
    assert report.total.non_performing_ratio == (npl / spread_total()).quantize(Decimal("0.0001"))


async def test_out_of_scope_or_unknown_offices_are_not_found(
    session: AsyncSession, book: Book
) -> None:
    scope = scope_of((Role.BRANCH_HEAD,), office=book.branch.code)
    for outside in (book.head.id, "not-an-id", "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(NotFound) as missing:
            await loan_portfolio(session, scope, office_id=outside, as_of=None, today=TODAY)
        assert missing.value.field == "officeId"
    foreign = Scope("ah-demo", whole_tenant=True)
    with pytest.raises(NotFound):
        await loan_portfolio(session, foreign, office_id=book.outlet.id, as_of=None, today=TODAY)


async def test_an_empty_office_has_zeros_and_no_ratio(session: AsyncSession, book: Book) -> None:
    empty = await new_outlet(session, book.branch, "RPT02")
    report = await loan_portfolio(
        session, scope_of((Role.AUDITOR,)), office_id=empty.id, as_of=None, today=TODAY
    )
    assert report.total.count == 0 and report.total.balance == 0
    assert report.total.non_performing_ratio is None
    assert set(report.total.by_risk_class) == set(RiskClass)
    assert len(report.total.by_bucket) == len(OVERDUE_BUCKETS)
    assert all(t.count == 0 for t in report.total.by_bucket.values())


async def test_a_past_day_reads_its_snapshot(session: AsyncSession, book: Book) -> None:
    day = dt.date(2026, 5, 31)
    await take_loan_snapshot(session, HR, as_of=day, today=TODAY)
    book.loans[0].risk_class, book.loans[0].balance = RiskClass.LOSS, Decimal("999.99")
    await session.flush()
    scope = scope_of((Role.HR,))
    past = await loan_portfolio(session, scope, office_id=book.branch.id, as_of=day, today=TODAY)
    assert past.from_snapshot and past.as_of == day
    expected = await direct.figures(
        session, TENANT, book.branch.path, table="loan_snapshots", as_of=day
    )
    assert expected.count > 0
    assert_equal(past.total, expected)
    now = await loan_portfolio(session, scope, office_id=book.branch.id, as_of=TODAY, today=TODAY)
    assert not now.from_snapshot
    assert now.total.non_performing_balance == past.total.non_performing_balance + Decimal("999.99")


@pytest.mark.parametrize(
    ("day", "rule"),
    [(dt.date(2026, 5, 30), "no loan snapshot"), (dt.date(2026, 6, 16), "after today")],
)
async def test_a_day_without_a_snapshot_or_ahead_is_a_bad_argument(
    session: AsyncSession, book: Book, day: dt.date, rule: str
) -> None:
    with pytest.raises(BadQueryArgument, match=rule) as bad:
        await loan_portfolio(session, scope_of((Role.HR,)), office_id=None, as_of=day, today=TODAY)
    assert bad.value.field == "asOf"


def test_a_manager_is_given_no_report() -> None:
    with pytest.raises(PermissionDenied, match="loanPortfolio needs the role"):
        scope_of((Role.MANAGER,))
