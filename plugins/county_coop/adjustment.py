"""The county cooperative's level adjustment (第五章三): at most one step a year.

"根据管理贷款的质量和考评结果进行等级调整": 不称职 or an NPL ratio above the limit
moves one level down; 优秀 with a level score admitting a higher level moves one
up. The appraisal applies it to the level held when it is computed; the
confirmation moves from the level held then.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from plugins.county_coop.articles import ARTICLE_ADJUSTMENT, ARTICLE_LEVEL
from plugins.county_coop.levels import LOWEST, Level, tier_at
from plugins.county_coop.parameters import CountyParameters
from plugins.county_coop.rating import EXCELLENT, INCOMPETENT, Rating, percent
from server.policy import (
    AppraisalOutcome,
    Explanation,
    ManagerProfile,
    Period,
    PeriodKind,
    Tier,
    TierDirection,
    TierMove,
    fmt,
)


@dataclass(frozen=True)
class Adjustment:
    """The level after the yearly adjustment, and why."""

    tier: Tier
    reason: Explanation
    """Why, in Chinese (``zh``) and English (``en``)."""


def adjust_level(
    current: Tier | None,
    rating: Rating,
    level: Level,
    npl_ratio: Decimal,
    params: CountyParameters,
) -> Adjustment:
    """根据管理贷款的质量和考评结果进行等级调整: at most one step a year.

    A manager not graded yet gets the level the level score admits. Otherwise
    不称职, or an NPL ratio above the limit, moves one level down (one step in all
    when both hold; never below 见习); else 优秀 with a level score admitting a
    higher level moves one level up. Loan quality comes first: a demotion cause
    rules out the promotion.
    """
    if current is None:
        return Adjustment(
            level.tier,
            Explanation(
                f"首次定级，按等级分定为{level.tier.name}",
                f"first level from the level score: {level.tier.name}",
            ),
        )
    causes: list[Explanation] = []
    if rating is INCOMPETENT:
        causes.append(Explanation(f"考评为{INCOMPETENT.label}", f"rated {INCOMPETENT.label}"))
    if npl_ratio > params.npl_ratio_limit:
        ratio, limit = fmt(npl_ratio), fmt(params.npl_ratio_limit)
        causes.append(
            Explanation(
                f"不良贷款率 {percent(npl_ratio)} 高于上限 {percent(params.npl_ratio_limit)}",
                f"NPL ratio {ratio} above npl_ratio_limit {limit}",
            )
        )
    if causes:
        why = Explanation.join(causes, "且", " and ")
        if current.rank <= LOWEST.rank:
            return Adjustment(
                tier_at(current.rank),
                Explanation(
                    f"{why.zh}；已是{LOWEST.name}，不再下调",
                    f"{why.en}; already {LOWEST.name}, no lower",
                ),
            )
        lower = tier_at(current.rank - 1)
        return Adjustment(
            lower,
            Explanation(
                f"{why.zh}：下调一级至{lower.name}", f"{why.en}: down one level to {lower.name}"
            ),
        )
    if rating is EXCELLENT and level.tier.rank > current.rank:
        higher = tier_at(current.rank + 1)
        return Adjustment(
            higher,
            Explanation(
                f"考评为{EXCELLENT.label}且等级分可定{level.tier.name}：上调一级至{higher.name}",
                f"rated {EXCELLENT.label} and the level score admits {level.tier.name}: "
                f"up one level to {higher.name}",
            ),
        )
    return Adjustment(
        tier_at(current.rank),
        Explanation(f"考评为{rating.label}：等级不变", f"rated {rating.label}: level unchanged"),
    )


def tier_move(manager: ManagerProfile, outcome: AppraisalOutcome, period: Period) -> TierMove:
    """The level change on confirmation: toward the appraised level, one step at most.

    The appraisal already applied 第五章三 to the tier held when it was computed;
    confirmation moves from the tier held now, so a tier changed in between (a
    penalty) never makes the year's move larger than one step.
    """
    if period.kind is not PeriodKind.YEAR:
        return TierMove(
            TierDirection.NONE,
            None,
            "levels are adjusted on the yearly appraisal only",
            ARTICLE_ADJUSTMENT,
        )
    target = outcome.tier
    if not outcome.graded or target is None:
        return TierMove(
            TierDirection.NONE, None, "the appraisal was not graded", ARTICLE_ADJUSTMENT
        )
    if manager.tier is None:
        return TierMove(
            TierDirection.SET,
            target,
            f"first level from the level score: {target.name}",
            ARTICLE_LEVEL,
        )
    current = manager.tier
    step = max(-1, min(target.rank - current.rank, 1))
    if step == 0:
        held = (
            f"already {LOWEST.name}, no lower"
            if outcome.rating == INCOMPETENT.code and current.rank <= LOWEST.rank
            else f"level stays {current.name}"
        )
        return TierMove(
            TierDirection.NONE, None, f"rated {outcome.rating_label}: {held}", ARTICLE_ADJUSTMENT
        )
    to_tier = tier_at(current.rank + step)
    limited = (
        f" (the appraisal set {target.name}; one step a year)"
        if abs(target.rank - current.rank) > 1
        else ""
    )
    if step < 0:
        cause = (
            f"rated {INCOMPETENT.label}"
            if outcome.rating == INCOMPETENT.code
            else "NPL ratio of the managed loans above npl_ratio_limit"
        )
        return TierMove(
            TierDirection.DEMOTION,
            to_tier,
            f"{cause}: down one level to {to_tier.name}{limited}",
            ARTICLE_ADJUSTMENT,
        )
    return TierMove(
        TierDirection.PROMOTION,
        to_tier,
        f"rated {outcome.rating_label} and the level score admits a higher level: "
        f"up one level to {to_tier.name}{limited}",
        ARTICLE_ADJUSTMENT,
    )
