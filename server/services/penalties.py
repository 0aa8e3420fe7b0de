"""Violations → the tenant's penalty plugin → tier or status changes, with history.

A branch head records a violation; another person (RISK) confirms it — never the
recorder, nor the manager it is about; the tenant's ``penalty`` plugin decides the
effect, which applies at once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import (
    ManagerStatus,
    PolicyCategory,
    TierChangeCause,
    ViolationStatus,
)
from server.errors import Conflict
from server.policy import PenaltyEffect, PenaltyKind, ViolationCase
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.access import authorize, get_in_scope
from server.services.managers import change_tier
from server.services.policies import selection
from server.services.profiles import manager_profile
from server.services.separation import RECORDER_CONFIRMS, refuse_own_record, refuse_same_person
from server.services.tenant_settings import tenant_today
from server.services.violations import record_status_change

STATUS_BY_EFFECT = {
    PenaltyKind.DISQUALIFY: ManagerStatus.DISQUALIFIED,
    PenaltyKind.DISQUALIFY_FOR_LIFE: ManagerStatus.DISQUALIFIED,
    PenaltyKind.SUSPEND: ManagerStatus.SUSPENDED,
}
LIFETIME_FLAG = "DISQUALIFIED_FOR_LIFE"


async def confirm_violation(
    session: AsyncSession,
    registry: PolicyRegistry,
    actor: Principal,
    *,
    violation_id: str,
    today: dt.date | None = None,
) -> models.Violation:
    """Confirm a recorded violation (not by the person who recorded it) and apply its effect."""
    scope = authorize(actor, "confirmViolation")
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
        raise Conflict(f"this violation is already {violation.status.value}", "violation_id")
    refuse_same_person(
        actor,
        [violation.recorded_by],
        RECORDER_CONFIRMS,
        "the person who recorded a violation cannot confirm it",
        "violation_id",
    )
    manager = await get_in_scope(
        session,
        models.Manager,
        scope,
        violation.manager_id,
        field="violation_id",
        entity="Manager",
        for_update=True,
    )
    refuse_own_record(actor, manager, "violation_id", act="confirm a violation of")
    record_status_change(
        session,
        violation,
        ViolationStatus.CONFIRMED,
        actor.user_id,
        from_status=ViolationStatus.RECORDED,
    )
    violation.confirmed_by = actor.user_id
    violation.confirmed_at = models.now()
    chosen = await selection(session, registry, actor.tenant_id, PolicyCategory.PENALTY)
    if chosen is None:
        violation.effect = PenaltyKind.NONE.value
        violation.effect_reason = "the tenant has no penalty policy"
        await session.flush()
        return violation
    year = violation.occurred_on.year
    same_kind = await session.scalar(
        select(func.count())
        .select_from(models.Violation)
        .where(
            models.Violation.tenant_id == actor.tenant_id,
            models.Violation.manager_id == manager.id,
            models.Violation.kind == violation.kind,
            models.Violation.status == ViolationStatus.CONFIRMED,
            models.Violation.occurred_on >= dt.date(year, 1, 1),
            models.Violation.occurred_on <= dt.date(year, 12, 31),
            models.Violation.id != violation.id,
        )
    )
    grading = await selection(session, registry, actor.tenant_id, PolicyCategory.GRADING)
    tiers = registry.grading(grading.plugin).tiers() if grading else ()
    case = ViolationCase(
        kind=violation.kind,
        occurred_on=violation.occurred_on,
        manager=manager_profile(manager, tiers=tiers),
        confirmed_same_kind_this_year=int(same_kind or 0) + 1,
        tiers=tiers,
    )
    effect: PenaltyEffect = registry.penalty(chosen.plugin).effect(case, chosen.params)
    violation.effect = effect.effect.value
    violation.effect_article = effect.article
    violation.effect_reason = effect.reason
    violation.plugin = chosen.plugin
    violation.plugin_version = chosen.version
    today = today or await tenant_today(session, actor.tenant_id)
    if effect.effect == PenaltyKind.DOWN_ONE_TIER and effect.to_tier is not None:
        target = effect.to_tier
        if target.code != manager.tier_code:
            await change_tier(
                session,
                manager,
                target,
                cause=TierChangeCause.PENALTY,
                recorded_by=actor.user_id,
                reason=f"{effect.reason} ({effect.article})",
                violation_id=violation.id,
                plugin=chosen.plugin,
                plugin_version=chosen.version,
                effective_on=today,
            )
    new_status = STATUS_BY_EFFECT.get(effect.effect)
    if new_status is not None and manager.status != ManagerStatus.DISQUALIFIED:
        manager.status = new_status
    if manager.status == ManagerStatus.DISQUALIFIED and manager.tier_code is not None:
        # A disqualified manager holds no tier (core.md 客户经理): the move to none is kept
        # in the history and sent as a grade change, like any other.
        await change_tier(
            session,
            manager,
            None,
            cause=TierChangeCause.PENALTY,
            recorded_by=actor.user_id,
            reason=f"{effect.reason} ({effect.article}): a disqualified manager holds no tier",
            violation_id=violation.id,
            plugin=chosen.plugin,
            plugin_version=chosen.version,
            effective_on=today,
        )
    if effect.effect == PenaltyKind.DISQUALIFY_FOR_LIFE:
        manager.flags = sorted(set(manager.flags) | {LIFETIME_FLAG})
        # The ban binds the person: their identity number is refused to a new record.
        manager.banned_for_life = True
    await session.flush()
    return violation


TIERLESS_JOB = "job:disqualified-tierless"
"""Who the daily job below records as having made its changes."""


async def remove_tiers_of_disqualified(
    session: AsyncSession, tenant_id: str, today: dt.date
) -> int:
    """The daily job: a disqualified manager who still holds a tier (recorded before the
    rule that a disqualified manager holds none, core.md 客户经理) loses it, with its history
    row and grade-change event; the number changed. Idempotent."""
    held = await session.scalars(
        select(models.Manager)
        .where(
            models.Manager.tenant_id == tenant_id,
            models.Manager.status == ManagerStatus.DISQUALIFIED,
            models.Manager.tier_code.is_not(None),
        )
        .order_by(models.Manager.id)
        .with_for_update()
    )
    managers = list(held)
    for manager in managers:
        await change_tier(
            session,
            manager,
            None,
            cause=TierChangeCause.PENALTY,
            recorded_by=TIERLESS_JOB,
            reason="a disqualified manager holds no tier (core.md 客户经理)",
            effective_on=today,
        )
    await session.flush()
    return len(managers)
