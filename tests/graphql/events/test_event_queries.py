"""Event queries over GraphQL: a change and its event written together (none for a refused change),
read by integrators and HR in cursor order, page by page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

import plugins.shandong
from server.db import models
from server.domain import Role
from tests.conftest import Api

GRADE_EVENTS = """query($after: String, $first: Int) { gradeEvents(after: $after, first: $first) {
  latestCursor hasMore events { cursor kind occurredAt payload } } }"""

CLASS_EVENTS = GRADE_EVENTS.replace("gradeEvents", "classEvents")


async def _latest(api: Api, query: str, tenant: str) -> int:
    cursor = None
    while True:
        page = await api(
            query, {"after": cursor, "first": 100}, tenant=tenant, roles=(Role.INTEGRATOR,)
        )
        name = next(iter(page))
        cursor = page[name]["latestCursor"]
        if not page[name]["hasMore"]:
            return int(cursor or 0)


async def test_a_class_change_writes_its_event(api: Api, session: AsyncSession) -> None:
    before = await _latest(api, CLASS_EVENTS, "sx-demo")
    loan = (
        await session.execute(
            select(models.Loan)
            .join(
                models.Customer,
                (models.Customer.tenant_id == models.Loan.tenant_id)
                & (models.Customer.id == models.Loan.customer_id),
            )
            .where(
                models.Loan.tenant_id == "sx-demo",
                models.Loan.balance > 0,
                models.Customer.class_code != "EXIT",
            )
            .limit(1)
        )
    ).scalar_one()
    await api(
        """mutation($id: ID!) { setLoanRiskClass(input: {loanId: $id, riskClass: LOSS,
             daysOverdue: 400}) { __typename } }""",
        {"id": str(loan.id)},
        tenant="sx-demo",
    )
    page = (await api(CLASS_EVENTS, {"after": str(before)}, tenant="sx-demo", roles=(Role.HR,)))[
        "classEvents"
    ]
    assert [e["cursor"] for e in page["events"]] == [str(before + 1)]
    event = page["events"][0]
    payload = event["payload"]
    assert event["kind"] == "CUSTOMER_CLASS_CHANGED"
    assert payload["customer"]["id"] == str(loan.customer_id)
    assert payload["to"] == "EXIT"
    assert payload["plugin"] == "shanxi_customer_class"
    assert payload["cursor"] == event["cursor"]
    assert page["latestCursor"] == str(before + 1)


async def test_a_grade_change_and_its_event_commit_together(
    api: Api, session: AsyncSession
) -> None:
    manager = (
        await session.execute(
            select(models.Manager)
            .where(models.Manager.tenant_id == "sd-demo", models.Manager.tier_code == "SD_1")
            .limit(1)
        )
    ).scalar_one()
    before = await _latest(api, GRADE_EVENTS, "sd-demo")
    recorded = await api(
        """mutation($m: ID!) { recordViolation(input: {managerId: $m, kind: NOMINEE_LOAN,
             occurredOn: "2026-03-01", description: "冒名贷款"}) { ... on Violation { id } } }""",
        {"m": str(manager.id)},
        roles=(Role.BRANCH_HEAD,),
    )
    confirm = """mutation($id: ID!) { confirmViolation(id: $id) { __typename ... on Violation { effect } } }"""
    response = await api.post(
        confirm,
        {"id": recorded["recordViolation"]["id"]},
        token=api.token("sd-demo", (Role.RISK,), "risk-2"),
    )
    assert response.json()["data"]["confirmViolation"]["effect"] == "DOWN_ONE_TIER"
    page = (await api(GRADE_EVENTS, {"after": str(before)}, roles=(Role.INTEGRATOR,)))[
        "gradeEvents"
    ]
    assert len(page["events"]) == 1
    payload = page["events"][0]["payload"]
    assert payload["manager"] == {
        "id": str(manager.id),
        "employeeNo": manager.employee_no,
        "name": manager.name,
    }
    office = await session.get(models.Office, ("sd-demo", manager.office_id))
    assert office is not None
    # What an integrator needs of the office, which it cannot query (docs/roles.md).
    assert payload["office"] == {"id": str(office.id), "code": office.code, "name": office.name}
    assert (payload["from"]["code"], payload["to"]["code"]) == ("SD_1", "SD_2")
    assert (payload["direction"], payload["cause"]) == ("DOWN", "PENALTY")
    assert payload["violationId"] == recorded["recordViolation"]["id"]
    assert (payload["plugin"], payload["pluginVersion"]) == ("shandong", plugins.shandong.VERSION)
    history = await session.scalar(
        select(func.count())
        .select_from(models.ManagerTierChange)
        .where(
            models.ManagerTierChange.manager_id == manager.id,
            models.ManagerTierChange.cause == "PENALTY",
        )
    )
    assert history == 1


async def test_a_refused_change_writes_no_event(api: Api, session: AsyncSession) -> None:
    before = await session.scalar(select(func.count()).select_from(models.Event))
    violation_id = (
        await api(
            """mutation($m: ID!) { recordViolation(input: {managerId: $m, kind: NOMINEE_LOAN,
                 occurredOn: "2026-03-01", description: "x"}) { ... on Violation { id } } }""",
            {
                "m": str(
                    (
                        await session.execute(
                            select(models.Manager.id)
                            .where(models.Manager.tenant_id == "sd-demo")
                            .limit(1)
                        )
                    ).scalar_one()
                )
            },
            roles=(Role.BRANCH_HEAD,),
        )
    )["recordViolation"]["id"]
    same_person = await api(
        "mutation($id: ID!) { confirmViolation(id: $id) { __typename } }",
        {"id": violation_id},
        roles=(Role.RISK,),
    )
    assert same_person["confirmViolation"]["__typename"] == "PermissionDenied"
    assert await session.scalar(select(func.count()).select_from(models.Event)) == before


@pytest.mark.parametrize("roles", [(Role.MANAGER,), (Role.BRANCH_HEAD,), (Role.FEDERATION_ADMIN,)])
async def test_events_are_for_integrators_and_tenant_readers(
    api: Api, roles: tuple[Role, ...]
) -> None:
    response = await api.post(GRADE_EVENTS, {}, token=api.token("sd-demo", roles))
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "PERMISSION_DENIED"
    assert "INTEGRATOR" in error["message"]


async def test_paging_and_bad_cursors(api: Api) -> None:
    first = (await api(GRADE_EVENTS, {"first": 3}, roles=(Role.INTEGRATOR,)))["gradeEvents"]
    assert [e["cursor"] for e in first["events"]] == ["1", "2", "3"]
    assert first["hasMore"] is True
    nxt = (await api(GRADE_EVENTS, {"after": first["latestCursor"], "first": 2}, roles=(Role.HR,)))[
        "gradeEvents"
    ]
    assert [int(e["cursor"]) for e in nxt["events"]] == [4, 5]
    other = (await api(GRADE_EVENTS, {"first": 1}, tenant="ah-demo", roles=(Role.INTEGRATOR,)))[
        "gradeEvents"
    ]
    assert other["events"][0]["payload"]["tenant"] == "ah-demo"
    for bad in ("x", "-1"):
        response = await api.post(GRADE_EVENTS, {"after": bad}, token=api.token(roles=(Role.HR,)))
        assert response.json()["errors"][0]["extensions"]["field"] == "after"
