"""Shandong's yearly appraisal: the 100 points of 第十一条 added up and banded (第八条, 第九条).

A quarter is not graded (第八条); a manager the policy does not grade, or places
in 三级 after probation, is not scored (:mod:`plugins.shandong.eligibility`);
everyone else gets A1–A5, B1–B6 and C1.1–C6, and the total's band is the tier.
"""

from __future__ import annotations

from plugins.shandong.basic_quality import (
    a1_education,
    a2_title,
    a3_credit_exam,
    a4_work_years,
    a5_system,
)
from plugins.shandong.economic_indicators import (
    COHORT_AVG_BALANCE,
    COHORT_AVG_CUSTOMERS,
    b1_customers,
    b2_balance,
    b3_coverage,
    b4_deposits,
    b5_1_npl_reduction,
    b5_2_cash,
    b5_3_npl_control,
    b5_4_writeoff,
    b5_5_notices,
    b6_interest,
)
from plugins.shandong.eligibility import Standing, eligibility
from plugins.shandong.grades import (
    ART_YEARLY,
    RATING_PROBATION_END,
    RATING_PROBATION_END_LABEL,
    SD_3,
    tier_for_total,
)
from plugins.shandong.inputs import (
    CUSTOMERS_CORPORATE,
    CUSTOMERS_NATURAL,
    DEPOSIT_AVERAGE,
    DEPOSITS,
    INTEREST,
    LIMITATION_LOST,
    LOAN_BALANCE,
    NOTICE_COVERAGE,
    NPL_CASH,
    NPL_END,
    NPL_REDUCTION,
    NPL_START,
    NPL_WRITTEN_OFF,
    REQUIRED_PLANS,
    REQUIRED_PROFILE,
    REQUIRED_VALUES,
    WRITEOFF,
)
from plugins.shandong.parameters import ShandongParameters
from plugins.shandong.work_quality import (
    QUALITY_ITEMS,
    finding_counts,
    quality_item,
    unknown_findings,
)
from server.policy import (
    ZERO,
    AppraisalInput,
    AppraisalOutcome,
    Explanation,
    ItemScore,
    PeriodKind,
    fmt,
)

ART_SCORE = "第十一条"


def missing_inputs(appraisal: AppraisalInput) -> tuple[str, ...]:
    """Required inputs absent from the appraisal (the core normally stops before)."""
    missing = [f"values.{k}" for k in REQUIRED_VALUES if k not in appraisal.values]
    missing += [f"plans.{k}" for k in REQUIRED_PLANS if k not in appraisal.plans]
    missing += [f"profile.{k}" for k in REQUIRED_PROFILE if getattr(appraisal.manager, k) is None]
    return tuple(missing)


def _refused(reason: Explanation, article: str, warnings: tuple[str, ...] = ()) -> AppraisalOutcome:
    return AppraisalOutcome(
        graded=False,
        explanation=f"{reason.zh}（{article}）",
        explanation_en=f"{reason.en} ({article})",
        warnings=warnings,
    )


def score_items(appraisal: AppraisalInput, params: ShandongParameters) -> tuple[ItemScore, ...]:
    """The 100-point appraisal's items, A1–C6 (第十一条), each rounded to 2 decimals."""
    m = appraisal.manager
    v = appraisal.values
    p = appraisal.plans
    counts = finding_counts(appraisal.findings)
    return (
        a1_education(m.education),
        a2_title(m.professional_title),
        a3_credit_exam(m.credit_exam),
        a4_work_years(m.credit_work_years),
        a5_system(m.system_proficiency),
        b1_customers(
            m.category,
            v[CUSTOMERS_NATURAL],
            v[CUSTOMERS_CORPORATE],
            appraisal.cohort.get(COHORT_AVG_CUSTOMERS),
        ),
        b2_balance(m.category, v[LOAN_BALANCE], appraisal.cohort.get(COHORT_AVG_BALANCE)),
        b3_coverage(m.jurisdiction_households, m.rated_households),
        b4_deposits(v[DEPOSITS], p[DEPOSITS], v.get(DEPOSIT_AVERAGE), params),
        b5_1_npl_reduction(
            v[NPL_START], v[NPL_END], v.get(NPL_WRITTEN_OFF, ZERO), p[NPL_REDUCTION]
        ),
        b5_2_cash(v[NPL_CASH], p[NPL_CASH], params),
        b5_3_npl_control(v[NPL_START], v[NPL_END]),
        b5_4_writeoff(v[WRITEOFF], p[WRITEOFF], params),
        b5_5_notices(v[NOTICE_COVERAGE], v.get(LIMITATION_LOST, ZERO)),
        b6_interest(v[INTEREST], p[INTEREST], params),
        *(quality_item(item, counts, params, m.office_has_credit_clerk) for item in QUALITY_ITEMS),
    )


