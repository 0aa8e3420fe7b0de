"""Appraisals over GraphQL: inputs, draft, maker–checker confirmation, tier change, appeal and
review, the risk deposit withheld; a stored appraisal as read."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import AppraisalStatus, Role
from server.policy import bilingual_problem
from tests.conftest import Api
from tests.graphql.appraisal.operations import (
    APPRAISAL_FIELDS,
    CONFIRM,
    PERIOD,
    RUN,
    SD_ACTUALS,
    SD_PLANS,
    active_manager,
    record_figures,
    run_as,
)


async def test_missing_inputs_are_listed_and_nothing_is_written(
    api: Api, session: AsyncSession
) -> None:
    manager = await active_manager(session, "sd-demo")
    result = (await run_as(api, RUN, {"m": str(manager.id)}, user="hr-1", roles=(Role.HR,)))[
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
    manager = await active_manager(session, "sd-demo")
    await record_figures(api, str(manager.id), SD_PLANS, SD_ACTUALS, "sd-demo")
    first = (await run_as(api, RUN, {"m": str(manager.id)}, user="hr-1", roles=(Role.HR,)))[
        "runAppraisal"
    ]
    assert first["__typename"] == "Appraisal", first
    assert (first["status"], first["graded"], first["plugin"]) == ("DRAFT", True, "shandong")
    items = first["items"]
    assert {i["key"] for i in items} >= {"A1", "B1", "B2", "B6", "C1.4"}
    assert all(i["article"] and i["explanation"] for i in items)
    # Chinese for people to read, the English beside it.
    assert all(bilingual_problem(i["explanation"], i["explanationEn"]) is None for i in items)
    a1 = next(i for i in items if i["key"] == "A1")
    assert re.fullmatch(r"学历 \S+ → \d+ 分", a1["explanation"]), a1
    assert re.fullmatch(r"education [A-Z_]+ → \d+", a1["explanationEn"]), a1
    assert re.match(r"总分 [\d.]+ 分 → \S+客户经理（第九条：", first["explanation"]), first
    assert re.match(r"total [\d.]+ → \S+客户经理 \(第九条: ", first["explanationEn"]), first
    assert Decimal(first["total"]) == sum(Decimal(i["score"]) for i in items)
    assert Decimal(first["inputs"]["values"]["interest_recovered"]) == Decimal("310000")
    assert Decimal(first["inputs"]["plans"]["interest_recovered"]) == Decimal("300000")
    assert {"average_weighted_customers", "average_loan_balance"} <= set(first["inputs"]["cohort"])
    assert first["parameters"]["deduction_per_case"] == "0.5"
    # Same inputs, same version: the same result; the draft is replaced, not duplicated.
    again = (await run_as(api, RUN, {"m": str(manager.id)}, user="hr-1", roles=(Role.HR,)))[
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
    # Maker–checker: the one who ran it cannot confirm it (whatever the case of the user id);
    # a MANAGER cannot either.
    own = (await run_as(api, CONFIRM, {"id": again["id"]}, user="HR-1", roles=(Role.HR,)))[
        "confirmAppraisal"
    ]
    assert (own["__typename"], own["code"]) == ("PermissionDenied", "SEPARATION_OF_DUTIES")
    assert "COMPUTER_CONFIRMS" in own["message"]
    not_hr = (await run_as(api, CONFIRM, {"id": again["id"]}, user="x", roles=(Role.MANAGER,)))[
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
    confirmed = (await run_as(api, CONFIRM, {"id": again["id"]}, user="hr-2", roles=(Role.HR,)))[
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
    rerun = (await run_as(api, RUN, {"m": str(manager.id)}, user="hr-1", roles=(Role.HR,)))[
        "runAppraisal"
    ]
    assert rerun["__typename"] == "Conflict"
    # Appeal: only the manager, about their own appraisal.
    appeal = f'mutation($id: ID!) {{ appealAppraisal(id: $id, reason: "B6 利息数据有误") {{ {APPRAISAL_FIELDS} }} }}'
    by_hr = (await run_as(api, appeal, {"id": again["id"]}, user="hr-2", roles=(Role.HR,)))[
        "appealAppraisal"
    ]
    assert by_hr["__typename"] == "PermissionDenied"
    someone = next(
        m.employee_no
        for m in (
            await session.execute(
                select(models.Manager)
                .where(models.Manager.tenant_id == "sd-demo", models.Manager.id != manager.id)
                .limit(1)
            )
        ).scalars()
    )
    by_other = (
        await run_as(api, appeal, {"id": again["id"]}, user=someone, roles=(Role.MANAGER,))
    )["appealAppraisal"]
    assert by_other["__typename"] == "NotFound"  # another's appraisal is out of their scope
    appealed = (
        await run_as(
            api,
            appeal,
            {"id": again["id"]},
            user="wang.appellant",
            roles=(Role.MANAGER,),
            manager=manager.employee_no,
        )
    )["appealAppraisal"]
    assert (appealed["status"], appealed["appealedBy"]) == ("APPEALED", "wang.appellant")
    # The review corrects the interest figure and recomputes.
    await api(
        """mutation($m: ID!) { recordIndicators(managerId: $m, period: "2026",
             values: [{indicator: "interest_recovered", value: "600000"}]) { __typename } }""",
        {"m": str(manager.id)},
    )
    resolve = f'mutation($id: ID!) {{ resolveAppeal(id: $id, reason: "复核: 利息更正", recompute: true) {{ {APPRAISAL_FIELDS} }} }}'
    by_maker = (await run_as(api, resolve, {"id": again["id"]}, user="hr-1", roles=(Role.HR,)))[
        "resolveAppeal"
    ]
    assert (by_maker["code"], "COMPUTER_RESOLVES" in by_maker["message"]) == (
        "SEPARATION_OF_DUTIES",
        True,
    )
    reviewed = (await run_as(api, resolve, {"id": again["id"]}, user="hr-3", roles=(Role.HR,)))[
        "resolveAppeal"
    ]
    # Recomputed, the result is a draft again: the reviewer made it, so a second person confirms.
    assert (reviewed["status"], reviewed["reviewReason"], reviewed["recomputedBy"]) == (
        "DRAFT",
        "复核: 利息更正",
        "hr-3",
    )
    assert reviewed["confirmedBy"] is None
    b6 = {i["key"]: Decimal(i["score"]) for i in reviewed["items"]}["B6"]
    assert b6 > {i["key"]: Decimal(i["score"]) for i in again["items"]}["B6"]
    assert Decimal(reviewed["total"]) > Decimal(again["total"])
    for user in ("hr-3", "Hr-1"):
        refused = (await run_as(api, CONFIRM, {"id": again["id"]}, user=user, roles=(Role.HR,)))[
            "confirmAppraisal"
        ]
        assert (refused["code"], "COMPUTER_CONFIRMS" in refused["message"]) == (
            "SEPARATION_OF_DUTIES",
            True,
        )
    final = (await run_as(api, CONFIRM, {"id": again["id"]}, user="hr-4", roles=(Role.HR,)))[
        "confirmAppraisal"
    ]
    assert (final["status"], final["confirmedBy"], final["recomputedBy"]) == (
        "CONFIRMED",
        "hr-4",
        "hr-3",
    )


async def test_appeal_window_closes(api: Api, session: AsyncSession) -> None:
    manager = await active_manager(session, "sd-demo")
    await record_figures(api, str(manager.id), SD_PLANS, SD_ACTUALS, "sd-demo")
    draft = (await run_as(api, RUN, {"m": str(manager.id)}, user="hr-1", roles=(Role.HR,)))[
        "runAppraisal"
    ]
    await run_as(api, CONFIRM, {"id": draft["id"]}, user="hr-2", roles=(Role.HR,))
    await session.execute(
        update(models.Appraisal)
        .where(models.Appraisal.id == uuid.UUID(draft["id"]))
        .values(confirmed_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=16))
    )
    appeal = f'mutation($id: ID!) {{ appealAppraisal(id: $id, reason: "迟到的申诉") {{ {APPRAISAL_FIELDS} }} }}'
    late = (
        await run_as(
            api,
            appeal,
            {"id": draft["id"]},
            user=manager.employee_no,
            roles=(Role.MANAGER,),
            manager=manager.employee_no,
        )
    )["appealAppraisal"]
    assert late["__typename"] == "Conflict"
    assert "15 days" in late["message"]


async def test_the_appeal_window_is_the_tenants_setting(api: Api, session: AsyncSession) -> None:
    await api(
        "mutation { setTenantSettings(appealDays: 20) { __typename } }",
        roles=(Role.FEDERATION_ADMIN,),
    )
    manager = await active_manager(session, "sd-demo")
    await record_figures(api, str(manager.id), SD_PLANS, SD_ACTUALS, "sd-demo")
    draft = (await run_as(api, RUN, {"m": str(manager.id)}, user="hr-1", roles=(Role.HR,)))[
        "runAppraisal"
    ]
    await run_as(api, CONFIRM, {"id": draft["id"]}, user="hr-2", roles=(Role.HR,))
    await session.execute(
        update(models.Appraisal)
        .where(models.Appraisal.id == uuid.UUID(draft["id"]))
        .values(confirmed_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=16))
    )
    appeal = f'mutation($id: ID!) {{ appealAppraisal(id: $id, reason: "申诉") {{ {APPRAISAL_FIELDS} }} }}'
    result = (
        await run_as(
            api,
            appeal,
            {"id": draft["id"]},
            user=manager.employee_no,
            roles=(Role.MANAGER,),
            manager=manager.employee_no,
        )
    )["appealAppraisal"]
    assert result["status"] == "APPEALED"


async def test_probationer_is_refused_without_inputs(api: Api, session: AsyncSession) -> None:
    manager = await active_manager(session, "sd-demo")
    await session.execute(
        update(models.Manager)
        .where(models.Manager.id == manager.id)
        .values(status="PROBATION", probation_ends_on=dt.date(2027, 3, 1))
    )
    result = (await run_as(api, RUN, {"m": str(manager.id)}, user="hr-1", roles=(Role.HR,)))[
        "runAppraisal"
    ]
    assert (result["__typename"], result["graded"]) == ("Appraisal", False)
    assert "第十三条" in result["explanation"] or "13" in result["explanation"]
    assert result["items"] == []


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
    manager = await active_manager(session, "cc-demo")
    await record_figures(api, str(manager.id), CC_PLANS, CC_ACTUALS, "cc-demo")
    draft = (
        await run_as(
            api, RUN, {"m": str(manager.id)}, user="hr-1", roles=(Role.HR,), tenant="cc-demo"
        )
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
    assert withheld[0]["explanation"].endswith("存入本人风险保证金账户")
    assert withheld[0]["explanation_en"].endswith("into the manager's own risk-deposit account")
    confirmed = (
        await run_as(
            api, CONFIRM, {"id": draft["id"]}, user="hr-2", roles=(Role.HR,), tenant="cc-demo"
        )
    )["confirmAppraisal"]
    assert confirmed["status"] == "CONFIRMED"
    accounts = (
        await api(
            """query($m: ID!) { manager(id: $m) { accounts { account balance
                 movements { amount direction appraisalId article explanation explanationEn }
               } } }""",
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
                    "explanation": withheld[0]["explanation"],
                    "explanationEn": withheld[0]["explanation_en"],
                }
            ],
        }
    ]


async def _store_appraisal(session: AsyncSession, manager: models.Manager) -> models.Appraisal:
    appraisal = models.Appraisal(
        tenant_id=manager.tenant_id,
        manager_id=manager.id,
        period="2025",
        status=AppraisalStatus.DRAFT,
        plugin="shandong",
        plugin_version="1.0.0",
        parameters={"deduction_per_case": "0.5"},
        inputs={"education": "BACHELOR_OR_HIGHER"},
        total=Decimal("91.50"),
        tier_code="SD_1",
        tier_rank=3,
        tier_name="一级客户经理",
        explanation="总分 91.5 分 → 一级客户经理",
        explanation_en="total 91.5",
        computed_by="hr-1",
    )
    session.add(appraisal)
    await session.flush()
    session.add_all(
        [
            models.AppraisalItem(
                tenant_id=manager.tenant_id,
                appraisal_id=appraisal.id,
                position=i,
                key=key,
                name=name,
                article=article,
                max_points=Decimal(points),
                score=Decimal(score),
                inputs={"value": key},
                explanation=f"{name} → {score} 分",
                explanation_en=f"{key} → {score}",
            )
            for i, (key, name, article, points, score) in enumerate(
                [
                    ("A1", "学历", "第十一条(一)1", "3", "3"),
                    ("B6", "收回贷款利息", "第十一条(二)6", "20", "18.25"),
                ]
            )
        ]
    )
    await session.commit()
    return appraisal


async def test_appraisal_read_shows_items_with_articles(api: Api, session: AsyncSession) -> None:
    manager = (
        await session.execute(
            select(models.Manager).where(models.Manager.tenant_id == "sd-demo").limit(1)
        )
    ).scalar_one()
    appraisal = await _store_appraisal(session, manager)
    data = await api(
        """query($id: ID!, $m: ID!) {
          appraisal(id: $id) { period status statusLabel total tier { code rank }
            parameters manager { id } explanation explanationEn
            items { key article maxPoints score explanation explanationEn inputs } }
          appraisals(filter: {managerId: $m, period: "2025"}) { totalCount edges { node { id } } }
          drafts: appraisals(filter: {statuses: [CONFIRMED]}) { totalCount }
          manager(id: $m) { appraisals { edges { node { id total } } } }
        }""",
        {"id": str(appraisal.id), "m": str(manager.id)},
    )
    a = data["appraisal"]
    assert (a["period"], a["status"], a["statusLabel"], a["total"]) == (
        "2025",
        "DRAFT",
        "草稿",
        "91.5",
    )
    assert a["tier"] == {"code": "SD_1", "rank": 3}
    assert a["items"][1] == {
        "key": "B6",
        "article": "第十一条(二)6",
        "maxPoints": "20",
        "score": "18.25",
        "explanation": "收回贷款利息 → 18.25 分",
        "explanationEn": "B6 → 18.25",
        "inputs": {"value": "B6"},
    }
    assert (a["explanation"], a["explanationEn"]) == ("总分 91.5 分 → 一级客户经理", "total 91.5")
    assert data["appraisals"]["edges"] == [{"node": {"id": str(appraisal.id)}}]
    assert data["drafts"]["totalCount"] == 0
    assert data["manager"]["appraisals"]["edges"] == [
        {"node": {"id": str(appraisal.id), "total": "91.5"}}
    ]
    other = await api(
        "query($id: ID!) { appraisal(id: $id) { id } }", {"id": str(appraisal.id)}, tenant="ah-demo"
    )
    assert other["appraisal"] is None


def _readme_block(containing: str) -> str:
    """The README's GraphQL example that contains ``containing``."""
    readme = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```graphql\n(.*?)```", readme, re.DOTALL)
    (block,) = [b for b in blocks if containing in b]
    return str(block)


async def test_the_readme_appraisal_example_appraises_on_sd_demo(
    api: Api, session: AsyncSession
) -> None:
    """The README's round records what the appraisal reads: it ends in a draft, not in
    MissingInputs; and the inputs it lists are the ones the README records."""
    manager = await active_manager(session, "sd-demo")
    listed = await run_as(api, _readme_block("appraisalInputs"), {}, user="hr-1", roles=(Role.HR,))
    needed = {
        (i["key"], i["source"])
        for i in listed["appraisalInputs"]["indicators"]
        if i["required"] and i["recordedWith"] in ("recordIndicators", "recordTaskPlan")
    }
    example = _readme_block("runAppraisal(managerId: $m")
    for key, source in needed:
        assert f'indicator: "{key}"' in example, (key, source)
    result = await run_as(api, example, {"m": str(manager.id)}, user="hr-1", roles=(Role.HR,))
    assert result["recordTaskPlan"]["__typename"] == "FiguresRecorded", result
    assert result["recordIndicators"]["__typename"] == "FiguresRecorded", result
    assert result["runAppraisal"]["__typename"] == "Appraisal", result["runAppraisal"]
    assert result["runAppraisal"]["status"] == "DRAFT"
