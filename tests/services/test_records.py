"""Recorded appraisal inputs (``server.services.records``): task plans and indicator values per
office sheet, inspection findings; each broken rule named by its field, nothing written."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import PolicyCategory, Role
from server.errors import InvalidInput, NotFound, PolicyUnavailable
from server.policy.registry import PolicyRegistry
from server.services import policies, records
from server.services.records import Figure, Finding
from tests.conftest import principal

TENANT = "sd-demo"


async def _first(session: AsyncSession, model: Any, *conditions: Any) -> Any:
    stmt = select(model).where(model.tenant_id == TENANT, *conditions).limit(1)
    return (await session.execute(stmt)).scalar_one()


async def _count(session: AsyncSession, model: Any) -> int:
    stmt = select(func.count()).select_from(model).where(model.tenant_id == TENANT)
    return int(await session.scalar(stmt) or 0)


async def test_a_plan_given_again_replaces_the_earlier_one(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    manager = await _first(session, models.Manager)
    hr = principal()
    first = [
        Figure("deposit_net_increase", Decimal("5000000")),
        Figure("interest_recovered", Decimal("120000.50")),
    ]
    await records.record_task_plan(
        session, registry, hr, manager_id=str(manager.id), period="2025", plans=first
    )
    again = [Figure("interest_recovered", Decimal("130000"))]
    await records.record_task_plan(
        session, registry, hr, manager_id=str(manager.id), period="2025", plans=again
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
        "deposit_net_increase": Decimal("5000000"),
        "interest_recovered": Decimal("130000"),
    }


@pytest.mark.parametrize(
    ("plans", "problems"),
    [
        ([Figure("Bad Key", Decimal(1))], [("plans[0].indicator", "FORMAT")]),
        (
            [Figure("interest_recovered", Decimal(1)), Figure("interest_recovered", Decimal(2))],
            [("plans[1].indicator", "DUPLICATE")],
        ),
        ([], [("plans", "NOT_EMPTY")]),
    ],
)
async def test_bad_task_plans_write_nothing(
    session: AsyncSession,
    registry: PolicyRegistry,
    plans: list[Figure],
    problems: list[tuple[str, str]],
) -> None:
    manager = await _first(session, models.Manager)
    before = await _count(session, models.TaskPlan)
    with pytest.raises(InvalidInput) as refused:
        await records.record_task_plan(
            session, registry, principal(), manager_id=str(manager.id), period="2025", plans=plans
        )
    assert [(p.field, p.code) for p in refused.value.problems] == problems
    assert await _count(session, models.TaskPlan) == before


async def test_figures_only_on_an_office_the_manager_worked_at(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
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
            registry,
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


async def test_findings_name_their_item_finding_and_count(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    manager = await _first(session, models.Manager)
    before = await _count(session, models.InspectionFinding)
    with pytest.raises(InvalidInput) as refused:
        await records.record_inspection_findings(
            session,
            registry,
            principal(),
            manager_id=str(manager.id),
            period="2025",
            findings=[
                Finding("C1.4", "MISSING_INSPECTION_REPORT", 1, None, None),
                Finding("C-1", "missing", 0, None, None),
            ],
        )
    assert [(p.field, p.code) for p in refused.value.problems] == [
        ("findings[1].item", "FORMAT"),
        ("findings[1].finding", "FORMAT"),
        ("findings[1].count", "RANGE"),
    ]
    assert await _count(session, models.InspectionFinding) == before


async def test_a_finding_about_another_tenants_loan_is_not_found(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    manager = await _first(session, models.Manager)
    loan = (
        await session.execute(
            select(models.Loan).where(models.Loan.tenant_id == "ah-demo").limit(1)
        )
    ).scalar_one()
    with pytest.raises(NotFound) as missing:
        await records.record_inspection_findings(
            session,
            registry,
            principal(),
            manager_id=str(manager.id),
            period="2025",
            findings=[Finding("C1.4", "MISSING_INSPECTION_REPORT", 2, str(loan.id), None)],
        )
    assert (missing.value.entity, missing.value.field) == ("Loan", "findings[0].loan_id")


async def _refused(call: Any) -> list[tuple[str, str, str]]:
    with pytest.raises(InvalidInput) as refused:
        await call
    return [(p.field, p.code, p.message) for p in refused.value.problems]


async def test_an_unknown_indicator_key_is_refused_with_the_keys_there_are(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    manager = await _first(session, models.Manager, models.Manager.status == "ACTIVE")
    before = await _count(session, models.IndicatorValue)
    problems = await _refused(
        records.record_indicators(
            session,
            registry,
            principal(),
            manager_id=str(manager.id),
            period="2025",
            values=[
                Figure("interest_recovered", Decimal(1)),
                Figure("intrest_recovered", Decimal(1)),
                # a plan of the appraisal, but not an actual it reads
                Figure("npl_net_reduction", Decimal(1)),
            ],
        )
    )
    assert [(field, code) for field, code, _ in problems] == [
        ("values[1].indicator", "UNKNOWN_INDICATOR"),
        ("values[2].indicator", "UNKNOWN_INDICATOR"),
    ]
    message = problems[0][2]
    assert "did you mean interest_recovered?" in message
    for key in ("deposit_net_increase", "npl_cash_recovered", "writeoff_recovered"):
        assert key in message
    assert "npl_net_reduction" not in message.split("it reads:")[1]
    assert await _count(session, models.IndicatorValue) == before


@pytest.mark.parametrize(
    ("period", "key", "known"),
    [
        ("2025", "npl_net_reduction", True),
        ("2025", "npl_written_off", False),  # an actual, not a plan
        ("2025-Q3", "interest_recovered", False),  # 第八条: a quarter is not graded
    ],
)
async def test_a_plan_is_one_the_appraisal_of_the_period_reads(
    session: AsyncSession, registry: PolicyRegistry, period: str, key: str, known: bool
) -> None:
    manager = await _first(session, models.Manager, models.Manager.status == "ACTIVE")
    call = records.record_task_plan(
        session,
        registry,
        principal(),
        manager_id=str(manager.id),
        period=period,
        plans=[Figure(key, Decimal(1))],
    )
    if known:
        await call
        return
    before = await _count(session, models.TaskPlan)
    problems = await _refused(call)
    assert [(field, code) for field, code, _ in problems] == [
        ("plans[0].indicator", "UNKNOWN_INDICATOR")
    ]
    assert period in problems[0][2]
    assert await _count(session, models.TaskPlan) == before


async def test_office_totals_take_the_actuals_the_appraisal_reads(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    office = await _first(session, models.Office)
    problems = await _refused(
        records.record_office_indicators(
            session,
            registry,
            principal(),
            office_id=str(office.id),
            period="2025",
            values=[Figure("deposits", Decimal(1))],
        )
    )
    assert [(field, code) for field, code, _ in problems] == [
        ("values[0].indicator", "UNKNOWN_INDICATOR")
    ]


@pytest.mark.parametrize(
    ("period", "item", "finding", "problem"),
    [
        ("2025", "C1.4", "MISSING_INSPECTION_REPORT", None),
        ("2025", "C1.4", "MISSING_REPORT", ("findings[0].finding", "UNKNOWN_FINDING")),
        ("2025", "C1.4", "NAME_MISMATCH", ("findings[0].finding", "UNKNOWN_FINDING")),
        ("2025", "C9", "NAME_MISMATCH", ("findings[0].item", "UNKNOWN_ITEM")),
        ("2025-Q3", "C1.4", "MISSING_INSPECTION_REPORT", ("findings", "NO_FINDINGS_READ")),
    ],
)
async def test_a_finding_is_one_the_appraisal_scores(
    session: AsyncSession,
    registry: PolicyRegistry,
    period: str,
    item: str,
    finding: str,
    problem: tuple[str, str] | None,
) -> None:
    manager = await _first(session, models.Manager, models.Manager.status == "ACTIVE")
    before = await _count(session, models.InspectionFinding)
    call = records.record_inspection_findings(
        session,
        registry,
        principal(),
        manager_id=str(manager.id),
        period=period,
        findings=[Finding(item, finding, 1, None, None)],
    )
    if problem is None:
        (row,) = await call
        assert (row.item, row.finding) == (item, finding)
        return
    problems = await _refused(call)
    assert [(field, code) for field, code, _ in problems] == [problem]
    if problem[1] == "UNKNOWN_FINDING":
        assert "MISSING_INSPECTION_REPORT" in problems[0][2]
    if problem[1] == "UNKNOWN_ITEM":
        assert "C1.1" in problems[0][2] and "C6" in problems[0][2]
    assert await _count(session, models.InspectionFinding) == before


async def test_a_tenant_without_grading_records_no_figures(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    manager = await _first(session, models.Manager, models.Manager.status == "ACTIVE")
    await policies.set_tenant_policy(
        session,
        registry,
        principal(TENANT, (Role.FEDERATION_ADMIN,)),
        category=PolicyCategory.GRADING,
        plugin=None,
        parameters={},
    )
    with pytest.raises(PolicyUnavailable):
        await records.record_indicators(
            session,
            registry,
            principal(),
            manager_id=str(manager.id),
            period="2025",
            values=[Figure("interest_recovered", Decimal(1))],
        )
