"""Appraisals end to end: inputs, draft, maker–checker confirmation, tier change, appeal, batch."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import Role
from tests.conftest import Api

PERIOD = "2026"
APPRAISAL_FIELDS = """
  __typename
  ... on Appraisal { id status graded total rating ratingLabel tier { code rank } plugin pluginVersion
                     parameters inputs explanation warnings tierMove confirmedBy reviewReason
                     items { key name article maxPoints score explanation inputs } }
  ... on MissingInputs { code missing { key source reason } }
  ... on UserError { code message field }
"""
SD_PLANS = {
    "deposit_net_increase": "5000000",
    "npl_net_reduction": "20000",
    "npl_cash_recovered": "10000",
    "writeoff_recovered": "5000",
    "interest_recovered": "300000",
}
SD_ACTUALS = {
    "deposit_net_increase": "4500000",
    "npl_cash_recovered": "12000",
    "writeoff_recovered": "5000",
    "interest_recovered": "310000",
}


async def _manager(session: AsyncSession, tenant: str, **where: Any) -> models.Manager:
    stmt = (
        select(models.Manager)
        .where(
            models.Manager.tenant_id == tenant,
            models.Manager.status == "ACTIVE",
            *(getattr(models.Manager, k) == v for k, v in where.items()),
        )
        .order_by(models.Manager.employee_no)
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one()


async def _record(
    api: Api, manager_id: str, plans: dict[str, str], actuals: dict[str, str], tenant: str
) -> None:
    data = await api(
        """mutation($m: ID!, $p: Period!, $plans: [FigureInput!]!, $values: [FigureInput!]!) {
          a: recordTaskPlan(managerId: $m, period: $p, plans: $plans) { __typename }
          b: recordIndicators(managerId: $m, period: $p, values: $values) { __typename } }""",
        {
            "m": manager_id,
            "p": PERIOD,
            "plans": [{"indicator": k, "value": v} for k, v in plans.items()],
            "values": [{"indicator": k, "value": v} for k, v in actuals.items()],
        },
        tenant=tenant,
    )
    assert data == {"a": {"__typename": "FiguresRecorded"}, "b": {"__typename": "FiguresRecorded"}}


async def _as(
    api: Api,
    query: str,
    variables: dict[str, Any],
    *,
    user: str,
    roles: tuple[Role, ...],
    tenant: str = "sd-demo",
) -> dict[str, Any]:
    response = await api.post(query, variables, token=api.token(tenant, roles, user))
    body = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


RUN = f'mutation($m: ID!) {{ runAppraisal(managerId: $m, period: "{PERIOD}") {{ {APPRAISAL_FIELDS} }} }}'
CONFIRM = f"mutation($id: ID!) {{ confirmAppraisal(id: $id) {{ {APPRAISAL_FIELDS} }} }}"


async def test_missing_inputs_are_listed_and_nothing_is_written(
    api: Api, session: AsyncSession
) -> None:
    manager = await _manager(session, "sd-demo")
    result = (await _as(api, RUN, {"m": str(manager.id)}, user="hr-1", roles=(Role.HR,)))[
        "runAppraisal"
    ]
    assert result["__typename"] == "MissingInputs"
    missing = {(m["key"], m["source"]) for m in result["missing"]}
    assert ("interest_recovered", "RECORDED") in missing
    assert ("interest_recovered", "TASK_PLAN") in missing
    assert ("deposit_net_increase", "TASK_PLAN") in missing
    assert all(m["reason"] for m in result["missing"])
    count = await session.scalar(
        select(func.count())
        .select_from(models.Appraisal)
        .where(models.Appraisal.manager_id == manager.id)
    )
    assert count == 0


async def test_draft_confirm_appeal_and_review(api: Api, session: AsyncSession) -> None:
    manager = await _manager(session, "sd-demo")
    await _record(api, str(manager.id), SD_PLANS, SD_ACTUALS, "sd-demo")
    first = (await _as(api, RUN, {"m": str(manager.id)}, user="hr-1", roles=(Role.HR,)))[
        "runAppraisal"
    ]
    assert first["__typename"] == "Appraisal", first
    assert (first["status"], first["graded"], first["plugin"]) == ("DRAFT", True, "shandong")
    items = first["items"]
    assert {i["key"] for i in items} >= {"A1", "B1", "B2", "B6", "C1.4"}
    assert all(i["article"] and i["explanation"] for i in items)
    assert Decimal(first["total"]) == sum(Decimal(i["score"]) for i in items)
    assert Decimal(first["inputs"]["values"]["interest_recovered"]) == Decimal("310000")
    assert Decimal(first["inputs"]["plans"]["interest_recovered"]) == Decimal("300000")
    assert {"average_weighted_customers", "average_loan_balance"} <= set(first["inputs"]["cohort"])
    assert first["parameters"]["deduction_per_case"] == "0.5"
    # Same inputs, same version: the same result; the draft is replaced, not duplicated.
    again = (await _as(api, RUN, {"m": str(manager.id)}, user="hr-1", roles=(Role.HR,)))[
        "runAppraisal"
    ]
    assert (again["total"], again["tier"], again["items"]) == (
        first["total"],
        first["tier"],
        first["items"],
    )
    drafts = await session.scalar(
        select(func.count())
        .select_from(models.Appraisal)
        .where(models.Appraisal.manager_id == manager.id, models.Appraisal.period == PERIOD)
    )
    assert drafts == 1
    # Maker–checker: the one who ran it cannot confirm it; a MANAGER cannot either.
    own = (await _as(api, CONFIRM, {"id": again["id"]}, user="hr-1", roles=(Role.HR,)))[
        "confirmAppraisal"
    ]
    assert own["__typename"] == "Conflict"
    not_hr = (await _as(api, CONFIRM, {"id": again["id"]}, user="x", roles=(Role.MANAGER,)))[
        "confirmAppraisal"
    ]
    assert not_hr["__typename"] == "PermissionDenied"
    # Put the manager on a different tier so that confirmation must move it.
    other = "SD_1" if again["tier"]["code"] != "SD_1" else "SD_3"
    await session.execute(
        update(models.Manager)
        .where(models.Manager.tenant_id == "sd-demo", models.Manager.id == manager.id)
        .values(tier_code=other, tier_rank=3 if other == "SD_1" else 1, tier_name=other)
    )
    confirmed = (await _as(api, CONFIRM, {"id": again["id"]}, user="hr-2", roles=(Role.HR,)))[
        "confirmAppraisal"
    ]
    assert (confirmed["status"], confirmed["confirmedBy"]) == ("CONFIRMED", "hr-2")
    assert confirmed["tierMove"]["toTier"]["code"] == again["tier"]["code"]
    history = (
        await api(
            "query($m: ID!) { manager(id: $m) { tier { code } tierHistory { cause appraisalId toTier { code } } } }",
            {"m": str(manager.id)},
        )
    )["manager"]
    assert history["tier"]["code"] == again["tier"]["code"]
    assert history["tierHistory"][-1] == {
        "cause": "APPRAISAL",
        "appraisalId": again["id"],
        "toTier": {"code": again["tier"]["code"]},
    }
    # A confirmed appraisal is never recomputed.
    rerun = (await _as(api, RUN, {"m": str(manager.id)}, user="hr-1", roles=(Role.HR,)))[
        "runAppraisal"
    ]
    assert rerun["__typename"] == "Conflict"
    # Appeal: only the manager, about their own appraisal.
    appeal = f'mutation($id: ID!) {{ appealAppraisal(id: $id, reason: "B6 利息数据有误") {{ {APPRAISAL_FIELDS} }} }}'
    by_hr = (await _as(api, appeal, {"id": again["id"]}, user="hr-2", roles=(Role.HR,)))[
        "appealAppraisal"
    ]
    assert by_hr["__typename"] == "PermissionDenied"
    by_other = (await _as(api, appeal, {"id": again["id"]}, user="SOMEONE", roles=(Role.MANAGER,)))[
        "appealAppraisal"
    ]
    assert by_other["__typename"] == "Conflict"
    appealed = (
        await _as(api, appeal, {"id": again["id"]}, user=manager.employee_no, roles=(Role.MANAGER,))
    )["appealAppraisal"]
    assert appealed["status"] == "APPEALED"
    # The review corrects the interest figure and recomputes.
    await api(
        """mutation($m: ID!) { recordIndicators(managerId: $m, period: "2026",
             values: [{indicator: "interest_recovered", value: "600000"}]) { __typename } }""",
        {"m": str(manager.id)},
    )
    resolve = f'mutation($id: ID!) {{ resolveAppeal(id: $id, reason: "复核: 利息更正", recompute: true) {{ {APPRAISAL_FIELDS} }} }}'
    reviewed = (await _as(api, resolve, {"id": again["id"]}, user="hr-3", roles=(Role.HR,)))[
        "resolveAppeal"
    ]
    assert (reviewed["status"], reviewed["reviewReason"]) == ("CONFIRMED", "复核: 利息更正")
    b6 = {i["key"]: Decimal(i["score"]) for i in reviewed["items"]}["B6"]
    assert b6 > {i["key"]: Decimal(i["score"]) for i in again["items"]}["B6"]
    assert Decimal(reviewed["total"]) > Decimal(again["total"])


async def test_appeal_window_closes(api: Api, session: AsyncSession) -> None:
    manager = await _manager(session, "sd-demo")
    await _record(api, str(manager.id), SD_PLANS, SD_ACTUALS, "sd-demo")
    draft = (await _as(api, RUN, {"m": str(manager.id)}, user="hr-1", roles=(Role.HR,)))[
        "runAppraisal"
    ]
    await _as(api, CONFIRM, {"id": draft["id"]}, user="hr-2", roles=(Role.HR,))
    await session.execute(
        update(models.Appraisal)
        .where(models.Appraisal.id == uuid.UUID(draft["id"]))
        .values(confirmed_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=16))
    )
    appeal = f'mutation($id: ID!) {{ appealAppraisal(id: $id, reason: "迟到的申诉") {{ {APPRAISAL_FIELDS} }} }}'
    late = (
        await _as(api, appeal, {"id": draft["id"]}, user=manager.employee_no, roles=(Role.MANAGER,))
    )["appealAppraisal"]
    assert late["__typename"] == "Conflict"
    assert "15 days" in late["message"]


async def test_probationer_is_refused_without_inputs(api: Api, session: AsyncSession) -> None:
    manager = await _manager(session, "sd-demo")
    await session.execute(
        update(models.Manager)
        .where(models.Manager.id == manager.id)
        .values(status="PROBATION", probation_ends_on=dt.date(2027, 3, 1))
    )
    result = (await _as(api, RUN, {"m": str(manager.id)}, user="hr-1", roles=(Role.HR,)))[
        "runAppraisal"
    ]
    assert (result["__typename"], result["graded"]) == ("Appraisal", False)
    assert "第十三条" in result["explanation"] or "13" in result["explanation"]
    assert result["items"] == []


RUNS = """mutation { runAppraisals(period: "2026") { __typename
  ... on AppraisalRun { id status managersTotal managersDone managersSkipped problems cohort } } }"""


async def test_batch_run_is_idempotent_and_keeps_confirmed(api: Api, session: AsyncSession) -> None:
    scored = await _manager(session, "sd-demo")
    await _record(api, str(scored.id), SD_PLANS, SD_ACTUALS, "sd-demo")
    one = (await _as(api, RUN, {"m": str(scored.id)}, user="hr-1", roles=(Role.HR,)))[
        "runAppraisal"
    ]
    await _as(api, CONFIRM, {"id": one["id"]}, user="hr-2", roles=(Role.HR,))
    first = (await _as(api, RUNS, {}, user="hr-1", roles=(Role.HR,)))["runAppraisals"]
    assert first["status"] == "DONE"
    appraisable = await session.scalar(
        select(func.count())
        .select_from(models.Manager)
        .where(
            models.Manager.tenant_id == "sd-demo",
            models.Manager.status.in_(["ACTIVE", "PROBATION", "SUSPENDED"]),
        )
    )
    assert first["managersTotal"] == int(appraisable or 0) - 1
    assert first["managersDone"] + first["managersSkipped"] == first["managersTotal"]
    assert all(p["missing"] for p in first["problems"] if "managerId" in p)
    second = (await _as(api, RUNS, {}, user="hr-1", roles=(Role.HR,)))["runAppraisals"]
    assert (second["managersDone"], second["managersSkipped"]) == (
        first["managersDone"],
        first["managersSkipped"],
    )
    per_manager = (
        await session.execute(
            select(models.Appraisal.manager_id, func.count())
            .where(models.Appraisal.tenant_id == "sd-demo", models.Appraisal.period == PERIOD)
            .group_by(models.Appraisal.manager_id)
        )
    ).all()
    assert all(n == 1 for _, n in per_manager)
    kept = await session.get(models.Appraisal, ("sd-demo", uuid.UUID(one["id"])))
    assert kept is not None and kept.status.value == "CONFIRMED"
    progress = await api(
        "query($id: ID!) { appraisalRun(id: $id) { status managersDone } }", {"id": second["id"]}
    )
    assert progress["appraisalRun"] == {"status": "DONE", "managersDone": second["managersDone"]}


@pytest.mark.parametrize("roles", [(Role.MANAGER,), (Role.RISK,), (Role.AUDITOR,)])
async def test_only_hr_runs_appraisals(api: Api, roles: tuple[Role, ...]) -> None:
    result = (await _as(api, RUNS, {}, user="x", roles=roles))["runAppraisals"]
    assert result["__typename"] == "PermissionDenied"


CC_PLANS = {
    "loans_issued": "2000000",
    "interest_recovered": "150000",
    "deposits_absorbed": "3000000",
    "fee_income": "20000",
}
CC_ACTUALS = {
    "theory_exam_score": "85",
    "work_results_score": "80",
    "work_skill_score": "75",
    "interest_recovered": "165000",
    "deposits_absorbed": "3300000",
    "fee_income": "25000",
    "credit_management_score": "88",
    "daily_work_score": "92",
    "average_loan_rate": "0.072",
    "year_end_performance_pay": "60000.00",
}


async def test_confirmation_withholds_the_risk_deposit(api: Api, session: AsyncSession) -> None:
    manager = await _manager(session, "cc-demo")
    await _record(api, str(manager.id), CC_PLANS, CC_ACTUALS, "cc-demo")
    draft = (
        await _as(api, RUN, {"m": str(manager.id)}, user="hr-1", roles=(Role.HR,), tenant="cc-demo")
    )["runAppraisal"]
    assert draft["__typename"] == "Appraisal", draft
    pay = (
        await session.execute(
            select(models.Appraisal.pay).where(models.Appraisal.id == uuid.UUID(draft["id"]))
        )
    ).scalar_one()
    withheld = [line for line in pay if line["account"] == "RISK_DEPOSIT"]
    assert len(withheld) == 1
    assert withheld[0]["article"]
    confirmed = (
        await _as(
            api, CONFIRM, {"id": draft["id"]}, user="hr-2", roles=(Role.HR,), tenant="cc-demo"
        )
    )["confirmAppraisal"]
    assert confirmed["status"] == "CONFIRMED"
    accounts = (
        await api(
            """query($m: ID!) { manager(id: $m) { accounts { account balance
                 movements { amount direction appraisalId article } } } }""",
            {"m": str(manager.id)},
            tenant="cc-demo",
        )
    )["manager"]["accounts"]
    assert accounts == [
        {
            "account": "RISK_DEPOSIT",
            "balance": withheld[0]["amount"],
            "movements": [
                {
                    "amount": withheld[0]["amount"],
                    "direction": "IN",
                    "appraisalId": draft["id"],
                    "article": withheld[0]["article"],
                }
            ],
        }
    ]


@pytest.mark.parametrize(
    ("plugin", "period", "status", "unscored"),
    [
        ("shandong", "2026", "ACTIVE", False),
        ("shandong", "2026", "PROBATION", True),
        ("shandong", "2026-Q2", "ACTIVE", True),
        ("anhui", "2026-Q2", "ACTIVE", False),
        ("county_coop", "2026-Q2", "ACTIVE", True),
        ("county_coop", "2026", "ACTIVE", False),
    ],
)
def test_hook_grading_unscored_outcome(
    plugin: str, period: str, status: str, unscored: bool
) -> None:
    from server.domain import ManagerCategory, ManagerStatus
    from server.policy.parameters import defaults
    from server.policy.registry import PolicyRegistry
    from server.policy.types import AppraisalInput, ManagerProfile
    from server.services.periods import parse_period

    registry = PolicyRegistry()
    p = parse_period(period)
    profile = ManagerProfile(
        manager_id="m1",
        employee_no="E1",
        category=ManagerCategory.RETAIL,
        status=ManagerStatus(status),
        hire_date=dt.date(2015, 1, 1),
        birth_date=dt.date(1990, 1, 1),
        probation_ends_on=dt.date(2027, 1, 1) if status == "PROBATION" else dt.date(2016, 1, 1),
    )
    appraisal = AppraisalInput(
        period=p,
        manager=profile,
        values={},
        plans={},
        findings=(),
        cohort={},
        prior=(),
        params=defaults(registry.info(plugin)),
    )
    outcome = registry.grading(plugin).unscored_outcome(appraisal)
    assert (outcome is not None) is unscored
    if outcome is not None:
        assert outcome.explanation
        assert outcome.items == ()


async def test_office_totals_are_reconciled(api: Api, session: AsyncSession) -> None:
    manager = await _manager(session, "sd-demo")
    await _record(api, str(manager.id), SD_PLANS, SD_ACTUALS, "sd-demo")
    office = str(manager.office_id)
    recorded = await api(
        """mutation($o: ID!) { recordOfficeIndicators(officeId: $o, period: "2026",
             values: [{indicator: "interest_recovered", value: "100000"},
                      {indicator: "deposit_net_increase", value: "99999999"}]) {
             __typename ... on OfficeFiguresRecorded { office { id } figures { indicator } } } }""",
        {"o": office},
    )
    assert recorded["recordOfficeIndicators"]["office"]["id"] == office
    draft = (await _as(api, RUN, {"m": str(manager.id)}, user="hr-1", roles=(Role.HR,)))[
        "runAppraisal"
    ]
    mismatches = [w for w in draft["warnings"] if "第十四条" in w]
    assert len(mismatches) == 1
    assert mismatches[0].startswith("interest_recovered")
    batch = (await _as(api, RUNS, {}, user="hr-1", roles=(Role.HR,)))["runAppraisals"]
    reconciliation = [p for p in batch["problems"] if "reconciliation" in p]
    assert reconciliation == [{"officeId": office, "reconciliation": mismatches}]


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
    manager = await _manager(session, "sd-demo")
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
    result = (await _as(api, RUN, {"m": str(manager.id)}, user="hr-1", roles=(Role.HR,)))[
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
    manager = await _manager(session, "sd-demo")
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
    result = (await _as(api, RUN, {"m": str(manager.id)}, user="hr-1", roles=(Role.HR,)))[
        "runAppraisal"
    ]
    assert result["__typename"] == "MissingInputs"
    reason = {m["key"]: m["reason"] for m in result["missing"]}["interest_recovered"]
    assert "第十二条" in reason
    assert "1 full quarter" in reason


@pytest.mark.parametrize(
    ("variables", "field", "code"),
    [
        ({"on": "2999-01-01"}, "input.officeMovedOn", "RANGE"),
        ({"on": "1990-01-01"}, "input.officeMovedOn", "RANGE"),
        ({"on": "2026-03-01", "same": True}, "input.officeMovedOn", "NO_MOVE"),
    ],
)
async def test_office_moves_are_validated(
    api: Api, session: AsyncSession, variables: dict[str, Any], field: str, code: str
) -> None:
    manager = await _manager(session, "sd-demo")
    if variables.get("same"):
        data = await api(
            """mutation($m: ID!, $on: Date) { updateManager(id: $m, input: {officeMovedOn: $on}) {
                 __typename ... on InvalidInput { errors { field code } } } }""",
            {"m": str(manager.id), "on": variables["on"]},
        )
        result = data["updateManager"]
    else:
        result = await _move(api, manager, await _other_office(session, manager), variables["on"])
    assert result["__typename"] == "InvalidInput"
    assert {"field": field, "code": code} in result["errors"]
    await session.refresh(manager)
    moves = await session.scalar(
        select(func.count())
        .select_from(models.ManagerOfficeMove)
        .where(models.ManagerOfficeMove.manager_id == manager.id)
    )
    assert moves == 0


async def test_figures_only_on_an_office_the_manager_worked_at(
    api: Api, session: AsyncSession
) -> None:
    manager = await _manager(session, "sd-demo")
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


async def test_the_appeal_window_is_the_tenants_setting(api: Api, session: AsyncSession) -> None:
    await api(
        "mutation { setTenantSettings(appealDays: 20) { __typename } }",
        roles=(Role.FEDERATION_ADMIN,),
    )
    manager = await _manager(session, "sd-demo")
    await _record(api, str(manager.id), SD_PLANS, SD_ACTUALS, "sd-demo")
    draft = (await _as(api, RUN, {"m": str(manager.id)}, user="hr-1", roles=(Role.HR,)))[
        "runAppraisal"
    ]
    await _as(api, CONFIRM, {"id": draft["id"]}, user="hr-2", roles=(Role.HR,))
    await session.execute(
        update(models.Appraisal)
        .where(models.Appraisal.id == uuid.UUID(draft["id"]))
        .values(confirmed_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=16))
    )
    appeal = f'mutation($id: ID!) {{ appealAppraisal(id: $id, reason: "申诉") {{ {APPRAISAL_FIELDS} }} }}'
    result = (
        await _as(api, appeal, {"id": draft["id"]}, user=manager.employee_no, roles=(Role.MANAGER,))
    )["appealAppraisal"]
    assert result["status"] == "APPEALED"
