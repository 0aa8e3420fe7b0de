"""Anhui's floating bands (第七条 浮动管理; "能上能下, 优胜劣汰").

On a confirmed annual appraisal a manager moves up, stays or moves down one
band by the annual score, never above the qualification ceiling (第五条); an
assistant who scores below the line stays an assistant and is referred for
dismissal review (第二条 of the grading rules).
"""

from __future__ import annotations

from decimal import Decimal

from plugins.anhui.articles import ART_APPRAISAL, ART_FLOATING, ART_QUALIFICATION, ART_SURVIVAL
from plugins.anhui.bands import ASSISTANT, TOP_RANK, qualification_ceiling, tier_at
from plugins.anhui.parameters import AnhuiParameters
from server.policy import (
    AppraisalOutcome,
    LabelledEnum,
    ManagerProfile,
    Period,
    PeriodKind,
    Tier,
    TierDirection,
    TierMove,
    TierMoveFlag,
    fmt,
)


class Band(LabelledEnum):
    """Where an annual score falls against the floating thresholds (第七条); the rating."""

    PROMOTE = "PROMOTE", "晋升一档"
    KEEP = "KEEP", "保持级档"
    DEMOTE = "DEMOTE", "降低一档"


def score_band(score: Decimal, params: AnhuiParameters) -> Band:
    """``promote_at`` and above: up; below ``demote_below``: down; else stay (以上 includes)."""
    if score >= params.promote_at:
        return Band.PROMOTE
    if score < params.demote_below:
        return Band.DEMOTE
    return Band.KEEP


def _qualification_text(manager: ManagerProfile) -> str:
    level = manager.qualification_level
    return f"qualification {level.strip()}" if level and level.strip() else "no qualification"


def annual_move(
    manager: ManagerProfile, score: Decimal, ceiling: Tier, params: AnhuiParameters
) -> TierMove:
    """The band after a confirmed annual appraisal: one band at most, never above the ceiling.

    - A manager without a band is set to the assistant level whatever the
      score: it is the entry level, needs no qualification, and bands float one
      step at a time from a band held.
    - Otherwise the score earns up, stay or down one band (第七条); the band
      held is the lower of the band earned and the qualification ceiling
      (第五条), so a band above a lost qualification falls to the ceiling.
    - An assistant who scores below ``demote_below`` stays an assistant and is
      referred for dismissal review (优胜劣汰, 第二条 of the grading rules).
    """
    band = score_band(score, params)
    scored = f"annual score {fmt(score)}"
    held = manager.tier
    if held is None:
        first = (TierMoveFlag.DISMISSAL_REVIEW,) if band is Band.DEMOTE else ()
        note = f" < demote_below {fmt(params.demote_below)}" if first else ""
        return TierMove(
            direction=TierDirection.SET,
            to_tier=ASSISTANT,
            reason=f"{scored}{note}; first band: set to {ASSISTANT.name} (the entry level)",
            article=ART_FLOATING,
            flags=first,
        )
    flags: list[TierMoveFlag] = []
    if band is Band.PROMOTE:
        earned = held.rank + 1 if held.rank < TOP_RANK else held.rank
        steps = [f"{scored} ≥ promote_at {fmt(params.promote_at)}"]
        if held.rank >= TOP_RANK:
            steps.append("already the top band")
        elif earned > ceiling.rank:
            flags.append(TierMoveFlag.PROMOTION_BLOCKED_BY_QUALIFICATION)
            steps.append(
                f"promotion blocked: {_qualification_text(manager)} allows at most {ceiling.name}"
            )
    elif band is Band.DEMOTE:
        earned = max(held.rank - 1, ASSISTANT.rank)
        steps = [f"{scored} < demote_below {fmt(params.demote_below)}"]
        if held.rank == ASSISTANT.rank:
            flags.append(TierMoveFlag.DISMISSAL_REVIEW)
            steps.append(
                f"an assistant stays an assistant and is referred for dismissal review "
                f"(优胜劣汰, {ART_SURVIVAL})"
            )
    else:
        earned = held.rank
        steps = [
            f"{scored} within {fmt(params.demote_below)}–{fmt(params.promote_at)}: the band stays"
        ]
    if held.rank > ceiling.rank:
        flags.append(TierMoveFlag.ABOVE_QUALIFICATION_CEILING)
        steps.append(f"{held.name} is above what {_qualification_text(manager)} allows")
    effective = min(earned, ceiling.rank)
    if effective > held.rank:
        direction, to_tier = TierDirection.PROMOTION, tier_at(effective)
    elif effective < held.rank:
        direction, to_tier = TierDirection.DEMOTION, tier_at(effective)
    else:
        direction, to_tier = TierDirection.NONE, None
    steps.append(f"{held.name} → {to_tier.name}" if to_tier is not None else f"stays {held.name}")
    return TierMove(
        direction=direction,
        to_tier=to_tier,
        reason="; ".join(steps),
        article=ART_QUALIFICATION if effective < earned else ART_FLOATING,
        flags=tuple(flags),
    )


def tier_move(
    manager: ManagerProfile, outcome: AppraisalOutcome, period: Period, params: AnhuiParameters
) -> TierMove:
    """The move on confirmation: annual appraisals only (第六条, 第七条)."""
    if period.kind is PeriodKind.QUARTER:
        return TierMove(
            TierDirection.NONE,
            None,
            "a quarterly appraisal is recorded and reported; it moves no band",
            ART_APPRAISAL,
        )
    if not outcome.graded or outcome.total is None:
        return TierMove(
            TierDirection.NONE, None, "the appraisal was not graded; no move", ART_FLOATING
        )
    problem = params.problem()
    if problem is not None:
        return TierMove(TierDirection.NONE, None, f"no move: {problem}", ART_APPRAISAL)
    ceiling = qualification_ceiling(manager.qualification_level)
    if ceiling is None:
        return TierMove(
            TierDirection.NONE,
            None,
            f"no move: qualification level {manager.qualification_level!r} is not recognised",
            ART_QUALIFICATION,
            (TierMoveFlag.QUALIFICATION_UNRECOGNISED,),
        )
    return annual_move(manager, outcome.total, ceiling, params)