def unscored_outcome(appraisal: AppraisalInput) -> AppraisalOutcome | None:
    """The outcome reached without scoring (第八条, 第十三条, 第六条, 第十五条, 第十六条):
    a quarter or a manager the policy does not grade is refused; a manager whose
    probation ended in the year is placed in 三级. ``None``: the manager is scored."""
    if appraisal.period.kind is not PeriodKind.YEAR:
        return _refused(
            Explanation(
                f"等级每年评定一次，依据全年业绩；{appraisal.period.text} 的考核不评定等级",
                f"grades are set once a year from the year's results; the "
                f"{appraisal.period.text} appraisal is not graded",
            ),
            ART_YEARLY,
        )
    standing = eligibility(appraisal.manager, appraisal.values, appraisal.period)
    if standing.standing is Standing.REFUSED:
        return _refused(standing.reason, standing.article, standing.warnings)
    if standing.standing is Standing.PLACED_SD_3:
        return AppraisalOutcome(
            graded=True,
            explanation=f"{standing.reason.zh}（{standing.article}）",
            explanation_en=f"{standing.reason.en} ({standing.article})",
            tier=SD_3,
            rating=RATING_PROBATION_END,
            rating_label=RATING_PROBATION_END_LABEL,
            warnings=standing.warnings,
        )
    return None


def appraise(appraisal: AppraisalInput, params: ShandongParameters) -> AppraisalOutcome:
    """Appraise one manager for one year (第八条, 第九条, 第十一条, 第十三条).

    Refused (``graded=False``) for a quarter, for managers the policy does not
    grade (see :func:`~plugins.shandong.eligibility.eligibility`) and when a
    required input is missing.
    """
    unscored = unscored_outcome(appraisal)
    if unscored is not None:
        return unscored
    standing = eligibility(appraisal.manager, appraisal.values, appraisal.period)
    missing = missing_inputs(appraisal)
    if missing:
        listed = ", ".join(missing)
        return _refused(
            Explanation(f"缺少必需的考核数据：{listed}", f"required inputs missing: {listed}"),
            ART_SCORE,
        )
    items = score_items(appraisal, params)
    total = sum((item.score for item in items), start=ZERO)
    tier = tier_for_total(total)
    warnings = standing.warnings + unknown_findings(appraisal.findings)
    if COHORT_AVG_CUSTOMERS not in appraisal.cohort or COHORT_AVG_BALANCE not in appraisal.cohort:
        warnings += ("the run has no county averages: B1/B2 scored against no base",)
    return AppraisalOutcome(
        graded=True,
        explanation=(
            f"总分 {fmt(total)} 分 → {tier.name}（第九条：90分以上含90分为一级，"
            "75分含以上90分以下为二级，75分以下为三级）"
        ),
        explanation_en=(
            f"total {fmt(total)} → {tier.name} (第九条: 90 or more 一级, 75 to under 90 二级, "
            "under 75 三级)"
        ),
        items=items,
        total=total,
        tier=tier,
        rating=tier.code,
        rating_label=tier.name,
        warnings=warnings,
    )
