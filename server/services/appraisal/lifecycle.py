"""The appraisal's life cycle after the draft: confirmation, appeal and its review.

DRAFT → CONFIRMED (by HR, not the person who ran it; the tier moves here) →
APPEALED (by the manager, within ``appeal_days``) → CONFIRMED again by HR with
the review's reason.

Maker–checker holds on every path (``server.services.separation``): a computed result
only ever becomes CONFIRMED through a second person. A review that keeps the result
(``resolve_appeal``) confirms it at once, by someone who neither computed nor
recomputed it nor appealed. A review that recomputes makes it again from the current
inputs and leaves a DRAFT under review (``recomputed_by`` is the reviewer), as any
computation does: ``confirm_appraisal`` by yet another person — not the computer, the
recomputer or the appellant — confirms it, and the tier change it makes is recorded
with cause APPEAL. Nobody confirms, resolves or recomputes the appraisal of their own
manager record; only the manager appeals it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import business_date
from server.db import models
from server.db.queries.appraisals import appraisal_items, replace_items
from server.db.scope import Scope
from server.domain import AppraisalStatus, ManagerStatus, PolicyCategory, TierChangeCause
from server.errors import (
    Conflict,
    FieldProblem,
    InvalidInput,
    PolicyUnavailable,
    SelectionChanged,
    UnknownPlugin,
)
from server.policy import (
    AppraisalOutcome,
    ItemScore,
    MoneyLine,
    Params,
    Tier,
    TierDirection,
    TierMove,
    parse_period,
)
from server.policy import parameters as policy_parameters
from server.policy.registry import PolicyRegistry
from server.policy.vocabulary import TierMoveFlag
from server.principal import Principal
from server.services.access import authorize, get_in_scope
from server.services.appraisal.drafts import appraisal_values, appraise_manager
from server.services.appraisal.inputs import prepare
from server.services.appraisal.stored import item_rows, to_json
from server.services.common import get_in_tenant
from server.services.managers import change_tier
from server.services.policies import selection
from server.services.profiles import manager_profile, tier_of
from server.services.separation import (
    APPELLANT_RESOLVES,
    COMPUTER_CONFIRMS,
    COMPUTER_RESOLVES,
    refuse_own_record,
    refuse_same_person,
)
from server.services.tenant_settings import TenantSettings


def under_review(row: models.Appraisal) -> bool:
    """A DRAFT made again in an appeal's review, waiting for a second person."""
    return row.status == AppraisalStatus.DRAFT and row.appealed_at is not None


def _stored_outcome(
    row: models.Appraisal, items: list[models.AppraisalItem], tiers: tuple[Tier, ...]
) -> AppraisalOutcome:
    return AppraisalOutcome(
        graded=row.graded,
        explanation=row.explanation or "",
        explanation_en=row.explanation_en or "",
        items=tuple(
            ItemScore(
                key=i.key,
                name=i.name,
                article=i.article,
                max_points=i.max_points,
                score=i.score,
                inputs=dict(i.inputs),
                explanation=i.explanation,
                explanation_en=i.explanation_en,
            )
            for i in items
        ),
        total=row.total,
        tier=tier_of(row.tier_code, row.tier_name, row.tier_rank, tiers),
        rating=row.rating,
        rating_label=row.rating_label,
        warnings=tuple(row.warnings),
        pay=tuple(
            MoneyLine(
                key=m["key"],
                name=m["name"],
                amount=Decimal(m["amount"]),
                article=m["article"],
                explanation=m["explanation"],
                explanation_en=m.get("explanation_en", ""),
                account=m.get("account"),
            )
            for m in row.pay
        ),
    )


def _params_of(registry: PolicyRegistry, row: models.Appraisal) -> Params:
    """The appraisal's own plugin version and parameters; refuse if that version is gone."""
    try:
        info = registry.info(row.plugin)
    except UnknownPlugin:
        raise PolicyUnavailable(f"plugin {row.plugin} is no longer installed") from None
    if info.version != row.plugin_version:
        raise PolicyUnavailable(
            f"this appraisal was made with {row.plugin} {row.plugin_version}; "
            f"{info.version} is installed now: run the appraisal again"
        )
    params, problems = policy_parameters.resolve(info, row.parameters)
    if problems:
        raise PolicyUnavailable("; ".join(p.message for p in problems))
    return params


