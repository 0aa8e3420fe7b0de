"""Recorded appraisal inputs (``server.services.records``): task plans and indicator values per
office sheet, inspection findings; each broken rule named by its field, nothing written."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.errors import InvalidInput, NotFound
from server.services import records
from server.services.records import Figure, Finding
from tests.conftest import principal

TENANT = "sd-demo"


async def _first(session: AsyncSession, model: Any, *conditions: Any) -> Any:
    stmt = select(model).where(model.tenant_id == TENANT, *conditions).limit(1)
    return (await session.execute(stmt)).scalar_one()


async def _count(session: AsyncSession, model: Any) -> int:
    stmt = select(func.count()).select_from(model).where(model.tenant_id == TENANT)
    return int(await session.scalar(stmt) or 0)


async def test_a_plan_given_again_replaces_the_earlier_one(session: AsyncSession) -> None:
    manager = await _first(session, models.Manager)
    hr = principal()
    first = [
        Figure("deposits_net_increase", Decimal("5000000")),
        Figure("interest_recovered", Decimal("120000.50")),
    ]
    await records.record_task_plan(
        session, hr, manager_id=str(manager.id), period="2025", plans=first
    )
    again = [Figure("interest_recovered", Decimal("130000"))]
    await records.record_task_plan(
        session, hr, manager_id=str(manager.id), period="2025", plans=again
    )
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
        "deposits_net_increase": Decimal("5000000"),
        "interest_recovered": Decimal("130000"),
    }


@pytest.mark.parametrize(
    ("plans", "problems"),
    [
        ([Figure("Bad Key", Decimal(1))], [("plans[0].indicator", "FORMAT")]),
        (
            [Figure("a", Decimal(1)), Figure("a", Decimal(2))],
            [("plans[1].indicator", "DUPLICATE")],
        ),
        ([], [("plans", "NOT_EMPTY")]),
    ],
)
async def test_bad_task_plans_write_nothing(
    session: AsyncSession, plans: list[Figure], problems: list[tuple[str, str]]
) -> None:
    manager = await _first(session, models.Manager)
    before = await _count(session, models.TaskPlan)
    with pytest.raises(InvalidInput) as refused:
        await records.record_task_plan(
            session, principal(), manager_id=str(manager.id), period="2025", plans=plans
        )
    assert [(p.field, p.code) for p in refused.value.problems] == problems
    assert await _count(session, models.TaskPlan) == before


async def test_figures_only_on_an_office_the_manager_worked_at(session: AsyncSession) -> None:
    manager = await _first(session, models.Manager, models.Manager.status == "ACTIVE")
    stranger = await _first(
        session,
        models.Office,
        models.Office.id != manager.office_id,
        models.Office.kind == "OUTLET",
    )
    before = await _count(session, models.IndicatorValue)
    with pytest.raises(InvalidInput) as refused:
        await records.record_indicators(
            session,
            principal(),
            manager_id=str(manager.id),
            period="2026",
            values=[Figure("interest_recovered", Decimal(1))],
            office_id=str(stranger.id),
        )
    assert [(p.field, p.code) for p in refused.value.problems] == [
        ("office_id", "NOT_THE_MANAGERS_OFFICE")
    ]
    assert await _count(session, models.IndicatorValue) == before


async def test_findings_name_their_item_finding_and_count(session: AsyncSession) -> None:
    manager = await _first(session, models.Manager)
    before = await _count(session, models.InspectionFinding)
    with pytest.raises(InvalidInput) as refused:
        await records.record_inspection_findings(
            session,
            principal(),
            manager_id=str(manager.id),
            period="2025",
            findings=[
                Finding("C1.4", "MISSING_REPORT", 1, None, None),
                Finding("C-1", "missing", 0, None, None),
            ],
        )
    assert [(p.field, p.code) for p in refused.value.problems] == [
        ("findings[1].item", "FORMAT"),
        ("findings[1].finding", "FORMAT"),
        ("findings[1].count", "RANGE"),
    ]
    assert await _count(session, models.InspectionFinding) == before


async def test_a_finding_about_another_tenants_loan_is_not_found(session: AsyncSession) -> None:
    manager = await _first(session, models.Manager)
    loan = (
        await session.execute(
            select(models.Loan).where(models.Loan.tenant_id == "ah-demo").limit(1)
        )
    ).scalar_one()
    with pytest.raises(NotFound) as missing:
        await records.record_inspection_findings(
            session,
            principal(),
            manager_id=str(manager.id),
            period="2025",
            findings=[Finding("C1.4", "MISSING_REPORT", 2, str(loan.id), None)],
        )
    assert (missing.value.entity, missing.value.field) == ("Loan", "findings[0].loan_id")
