"""The county cooperative's yearly appraisal: score, rating, level, adjustment and pay.

Brings together 第三章 (the level score), 第五章二 (the rating), 第五章三 (the level
adjustment), 第六章 (the 70/30 score and the profit share) and 第七章 (the risk
deposit). A quarter is not appraised (第五章二 考评每年一次).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from plugins.county_coop.adjustment import adjust_level
from plugins.county_coop.articles import ARTICLE_LEVEL, ARTICLE_RATING, ARTICLE_SCORE, COUNTY_DOC
from plugins.county_coop.inputs import (
    CREDIT_MANAGEMENT,
    DAILY_WORK,
    NPL_RATIO,
    RESULTS,
    SCORE_INPUTS,
    SKILL,
    THEORY,
    missing_inputs,
)
from plugins.county_coop.levels import LOWEST, QUALIFYING_THEORY_SCORE, level_from_scores
from plugins.county_coop.parameters import CountyParameters
from plugins.county_coop.pay import pay_lines
from plugins.county_coop.rating import (
    HUNDRED,
    line_completions,
    percent,
    qualitative_item,
    quantitative_item,
    rating_for,
    weighted_completion,
)
from server.policy import (
    ZERO,
    AppraisalInput,
    AppraisalOutcome,
    PeriodKind,
    clamp,
    fmt,
)


def _score_inputs(values: Mapping[str, Decimal]) -> tuple[dict[str, Decimal], tuple[str, ...]]:
    """The 0–100 inputs, clamped into their scale, with a warning for each one clamped."""
    scores: dict[str, Decimal] = {}
    warnings: list[str] = []
    for key in SCORE_INPUTS:
        given = values[key]
        scores[key] = clamp(given, ZERO, HUNDRED)
        if scores[key] != given:
            warnings.append(f"{key} {fmt(given)} is outside 0–100: taken as {fmt(scores[key])}")
    return scores, tuple(warnings)


def unscored_outcome(appraisal: AppraisalInput) -> AppraisalOutcome | None:
    """A quarter is refused before any input is asked for: 第五章二 rates once a year.

    Every manager is scored on the yearly appraisal, 见习 included (第三章 gives the
    level score to all, and the rating reads the year's business only).
    """
    if appraisal.period.kind is PeriodKind.YEAR:
        return None
    return AppraisalOutcome(
        graded=False,
        explanation=(
            f"{ARTICLE_RATING}：业绩考评每年一次，依据全年指标；"
            f"{appraisal.period.text} 不是年度考核期"
        ),
        explanation_en=(
            f"{ARTICLE_RATING}: the rating is made once a year on the whole year's "
            f"indicators; period {appraisal.period.text} is not a year"
        ),
    )


def appraise(appraisal: AppraisalInput, params: CountyParameters) -> AppraisalOutcome:
    """The yearly appraisal: 70/30 score, rating, level score, level adjustment, pay.

    ``tier`` is the level after the yearly adjustment (第五章三) from the tier the
    manager holds when appraised; a quarter is not graded (第五章二 考评每年一次).
    """
    unscored = unscored_outcome(appraisal)
    if unscored is not None:
        return unscored
    missing = missing_inputs(appraisal)
    if missing:
        return AppraisalOutcome(
            graded=False,
            explanation=f"{ARTICLE_SCORE}：缺少 {'、'.join(missing)}，无法考核",
            explanation_en=f"{ARTICLE_SCORE}: cannot appraise without {', '.join(missing)}",
        )
    scores, warnings = _score_inputs(appraisal.values)
    lines = line_completions(appraisal.values, appraisal.plans)
    completion = weighted_completion(lines)
    rating = rating_for(completion)
    items = (
        quantitative_item(lines, params),
        qualitative_item(scores[CREDIT_MANAGEMENT], scores[DAILY_WORK], params),
    )
    total = sum((item.score for item in items), ZERO)
    level = level_from_scores(scores[THEORY], scores[RESULTS], scores[SKILL], params)
    npl_ratio = appraisal.values[NPL_RATIO]
    current = appraisal.manager.tier
    adjustment = adjust_level(current, rating, level, npl_ratio, params)
    pay, pay_warnings = pay_lines(appraisal.values, appraisal.manager, params)
    notes = list(warnings)
    notes += [
        f"{entry.line.key}: plan {fmt(entry.plan)} ≤ 0, counted as met (100%)"
        for entry in lines
        if entry.completion is None
    ]
    if not level.qualified and current is not None and current.rank > LOWEST.rank:
        notes.append(
            f"theory exam score {fmt(scores[THEORY])} is below {fmt(QUALIFYING_THEORY_SCORE)}: "
            f"no 任职资格 for a level above {LOWEST.name}, so no promotion ({ARTICLE_LEVEL})"
        )
    notes += pay_warnings
    return AppraisalOutcome(
        graded=True,
        explanation=(
            f"{COUNTY_DOC}：总分 {total} 分 = 定量 {items[0].score} 分 + 定性 "
            f"{items[1].score} 分（第六章二）；"
            f"业绩完成率 {percent(completion)}：{rating.label}（第五章二）；"
            f"等级分 {level.shown} 可定{level.tier.name}（第三章）；"
            f"不良贷款率 {percent(npl_ratio)}，上限 {percent(params.npl_ratio_limit)}；"
            f"{adjustment.reason.zh}（第五章三）"
        ),
        explanation_en=(
            f"{COUNTY_DOC}: total {total} = quantitative {items[0].score} + qualitative "
            f"{items[1].score} (第六章二); completion {percent(completion)}: {rating.label} "
            f"(第五章二); level score {level.shown} admits {level.tier.name} (第三章); "
            f"NPL ratio {fmt(npl_ratio)}, limit {fmt(params.npl_ratio_limit)}; "
            f"{adjustment.reason.en} (第五章三)"
        ),
        items=items,
        total=total,
        tier=adjustment.tier,
        rating=rating.code,
        rating_label=rating.label,
        warnings=tuple(notes),
        pay=pay,
    )
