"""A violation's life after it is recorded: every status change kept, and dismissal.

RECORDED (by a branch head, ``server.services.records``) → CONFIRMED (by RISK, its effect
applied, ``server.services.penalties``) or → DISMISSED (by RISK, with the reason: the
record does not stand, and no penalty follows). Each step is one row of
``violation_status_changes`` — who, when, from which status to which, why — written with
the step; the first row of every violation is its recording (from none to RECORDED).

Dismissal keeps the checks of confirmation (core.md, "Roles"): the person who recorded a
violation does not decide it — neither confirms nor dismisses it (the maker–checker rule
``RECORDER_CONFIRMS``) — and nobody decides a violation of their own manager record. A
CONFIRMED violation is not dismissed: its effect (a tier down, a disqualification) has
applied, and undoing it is a tier change of its own (a manual proposal), not a dismissal.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import ViolationStatus
from server.errors import Conflict, FieldProblem, InvalidInput
from server.principal import Principal
from server.services.access import authorize, get_in_scope
from server.services.separation import RECORDER_CONFIRMS, refuse_own_record, refuse_same_person

MAX_REASON = 2000


def record_status_change(
    session: AsyncSession,
    violation: models.Violation,
    to_status: ViolationStatus,
    changed_by: str,
    *,
    from_status: ViolationStatus | None,
    reason: str | None = None,
) -> models.ViolationStatusChange:
    """Keep one step of the violation's life, and move its status to ``to_status``."""
    violation.status = to_status
    change = models.ViolationStatusChange(
        tenant_id=violation.tenant_id,
        violation_id=violation.id,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        changed_by=changed_by,
    )
    session.add(change)
    return change


async def dismiss_violation(
    session: AsyncSession, actor: Principal, *, violation_id: str, reason: str
) -> models.Violation:
    """RISK dismisses a RECORDED violation, with the reason; no penalty follows."""
    scope = authorize(actor, "dismissViolation")
    reason = reason.strip()
    if not reason:
        raise InvalidInput([FieldProblem("reason", "REQUIRED", "say why it is dismissed")])
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            [FieldProblem("reason", "TOO_LONG", f"the reason is at most {MAX_REASON} characters")]
        )
    violation = await get_in_scope(
        session,
        models.Violation,
        scope,
        violation_id,
        field="violation_id",
        entity="Violation",
        for_update=True,
    )
    if violation.status != ViolationStatus.RECORDED:
        raise Conflict(
            f"only a RECORDED violation can be dismissed; this one is {violation.status.value}",
            "violation_id",
        )
    refuse_same_person(
        actor,
        [violation.recorded_by],
        RECORDER_CONFIRMS,
        "the person who recorded a violation cannot decide it (nor dismiss it)",
        "violation_id",
    )
    manager = await get_in_scope(
        session,
        models.Manager,
        scope,
        violation.manager_id,
        field="violation_id",
        entity="Manager",
    )
    refuse_own_record(actor, manager, "violation_id", act="dismiss a violation of")
    record_status_change(
        session,
        violation,
        ViolationStatus.DISMISSED,
        actor.user_id,
        from_status=ViolationStatus.RECORDED,
        reason=reason,
    )
    await session.flush()
    return violation
