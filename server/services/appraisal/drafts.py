"""Appraising managers and writing the results as drafts of the period.

``run_appraisal`` appraises one manager inside the caller's transaction; the
whole tenant is appraised by the job ``server.jobs.appraisal_run`` with the same
pieces (``appraise_manager``, ``write_drafts``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.db.bulk import bulk_insert
from server.db.queries.appraisals import confirmed_managers, delete_drafts
from server.domain import AppraisalStatus
from server.errors import Conflict, FieldProblem, InvalidInput, MissingInputs
from server.ids import uuid7
from server.policy import AppraisalInput, AppraisalOutcome
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.access import authorize, get_in_scope
from server.services.appraisal.inputs import Prepared, appraisal_input, missing_inputs, prepare
from server.services.appraisal.stored import inputs_json, item_rows, money_json
from server.services.separation import refuse_own_record


def appraise_manager(
    registry: PolicyRegistry, prepared: Prepared, manager_id: uuid.UUID
) -> tuple[AppraisalInput, AppraisalOutcome]:
    """The plugin's outcome for one manager: unscored (refusal or placement) when the policy
    says so, else scored — which needs every required input."""
    appraisal = appraisal_input(prepared, manager_id)
    plugin = prepared.selection.plugin
    unscored = registry.grading(plugin).unscored_outcome(appraisal)
    if unscored is not None:
        return appraisal, unscored
    missing = missing_inputs(prepared, manager_id)
    if missing:
        raise MissingInputs(prepared.managers[manager_id].employee_no, missing)
    outcome = registry.grading(plugin).appraise(appraisal)
    return appraisal, outcome


def appraisal_values(
    prepared: Prepared,
    manager_id: uuid.UUID,
    appraisal: AppraisalInput,
    outcome: AppraisalOutcome,
    computed_by: str,
    run_id: uuid.UUID | None,
) -> dict[str, Any]:
    """The columns of a draft appraisal row (without its id)."""
    return {
        "tenant_id": prepared.tenant_id,
        "manager_id": manager_id,
        "period": prepared.period.text,
        "status": AppraisalStatus.DRAFT.value,
        "plugin": prepared.selection.plugin,
        "plugin_version": prepared.selection.version,
        "parameters": prepared.params_json,
        "inputs": inputs_json(
            appraisal,
            prepared.cohort_json,
            prepared.sheets.notes.get(manager_id) if prepared.sheets else None,
        ),
        "graded": outcome.graded,
        "total": outcome.total,
        "tier_code": outcome.tier.code if outcome.tier else None,
        "tier_rank": outcome.tier.rank if outcome.tier else None,
        "tier_name": outcome.tier.name if outcome.tier else None,
        "rating": outcome.rating,
        "rating_label": outcome.rating_label,
        "explanation": outcome.explanation,
        "explanation_en": outcome.explanation_en,
        "warnings": [
            *outcome.warnings,
            *prepared.reconciliation.get(prepared.managers[manager_id].office_id, []),
        ],
        "pay": [money_json(m) for m in outcome.pay],
        "tier_move": None,
        "run_id": run_id,
        "computed_by": computed_by,
        "computed_at": models.now(),
    }


async def write_drafts(
    session: AsyncSession,
    prepared: Prepared,
    results: list[tuple[uuid.UUID, AppraisalInput, AppraisalOutcome]],
    computed_by: str,
    run_id: uuid.UUID | None,
    *,
    replace: bool = True,
) -> list[uuid.UUID]:
    """Store drafts; with ``replace``, first remove these managers' earlier drafts of the
    period. Confirmed appraisals are never touched."""
    if not results:
        return []
    a = models.Appraisal
    if replace:
        await delete_drafts(
            session, prepared.tenant_id, prepared.period.text, [mid for mid, _, _ in results]
        )
    rows, items = [], []
    ids = []
    for mid, appraisal, outcome in results:
        appraisal_id = uuid7()
        ids.append(appraisal_id)
        rows.append(
            {
                "id": appraisal_id,
                **appraisal_values(prepared, mid, appraisal, outcome, computed_by, run_id),
            }
        )
        items += item_rows(prepared.tenant_id, appraisal_id, outcome.items)
    await bulk_insert(session, a, rows)
    await bulk_insert(session, models.AppraisalItem, items)
    return ids


async def run_appraisal(
    session: AsyncSession,
    registry: PolicyRegistry,
    actor: Principal,
    *,
    manager_id: str,
    period: str,
    today: dt.date | None = None,
) -> models.Appraisal:
    """Appraise one manager for one period as a DRAFT (replacing an earlier draft)."""
    scope = authorize(actor, "runAppraisal")
    manager = await get_in_scope(
        session, models.Manager, scope, manager_id, field="manager_id", entity="Manager"
    )
    refuse_own_record(actor, manager, "manager_id", act="appraise")
    if await confirmed_managers(session, actor.tenant_id, period, [manager.id]):
        raise Conflict(
            f"the {period} appraisal of {manager.employee_no} is already confirmed or under "
            "appeal (an appeal's review recomputes it: resolveAppeal)",
            "period",
        )
    prepared = await prepare(session, registry, actor.tenant_id, period, today=today)
    if manager.id not in prepared.managers:
        raise InvalidInput(
            [
                FieldProblem(
                    "manager_id",
                    "NOT_APPRAISABLE",
                    f"a manager who is {manager.status.value} is not appraised",
                )
            ]
        )
    appraisal, outcome = appraise_manager(registry, prepared, manager.id)
    (new_id,) = await write_drafts(
        session, prepared, [(manager.id, appraisal, outcome)], actor.user_id, None
    )
    await session.flush()
    row = await session.get(models.Appraisal, (actor.tenant_id, new_id))
    assert row is not None
    return row
