"""Anhui's appraisal aspects (第六条): five scores, weighted into a 0–100 total.

日常按季、年度全面评价: a quarter is the weighted total of the five aspects; the
year blends the mean of its confirmed quarterly totals with its own
comprehensive total. The weights and the blend's share are tenant parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from plugins.anhui.articles import ART_APPRAISAL
from server.policy import (
    ZERO,
    Explanation,
    IndicatorSource,
    IndicatorSpec,
    ItemScore,
    Period,
    PeriodKind,
    PriorAppraisal,
    fmt,
    points,
    round_score,
)

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Aspect:
    """One of the five appraisal aspects of 第六条 and the inputs it reads."""

    key: str
    name: str
    indicator: str
    weight_param: str
    """The tenant parameter that weighs the aspect (see ``AnhuiParameters``)."""
    description: str


ASPECTS = (
    Aspect(
        "performance",
        "业绩指标",
        "performance_score",
        "performance_weight",
        "performance indicators (业绩指标)",
    ),
    Aspect(
        "ethics",
        "职业道德",
        "ethics_score",
        "ethics_weight",
        "professional ethics (职业道德)",
    ),
    Aspect(
        "basic_management",
        "基础管理工作",
        "basic_management_score",
        "basic_management_weight",
        "basic management work (基础管理工作)",
    ),
    Aspect(
        "credit_operation",
        "信贷操作及管理",
        "credit_operation_score",
        "credit_operation_weight",
        "credit operation and management (信贷操作及管理)",
    ),
    Aspect(
        "service_quality",
        "服务质量",
        "service_quality_score",
        "service_quality_weight",
        "service quality (服务质量)",
    ),
)
"""The five aspects, in the order of 第六条."""

QUALIFICATION_LEVEL = "qualification_level"


def indicators(period: Period) -> tuple[IndicatorSpec, ...]:
    """The five aspect scores for every period; the qualification for the year only.

    Only the annual appraisal can move a band, so only it reads the
    qualification ceiling (第五条). The qualification is optional: none means
    the assistant level is the ceiling.
    """
    aspects = tuple(
        IndicatorSpec(
            key=a.indicator,
            unit="points",
            description=f"Score 0–100 of {a.description} for the period, as recorded",
            source=IndicatorSource.RECORDED,
            label=f"{a.name}得分",
        )
        for a in ASPECTS
    )
    if period.kind is PeriodKind.QUARTER:
        return aspects
    return (
        *aspects,
        IndicatorSpec(
            key=QUALIFICATION_LEVEL,
            unit="level",
            description=(
                "Customer-manager qualification level: 初级, 中级, 高级 or 资深 "
                "(or JUNIOR, MID, SENIOR, PRINCIPAL); none for no qualification"
            ),
            source=IndicatorSource.PROFILE,
            required=False,
            label="客户经理资格等级",
        ),
    )


def aspect_scores(
    values: Mapping[str, Decimal],
) -> tuple[tuple[Decimal, ...], Explanation | None]:
    """The five aspect scores, or the reason they cannot be used.

    A score outside 0–100 is refused rather than clamped: it is a recording
    error, and clamping would hide it in a result that moves grades.
    """
    missing = [a.indicator for a in ASPECTS if a.indicator not in values]
    if missing:
        listed = ", ".join(missing)
        return (), Explanation(f"未登记 {listed} 的得分", f"no value recorded for {listed}")
    wrong = [
        f"{a.indicator} {values[a.indicator]}"
        for a in ASPECTS
        if not values[a.indicator].is_finite() or not ZERO <= values[a.indicator] <= HUNDRED
    ]
    if wrong:
        listed = ", ".join(wrong)
        return (), Explanation(
            f"各方面得分须在 0–100 之间：{listed}",
            f"aspect scores must lie within 0–100: {listed}",
        )
    return tuple(values[a.indicator] for a in ASPECTS), None


def _aspect_item(aspect: Aspect, score: Decimal, weight: Decimal) -> ItemScore:
    """One aspect's weighted points: its 0–100 score times its weight in percent."""
    weighted = round_score(score * weight / HUNDRED)
    return ItemScore(
        key=aspect.key,
        name=aspect.name,
        article=ART_APPRAISAL,
        max_points=round_score(weight),
        score=weighted,
        inputs=MappingProxyType({aspect.indicator: fmt(score), aspect.weight_param: fmt(weight)}),
        explanation=f"{aspect.name} {points(score)} × 权重 {fmt(weight)}% = {points(weighted)}",
        explanation_en=f"{aspect.name} {fmt(score)} × weight {fmt(weight)}% = {fmt(weighted)}",
    )


def comprehensive_items(
    scores: tuple[Decimal, ...], weights: tuple[Decimal, ...]
) -> tuple[ItemScore, ...]:
    """The five aspect items; their sum is the comprehensive total (0–100)."""
    return tuple(
        _aspect_item(aspect, score, weight)
        for aspect, score, weight in zip(ASPECTS, scores, weights, strict=True)
    )


def quarterly_totals(year: int, prior: tuple[PriorAppraisal, ...]) -> dict[str, Decimal]:
    """The year's confirmed quarterly totals by period (``2025-Q1`` … ``2025-Q4``).

    Other years, the annual appraisal itself and ungraded quarters are left out.
    """
    quarters = {f"{year}-Q{n}" for n in range(1, 5)}
    return {
        p.period: p.total
        for p in sorted(prior, key=lambda p: p.period)
        if p.period in quarters and p.total is not None
    }


def blend_item(
    totals: dict[str, Decimal], comprehensive: Decimal, quarterly_weight: Decimal
) -> ItemScore:
    """The quarterly blend as one item: what it adds to (or takes from) the comprehensive total.

    annual score = round(w × mean + (1 − w) × comprehensive), rounded once, so the
    item is that score less the comprehensive total and the total of all items
    is the annual score exactly. ``totals`` is never empty here.
    """
    mean = sum(totals.values(), ZERO) / len(totals)
    annual = round_score(quarterly_weight * mean + (1 - quarterly_weight) * comprehensive)
    adjustment = annual - comprehensive
    listed = ", ".join(f"{period} {fmt(total)}" for period, total in totals.items())
    listed_zh = "，".join(f"{period} {points(total)}" for period, total in totals.items())
    return ItemScore(
        key="quarterly_blend",
        name="季度考核加权",
        article=ART_APPRAISAL,
        max_points=None,
        score=adjustment,
        inputs=MappingProxyType(
            {
                **{period: fmt(total) for period, total in totals.items()},
                "quarterly_weight": fmt(quarterly_weight),
                "comprehensive_total": fmt(comprehensive),
            }
        ),
        explanation=(
            f"年度得分 = {fmt(quarterly_weight)} × {len(totals)} 个已确认季度总分的平均 "
            f"{fmt(round_score(mean))} 分（{listed_zh}）+ {fmt(1 - quarterly_weight)} × "
            f"综合得分 {fmt(comprehensive)} 分 = {points(annual)}；"
            f"综合得分{'加' if adjustment >= 0 else '减'} {points(abs(adjustment))}"
        ),
        explanation_en=(
            f"annual score = {fmt(quarterly_weight)} × mean {fmt(round_score(mean))} of "
            f"{len(totals)} confirmed quarterly totals ({listed}) + "
            f"{fmt(1 - quarterly_weight)} × comprehensive total {fmt(comprehensive)} = "
            f"{fmt(annual)}; {'+' if adjustment >= 0 else ''}{fmt(adjustment)} on the "
            "comprehensive total"
        ),
    )
