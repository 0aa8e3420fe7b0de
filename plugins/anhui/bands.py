"""Anhui's levels and bands (第四条; 第三条 of the grading rules) and the qualification
ceiling (第五条).

Four qualified levels split into seven bands (资深 1, 高级 2, 中级 2, 初级 2; 一档 below
二档), below them the assistant level, which needs no qualification. A manager
never holds a band above what the qualification allows.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from plugins.anhui.articles import ART_QUALIFICATION
from server.policy import ManagerProfile, Refusal, Tier

# --- tiers (第四条; 第三条 of the grading rules for the assistant level) ------------

ASSISTANT = Tier(code="AH_ASSISTANT", name="助理客户经理", rank=0, external_title="助理客户经理")
JUNIOR_1 = Tier(code="AH_JUNIOR_1", name="初级一档", rank=1, external_title="客户经理")
JUNIOR_2 = Tier(code="AH_JUNIOR_2", name="初级二档", rank=2, external_title="客户经理")
MID_1 = Tier(code="AH_MID_1", name="中级一档", rank=3, external_title="客户经理")
MID_2 = Tier(code="AH_MID_2", name="中级二档", rank=4, external_title="客户经理")
SENIOR_1 = Tier(code="AH_SENIOR_1", name="高级一档", rank=5, external_title="高级客户经理")
SENIOR_2 = Tier(code="AH_SENIOR_2", name="高级二档", rank=6, external_title="高级客户经理")
PRINCIPAL = Tier(code="AH_PRINCIPAL", name="资深客户经理", rank=7, external_title="高级客户经理")

TIERS = (ASSISTANT, JUNIOR_1, JUNIOR_2, MID_1, MID_2, SENIOR_1, SENIOR_2, PRINCIPAL)
"""助理 + 初级/中级/高级 two bands each (一档 below 二档) + 资深, lowest rank first."""

TOP_RANK = PRINCIPAL.rank

# --- qualification ceiling (第五条) -------------------------------------------------

QUALIFICATION_CEILINGS: Mapping[str, Tier] = MappingProxyType(
    {
        "初级": JUNIOR_2,
        "中级": MID_2,
        "高级": SENIOR_2,
        "资深": PRINCIPAL,
        "JUNIOR": JUNIOR_2,
        "MID": MID_2,
        "SENIOR": SENIOR_2,
        "PRINCIPAL": PRINCIPAL,
    }
)
"""The highest band each qualification level allows: the top band of that level."""


def qualification_ceiling(level: str | None) -> Tier | None:
    """The highest band a qualification allows (第五条), or ``None`` for an unknown level.

    No qualification (``None`` or blank) allows only the assistant level, which
    needs none. The Chinese level names and their English codes (any case) are
    accepted; anything else is reported rather than guessed, so that a typing
    error in a profile never demotes a manager.
    """
    if level is None or not level.strip():
        return ASSISTANT
    return QUALIFICATION_CEILINGS.get(level.strip().upper())


def is_assistant(tier: Tier | None) -> bool:
    """Whether a held tier is the assistant level (rank 0) or no band at all."""
    return tier is None or tier.rank == ASSISTANT.rank


def tier_at(rank: int) -> Tier:
    """This policy's band of a rank (0 … 7)."""
    return TIERS[rank]


def tier_refusals(manager: ManagerProfile, tier: Tier) -> tuple[Refusal, ...]:
    """A band set by hand keeps to the qualification ceiling (第五条): never above the top band
    of the manager's qualification level, and no band at all from a level not recognised."""
    level = manager.qualification_level
    shown = f"qualification {level.strip()}" if level and level.strip() else "no qualification"
    ceiling = qualification_ceiling(level)
    if ceiling is None:
        return (
            Refusal(
                "QUALIFICATION_UNRECOGNISED",
                ART_QUALIFICATION,
                f"qualification level {level!r} is not one of 初级, 中级, 高级, 资深 "
                "(JUNIOR, MID, SENIOR, PRINCIPAL) or none: no band can be set",
            ),
        )
    if tier.rank > ceiling.rank:
        return (
            Refusal(
                "ABOVE_QUALIFICATION_CEILING",
                ART_QUALIFICATION,
                f"{tier.name} is above what {shown} allows (at most {ceiling.name})",
            ),
        )
    return ()