def _ends_probation(manager: models.Manager, move: TierMove, period_end: dt.date) -> bool:
    """Whether the confirmed move ends the manager's probation (见习期满): the plugin flags
    the placement ``PROBATION_END``, or a manager still PROBATION whose probation ended by
    the period's end gets a tier. Then the change's cause is ``PROBATION_END`` and the
    manager becomes ACTIVE."""
    if TierMoveFlag.PROBATION_END in move.flags:
        return True
    return (
        manager.status == ManagerStatus.PROBATION
        and manager.probation_ends_on is not None
        and manager.probation_ends_on <= period_end
        and move.direction != TierDirection.NONE
        and move.to_tier is not None
    )


async def selection_differences(
    session: AsyncSession, registry: PolicyRegistry, row: models.Appraisal
) -> list[str]:
    """What differs between the policy a draft was computed with and the tenant's grading
    selection now (plugin, version, each parameter); empty when they are the same."""
    chosen = await selection(session, registry, row.tenant_id, PolicyCategory.GRADING)
    if chosen is None:
        return [f"grading is switched off (the draft was made with {row.plugin})"]
    if chosen.plugin != row.plugin:
        return [f"plugin {row.plugin} → {chosen.plugin}"]
    if chosen.version != row.plugin_version:
        return [f"{row.plugin} version {row.plugin_version} → {chosen.version}"]
    now = chosen.params_json
    made = row.parameters or {}
    return [
        f"parameters.{name}: {made.get(name)!s} → {now.get(name)!s}"
        for name in sorted(set(now) | set(made))
        if made.get(name) != now.get(name)
    ]


async def _apply_tier_move(
    session: AsyncSession,
    registry: PolicyRegistry,
    row: models.Appraisal,
    manager: models.Manager,
    outcome: AppraisalOutcome,
    params: Params,
    recorded_by: str,
    cause: TierChangeCause,
    reason_prefix: str = "",
) -> TierMove:
    tiers = registry.grading(row.plugin).tiers()
    office = await session.get(models.Office, (manager.tenant_id, manager.office_id))
    profile = manager_profile(
        manager, tiers=tiers, office_has_credit_clerk=bool(office and office.has_credit_clerk)
    )
    move = registry.grading(row.plugin).tier_move(
        profile, outcome, parse_period(row.period), params
    )
    row.tier_move = {
        "direction": move.direction.value,
        "toTier": to_json(move.to_tier),
        "reason": move.reason,
        "article": move.article,
        "flags": list(move.flags),
    }
    notes = set(move.flags) - {TierMoveFlag.PROBATION_END}
    if notes:
        manager.flags = sorted(set(manager.flags) | notes)
    ending = _ends_probation(manager, move, parse_period(row.period).end)
    if ending and manager.status == ManagerStatus.PROBATION:
        manager.status = ManagerStatus.ACTIVE
    target = move.to_tier
    if (
        move.direction != TierDirection.NONE
        and target is not None
        and target.code != manager.tier_code
    ):
        effective_cause = TierChangeCause.PROBATION_END if ending else cause
        await change_tier(
            session,
            manager,
            target,
            cause=effective_cause,
            recorded_by=recorded_by,
            reason=f"{reason_prefix}{move.reason} ({move.article})",
            appraisal_id=row.id,
            plugin=row.plugin,
            plugin_version=row.plugin_version,
        )
    return move


