"""Every read and write is confined to the token's tenant."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from tests.conftest import Api

OWN = "sd-demo"
OTHER = "ah-demo"


async def _other(session: AsyncSession, model: Any) -> Any:
    return (
        await session.execute(select(model).where(model.tenant_id == OTHER).limit(1))
    ).scalar_one()


@pytest.mark.parametrize(
    ("field", "model"),
    [
        ("manager", models.Manager),
        ("customer", models.Customer),
        ("loan", models.Loan),
        ("office", models.Office),
    ],
)
async def test_another_tenants_id_is_not_found(
    api: Api, session: AsyncSession, field: str, model: Any
) -> None:
    row = await _other(session, model)
    query = f"query($id: ID!) {{ {field}(id: $id) {{ id }} }}"
    assert (await api(query, {"id": str(row.id)}, tenant=OTHER))[field]["id"] == str(row.id)
    assert (await api(query, {"id": str(row.id)}, tenant=OWN))[field] is None


async def test_lists_hold_only_the_own_tenant(api: Api, session: AsyncSession) -> None:
    other_ids = {
        str(i)
        for i in (
            await session.execute(
                select(models.Manager.id).where(models.Manager.tenant_id == OTHER)
            )
        ).scalars()
    }
    data = await api("{ managers(first: 100) { edges { node { id } } } }", tenant=OWN)
    ids = {e["node"]["id"] for e in data["managers"]["edges"]}
    assert ids and not ids & other_ids


async def test_filter_by_another_tenants_office_finds_nothing(
    api: Api, session: AsyncSession
) -> None:
    office = await _other(session, models.Office)
    data = await api(
        "query($o: ID!) { managers(filter: {officeId: $o}) { totalCount } loans(filter: {officeId: $o}) { totalCount } }",
        {"o": str(office.id)},
        tenant=OWN,
    )
    assert data["managers"]["totalCount"] == 0
    assert data["loans"]["totalCount"] == 0


async def test_writes_against_another_tenants_ids_are_not_found_and_write_nothing(
    api: Api, session: AsyncSession
) -> None:
    loan = await _other(session, models.Loan)
    manager = await _other(session, models.Manager)
    office = await _other(session, models.Office)
    before = (loan.risk_class, loan.days_overdue, manager.name)
    data = await api(
        """mutation($loan: ID!, $manager: ID!, $office: ID!) {
          risk: setLoanRiskClass(input: {loanId: $loan, riskClass: LOSS, daysOverdue: 400}) {
            __typename ... on NotFound { entity field } }
          upd: updateManager(id: $manager, input: {name: "改名"}) {
            __typename ... on NotFound { entity field } }
          mgr: createManager(input: {employeeNo: "X-1", name: "越界", officeId: $office,
            category: RETAIL, hireDate: "2020-01-01", birthDate: "1990-01-01",
            identityNumber: "37010219900101001X"}) {
            __typename ... on NotFound { entity field } }
          plan: recordTaskPlan(managerId: $manager, period: "2025",
            plans: [{indicator: "interest_recovered", value: "1"}]) { __typename }
        }""",
        {"loan": str(loan.id), "manager": str(manager.id), "office": str(office.id)},
        tenant=OWN,
    )
    assert data["risk"] == {"__typename": "NotFound", "entity": "Loan", "field": "input.loanId"}
    assert data["upd"] == {"__typename": "NotFound", "entity": "Manager", "field": "id"}
    assert data["mgr"] == {"__typename": "NotFound", "entity": "Office", "field": "input.officeId"}
    assert data["plan"]["__typename"] == "NotFound"
    await session.refresh(loan)
    await session.refresh(manager)
    assert (loan.risk_class, loan.days_overdue, manager.name) == before
    plans = (
        await session.execute(
            select(models.TaskPlan).where(models.TaskPlan.manager_id == manager.id)
        )
    ).all()
    assert plans == []
