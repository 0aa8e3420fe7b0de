"""Shandong's grades: three tiers, the score bands, and the yearly move (第七条–第九条, 第十三条).

第七条 names 一级, 二级 and 三级客户经理 (here 一级 is the best); 第八条 sets grades once
a year, by a confirmed document; 第九条 bands the 100-point total; 第十三条 treats a
manager whose probation ended in the year as 三级.
"""

from __future__ import annotations

from decimal import Decimal

from server.policy import (
    AppraisalOutcome,
    ManagerProfile,
    Period,
    PeriodKind,
    Tier,
    TierDirection,
    TierMove,
    TierMoveFlag,
)

# 第七条, 第九条: three tiers; here 一级 is the best.
SD_3 = Tier(code="SD_3", name="三级客户经理", rank=1, external_title="三级客户经理")
SD_2 = Tier(code="SD_2", name="二级客户经理", rank=2, external_title="二级客户经理")
SD_1 = Tier(code="SD_1", name="一级客户经理", rank=3, external_title="一级客户经理")
TIERS = (SD_3, SD_2, SD_1)

# 第九条: 90 分以上(含 90) 一级; 75 分(含)以上 90 分(不含)以下 二级; 75 分(不含)以下 三级.
SD_1_FROM = Decimal(90)
SD_2_FROM = Decimal(75)

ART_YEARLY = "第八条"
ART_GRADE = "第八条、第九条"
ART_PROBATION = "第十三条"

# 第十三条: the rating of a manager placed in 三级 the year probation ended.
RATING_PROBATION_END = "PROBATION_END"
RATING_PROBATION_END_LABEL = "见习期满当年按三级客户经理对待"


def tier_for_total(total: Decimal) -> Tier:
    """第九条: 90 or more 一级; 75 to under 90 二级; under 75 三级."""
    if total >= SD_1_FROM:
        return SD_1
    if total >= SD_2_FROM:
        return SD_2
    return SD_3


def tier_move(manager: ManagerProfile, outcome: AppraisalOutcome, period: Period) -> TierMove:
    """The confirmed yearly appraisal sets the tier to its outcome's (第八条, 第九条; 第十三条
    for a manager placed in 三级 after probation). Compared by rank, never by name.

    The placement after probation is flagged ``PROBATION_END``: the tier history
    records it as the end of probation, not as an ordinary appraisal.
    """
    current = manager.tier
    if period.kind is not PeriodKind.YEAR:
        return TierMove(
            TierDirection.NONE, current, "grades move only with the yearly appraisal", ART_YEARLY
        )
    target = outcome.tier
    if not outcome.graded or target is None:
        return TierMove(
            TierDirection.NONE, current, "the appraisal graded no tier: tier unchanged", ART_GRADE
        )
    probation_end = outcome.rating == RATING_PROBATION_END
    article = ART_PROBATION if probation_end else ART_GRADE
    flags = (TierMoveFlag.PROBATION_END,) if probation_end else ()
    if current is None:
        return TierMove(TierDirection.SET, target, f"first grade: {target.name}", article, flags)
    if target.rank > current.rank:
        direction, how = TierDirection.PROMOTION, "up"
    elif target.rank < current.rank:
        direction, how = TierDirection.DEMOTION, "down"
    else:
        return TierMove(TierDirection.NONE, current, f"stays {current.name}", article, flags)
    return TierMove(
        direction, target, f"{how} from {current.name} to {target.name}", article, flags
    )
