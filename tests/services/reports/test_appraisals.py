"""grade_distribution and appraisal_league: counts equal to direct SQL, ranks with ties by
the competition rule, the scope, an empty office, bad arguments."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.scope import Scope
from server.domain import AppraisalStatus, Role
from server.errors import BadQueryArgument, NotFound
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.access import authorize
from server.services.reports.appraisals import appraisal_league, grade_distribution
from tests.services.reports.book import (
    PERIOD,
    TEAM,
    TENANT,
    Book,
    build_book,
    build_team,
    new_outlet,
)


@pytest.fixture
async def book(session: AsyncSession, registry: PolicyRegistry) -> Book:
    book = await build_book(session, registry)
    await build_team(session, registry, book)
    return book


def scope_of(role: Role, office: str | None = None) -> Scope:
    actor = Principal(TENANT, "u", frozenset({role}), office=office)
    return authorize(actor, "gradeDistribution", "query")


async def direct_current_tiers(session: AsyncSession, path: str) -> dict[str | None, int]:
    rows = await session.execute(
        text(
            "SELECT m.tier_code, count(*) FROM managers m WHERE m.tenant_id = :t AND m.status "
            "<> 'LEFT' AND m.office_id IN (SELECT id FROM offices WHERE tenant_id = :t AND "
            "path LIKE :p) GROUP BY m.tier_code"
        ),
        {"t": TENANT, "p": path + "%"},
    )
    return {code: int(n) for code, n in rows.all()}


async def test_current_tiers_equal_direct_sql(session: AsyncSession, book: Book) -> None:
    for office in (book.head, book.branch, book.outlet):
        report = await grade_distribution(
            session, scope_of(Role.HR), office_id=office.id, period=None
        )
        assert {t.code: t.count for t in report.tiers} == await direct_current_tiers(
            session, office.path
        )
    outlet = await grade_distribution(
        session, scope_of(Role.HR), office_id=book.outlet.id, period=None
    )
    assert [(t.code, t.count) for t in outlet.tiers] == [
        ("SD_1", 2),
        ("SD_2", 1),
        ("SD_3", 1),
        (None, 2),
    ]
    # The book's own manager has no tier; the one who left is not counted.
    assert outlet.total == len(TEAM)


async def test_a_period_counts_its_confirmed_appraisals(session: AsyncSession, book: Book) -> None:
    report = await grade_distribution(
        session, scope_of(Role.AUDITOR), office_id=book.outlet.id, period=PERIOD
    )
    expected = await session.execute(
        text(
            "SELECT a.tier_code, count(*) FROM appraisals a JOIN managers m ON m.tenant_id = "
            "a.tenant_id AND m.id = a.manager_id WHERE a.tenant_id = :t AND a.period = :p AND "
            "a.status = 'CONFIRMED' AND m.office_id IN (SELECT id FROM offices WHERE tenant_id "
            "= :t AND path LIKE :path) GROUP BY a.tier_code"
        ),
        {"t": TENANT, "p": PERIOD, "path": book.outlet.path + "%"},
    )
    assert {t.code: t.count for t in report.tiers} == {c: int(n) for c, n in expected.all()}
    assert report.total == 4


async def test_the_league_ranks_ties_by_competition(session: AsyncSession, book: Book) -> None:
    league = await appraisal_league(
        session, scope_of(Role.RISK), period=PERIOD, office_id=book.outlet.id, first=10
    )
    assert league.ranked == 5
    assert [(r.rank, str(r.appraisal.total)) for r in league.rows] == [
        (1, "91.50"),
        (2, "88.00"),
        (2, "88.00"),
        (4, "75.25"),
        (5, "60.00"),
    ]
    tied = [r.manager.employee_no for r in league.rows if r.rank == 2]
    assert tied == sorted(tied)
    assert {r.appraisal.status for r in league.rows} == {
        AppraisalStatus.CONFIRMED,
        AppraisalStatus.DRAFT,
        AppraisalStatus.APPEALED,
    }
    assert all(r.office.id == book.outlet.id for r in league.rows)
    top = await appraisal_league(
        session, scope_of(Role.RISK), period=PERIOD, office_id=book.outlet.id, first=2
    )
    assert [r.rank for r in top.rows] == [1, 2] and top.ranked == 5


async def test_the_league_equals_direct_sql_over_the_tenant(
    session: AsyncSession, book: Book
) -> None:
    league = await appraisal_league(
        session, scope_of(Role.HR), period=PERIOD, office_id=None, first=100
    )
    rows = await session.execute(
        text(
            "SELECT a.id FROM appraisals a WHERE a.tenant_id = :t AND a.period = :p AND "
            "a.total IS NOT NULL"
        ),
        {"t": TENANT, "p": PERIOD},
    )
    assert league.ranked == len(rows.all())
    totals = [r.appraisal.total for r in league.rows]
    assert totals == sorted(totals, reverse=True)
    for r in league.rows:
        assert r.rank == 1 + sum(1 for t in totals if t > r.appraisal.total)  # type: ignore[operator]


async def test_scope_empty_office_and_bad_arguments(session: AsyncSession, book: Book) -> None:
    head_scope = scope_of(Role.BRANCH_HEAD, office=book.branch.code)
    mine = await appraisal_league(session, head_scope, period=PERIOD, office_id=None, first=10)
    assert mine.office.id == book.branch.id and mine.ranked == 5
    with pytest.raises(NotFound):
        await grade_distribution(session, head_scope, office_id=book.head.id, period=None)
    empty = await new_outlet(session, book.branch, "RPT03")
    nothing = await grade_distribution(session, head_scope, office_id=empty.id, period=None)
    assert nothing.tiers == [] and nothing.total == 0
    for first in (0, 101):
        with pytest.raises(BadQueryArgument) as bad:
            await appraisal_league(session, head_scope, period=PERIOD, office_id=None, first=first)
        assert bad.value.field == "first"
