"""What the county cooperative's yearly appraisal reads: its indicator keys and sources.

A quarter reads nothing: the rating is made once a year (第五章二).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from server.policy import AppraisalInput, IndicatorSource, IndicatorSpec, Period, PeriodKind

THEORY = "theory_exam_score"
RESULTS = "work_results_score"
SKILL = "work_skill_score"
CREDIT_MANAGEMENT = "credit_management_score"
DAILY_WORK = "daily_work_score"
NPL_RATIO = "npl_ratio"
LOANS_ISSUED = "loans_issued"
LOAN_RATE = "average_loan_rate"
YEAR_END_PAY = "year_end_performance_pay"

SCORE_INPUTS = (THEORY, RESULTS, SKILL, CREDIT_MANAGEMENT, DAILY_WORK)
"""Inputs on a 0–100 scale; a value outside it is clamped, with a warning."""


@dataclass(frozen=True)
class BusinessLine:
    """One of the four quantitative indicators, measured as actual ÷ plan (第六章二)."""

    key: str
    name: str
    weight: Decimal
    source: IndicatorSource
    description: str


BUSINESS_LINES = (
    BusinessLine(
        LOANS_ISSUED,
        "贷款投放",
        Decimal("0.30"),
        IndicatorSource.COMPUTED,
        "principal of loans issued in the year",
    ),
    BusinessLine(
        "interest_recovered",
        "利息收回",
        Decimal("0.40"),
        IndicatorSource.RECORDED,
        "loan interest recovered in the year",
    ),
    BusinessLine(
        "deposits_absorbed",
        "吸收存款",
        Decimal("0.15"),
        IndicatorSource.RECORDED,
        "deposits absorbed in the year",
    ),
    BusinessLine(
        "fee_income",
        "中间业务收入",
        Decimal("0.15"),
        IndicatorSource.RECORDED,
        "intermediate-business (fee) income of the year",
    ),
)


LABELS = {
    THEORY: "理论考试成绩",
    RESULTS: "工作业绩成绩",
    SKILL: "工作技能成绩",
    CREDIT_MANAGEMENT: "信贷管理(定性)得分",
    DAILY_WORK: "日常工作(定性)得分",
    NPL_RATIO: "年末管理贷款不良率",
    LOAN_RATE: "当年发放贷款加权平均利率",
    YEAR_END_PAY: "年终绩效工资",
    **{line.key: line.name for line in BUSINESS_LINES},
}
"""Each input's Chinese name; a plan is the name with 计划."""


def _labelled(spec: IndicatorSpec) -> IndicatorSpec:
    name = LABELS[spec.key]
    return replace(spec, label=f"{name}计划" if spec.source is IndicatorSource.TASK_PLAN else name)


def indicators(period: Period) -> tuple[IndicatorSpec, ...]:
    """Every input of the yearly appraisal, with its Chinese name; a quarter is not
    appraised (第五章二)."""
    return tuple(_labelled(spec) for spec in _indicators(period))


def _indicators(period: Period) -> tuple[IndicatorSpec, ...]:
    if period.kind is not PeriodKind.YEAR:
        return ()
    recorded = IndicatorSource.RECORDED
    specs = [
        IndicatorSpec(THEORY, "score", "theory exam score, 0–100 (第三章)", recorded),
        IndicatorSpec(RESULTS, "score", "work results score, 0–100 (第三章)", recorded),
        IndicatorSpec(SKILL, "score", "work skill score, 0–100 (第三章)", recorded),
    ]
    for line in BUSINESS_LINES:
        specs.append(
            IndicatorSpec(line.key, "yuan", f"{line.name}: {line.description}", line.source)
        )
        specs.append(
            IndicatorSpec(
                line.key,
                "yuan",
                f"{line.name}: the year's plan ({line.description})",
                IndicatorSource.TASK_PLAN,
            )
        )
    specs += [
        IndicatorSpec(
            CREDIT_MANAGEMENT, "score", "定性 credit management score, 0–100 (第六章二)", recorded
        ),
        IndicatorSpec(DAILY_WORK, "score", "定性 daily work score, 0–100 (第六章二)", recorded),
        IndicatorSpec(
            NPL_RATIO,
            "ratio",
            "NPL ratio of the loans the manager manages at year end (第五章三)",
            IndicatorSource.COMPUTED,
        ),
        IndicatorSpec(
            LOAN_RATE,
            "ratio",
            "principal-weighted average annual rate of the loans issued in the year, "
            "e.g. 0.0735 for 7.35% (第六章一)",
            recorded,
        ),
        IndicatorSpec(
            YEAR_END_PAY,
            "yuan",
            "year-end performance pay (年终绩效), without the profit share (第七章)",
            recorded,
        ),
    ]
    return tuple(specs)


def missing_inputs(appraisal: AppraisalInput) -> tuple[str, ...]:
    """The inputs the appraisal lacks, plans named ``<key> plan``."""
    business = (line.key for line in BUSINESS_LINES)
    needed_values = (*SCORE_INPUTS, NPL_RATIO, LOAN_RATE, YEAR_END_PAY, *business)
    missing = [key for key in needed_values if key not in appraisal.values]
    missing += [f"{line.key} plan" for line in BUSINESS_LINES if line.key not in appraisal.plans]
    return tuple(missing)
