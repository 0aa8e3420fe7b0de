"""Anhui's appraisal of a quarter or a year (第六条); the year also sets the band (第七条).

A quarter is recorded and reported and moves no band; the year's score is the
comprehensive total blended with the year's confirmed quarters.
"""

from __future__ import annotations

from decimal import Decimal

from plugins.anhui.articles import ART_APPRAISAL, ART_QUALIFICATION
from plugins.anhui.aspects import aspect_scores, blend_item, comprehensive_items, quarterly_totals
from plugins.anhui.bands import qualification_ceiling
from plugins.anhui.floating import annual_move, score_band
from plugins.anhui.parameters import AnhuiParameters
from server.policy import (
    ZERO,
    AppraisalInput,
    AppraisalOutcome,
    Explanation,
    ManagerProfile,
    PeriodKind,
    Tier,
    TierDirection,
    TierMove,
    fmt,
    zh,
)


def _refuse(reason: Explanation, article: str) -> AppraisalOutcome:
    return AppraisalOutcome(
        graded=False,
        explanation=f"{reason.zh}（{article}）",
        explanation_en=f"{reason.en} ({article})",
    )


def _move_zh(manager: ManagerProfile, move: TierMove) -> str:
    """The band move in Chinese: from the band held to the band set, or the band kept, with
    the move's notes (资格所限未能晋升, 待解聘审查 …)."""
    held = manager.tier.name if manager.tier is not None else "未定级档"
    if move.direction is TierDirection.SET and move.to_tier is not None:
        text = f"首次定档：{move.to_tier.name}（入门级档）"
    elif move.to_tier is not None:
        text = f"{held} → {move.to_tier.name}"
    else:
        text = f"仍为{held}"
    if move.flags:
        text += f"（{'、'.join(zh(flag) for flag in move.flags)}）"
    return text


def appraise(appraisal: AppraisalInput, params: AnhuiParameters) -> AppraisalOutcome:
    """Appraise one quarter or one year (第六条); the year also sets the band (第七条)."""
    problem = params.problem()
    if problem is not None:
        return _refuse(
            Explanation(f"参数设置有误，无法考核：{problem}", f"cannot appraise: {problem}"),
            ART_APPRAISAL,
        )
    scores, unusable = aspect_scores(appraisal.values)
    if unusable is not None:
        return _refuse(
            Explanation(f"无法考核：{unusable.zh}", f"cannot appraise: {unusable.en}"),
            ART_APPRAISAL,
        )
    if appraisal.period.kind is PeriodKind.QUARTER:
        return _quarterly_outcome(appraisal, scores, params)
    manager = appraisal.manager
    ceiling = qualification_ceiling(manager.qualification_level)
    if ceiling is None:
        level = manager.qualification_level
        return _refuse(
            Explanation(
                f"无法确定级档：客户经理资格等级 {level!r} 不是初级、中级、高级、资深之一，"
                "也不是无资格",
                f"cannot set a band: qualification level {level!r} is not "
                "one of 初级, 中级, 高级, 资深 (JUNIOR, MID, SENIOR, PRINCIPAL) or none",
            ),
            ART_QUALIFICATION,
        )
    return _annual_outcome(appraisal, scores, params, ceiling)


def _quarterly_outcome(
    appraisal: AppraisalInput, scores: tuple[Decimal, ...], params: AnhuiParameters
) -> AppraisalOutcome:
    """A quarter is recorded and reported; it keeps the band held and has no rating."""
    items = comprehensive_items(scores, params.weights)
    total = sum((i.score for i in items), ZERO)
    return AppraisalOutcome(
        graded=True,
        explanation=(
            f"{appraisal.period.text} 季度考核：总分 {fmt(total)} 分（满分 100 分）；"
            f"按季记录和通报，不调整级档（{ART_APPRAISAL}）"
        ),
        explanation_en=(
            f"quarterly appraisal {appraisal.period.text}: total {fmt(total)} of 100; "
            f"recorded and reported, it moves no band ({ART_APPRAISAL})"
        ),
        items=items,
        total=total,
        tier=appraisal.manager.tier,
    )


def _annual_outcome(
    appraisal: AppraisalInput, scores: tuple[Decimal, ...], params: AnhuiParameters, ceiling: Tier
) -> AppraisalOutcome:
    """The five aspects give the comprehensive total; the quarterly blend is one more item."""
    items = comprehensive_items(scores, params.weights)
    comprehensive = sum((i.score for i in items), ZERO)
    year = appraisal.period.year
    totals = quarterly_totals(year, appraisal.prior)
    warnings: list[str] = []
    if totals:
        items = (*items, blend_item(totals, comprehensive, params.quarterly_weight))
        if len(totals) < 4:
            warnings.append(
                f"{len(totals)} of 4 quarterly appraisals of {year} confirmed "
                f"({', '.join(totals)}); their mean counts ({ART_APPRAISAL})"
            )
    else:
        warnings.append(
            f"no confirmed quarterly appraisal of {year}: the comprehensive total alone "
            f"is the annual score ({ART_APPRAISAL})"
        )
    total = sum((i.score for i in items), ZERO)
    band = score_band(total, params)
    move = annual_move(appraisal.manager, total, ceiling, params)
    tier = appraisal.manager.tier if move.direction is TierDirection.NONE else move.to_tier
    if move.flags:
        warnings.append(f"{', '.join(move.flags)}: {move.reason}")
    return AppraisalOutcome(
        graded=True,
        explanation=(
            f"{appraisal.period.text} 年度考核：年度得分 {fmt(total)} 分"
            f"（综合得分 {fmt(comprehensive)} 分）；"
            f"{band.label}：{_move_zh(appraisal.manager, move)}"
            f"（{move.article}）"
        ),
        explanation_en=(
            f"annual appraisal {appraisal.period.text}: score {fmt(total)} "
            f"(comprehensive total {fmt(comprehensive)}); {move.reason}"
        ),
        items=items,
        total=total,
        tier=tier,
        rating=band.value,
        rating_label=band.label,
        warnings=tuple(warnings),
    )
