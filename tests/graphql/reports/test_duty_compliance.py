"""dutyCompliance over GraphQL: its figures equal a direct count, every role within its
scope (the permission matrix's world), not found out of scope, bad arguments named."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import business_today
from server.domain import Role
from server.policy.registry import PolicyRegistry
from server.services.tenant_settings import tenant_settings
from tests.conftest import Api
from tests.graphql.matrix import World, build_world, user_of
from tests.services.reports import direct_duties
from tests.services.reports.book import TENANT
from tests.services.reports.duty_book import END, START, DutyBook, build_duty_book

FIGURES = """notices { due onTime late missing } inspections { due done missing
  byFrequency { frequency months due done missing } }"""
COMPLIANCE = f"""query($from: Date!, $to: Date!, $office: ID, $first: Int) {{
  dutyCompliance(from: $from, to: $to, officeId: $office, first: $first) {{
    office {{ id }} from to figures {{ {FIGURES} }}
    byOffice {{ office {{ id }} subtree figures {{ {FIGURES} }} }}
    managers byManager {{ manager {{ id }} office {{ id }} figures {{ {FIGURES} }} }} }} }}"""
HALF_YEAR = {"from": START.isoformat(), "to": END.isoformat()}


@pytest.fixture
async def book(session: AsyncSession, registry: PolicyRegistry) -> DutyBook:
    book = await build_duty_book(session, registry)
    await session.commit()
    return book


def as_expected(figures: dict[str, Any]) -> direct_duties.Expected:
    notices, inspections = figures["notices"], figures["inspections"]
    assert notices["due"] == notices["onTime"] + notices["late"] + notices["missing"]
    assert inspections["due"] == inspections["done"] + inspections["missing"]
    by = inspections["byFrequency"]
    assert [f["months"] for f in by] == [3, 6, 12]
    assert all(f["due"] == f["done"] + f["missing"] for f in by)
    assert inspections["due"] == sum(f["due"] for f in by)
    return direct_duties.Expected(
        notices_due=notices["due"],
        on_time=notices["onTime"],
        late=notices["late"],
        inspections={f["frequency"]: (f["due"], f["done"]) for f in by},
    )


async def direct(
    session: AsyncSession, start: dt.date = START, end: dt.date = END
) -> tuple[list[direct_duties.LoanRow], dict[uuid.UUID, direct_duties.Expected]]:
    large = (await tenant_settings(session, TENANT)).large_loan_threshold
    return await direct_duties.compliance(session, TENANT, start, end, large_loan=large)


async def test_a_branch_report_equals_a_direct_count(
    api: Api, session: AsyncSession, book: DutyBook
) -> None:
    variables = {**HALF_YEAR, "office": str(book.branch.id), "first": 100}
    report = (await api(COMPLIANCE, variables, roles=(Role.RISK,)))["dutyCompliance"]
    assert (report["office"]["id"], report["from"], report["to"]) == (
        str(book.branch.id),
        START.isoformat(),
        END.isoformat(),
    )
    loans, per_loan = await direct(session)
    below = [loan for loan in loans if loan.path.startswith(book.branch.path)]
    assert as_expected(report["figures"]) == direct_duties.summed(
        per_loan, [loan.id for loan in below]
    )
    by_office = {r["office"]["id"]: r for r in report["byOffice"]}
    outlet = by_office[str(book.outlet.id)]
    assert outlet["subtree"] is True
    assert outlet["figures"]["notices"] == {"due": 5, "onTime": 2, "late": 1, "missing": 2}
    assert as_expected(outlet["figures"]) == direct_duties.summed(
        per_loan, [loan.id for loan in below if loan.path.startswith(book.outlet.path)]
    )
    assert report["managers"] == len(report["byManager"]) > 3
    for row in report["byManager"]:
        theirs = [loan.id for loan in below if str(loan.manager_id) == row["manager"]["id"]]
        assert as_expected(row["figures"]) == direct_duties.summed(per_loan, theirs)
    missing = [
        r["figures"]["notices"]["missing"] + r["figures"]["inspections"]["missing"]
        for r in report["byManager"]
    ]
    assert missing == sorted(missing, reverse=True)


@pytest.mark.parametrize(
    ("variables", "field", "code"),
    [
        ({"office": "not-an-id"}, "officeId", "NOT_FOUND"),
        ({"from": END.isoformat(), "to": START.isoformat()}, "to", "BAD_USER_INPUT"),
        ({"from": "2025-01-01", "to": "2026-01-02"}, "to", "BAD_USER_INPUT"),
        ({"to": (business_today() + dt.timedelta(days=1)).isoformat()}, "to", "BAD_USER_INPUT"),
        ({"first": 0}, "first", "BAD_USER_INPUT"),
    ],
)
async def test_bad_arguments_are_named(
    api: Api, variables: dict[str, Any], field: str, code: str
) -> None:
    query = {**HALF_YEAR, **variables}
    response = await api.post(COMPLIANCE, query, token=api.token(roles=(Role.HR,)))
    body = response.json()
    assert body.get("data") is None
    [error] = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (code, field)


@pytest.fixture
async def world(session: AsyncSession, registry: PolicyRegistry) -> World:
    return await build_world(session, registry)


@pytest.mark.parametrize("role", [Role.BRANCH_HEAD, Role.HR, Role.RISK, Role.AUDITOR])
async def test_each_role_counts_exactly_the_loans_it_reaches(
    api: Api, session: AsyncSession, world: World, role: Role
) -> None:
    year = (dt.date(2025, 7, 1), dt.date(2026, 6, 30))
    token = api.token(TENANT, (role,), user_of(role), **world.claims(role))
    variables = {"from": year[0].isoformat(), "to": year[1].isoformat()}
    body = (await api.post(COMPLIANCE, variables, token=token)).json()
    assert "errors" not in body, body
    loans, per_loan = await direct(session, *year)
    reached = [loan.id for loan in loans if str(loan.id) in world.visible[role]["Loan"]]
    expected = direct_duties.summed(per_loan, reached)
    assert as_expected(body["data"]["dutyCompliance"]["figures"]) == expected
    assert expected.notices_due > 0
    other = world.corners["other_office"].office.id
    outside = (await api.post(COMPLIANCE, {**variables, "office": str(other)}, token=token)).json()
    if role is Role.BRANCH_HEAD:
        assert outside.get("data") is None
        assert outside["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "officeId"}
    else:
        assert outside["data"]["dutyCompliance"]["office"]["id"] == str(other)


async def test_a_manager_is_refused(api: Api) -> None:
    token = api.token(roles=(Role.MANAGER,))
    body = (await api.post(COMPLIANCE, HALF_YEAR, token=token)).json()
    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
