"""The county cooperative's levels (第一章) and the level a level score admits (第三章).

第一章: five levels, 见习 to 四级 (here 四级 is the best), each with its
single-loan cap (:mod:`plugins.county_coop.lending`). 第三章: the theory exam
(70 or more) gives the qualification (任职资格); the level score is
0.6 theory + 0.3 results + 0.1 skill, and its line admits a level.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from plugins.county_coop.parameters import CountyParameters
from server.policy import CENT, Tier

# 第一章: five levels; here 四级 is the best.
TIERS = (
    Tier(code="CC_TRAINEE", name="见习客户经理", rank=0, external_title="见习客户经理"),
    Tier(code="CC_1", name="一级客户经理", rank=1, external_title="一级客户经理"),
    Tier(code="CC_2", name="二级客户经理", rank=2, external_title="二级客户经理"),
    Tier(code="CC_3", name="三级客户经理", rank=3, external_title="三级客户经理"),
    Tier(code="CC_4", name="四级客户经理", rank=4, external_title="四级客户经理"),
)
LOWEST = TIERS[0]
HIGHEST = TIERS[-1]

# 第三章: 理论考试(70分以上)获得任职资格; 理论60%、业绩30%、技能10%.
QUALIFYING_THEORY_SCORE = Decimal(70)
THEORY_WEIGHT = Decimal("0.6")
RESULTS_WEIGHT = Decimal("0.3")
SKILL_WEIGHT = Decimal("0.1")


def tier_at(rank: int) -> Tier:
    """This policy's tier of a rank; ranks outside 0–4 fall to the nearest end."""
    return TIERS[max(LOWEST.rank, min(rank, HIGHEST.rank))]


@dataclass(frozen=True)
class Level:
    """The exact level score and the level it admits."""

    score: Decimal
    qualified: bool
    tier: Tier

    @property
    def shown(self) -> Decimal:
        """The level score to the cent, rounded down.

        Rounding down keeps the shown figure on the same side of every level line
        as the exact score: 79.999 shows as 79.99 (二级), not as the 80.00 it does
        not reach.
        """
        return self.score.quantize(CENT, rounding=ROUND_FLOOR)


def level_from_scores(
    theory: Decimal, results: Decimal, skill: Decimal, params: CountyParameters
) -> Level:
    """Level score = 0.6 theory + 0.3 results + 0.1 skill, exact (第三章).

    The exact, unrounded score is compared with the level lines (79.999 is below
    80); it is shown to the cent (:attr:`Level.shown`). Without the qualification
    (theory below 70) the level stays 见习.
    """
    score = THEORY_WEIGHT * theory + RESULTS_WEIGHT * results + SKILL_WEIGHT * skill
    qualified = theory >= QUALIFYING_THEORY_SCORE
    admitted = LOWEST
    if qualified:
        for tier, minimum in reversed(tuple(zip(TIERS[1:], params.level_minimums, strict=True))):
            if score >= minimum:
                admitted = tier
                break
    return Level(score=score, qualified=qualified, tier=admitted)
