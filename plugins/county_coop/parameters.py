"""The county cooperative's tenant parameters, declared once.

The sources fix the caps, the risk-deposit share, the rotation period and the
complaint count (the tenant may still change them); they leave the level
thresholds, the completion cap, the qualitative weights, the NPL limit and the
profit-share ratios open, so each has the documented default.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from plugins.county_coop.articles import (
    ARTICLE_ADJUSTMENT,
    ARTICLE_CAPS,
    ARTICLE_DISQUALIFICATION,
    ARTICLE_LEVEL,
    ARTICLE_PROFIT,
    ARTICLE_QUALITATIVE,
    ARTICLE_QUANTITATIVE,
    ARTICLE_RISK_DEPOSIT,
    ARTICLE_ROTATION,
)
from server.policy import Parameters, ParameterSetProblem, fmt, parameter

NOT_FIXED = "not fixed by the source"


def share(description: str, article: str) -> Mapping[str, object]:
    """A DECIMAL parameter between 0 and 1."""
    return parameter(description, article=article, minimum=0, maximum=1)


def level_minimum(level: str) -> Mapping[str, object]:
    """The lowest level score admitting a level (第三章 gives the formula, not the lines)."""
    return parameter(
        f"Lowest level score (0–100, 以上 includes it) admitting {level}",
        article=f"{ARTICLE_LEVEL} (threshold {NOT_FIXED})",
        minimum=0,
        maximum=100,
    )


def cap(level: str, fixed: str) -> Mapping[str, object]:
    """A level's single-loan cap; the source fixes each, the tenant may still change it."""
    return parameter(
        f"Largest single loan (yuan, 以内 includes it) a {level} may originate; empty for no cap",
        article=f"{ARTICLE_CAPS} (the source fixes {fixed})",
        minimum=0,
    )


LEVEL_LINES = ("level_cc_1_min", "level_cc_2_min", "level_cc_3_min", "level_cc_4_min")
CAPS = ("cap_cc_trainee", "cap_cc_1", "cap_cc_2", "cap_cc_3", "cap_cc_4")


