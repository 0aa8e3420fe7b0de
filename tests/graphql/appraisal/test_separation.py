"""Separation of duties over GraphQL on the appraisal paths: the refusal is a
``PermissionDenied`` whose code is SEPARATION_OF_DUTIES, naming the rule and the input, and
nothing is written. (The maker–checker rows of a whole appeal: ``test_appraisals``; the
service-level table of every rule and path: ``tests/services/test_separation.py``.)"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import Role
from tests.conftest import Api
from tests.graphql.appraisal.operations import (
    APPRAISAL_FIELDS,
    CONFIRM,
    RUN,
    SD_ACTUALS,
    SD_PLANS,
    active_manager,
    record_figures,
    run_as,
)

APPEAL = f"""mutation($id: ID!) {{ appealAppraisal(id: $id, reason: "B6 有误") {{
  {APPRAISAL_FIELDS} }} }}"""
RESOLVE = f"""mutation($id: ID!, $recompute: Boolean!) {{
  resolveAppeal(id: $id, reason: "复核", recompute: $recompute) {{ {APPRAISAL_FIELDS} }} }}"""
FIGURES = """mutation($m: ID!) { recordIndicators(managerId: $m, period: "2026",
  values: [{indicator: "interest_recovered", value: "9999999"}]) {
  __typename ... on UserError { code message field } } }"""


async def _footprint(session: AsyncSession) -> list[Any]:
    out: list[Any] = []
    for model in (models.Appraisal, models.IndicatorValue, models.ManagerTierChange):
        status = [model.status] if hasattr(model, "status") else []
        stmt = (
            select(*status, func.count())
            .select_from(model)
            .where(model.tenant_id == "sd-demo")
            .group_by(*status)
        )
        out.append(sorted(map(str, (await session.execute(stmt)).all())))
    a = models.Appraisal
    out.append(sorted(map(str, (await session.execute(select(a.status, a.confirmed_by))).all())))
    return out


async def _appealed(api: Api, session: AsyncSession) -> tuple[models.Manager, str]:
    manager = await active_manager(session, "sd-demo")
    await record_figures(api, str(manager.id), SD_PLANS, SD_ACTUALS, "sd-demo")
    draft = (await run_as(api, RUN, {"m": str(manager.id)}, user="hr-maker", roles=(Role.HR,)))[
        "runAppraisal"
    ]
    await run_as(api, CONFIRM, {"id": draft["id"]}, user="hr-checker", roles=(Role.HR,))
    appealed = (
        await run_as(
            api,
            APPEAL,
            {"id": draft["id"]},
            user="wang.appellant",
            roles=(Role.MANAGER,),
            manager=manager.employee_no,
        )
    )["appealAppraisal"]
    assert appealed["status"] == "APPEALED", appealed
    return manager, str(draft["id"])


def _refused(result: dict[str, Any], rule: str, field: str) -> None:
    assert (result["__typename"], result["code"], result["field"]) == (
        "PermissionDenied",
        "SEPARATION_OF_DUTIES",
        field,
    ), result
    assert rule in result["message"]


@pytest.mark.parametrize("recompute", [False, True])
async def test_the_appellant_never_resolves_their_own_appeal(
    api: Api, session: AsyncSession, recompute: bool
) -> None:
    _, appraisal = await _appealed(api, session)
    before = await _footprint(session)
    result = (
        await run_as(
            api,
            RESOLVE,
            {"id": appraisal, "recompute": recompute},
            user="Wang.Appellant",
            roles=(Role.HR,),
        )
    )["resolveAppeal"]
    _refused(result, "APPELLANT_RESOLVES", "id")
    assert await _footprint(session) == before


async def test_the_appellant_never_confirms_the_review(api: Api, session: AsyncSession) -> None:
    _, appraisal = await _appealed(api, session)
    review = (
        await run_as(
            api, RESOLVE, {"id": appraisal, "recompute": True}, user="hr-reviewer", roles=(Role.HR,)
        )
    )["resolveAppeal"]
    assert (review["status"], review["recomputedBy"]) == ("DRAFT", "hr-reviewer")
    before = await _footprint(session)
    result = (
        await run_as(api, CONFIRM, {"id": appraisal}, user="WANG.APPELLANT", roles=(Role.HR,))
    )["confirmAppraisal"]
    _refused(result, "APPELLANT_RESOLVES", "id")
    assert await _footprint(session) == before


async def test_the_review_draft_is_kept_by_a_batch_run(api: Api, session: AsyncSession) -> None:
    """A draft under an appeal's review is not replaced by runAppraisals nor runAppraisal."""
    manager, appraisal = await _appealed(api, session)
    await run_as(
        api, RESOLVE, {"id": appraisal, "recompute": True}, user="hr-reviewer", roles=(Role.HR,)
    )
    runs = 'mutation { runAppraisals(period: "2026") { __typename ... on AppraisalRun { id } } }'
    started = (await run_as(api, runs, {}, user="hr-batch", roles=(Role.HR,)))["runAppraisals"]
    await api.run_jobs()
    ended = await api("query($id: ID!) { appraisalRun(id: $id) { status } }", {"id": started["id"]})
    assert ended["appraisalRun"] == {"status": "DONE"}
    kept = await session.get(models.Appraisal, ("sd-demo", uuid.UUID(appraisal)))
    assert kept is not None
    await session.refresh(kept)
    assert (kept.status.value, kept.recomputed_by) == ("DRAFT", "hr-reviewer")
    again = (await run_as(api, RUN, {"m": str(manager.id)}, user="hr-batch", roles=(Role.HR,)))[
        "runAppraisal"
    ]
    assert (again["__typename"], again["field"]) == ("Conflict", "period")


@pytest.mark.parametrize(
    ("roles", "operation"),
    [
        ((Role.BRANCH_HEAD, Role.MANAGER), "recordIndicators"),
        ((Role.HR, Role.MANAGER), "runAppraisal"),
        ((Role.HR, Role.MANAGER), "resolveAppeal"),
    ],
)
async def test_nobody_acts_on_their_own_record(
    api: Api, session: AsyncSession, roles: tuple[Role, ...], operation: str
) -> None:
    manager, appraisal = await _appealed(api, session)
    query, variables, field = {
        "recordIndicators": (FIGURES, {"m": str(manager.id)}, "managerId"),
        "runAppraisal": (RUN, {"m": str(manager.id)}, "managerId"),
        "resolveAppeal": (RESOLVE, {"id": appraisal, "recompute": True}, "id"),
    }[operation]
    before = await _footprint(session)
    data = await run_as(
        api, query, variables, user="self.person", roles=roles, manager=manager.employee_no
    )
    _refused(data[operation], "OWN_RECORD", field)
    assert await _footprint(session) == before
