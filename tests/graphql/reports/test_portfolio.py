"""loanPortfolio over GraphQL: its figures equal direct SQL, every role within its scope
(the permission matrix's world), not found out of scope, bad arguments named."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import Role
from server.policy.registry import PolicyRegistry
from tests.conftest import Api
from tests.graphql.matrix import World, build_world, user_of
from tests.services.reports import direct
from tests.services.reports.book import TENANT, Book, build_book

FIGURES = """count outstandingCount balance nonPerformingBalance nonPerformingRatio
  byRiskClass { riskClass count balance } overdue { fromDays toDays count balance }"""
PORTFOLIO = f"""query($office: ID, $on: Date) {{ loanPortfolio(officeId: $office, asOf: $on) {{
  office {{ id code }} asOf fromSnapshot figures {{ {FIGURES} }}
  byOffice {{ office {{ id }} subtree figures {{ {FIGURES} }} }} }} }}"""


@pytest.fixture
async def book(session: AsyncSession, registry: PolicyRegistry) -> Book:
    book = await build_book(session, registry)
    await session.commit()
    return book


def as_direct(figures: dict[str, Any]) -> direct.Figures:
    return direct.Figures(
        count=figures["count"],
        outstanding=figures["outstandingCount"],
        balance=Decimal(figures["balance"]),
        npl=Decimal(figures["nonPerformingBalance"]),
        by_class={
            r["riskClass"]: (r["count"], Decimal(r["balance"])) for r in figures["byRiskClass"]
        },
        by_bucket=[(b["count"], Decimal(b["balance"])) for b in figures["overdue"]],
    )


async def test_a_branch_portfolio_equals_direct_sql(
    api: Api, session: AsyncSession, book: Book
) -> None:
    data = await api(PORTFOLIO, {"office": str(book.branch.id)}, roles=(Role.RISK,))
    report = data["loanPortfolio"]
    assert report["office"]["id"] == str(book.branch.id) and report["fromSnapshot"] is False
    expected = await direct.figures(session, TENANT, book.branch.path)
    assert as_direct(report["figures"]) == expected
    ratio = (expected.npl / expected.balance).quantize(Decimal("0.0001"))
    assert Decimal(report["figures"]["nonPerformingRatio"]) == ratio
    assert [b["fromDays"] for b in report["figures"]["overdue"]] == [0, 1, 31, 91, 181, 361]
    assert report["figures"]["overdue"][-1]["toDays"] is None
    outlet = next(r for r in report["byOffice"] if r["office"]["id"] == str(book.outlet.id))
    assert outlet["subtree"] is True
    assert as_direct(outlet["figures"]) == await direct.figures(session, TENANT, book.outlet.path)


@pytest.mark.parametrize(
    ("variables", "field", "code"),
    [
        ({"office": "not-an-id"}, "officeId", "NOT_FOUND"),
        ({"on": "2026-05-30"}, "asOf", "BAD_USER_INPUT"),
        ({"on": "2199-01-01"}, "asOf", "BAD_USER_INPUT"),
    ],
)
async def test_bad_arguments_are_named(
    api: Api, variables: dict[str, str], field: str, code: str
) -> None:
    response = await api.post(PORTFOLIO, variables, token=api.token(roles=(Role.HR,)))
    body = response.json()
    assert body.get("data") is None
    [error] = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (code, field)


@pytest.fixture
async def world(session: AsyncSession, registry: PolicyRegistry) -> World:
    return await build_world(session, registry)


@pytest.mark.parametrize("role", [Role.BRANCH_HEAD, Role.HR, Role.RISK, Role.AUDITOR])
async def test_each_role_counts_exactly_the_loans_it_reaches(
    api: Api, world: World, role: Role
) -> None:
    token = api.token(TENANT, (role,), user_of(role), **world.claims(role))
    body = (await api.post(PORTFOLIO, {}, token=token)).json()
    assert "errors" not in body, body
    assert body["data"]["loanPortfolio"]["figures"]["count"] == len(world.visible[role]["Loan"])
    other = world.corners["other_office"].office.id
    outside = (await api.post(PORTFOLIO, {"office": str(other)}, token=token)).json()
    if role is Role.BRANCH_HEAD:
        assert outside.get("data") is None
        assert outside["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    else:
        assert outside["data"]["loanPortfolio"]["office"]["id"] == str(other)


async def test_a_manager_is_refused(api: Api) -> None:
    body = (await api.post(PORTFOLIO, {}, token=api.token(roles=(Role.MANAGER,)))).json()
    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


async def test_a_past_day_is_read_from_its_snapshot(
    api: Api, session: AsyncSession, book: Book
) -> None:
    day = dt.date(2025, 12, 31)
    taken = await api(
        'mutation { takeLoanSnapshot(asOf: "2025-12-31") { __typename } }', roles=(Role.HR,)
    )
    assert taken["takeLoanSnapshot"]["__typename"] == "LoanSnapshotTaken"
    data = await api(PORTFOLIO, {"on": day.isoformat()}, roles=(Role.AUDITOR,))
    report = data["loanPortfolio"]
    assert (report["asOf"], report["fromSnapshot"]) == (day.isoformat(), True)
    expected = await direct.figures(
        session, TENANT, book.head.path, table="loan_snapshots", as_of=day
    )
    assert as_direct(report["figures"]) == expected and expected.count > 0


TREND = """query($from: Date!, $to: Date!, $office: ID) { portfolioTrend(from: $from, to: $to,
  officeId: $office) { office { id } points { asOf count balance nonPerformingBalance
  nonPerformingRatio } } }"""


async def test_the_trend_reads_each_snapshot_day(
    api: Api, session: AsyncSession, book: Book
) -> None:
    days = ("2025-11-30", "2025-12-31")
    for day in days:
        taken = await api(
            f'mutation {{ takeLoanSnapshot(asOf: "{day}") {{ __typename }} }}', roles=(Role.HR,)
        )
        assert taken["takeLoanSnapshot"]["__typename"] == "LoanSnapshotTaken"
    variables = {"from": days[0], "to": days[1], "office": str(book.branch.id)}
    data = await api(TREND, variables, roles=(Role.RISK,))
    points = data["portfolioTrend"]["points"]
    assert [p["asOf"] for p in points] == list(days)
    for p in points:
        expected = await direct.figures(
            session,
            TENANT,
            book.branch.path,
            table="loan_snapshots",
            as_of=dt.date.fromisoformat(p["asOf"]),
        )
        assert (p["count"], Decimal(p["balance"]), Decimal(p["nonPerformingBalance"])) == (
            expected.count,
            expected.balance,
            expected.npl,
        )
    backwards = {"from": days[1], "to": days[0]}
    body = (await api.post(TREND, backwards, token=api.token(roles=(Role.HR,)))).json()
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "to"}
