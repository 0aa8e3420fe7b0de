"""A tier set by hand: which tier of the tenant's grading policy, and whether the manager
may hold it.

Checked for a manual tier change when it is proposed and again when a second person
confirms it, and for a new manager's first tier. The core's own rules come first (a
disqualified manager holds no tier, core.md "Customer managers"; a manager who has left
holds none either), then the grading plugin's eligibility and ceilings
(``grading_tier_refusals``, e.g. Anhui's qualification ceiling, 第五条). Every failed
rule is reported, with its article.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import ManagerStatus, PolicyCategory
from server.errors import Problems, Refusal, Refused
from server.policy import Tier
from server.policy.registry import PolicyRegistry
from server.services.profiles import manager_profile
from server.services.selections import Selection, selection

CORE_ARTICLE = "core.md 客户经理 (Customer managers)"
CORE_REFUSALS = {
    ManagerStatus.DISQUALIFIED: Refusal(
        "MANAGER_DISQUALIFIED", CORE_ARTICLE, "a disqualified manager holds no tier"
    ),
    ManagerStatus.LEFT: Refusal(
        "MANAGER_LEFT", CORE_ARTICLE, "a manager who has left holds no tier"
    ),
}
"""The statuses in which the core lets a manager hold no tier, whatever the policy says."""


@dataclass(frozen=True)
class Grading:
    """The tenant's grading plugin (with its parameters) and its tiers."""

    selection: Selection
    tiers: tuple[Tier, ...]

    def tier(self, code: str, problems: Problems, field: str = "tier_code") -> Tier | None:
        """The policy's tier of ``code``, or a problem naming the codes there are."""
        found = next((t for t in self.tiers if t.code == code), None)
        if found is None:
            codes = ", ".join(t.code for t in self.tiers)
            problems.add(field, "UNKNOWN_TIER", f"tier must be one of {codes}, not {code}")
        return found


async def grading(
    session: AsyncSession, registry: PolicyRegistry, tenant_id: str
) -> Grading | None:
    """The tenant's grading policy; ``None`` when grading is off."""
    chosen = await selection(session, registry, tenant_id, PolicyCategory.GRADING)
    if chosen is None:
        return None
    return Grading(chosen, registry.grading(chosen.plugin).tiers())


def tier_refusals(
    registry: PolicyRegistry, policy: Grading, manager: models.Manager, tier: Tier
) -> list[Refusal]:
    """Every rule that keeps ``manager`` from holding ``tier``: the core's, then the plugin's."""
    refusals = [r for status, r in CORE_REFUSALS.items() if manager.status == status]
    profile = manager_profile(manager, tiers=policy.tiers)
    answer = registry.grading(policy.selection.plugin).tier_refusals(
        profile, tier, policy.selection.params
    )
    seen = {r.rule for r in refusals}
    refusals += [r for r in answer if r.rule not in seen]
    return refusals


def require_tier_allowed(
    registry: PolicyRegistry, policy: Grading, manager: models.Manager, tier: Tier
) -> None:
    """``Refused`` (every rule listed) unless the manager may hold ``tier``."""
    refusals = tier_refusals(registry, policy, manager, tier)
    if refusals:
        raise Refused(f"the tier {tier.code}", refusals)