@dataclass(frozen=True)
class CountyParameters(Parameters):
    """The tenant's numbers for the level lines, the scores, the pay and the penalties."""

    completion_cap: Decimal = field(
        default=Decimal("1.2"),
        metadata=parameter(
            "Weighted completion counts up to this ratio in the quantitative score "
            "(100 × min(max(completion, 0), cap)); the default ends where 优秀 begins (120%)",
            article=f"{ARTICLE_QUANTITATIVE} (cap {NOT_FIXED})",
            minimum=1,
            maximum=10,
        ),
    )
    credit_management_weight: Decimal = field(
        default=Decimal("0.5"),
        metadata=share(
            "Weight of credit management in the qualitative score; daily work takes the rest",
            f"{ARTICLE_QUALITATIVE} (weights {NOT_FIXED}; equal by default)",
        ),
    )
    level_cc_1_min: Decimal = field(default=Decimal(60), metadata=level_minimum("一级客户经理"))
    level_cc_2_min: Decimal = field(default=Decimal(70), metadata=level_minimum("二级客户经理"))
    level_cc_3_min: Decimal = field(default=Decimal(80), metadata=level_minimum("三级客户经理"))
    level_cc_4_min: Decimal = field(default=Decimal(90), metadata=level_minimum("四级客户经理"))
    npl_ratio_limit: Decimal = field(
        default=Decimal("0.05"),
        metadata=share(
            "An NPL ratio of the managed loans above this moves the level down one step",
            f"{ARTICLE_ADJUSTMENT} 管理贷款的质量 (limit {NOT_FIXED})",
        ),
    )
    union_cost_ratio: Decimal = field(
        default=Decimal("0.04"),
        metadata=share(
            "The union's overall cost ratio (联社综合业务成本比例), subtracted from the loan rate "
            "in the profit; set the union's own figure",
            f"{ARTICLE_PROFIT} (ratio {NOT_FIXED})",
        ),
    )
    profit_share_ratio: Decimal = field(
        default=Decimal("0.05"),
        metadata=share(
            "Share of the profit the manager made that is paid as profit share (利润分配比例)",
            f"{ARTICLE_PROFIT} (ratio {NOT_FIXED})",
        ),
    )
    risk_deposit_ratio: Decimal = field(
        default=Decimal("0.30"),
        metadata=share(
            "Share of year-end performance pay and profit share withheld into the risk deposit",
            f"{ARTICLE_RISK_DEPOSIT} (the source fixes 30%)",
        ),
    )
    cap_cc_trainee: Decimal | None = field(
        default=Decimal(100_000), metadata=cap("见习客户经理", "10万以内")
    )
    cap_cc_1: Decimal | None = field(
        default=Decimal(300_000), metadata=cap("一级客户经理", "30万以内")
    )
    cap_cc_2: Decimal | None = field(
        default=Decimal(1_000_000), metadata=cap("二级客户经理", "100万以内")
    )
    cap_cc_3: Decimal | None = field(
        default=Decimal(5_000_000), metadata=cap("三级客户经理", "500万以内")
    )
    cap_cc_4: Decimal | None = field(
        default=None, metadata=cap("四级客户经理", "500万元以上, no cap")
    )
    rotation_years: int = field(
        default=3,
        metadata=parameter(
            "Years at the same post after which rotation is due",
            article=f"{ARTICLE_ROTATION} (the source fixes three years)",
            minimum=1,
            maximum=20,
        ),
    )
    complaints_for_disqualification: int = field(
        default=3,
        metadata=parameter(
            "Confirmed customer complaints in a calendar year (含) that end the "
            "qualification for life",
            article=f"{ARTICLE_DISQUALIFICATION}(三) (the source fixes 三次(含)以上)",
            minimum=1,
            maximum=100,
        ),
    )

    def set_problems(self) -> tuple[ParameterSetProblem, ...]:
        """The rules joining several parameters (checked before a tenant's set is stored).

        第三章: the level lines rise strictly with the level (一级 < 二级 < 三级 < 四级), or a
        higher level could never be reached by its own line. 第一章: a higher level's
        single-loan cap is never below a lower level's (none = no cap, above every amount).
        """
        found: list[ParameterSetProblem] = []
        lines = tuple(zip(LEVEL_LINES, self.level_minimums, strict=True))
        for (low_name, low), (high_name, high) in itertools.pairwise(lines):
            if high <= low:
                found.append(
                    ParameterSetProblem(
                        (low_name, high_name),
                        "LEVEL_LINES_ASCENDING",
                        f"the level lines must rise strictly with the level: {high_name} "
                        f"{fmt(high)} is not above {low_name} {fmt(low)}",
                    )
                )
        caps = tuple(zip(CAPS, self.caps, strict=True))
        for (low_cap, below), (high_cap, above) in itertools.pairwise(caps):
            if above is not None and (below is None or above < below):
                found.append(
                    ParameterSetProblem(
                        (low_cap, high_cap),
                        "CAPS_ASCENDING",
                        f"a higher level's cap may not be below a lower level's: {high_cap} "
                        f"{fmt(above)} is below {low_cap} "
                        f"{'none (no cap)' if below is None else fmt(below)}",
                    )
                )
        return tuple(found)

    @property
    def level_minimums(self) -> tuple[Decimal, ...]:
        """The lowest level score of 一级, 二级, 三级 and 四级, in rank order."""
        return (self.level_cc_1_min, self.level_cc_2_min, self.level_cc_3_min, self.level_cc_4_min)

    @property
    def caps(self) -> tuple[Decimal | None, ...]:
        """The single-loan cap of each level by rank, 见习 first; ``None`` = no cap."""
        return (self.cap_cc_trainee, self.cap_cc_1, self.cap_cc_2, self.cap_cc_3, self.cap_cc_4)
