"""Anhui's lending rule (第三条(一) of the grading rules): an assistant owns no loan.

The assistant level is still learning and does not manage customers on its own
(尚未独立分管客户); other bands have no cap from this policy.
"""

from __future__ import annotations

from decimal import Decimal

from plugins.anhui.articles import ART_ASSISTANT
from plugins.anhui.bands import is_assistant
from server.policy import LendingCap, LoanRequest, ManagerProfile, Refusal, Tier

ASSISTANT_CANNOT_OWN_LOANS = "ASSISTANT_CANNOT_OWN_LOANS"


def held_name(tier: Tier | None) -> str:
    return tier.name if tier is not None else "no band"


def held_name_zh(tier: Tier | None) -> str:
    return tier.name if tier is not None else "未定级档"


def lending_cap(manager: ManagerProfile) -> LendingCap:
    """Nothing for an assistant, who does not manage customers alone; no cap otherwise."""
    if is_assistant(manager.tier):
        return LendingCap(
            amount=Decimal("0.00"),
            article=ART_ASSISTANT,
            explanation=(
                f"{held_name_zh(manager.tier)}：助理客户经理尚未独立分管客户，不得作为贷款的"
                "管户客户经理发放贷款"
            ),
            explanation_en=(
                f"{held_name(manager.tier)}: the assistant level does not manage customers on its "
                "own (尚未独立分管客户) and originates no loan"
            ),
        )
    return LendingCap(
        amount=None,
        article=ART_ASSISTANT,
        explanation=f"{held_name_zh(manager.tier)}：本政策不设单笔贷款上限",
        explanation_en=f"{held_name(manager.tier)}: no single-loan cap in this policy",
    )


def lending_check(request: LoanRequest) -> tuple[Refusal, ...]:
    """An assistant (or a manager without a band) cannot own a new loan."""
    if not is_assistant(request.manager.tier):
        return ()
    return (
        Refusal(
            rule=ASSISTANT_CANNOT_OWN_LOANS,
            article=ART_ASSISTANT,
            message=(
                f"the manager holds {held_name(request.manager.tier)}: an assistant is still "
                "learning and does not manage customers on their own (尚未独立分管客户), "
                "so cannot be the responsible manager of a new loan"
            ),
        ),
    )
