"""Manual tier changes (cause MANUAL): a proposal one HR person makes and a second decides.

``propose_tier_change`` writes a PENDING proposal (the tier, the reason, the tier held
now); ``confirm_tier_change`` by another HR person applies it through ``change_tier``
(history entry and grade-change event in the same transaction); ``reject_tier_change``
ends it with the reason. The tier must keep to the grading policy's eligibility and
ceilings (``server.services.tiers``) when proposed and again when confirmed. Nobody
proposes or decides a tier for their own manager record, and a proposer never decides
their own proposal (``server.services.separation``).

Locks: the manager first (``for_update``), then the proposal — one order on every path,
so that two proposals for one manager cannot both be pending and a confirmation sees
the tier the proposal started from.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.db.scope import Scope
from server.domain import TierChangeCause, TierProposalStatus
from server.errors import Conflict, Problems
from server.policy import Tier
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.access import authorize, get_in_scope
from server.services.managers import change_tier
from server.services.separation import PROPOSER_DECIDES, refuse_own_record, refuse_same_person
from server.services.tiers import Grading, grading, require_tier_allowed


def _reason(text: str, problems: Problems, what: str) -> str:
    reason = text.strip()
    if not reason:
        problems.add("reason", "REQUIRED", f"give the reason {what}")
    return reason


async def _manager(
    session: AsyncSession, scope: Scope, manager_id: object, field: str
) -> models.Manager:
    return await get_in_scope(
        session, models.Manager, scope, manager_id, field=field, entity="Manager", for_update=True
    )


async def _pending_of(session: AsyncSession, manager: models.Manager) -> uuid.UUID | None:
    p = models.TierProposal
    return await session.scalar(
        select(p.id).where(
            p.tenant_id == manager.tenant_id,
            p.manager_id == manager.id,
            p.status == TierProposalStatus.PENDING,
        )
    )


async def propose_tier_change(
    session: AsyncSession,
    registry: PolicyRegistry,
    actor: Principal,
    *,
    manager_id: str,
    tier_code: str,
    reason: str,
) -> models.TierProposal:
    """HR proposes a tier for a manager, with the reason; nothing moves until a second HR
    person confirms it. One proposal per manager is pending at a time."""
    scope = authorize(actor, "proposeTierChange")
    problems = Problems()
    text = _reason(reason, problems, "for setting the tier by hand")
    policy = await grading(session, registry, actor.tenant_id)
    tier: Tier | None = None
    if policy is None:
        problems.add("tier_code", "NO_GRADING_POLICY", "the tenant has no grading policy")
    else:
        tier = policy.tier(tier_code, problems)
    problems.raise_if_any()
    assert policy is not None
    assert tier is not None
    manager = await _manager(session, scope, manager_id, "manager_id")
    refuse_own_record(actor, manager, "manager_id", act="propose a tier for")
    if manager.tier_code == tier.code:
        raise Conflict(f"the manager already holds {tier.code}", "tier_code")
    pending = await _pending_of(session, manager)
    if pending is not None:
        raise Conflict(
            f"a tier change for this manager is already pending (proposal {pending}): "
            "confirm or reject it first",
            "manager_id",
        )
    require_tier_allowed(registry, policy, manager, tier)
    proposal = models.TierProposal(
        tenant_id=actor.tenant_id,
        manager_id=manager.id,
        from_code=manager.tier_code,
        to_code=tier.code,
        to_rank=tier.rank,
        to_name=tier.name,
        plugin=policy.selection.plugin,
        plugin_version=policy.selection.version,
        reason=text,
        status=TierProposalStatus.PENDING,
        proposed_by=actor.user_id,
    )
    session.add(proposal)
    await session.flush()
    return proposal


async def _decide(
    session: AsyncSession, actor: Principal, operation: str, proposal_id: str
) -> tuple[models.TierProposal, models.Manager]:
    """The pending proposal and its manager, both locked, after the checks every decision
    makes: in scope, still pending, not the decider's own record, not their own proposal."""
    scope = authorize(actor, operation)
    found = await get_in_scope(
        session,
        models.TierProposal,
        scope,
        proposal_id,
        field="proposal_id",
        entity="TierProposal",
    )
    manager = await _manager(session, scope, found.manager_id, "proposal_id")
    proposal = await get_in_scope(
        session,
        models.TierProposal,
        scope,
        found.id,
        field="proposal_id",
        entity="TierProposal",
        for_update=True,
    )
    if proposal.status != TierProposalStatus.PENDING:
        raise Conflict(f"this proposal is already {proposal.status.value}", "proposal_id")
    refuse_own_record(actor, manager, "proposal_id", act="decide a tier for")
    refuse_same_person(
        actor,
        [proposal.proposed_by],
        PROPOSER_DECIDES,
        "a tier change is decided by a second HR person, not the one who proposed it",
        "proposal_id",
    )
    return proposal, manager


def _proposed_tier(policy: Grading | None, proposal: models.TierProposal) -> tuple[Grading, Tier]:
    """The proposed tier in the tenant's grading policy as it is now; the proposal lapses
    when the policy changed under it."""
    if policy is None or policy.selection.plugin != proposal.plugin:
        now = "none" if policy is None else policy.selection.plugin
        raise Conflict(
            f"the grading policy changed since the proposal ({proposal.plugin}, now {now}): "
            "propose again",
            "proposal_id",
        )
    tier = next((t for t in policy.tiers if t.code == proposal.to_code), None)
    if tier is None:
        raise Conflict(
            f"{proposal.plugin} {policy.selection.version} has no tier {proposal.to_code} any "
            "more: propose again",
            "proposal_id",
        )
    return policy, tier


async def confirm_tier_change(
    session: AsyncSession,
    registry: PolicyRegistry,
    actor: Principal,
    *,
    proposal_id: str,
) -> models.TierProposal:
    """A second HR person confirms a pending proposal: the tier changes now (cause MANUAL,
    the proposal's reason in the history), if the manager still holds the tier it started
    from and may hold the new one."""
    proposal, manager = await _decide(session, actor, "confirmTierChange", proposal_id)
    policy, tier = _proposed_tier(await grading(session, registry, actor.tenant_id), proposal)
    if manager.tier_code != proposal.from_code:
        raise Conflict(
            f"the manager's tier changed since the proposal (from {proposal.from_code or 'none'}"
            f", now {manager.tier_code or 'none'}): propose again",
            "proposal_id",
        )
    require_tier_allowed(registry, policy, manager, tier)
    change = await change_tier(
        session,
        manager,
        tier,
        cause=TierChangeCause.MANUAL,
        recorded_by=actor.user_id,
        reason=proposal.reason,
        plugin=policy.selection.plugin,
        plugin_version=policy.selection.version,
    )
    proposal.status = TierProposalStatus.CONFIRMED
    proposal.decided_by = actor.user_id
    proposal.decided_at = models.now()
    proposal.tier_change_id = change.id
    await session.flush()
    return proposal


async def reject_tier_change(
    session: AsyncSession, actor: Principal, *, proposal_id: str, reason: str
) -> models.TierProposal:
    """A second HR person rejects a pending proposal, with the reason; no tier changes."""
    problems = Problems()
    text = _reason(reason, problems, "for rejecting the proposal")
    authorize(actor, "rejectTierChange")
    problems.raise_if_any()
    proposal, _ = await _decide(session, actor, "rejectTierChange", proposal_id)
    proposal.status = TierProposalStatus.REJECTED
    proposal.decided_by = actor.user_id
    proposal.decided_at = models.now()
    proposal.decision_reason = text
    await session.flush()
    return proposal