async def _load_for_decision(
    session: AsyncSession, scope: Scope, appraisal_id: str
) -> tuple[models.Appraisal, models.Manager, list[models.AppraisalItem]]:
    """The appraisal (in the actor's scope: another's is not found), its manager, its items."""
    tenant_id = scope.tenant_id
    row = await get_in_scope(
        session,
        models.Appraisal,
        scope,
        appraisal_id,
        field="appraisal_id",
        entity="Appraisal",
        for_update=True,
    )
    manager = await get_in_tenant(
        session,
        models.Manager,
        tenant_id,
        row.manager_id,
        field="appraisal_id",
        entity="Manager",
        for_update=True,
    )
    items = await appraisal_items(session, tenant_id, row.id)
    return row, manager, items


async def confirm_appraisal(
    session: AsyncSession,
    registry: PolicyRegistry,
    actor: Principal,
    *,
    appraisal_id: str,
) -> models.Appraisal:
    """A second person (HR) confirms a draft; the tier change takes effect here. A draft
    made again in an appeal's review is confirmed the same way, by someone who is not
    the appellant either; its tier change has cause APPEAL and moves no money again.

    A draft whose plugin, plugin version or parameters are no longer the tenant's grading
    selection is refused (``SelectionChanged``, code RECOMPUTE_FIRST, naming each
    difference): its result would apply a policy the tenant no longer has."""
    scope = authorize(actor, "confirmAppraisal")
    row, manager, items = await _load_for_decision(session, scope, appraisal_id)
    if row.status != AppraisalStatus.DRAFT:
        raise Conflict(
            f"only a DRAFT can be confirmed; this one is {row.status.value}", "appraisal_id"
        )
    refuse_own_record(actor, manager, "appraisal_id", act="confirm an appraisal of")
    refuse_same_person(
        actor,
        [row.computed_by, row.recomputed_by],
        COMPUTER_CONFIRMS,
        "the person who computed or recomputed an appraisal cannot confirm it (maker–checker)",
        "appraisal_id",
    )
    review = under_review(row)
    if review:
        refuse_same_person(
            actor,
            [row.appealed_by],
            APPELLANT_RESOLVES,
            "the appellant cannot confirm the review of their own appeal",
            "appraisal_id",
        )
    differences = await selection_differences(session, registry, row)
    if differences:
        raise SelectionChanged(differences, "appraisal_id")
    params = _params_of(registry, row)
    outcome = _stored_outcome(row, items, registry.grading(row.plugin).tiers())
    if row.graded and review:
        await _apply_tier_move(
            session,
            registry,
            row,
            manager,
            outcome,
            params,
            actor.user_id,
            TierChangeCause.APPEAL,
            reason_prefix=f"appeal review: {row.review_reason}; ",
        )
    elif row.graded:
        await _apply_tier_move(
            session,
            registry,
            row,
            manager,
            outcome,
            params,
            actor.user_id,
            TierChangeCause.APPRAISAL,
        )
        for line in outcome.pay:
            if line.account:
                session.add(
                    models.AccountMovement(
                        tenant_id=actor.tenant_id,
                        manager_id=manager.id,
                        account=line.account,
                        amount=line.amount,
                        direction="IN",
                        appraisal_id=row.id,
                        article=line.article,
                        explanation=line.explanation,
                        explanation_en=line.explanation_en,
                        recorded_by=actor.user_id,
                    )
                )
    row.status = AppraisalStatus.CONFIRMED
    row.confirmed_by = actor.user_id
    row.confirmed_at = models.now()
    await session.flush()
    return row


