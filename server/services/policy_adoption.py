"""What a new grading plugin does to the tiers managers hold (core.md: a selection change
never rewrites history).

When a tenant's grading plugin changes, every manager who holds a tier that is not one of
the new policy's is moved to a tier of it, in the same transaction as the selection, each
move with its tier-history row and grade-change event (cause ``POLICY_CHANGE``). The old
tier stays in the history as the move's "from".

The rule — the same relative standing: the old policy's tiers split the scale
from the lowest to the highest grade into equal bands, the ``r``-th from the
lowest (counting from 0) of ``n`` holding ``[r/n, (r+1)/n)``; the manager moves
to the new policy's tier whose band holds the middle of the old one, the
``⌊(2r + 1) · m / 2n⌋``-th of ``m``. A tenant changing plugins keeps its best
managers near the top and its newest near the bottom, and ``n = m`` keeps every
position. Shandong's 三级/二级/一级 become Anhui's 初一级/中二级/高二级;
Anhui's 助理 … 资深 become Shandong's 三级 (ranks 0–2), 二级 (3–4) and
一级 (5–7). The new policy's eligibility and ceilings then hold
(``grading_tier_refusals``, e.g. Anhui's qualification ceiling, 第五条): a tier
the manager may not hold gives way to the next lower one, down to the lowest.
Why not the entry tier: under Anhui the entry tier (助理) may not lend at all,
so moving everyone there would stop a tenant's lending on the day it changes
policy. Why no plugin hook: the sources of no province say how to carry grades
across policies, so the core's rule is documented once, here.

Managers who hold no tier, and those disqualified or gone (who hold none under the core's
rules, ``server.services.tiers``), are not moved. A tier code no installed grading plugin
defines is read as the lowest standing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import ManagerStatus, PolicyCategory, TierChangeCause
from server.policy import Tier
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.managers import change_tier
from server.services.selections import Selection
from server.services.tenant_settings import tenant_today
from server.services.tiers import Grading, tier_refusals

NOT_MOVED = (ManagerStatus.DISQUALIFIED, ManagerStatus.LEFT)


@dataclass(frozen=True)
class TierAdoption:
    """One manager's move to the new policy's tiers."""

    manager_id: str
    from_code: str
    to_code: str


def standing_rank(old_position: int, old_count: int, new_count: int) -> int:
    """The new position (from the lowest, counting from 0) of the same relative standing: the
    new band holding the old band's middle."""
    if old_count <= 0:
        return 0
    clamped = min(max(old_position, 0), old_count - 1)
    return min(new_count - 1, ((2 * clamped + 1) * new_count) // (2 * old_count))


def _tier_positions(registry: PolicyRegistry) -> dict[str, tuple[str, int, int]]:
    """Every installed grading plugin's tier code → (plugin, its position from the lowest,
    how many tiers the plugin has). Positions, not ranks: a plugin's ranks need not start
    at 0 (shandong's run 1–3)."""
    positions: dict[str, tuple[str, int, int]] = {}
    for info in registry.all_info():
        if PolicyCategory.GRADING in info.categories:
            tiers = sorted(registry.grading(info.name).tiers(), key=lambda t: t.rank)
            for position, t in enumerate(tiers):
                positions[t.code] = (info.name, position, len(tiers))
    return positions


def adopted_tier(
    registry: PolicyRegistry,
    policy: Grading,
    manager: models.Manager,
    positions: dict[str, tuple[str, int, int]],
) -> tuple[Tier, str]:
    """The new policy's tier for the manager, and why (for the tier history)."""
    ordered = sorted(policy.tiers, key=lambda t: t.rank)
    source = positions.get(manager.tier_code or "")
    if source is None:
        start = 0
        why = f"{manager.tier_code} belongs to no installed grading policy: the lowest tier"
    else:
        plugin, position, count = source
        start = standing_rank(position, count, len(ordered))
        why = (
            f"{manager.tier_name} ({plugin}, {position + 1} of {count} from the lowest) → "
            f"the same relative standing under {policy.selection.plugin}"
        )
    for position in range(start, -1, -1):
        tier = ordered[position]
        refused = tier_refusals(registry, policy, manager, tier)
        if not refused:
            return tier, why
        why += f"; not {tier.code}: " + ", ".join(r.rule for r in refused)
    return ordered[0], why + "; the lowest tier"


async def adopt_grading(
    session: AsyncSession,
    registry: PolicyRegistry,
    actor: Principal,
    tenant_id: str,
    chosen: Selection,
) -> list[TierAdoption]:
    """Move every manager of the tenant holding a tier not of ``chosen``'s plugin to
    its tier of the same relative standing; one history row and event each."""
    policy = Grading(chosen, registry.grading(chosen.plugin).tiers())
    own = {t.code for t in policy.tiers}
    positions = _tier_positions(registry)
    rows = await session.scalars(
        select(models.Manager)
        .where(
            models.Manager.tenant_id == tenant_id,
            models.Manager.tier_code.is_not(None),
            models.Manager.status.not_in(NOT_MOVED),
        )
        .order_by(models.Manager.id)
        .with_for_update()
    )
    moves: list[TierAdoption] = []
    today = await tenant_today(session, tenant_id)
    for manager in rows.all():
        if manager.tier_code in own:
            continue
        tier, why = adopted_tier(registry, policy, manager, positions)
        moves.append(TierAdoption(str(manager.id), manager.tier_code or "", tier.code))
        await change_tier(
            session,
            manager,
            tier,
            cause=TierChangeCause.POLICY_CHANGE,
            recorded_by=actor.user_id,
            reason=f"grading policy changed to {chosen.plugin} {chosen.version}: {why}",
            plugin=chosen.plugin,
            plugin_version=chosen.version,
            effective_on=today,
        )
    return moves
