"""Appraisal runs over GraphQL: a tenant's batch, who may start it, offices' totals reconciled."""

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
    CONFIRM,
    PERIOD,
    RUN,
    SD_ACTUALS,
    SD_PLANS,
    active_manager,
    record_figures,
    run_as,
)

RUNS = """mutation { runAppraisals(period: "2026") { __typename
  ... on AppraisalRun { id status managersTotal managersDone managersSkipped problems cohort }
  ... on RunInProgress { code runId field } } }"""
RUN_FIELDS = "id status managersTotal managersDone managersSkipped problems cohort attempts"


async def run_to_end(api: Api, **who: Any) -> dict[str, Any]:
    """Start a run (it comes back QUEUED, nothing done yet), execute the background jobs,
    and read the run as it ended."""
    started = (await run_as(api, RUNS, {}, **who))["runAppraisals"]
    assert started["__typename"] == "AppraisalRun", started
    assert (started["status"], started["managersDone"]) == ("QUEUED", 0)
    await api.run_jobs()
    ended = await api(
        f"query($id: ID!) {{ appraisalRun(id: $id) {{ {RUN_FIELDS} }} }}", {"id": started["id"]}
    )
    run: dict[str, Any] = ended["appraisalRun"]
    return run


async def test_batch_run_is_idempotent_and_keeps_confirmed(api: Api, session: AsyncSession) -> None:
    scored = await active_manager(session, "sd-demo")
    await record_figures(api, str(scored.id), SD_PLANS, SD_ACTUALS, "sd-demo")
    one = (await run_as(api, RUN, {"m": str(scored.id)}, user="hr-1", roles=(Role.HR,)))[
        "runAppraisal"
    ]
    await run_as(api, CONFIRM, {"id": one["id"]}, user="hr-2", roles=(Role.HR,))
    first = await run_to_end(api, user="hr-1", roles=(Role.HR,))
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
    second = await run_to_end(api, user="hr-1", roles=(Role.HR,))
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


async def test_a_batch_skips_the_own_record_of_whoever_runs_it(
    api: Api, session: AsyncSession
) -> None:
    """Nobody appraises themselves: an HR person who is also a manager runs the batch, and
    their own record is skipped and listed (another HR person runs it), not drafted."""
    own = await active_manager(session, "sd-demo")
    await record_figures(api, str(own.id), SD_PLANS, SD_ACTUALS, "sd-demo")
    done = await run_to_end(
        api, user="hr-self", roles=(Role.HR, Role.MANAGER), manager=own.employee_no
    )
    assert done["status"] == "DONE", done
    assert {
        "managerId": str(own.id),
        "employeeNo": own.employee_no,
        "separationOfDuties": "OWN_RECORD",
    } in done["problems"]
    assert done["managersDone"] + done["managersSkipped"] == done["managersTotal"]
    drafted = set(
        (
            await session.execute(
                select(models.Appraisal.manager_id).where(
                    models.Appraisal.tenant_id == "sd-demo", models.Appraisal.period == PERIOD
                )
            )
        ).scalars()
    )
    assert own.id not in drafted
    assert len(drafted) == done["managersDone"] >= 1
    by_another = (await run_as(api, RUN, {"m": str(own.id)}, user="hr-1", roles=(Role.HR,)))[
        "runAppraisal"
    ]
    assert by_another["__typename"] == "Appraisal", by_another


@pytest.mark.parametrize("roles", [(Role.MANAGER,), (Role.RISK,), (Role.AUDITOR,)])
async def test_only_hr_runs_appraisals(api: Api, roles: tuple[Role, ...]) -> None:
    result = (await run_as(api, RUNS, {}, user="x", roles=roles))["runAppraisals"]
    assert result["__typename"] == "PermissionDenied"


async def test_office_totals_are_reconciled(api: Api, session: AsyncSession) -> None:
    manager = await active_manager(session, "sd-demo")
    await record_figures(api, str(manager.id), SD_PLANS, SD_ACTUALS, "sd-demo")
    office = str(manager.office_id)
    recorded = await api(
        """mutation($o: ID!) { recordOfficeIndicators(officeId: $o, period: "2026",
             values: [{indicator: "interest_recovered", value: "100000"},
                      {indicator: "deposit_net_increase", value: "99999999"}]) {
             __typename ... on OfficeFiguresRecorded { office { id } figures { indicator } } } }""",
        {"o": office},
    )
    assert recorded["recordOfficeIndicators"]["office"]["id"] == office
    draft = (await run_as(api, RUN, {"m": str(manager.id)}, user="hr-1", roles=(Role.HR,)))[
        "runAppraisal"
    ]
    mismatches = [w for w in draft["warnings"] if "第十四条" in w]
    assert len(mismatches) == 1
    assert mismatches[0].startswith("interest_recovered")
    batch = await run_to_end(api, user="hr-1", roles=(Role.HR,))
    reconciliation = [p for p in batch["problems"] if "reconciliation" in p]
    assert reconciliation == [{"officeId": office, "reconciliation": mismatches}]
