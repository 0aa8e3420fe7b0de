"""A violation's life (``server.services.violations``): every status change kept, from the
recording to the decision, and dismissal by RISK with the reason — never by the recorder,
never of one's own record, never after confirmation — which writes nothing else."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import Role, ViolationStatus
from server.errors import Conflict, InvalidInput, NotFound, PermissionDenied, SeparationOfDuties
from server.policy.registry import PolicyRegistry
from server.services import violations
from tests.conftest import principal
from tests.services.test_penalties import CONFIRMER, RECORDER, Court, K

S = ViolationStatus
DISMISSER = "zhou.risk"


@pytest.fixture
def sd(session: AsyncSession, registry: PolicyRegistry) -> Court:
    return Court(session, registry, "sd-demo")


async def history(court: Court, violation: models.Violation) -> list[tuple[object, ...]]:
    change = models.ViolationStatusChange
    rows = await court.session.scalars(
        select(change)
        .where(change.tenant_id == court.tenant, change.violation_id == violation.id)
        .order_by(change.changed_at, change.id)
    )
    return [(r.from_status, r.to_status, r.changed_by, r.reason) for r in rows]


async def footprint(court: Court) -> tuple[int, ...]:
    counts = list(await court.footprint())
    change = models.ViolationStatusChange
    stmt = select(func.count()).select_from(change).where(change.tenant_id == court.tenant)
    counts.append(int(await court.session.scalar(stmt) or 0))
    return tuple(counts)


async def dismiss(
    court: Court,
    violation: models.Violation,
    reason: str = "证据不足,经核实不成立",
    *,
    user: str = DISMISSER,
    roles: tuple[Role, ...] = (Role.RISK,),
    manager: str | None = None,
) -> models.Violation:
    return await violations.dismiss_violation(
        court.session,
        principal(court.tenant, roles, user, manager=manager),
        violation_id=str(violation.id),
        reason=reason,
    )


async def test_recording_and_confirmation_are_kept(sd: Court) -> None:
    manager = await sd.manager("SD_1")
    violation = await sd.record(manager, K.NOMINEE_LOAN)
    assert await history(sd, violation) == [(None, S.RECORDED, RECORDER, None)]
    await sd.confirm(violation)
    assert await history(sd, violation) == [
        (None, S.RECORDED, RECORDER, None),
        (S.RECORDED, S.CONFIRMED, CONFIRMER, None),
    ]


async def test_a_dismissal_keeps_the_reason_and_applies_nothing(sd: Court) -> None:
    manager = await sd.manager("SD_1")
    violation = await sd.record(manager, K.NOMINEE_LOAN)
    tiers = len(await sd.tier_history(manager))
    dismissed = await dismiss(sd, violation, "  证据不足  ")
    assert (dismissed.status, dismissed.effect, dismissed.confirmed_by) == (S.DISMISSED, None, None)
    assert await history(sd, violation) == [
        (None, S.RECORDED, RECORDER, None),
        (S.RECORDED, S.DISMISSED, DISMISSER, "证据不足"),
    ]
    stored = await sd.stored(manager)
    assert stored.tier_code == "SD_1"
    assert len(await sd.tier_history(manager)) == tiers
    # A dismissed violation is decided: it is neither confirmed nor dismissed again.
    before = await footprint(sd)
    with pytest.raises(Conflict, match="DISMISSED"):
        await sd.confirm(violation)
    with pytest.raises(Conflict, match="DISMISSED"):
        await dismiss(sd, violation, user="another.risk")
    assert await footprint(sd) == before
    assert (await sd.stored(manager)).tier_code == "SD_1"


async def test_a_confirmed_violation_is_not_dismissed(sd: Court) -> None:
    manager = await sd.manager("SD_1")
    violation = await sd.confirm(await sd.record(manager, K.NOMINEE_LOAN))
    before = await footprint(sd)
    with pytest.raises(Conflict, match="CONFIRMED") as refused:
        await dismiss(sd, violation)
    assert refused.value.field == "violation_id"
    assert await footprint(sd) == before


@pytest.mark.parametrize("reason", ["", "   ", "理" * 2001])
async def test_a_dismissal_needs_a_reason(sd: Court, reason: str) -> None:
    manager = await sd.manager("SD_1")
    violation = await sd.record(manager, K.NOMINEE_LOAN)
    before = await footprint(sd)
    with pytest.raises(InvalidInput) as refused:
        await dismiss(sd, violation, reason)
    assert [p.field for p in refused.value.problems] == ["reason"]
    assert await footprint(sd) == before


@pytest.mark.parametrize("user", [RECORDER, RECORDER.upper()])
async def test_the_recorder_cannot_dismiss(sd: Court, user: str) -> None:
    manager = await sd.manager("SD_1")
    violation = await sd.record(manager, K.NOMINEE_LOAN)
    before = await footprint(sd)
    with pytest.raises(SeparationOfDuties) as refused:
        await dismiss(sd, violation, user=user, roles=(Role.RISK, Role.BRANCH_HEAD))
    assert refused.value.rule == "RECORDER_CONFIRMS"
    assert await footprint(sd) == before


async def test_nobody_dismisses_a_violation_of_their_own_record(sd: Court) -> None:
    manager = await sd.manager("SD_1")
    violation = await sd.record(manager, K.NOMINEE_LOAN)
    before = await footprint(sd)
    with pytest.raises(SeparationOfDuties) as refused:
        await dismiss(sd, violation, roles=(Role.RISK,), manager=manager.employee_no)
    assert refused.value.rule == "OWN_RECORD"
    assert await footprint(sd) == before


@pytest.mark.parametrize(
    "roles", [(Role.HR,), (Role.BRANCH_HEAD,), (Role.AUDITOR,), (Role.MANAGER,)]
)
async def test_dismissing_needs_risk(sd: Court, roles: tuple[Role, ...]) -> None:
    manager = await sd.manager("SD_1")
    violation = await sd.record(manager, K.NOMINEE_LOAN)
    before = await footprint(sd)
    with pytest.raises(PermissionDenied):
        await dismiss(sd, violation, roles=roles)
    assert await footprint(sd) == before


async def test_another_tenants_violation_is_not_found(
    sd: Court, session: AsyncSession, registry: PolicyRegistry
) -> None:
    manager = await sd.manager("SD_1")
    violation = await sd.record(manager, K.NOMINEE_LOAN)
    other = Court(session, registry, "ah-demo")
    with pytest.raises(NotFound):
        await dismiss(other, violation)
    assert (await history(sd, violation))[-1][1] == S.RECORDED
