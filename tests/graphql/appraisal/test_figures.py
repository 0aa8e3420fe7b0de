"""Figures over GraphQL: task plans, indicator values, inspection findings and violations
recorded; the sheets of each office a manager worked at."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import Role
from tests.conftest import Api
from tests.graphql.appraisal.operations import RUN, SD_ACTUALS, SD_PLANS, active_manager, run_as

TENANT = "sd-demo"


async def _count(session: AsyncSession, model: Any, *conditions: Any) -> int:
    stmt = select(func.count()).select_from(model).where(model.tenant_id == TENANT, *conditions)
    return int(await session.scalar(stmt) or 0)


async def _first(session: AsyncSession, model: Any, *conditions: Any) -> Any:
    stmt = select(model).where(model.tenant_id == TENANT, *conditions).limit(1)
    return (await session.execute(stmt)).scalar_one()


async def test_record_plans_indicators_findings_and_violation(
    api: Api, session: AsyncSession
) -> None:
    loan = await _first(session, models.Loan)
    manager = await _first(session, models.Manager, models.Manager.id == loan.manager_id)
    data = await api(
        """mutation($m: ID!, $loan: ID!) {
          plan: recordTaskPlan(managerId: $m, period: "2025", plans: [
            {indicator: "deposit_net_increase", value: "5000000"},
            {indicator: "interest_recovered", value: "120000.50"}]) {
            __typename ... on FiguresRecorded { period figures { indicator value } } }
          again: recordTaskPlan(managerId: $m, period: "2025", plans: [
            {indicator: "interest_recovered", value: "130000"}]) { __typename }
          values: recordIndicators(managerId: $m, period: "2025", values: [
            {indicator: "deposit_net_increase", value: "-2500.25"}]) { __typename }
          findings: recordInspectionFindings(managerId: $m, period: "2025", findings: [
            {item: "C1.4", finding: "MISSING_INSPECTION_REPORT", count: 2, loanId: $loan}]) {
            __typename ... on FindingsRecorded { findings { item finding count loanId } } }
          violation: recordViolation(input: {managerId: $m, kind: NOMINEE_LOAN,
            occurredOn: "2025-06-01", description: "冒名贷款一笔"}) {
            __typename ... on Violation { kind kindLabel status } }
        }""",
        {"m": str(manager.id), "loan": str(loan.id)},
        roles=(Role.HR, Role.BRANCH_HEAD),
    )
    assert data["plan"]["figures"][1] == {"indicator": "interest_recovered", "value": "120000.5"}
    assert data["again"]["__typename"] == "FiguresRecorded"
    assert data["findings"]["findings"] == [
        {"item": "C1.4", "finding": "MISSING_INSPECTION_REPORT", "count": 2, "loanId": str(loan.id)}
    ]
    assert data["violation"] == {
        "__typename": "Violation",
        "kind": "NOMINEE_LOAN",
        "kindLabel": "背冒名贷款",
        "status": "RECORDED",
    }
    plans = dict(
        (
            await session.execute(
                select(models.TaskPlan.indicator, models.TaskPlan.plan).where(
                    models.TaskPlan.tenant_id == TENANT,
                    models.TaskPlan.manager_id == manager.id,
                    models.TaskPlan.period == "2025",
                )
            )
        ).all()
    )
    assert plans == {
        "deposit_net_increase": Decimal("5000000"),
        "interest_recovered": Decimal("130000"),
    }
    value = await session.scalar(
        select(models.IndicatorValue.value).where(
            models.IndicatorValue.tenant_id == TENANT,
            models.IndicatorValue.manager_id == manager.id,
            models.IndicatorValue.period == "2025",
        )
    )
    assert value == Decimal("-2500.25")


@pytest.mark.parametrize(
    ("period", "figures", "where"),
    [
        ("2025-Q5", [{"indicator": "x", "value": "1"}], "Period"),
        ("2025", [{"indicator": "Bad Key", "value": "1"}], "plans[0].indicator"),
        (
            "2025",
            [{"indicator": "a", "value": "1"}, {"indicator": "a", "value": "2"}],
            "plans[1].indicator",
        ),
        ("2025", [{"indicator": "a", "value": 1.5}], "Decimal"),
    ],
)
async def test_bad_task_plans_write_nothing(
    api: Api, session: AsyncSession, period: str, figures: list[dict[str, Any]], where: str
) -> None:
    manager = await _first(session, models.Manager)
    before = await _count(session, models.TaskPlan)
    response = await api.post(
        """mutation($m: ID!, $p: Period!, $f: [FigureInput!]!) {
          recordTaskPlan(managerId: $m, period: $p, plans: $f) {
            __typename ... on InvalidInput { errors { field code } } } }""",
        {"m": str(manager.id), "p": period, "f": figures},
    )
    assert where in response.text
    assert await _count(session, models.TaskPlan) == before


async def _move(api: Api, manager: models.Manager, office: str, on: str) -> dict[str, Any]:
    data = await api(
        """mutation($m: ID!, $o: ID!, $on: Date) { updateManager(id: $m,
             input: {officeId: $o, officeMovedOn: $on}) {
             __typename ... on Manager { office { id } } ... on InvalidInput { errors { field code } } } }""",
        {"m": str(manager.id), "o": office, "on": on},
    )
    result: dict[str, Any] = data["updateManager"]
    return result


async def _other_office(session: AsyncSession, manager: models.Manager) -> str:
    office = await session.scalar(
        select(models.Office.id).where(
            models.Office.tenant_id == manager.tenant_id,
            models.Office.id != manager.office_id,
            models.Office.kind == "OUTLET",
        )
    )
    return str(office)


async def _record_on(
    api: Api, manager_id: str, office: str | None, values: dict[str, str], plans: dict[str, str]
) -> None:
    variables: dict[str, Any] = {
        "m": manager_id,
        "o": office,
        "v": [{"indicator": k, "value": v} for k, v in values.items()],
        "p": [{"indicator": k, "value": v} for k, v in plans.items()],
    }
    data = await api(
        """mutation($m: ID!, $o: ID, $v: [FigureInput!]!, $p: [FigureInput!]!) {
          a: recordIndicators(managerId: $m, period: "2026", values: $v, officeId: $o) { __typename }
          b: recordTaskPlan(managerId: $m, period: "2026", plans: $p, officeId: $o) { __typename } }""",
        variables,
    )
    assert data == {"a": {"__typename": "FiguresRecorded"}, "b": {"__typename": "FiguresRecorded"}}


@pytest.mark.parametrize(
    ("moved_on", "former_counts"),
    [("2026-07-01", True), ("2026-06-30", False)],
)
async def test_transfer_adds_the_former_offices_figures_after_two_quarters(
    api: Api, session: AsyncSession, moved_on: str, former_counts: bool
) -> None:
    manager = await active_manager(session, "sd-demo")
    former = str(manager.office_id)
    current = await _other_office(session, manager)
    moved = await _move(api, manager, current, moved_on)
    assert moved == {"__typename": "Manager", "office": {"id": current}}
    # The former office's sheet: the first half year; the current office's: the rest.
    await _record_on(
        api,
        str(manager.id),
        former,
        {"interest_recovered": "200000", "deposit_net_increase": "2000000"},
        {"interest_recovered": "150000"},
    )
    await _record_on(
        api,
        str(manager.id),
        None,
        {k: v for k, v in SD_ACTUALS.items() if k != "interest_recovered"}
        | {"interest_recovered": "110000"},
        SD_PLANS,
    )
    result = (await run_as(api, RUN, {"m": str(manager.id)}, user="hr-1", roles=(Role.HR,)))[
        "runAppraisal"
    ]
    values = result["inputs"]["values"]
    if former_counts:
        assert Decimal(values["interest_recovered"]) == Decimal("310000")
        assert Decimal(values["deposit_net_increase"]) == Decimal("6500000")
        assert Decimal(result["inputs"]["plans"]["interest_recovered"]) == Decimal("450000")
        assert set(result["inputs"]["officeSheets"]) == {former, current}
    else:
        assert Decimal(values["interest_recovered"]) == Decimal("110000")
        assert Decimal(values["deposit_net_increase"]) == Decimal("4500000")
        assert "officeSheets" not in result["inputs"]


async def test_a_short_stints_figures_do_not_fill_a_gap(api: Api, session: AsyncSession) -> None:
    manager = await active_manager(session, "sd-demo")
    former = str(manager.office_id)
    await _move(api, manager, await _other_office(session, manager), "2026-06-30")
    await _record_on(
        api, str(manager.id), former, {"interest_recovered": "200000"}, {"interest_recovered": "1"}
    )
    await _record_on(
        api,
        str(manager.id),
        None,
        {k: v for k, v in SD_ACTUALS.items() if k != "interest_recovered"},
        SD_PLANS,
    )
    result = (await run_as(api, RUN, {"m": str(manager.id)}, user="hr-1", roles=(Role.HR,)))[
        "runAppraisal"
    ]
    assert result["__typename"] == "MissingInputs"
    reason = {m["key"]: m["reason"] for m in result["missing"]}["interest_recovered"]
    assert "第十二条" in reason
    assert "1 full quarter" in reason


async def test_figures_only_on_an_office_the_manager_worked_at(
    api: Api, session: AsyncSession
) -> None:
    manager = await active_manager(session, "sd-demo")
    stranger = await _other_office(session, manager)
    data = await api(
        """mutation($m: ID!, $o: ID) { recordIndicators(managerId: $m, period: "2026",
             values: [{indicator: "interest_recovered", value: "1"}], officeId: $o) {
             __typename ... on InvalidInput { errors { field code } } } }""",
        {"m": str(manager.id), "o": stranger},
    )
    assert data["recordIndicators"] == {
        "__typename": "InvalidInput",
        "errors": [{"field": "officeId", "code": "NOT_THE_MANAGERS_OFFICE"}],
    }
