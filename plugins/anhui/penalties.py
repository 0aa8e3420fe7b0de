"""Anhui's penalty (第七条 浮动管理): a confirmed serious violation costs one band.

The sources name no penalty beyond floating management; the tenant switches
the downgrade on or off (``violation_downgrade``).
"""

from __future__ import annotations

from plugins.anhui.articles import ART_FLOATING, ART_SURVIVAL
from plugins.anhui.bands import TIERS
from plugins.anhui.lending import held_name
from plugins.anhui.parameters import AnhuiParameters
from server.policy import PenaltyEffect, PenaltyKind, TierMoveFlag, ViolationCase, ViolationKind

SERIOUS_VIOLATIONS = frozenset(
    {
        ViolationKind.LOAN_TO_PAY_INTEREST,
        ViolationKind.NOMINEE_LOAN,
        ViolationKind.CROSS_COMMUNITY_LOAN,
        ViolationKind.CREDIT_TO_BANNED_CUSTOMER,
        ViolationKind.TEN_KINDS_OF_PERSON,
        ViolationKind.LOSS_BY_MISCONDUCT,
        ViolationKind.FALSIFICATION,
    }
)
"""Kinds serious on a single confirmed case.

The four credit-business breaches each cost a grade on their own elsewhere in
the catalogue's sources; 十种人 and losses by misconduct end a career there;
弄虚作假 is forbidden outright. Exam failures, audit notices, complaints and
``OTHER`` weigh in the appraisal aspects instead (职业道德, 信贷操作及管理, 服务质量).
"""


def penalty_effect(case: ViolationCase, params: AnhuiParameters) -> PenaltyEffect:
    """Down one band for a confirmed serious violation when ``violation_downgrade`` is on."""
    kind = f"{case.kind.value} ({case.kind.label})"
    if not params.violation_downgrade:
        return PenaltyEffect(
            PenaltyKind.NONE, ART_FLOATING, f"{kind}: violation_downgrade is off; no effect"
        )
    if case.kind not in SERIOUS_VIOLATIONS:
        return PenaltyEffect(
            PenaltyKind.NONE,
            ART_FLOATING,
            f"{kind} is not a serious violation in this policy; it counts in the appraisal",
        )
    held = case.manager.tier
    tiers = case.tiers or TIERS
    lower = [t for t in tiers if held is not None and t.rank < held.rank]
    if held is None or not lower:
        return PenaltyEffect(
            PenaltyKind.NONE,
            ART_SURVIVAL,
            f"{kind} is serious, but {held_name(held)} has no lower band: the manager is "
            f"referred for dismissal review ({TierMoveFlag.DISMISSAL_REVIEW}, 优胜劣汰)",
        )
    to_tier = max(lower, key=lambda t: t.rank)
    return PenaltyEffect(
        PenaltyKind.DOWN_ONE_TIER,
        ART_FLOATING,
        f"{kind} is a serious violation: down one band, {held.name} → {to_tier.name}",
        to_tier=to_tier,
    )