async def appeal_appraisal(
    session: AsyncSession,
    actor: Principal,
    *,
    appraisal_id: str,
    reason: str,
    now: dt.datetime | None = None,
) -> models.Appraisal:
    """The manager appeals a confirmed appraisal of their own, within ``appeal_days``."""
    scope = authorize(actor, "appealAppraisal")
    row, manager, _ = await _load_for_decision(session, scope, appraisal_id)
    if manager.employee_no != actor.manager and not actor.is_person(manager.employee_no):
        raise Conflict("a manager may appeal only their own appraisal", "appraisal_id")
    if row.status != AppraisalStatus.CONFIRMED or row.confirmed_at is None:
        raise Conflict(
            f"only a CONFIRMED appraisal can be appealed; this one is {row.status.value}",
            "appraisal_id",
        )
    if not reason.strip():
        raise InvalidInput([FieldProblem("reason", "REQUIRED", "say why you appeal")])
    tenant = await session.get(models.Tenant, actor.tenant_id)
    assert tenant is not None
    settings = TenantSettings.from_json(tenant.settings)
    days = settings.appeal_days
    now = now or models.now()
    # The window is of business days in the tenant's zone: it stays open through the
    # whole ``days``-th day after the day of confirmation. Stored times read back aware
    # (UTC) on both databases: server.db.types.UtcDateTime.
    last_day = business_date(row.confirmed_at, settings.zone) + dt.timedelta(days=days)
    if business_date(now, settings.zone) > last_day:
        raise Conflict(
            f"the appeal window of {days} days after confirmation closed with {last_day} "
            f"(in {settings.time_zone})",
            "appraisal_id",
        )
    row.status = AppraisalStatus.APPEALED
    row.appealed_by = actor.user_id
    row.appealed_at = now
    row.appeal_reason = reason.strip()
    await session.flush()
    return row


async def resolve_appeal(
    session: AsyncSession,
    registry: PolicyRegistry,
    actor: Principal,
    *,
    appraisal_id: str,
    reason: str,
    recompute: bool,
    today: dt.date | None = None,
) -> models.Appraisal:
    """HR reviews an appeal, with the review's reason, as someone who neither appealed nor
    computed or recomputed the appraisal. Without ``recompute`` the result stands and is
    CONFIRMED again. With ``recompute`` it is made again from the current inputs and left a
    DRAFT under review, which a second person confirms (``confirm_appraisal``); a draft
    under review may be recomputed again the same way before that."""
    scope = authorize(actor, "resolveAppeal")
    row, manager, _ = await _load_for_decision(session, scope, appraisal_id)
    if not (row.status == AppraisalStatus.APPEALED or (recompute and under_review(row))):
        state = "a DRAFT under review" if under_review(row) else row.status.value
        raise Conflict(
            f"only an APPEALED appraisal (or, to recompute, a DRAFT under review) can be "
            f"resolved; this one is {state}",
            "appraisal_id",
        )
    if not reason.strip():
        raise InvalidInput([FieldProblem("reason", "REQUIRED", "give the review's reason")])
    refuse_own_record(actor, manager, "appraisal_id", act="review an appraisal of")
    refuse_same_person(
        actor,
        [row.appealed_by],
        APPELLANT_RESOLVES,
        "the appellant cannot resolve their own appeal",
        "appraisal_id",
    )
    refuse_same_person(
        actor,
        [row.computed_by, row.recomputed_by],
        COMPUTER_RESOLVES,
        "the person who computed or recomputed an appraisal cannot resolve an appeal against it",
        "appraisal_id",
    )
    row.review_reason = reason.strip()
    if not recompute:
        row.status = AppraisalStatus.CONFIRMED
        row.confirmed_by = actor.user_id
        row.confirmed_at = models.now()
        await session.flush()
        return row
    prepared = await prepare(session, registry, actor.tenant_id, row.period, today=today)
    if manager.id not in prepared.managers:
        raise Conflict(f"a manager who is {manager.status.value} is not appraised", "appraisal_id")
    appraisal, outcome = appraise_manager(registry, prepared, manager.id)
    values = appraisal_values(prepared, manager.id, appraisal, outcome, row.computed_by, row.run_id)
    for key in ("status", "computed_by", "computed_at", "run_id"):
        values.pop(key)
    for key, value in values.items():
        setattr(row, key, value)
    await replace_items(
        session, actor.tenant_id, row.id, item_rows(actor.tenant_id, row.id, outcome.items)
    )
    row.status = AppraisalStatus.DRAFT
    row.recomputed_by = actor.user_id
    row.recomputed_at = models.now()
    row.confirmed_by = None
    row.confirmed_at = None
    await session.flush()
    return row
