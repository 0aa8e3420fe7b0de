"""Shandong's grading rules: who is graded, the 100-point appraisal, tiers and penalties.

Source: xx农村商业银行股份有限公司信贷客户经理管理办法(草案), issued under
《山东省农村合作金融机构客户经理管理暂行办法》, 第三章 上岗条件 and 第四章
等级评定和管理 (第六条–第十七条). Every article string below is the source's.

Everything here is a pure function of the frozen dataclasses the core passes
in: no I/O, no state, exact decimals only. Where the source lost a number
("每笔扣分"), the number is a tenant parameter read through :class:`Settings`.
Art. 12 (transfers: B indicators of both offices added) and Art. 14 (task
figures reconciled with the office's totals) are applied by the core before
the values reach this module.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from server.domain import (
    CreditExamResult,
    Education,
    ManagerCategory,
    ManagerStatus,
    ProfessionalTitle,
    SystemProficiency,
    ViolationKind,
)
from server.policy.scoring import ONE, ZERO, clamp, fmt, full_steps, ratio, round_score
from server.policy.types import (
    AppraisalInput,
    AppraisalOutcome,
    CohortMember,
    FindingCount,
    IndicatorSource,
    IndicatorSpec,
    ItemScore,
    ManagerProfile,
    Params,
    PenaltyEffect,
    PenaltyKind,
    PeriodKind,
    Tier,
    TierDirection,
    TierMove,
    ViolationCase,
)

# 第七条, 第九条: three tiers; here 一级 is the best.
SD_3 = Tier(code="SD_3", name="三级客户经理", rank=1, external_title="三级客户经理")
SD_2 = Tier(code="SD_2", name="二级客户经理", rank=2, external_title="二级客户经理")
SD_1 = Tier(code="SD_1", name="一级客户经理", rank=3, external_title="一级客户经理")
TIERS = (SD_3, SD_2, SD_1)

# 第九条: 90 分以上(含 90) 一级; 75 分(含)以上 90 分(不含)以下 二级; 75 分(不含)以下 三级.
SD_1_FROM = Decimal(90)
SD_2_FROM = Decimal(75)

ART_POST = "第六条"
ART_EXAM = "第六条(一)"
ART_EVALUATION = "第六条(二)"
ART_YEARLY = "第八条"
ART_GRADE = "第八条、第九条"
ART_BANDS = "第九条"
ART_PROBATION = "第十三条"
ART_SCORE = "第十一条"
ART_DOWNGRADE = "第十五条"
ART_TRAINING = "第十六条"
ART_DISCIPLINE = "第十七条"

RATING_PROBATION_END = "PROBATION_END"
RATING_PROBATION_END_LABEL = "见习期满当年按三级客户经理对待"

# 第六条(二): the yearly evaluation (年度考评) as recorded: 4 优秀, 3 称职, 2 基本称职, 1 不称职.
EVALUATION_LABELS = {4: "优秀", 3: "称职", 2: "基本称职", 1: "不称职"}
EVALUATION_PASS_FROM = 3

# 第十一条(二): figures the source fixes.
CORPORATE_CUSTOMER_WEIGHT = 20
B1_RANGE = (Decimal(5), Decimal(15))
B2_RANGE = (Decimal(8), Decimal(12))
CORPORATE_BALANCE_BASE = Decimal(50_000_000)
COVERAGE_BASE = Decimal("0.80")
DEPOSIT_STEP = Decimal(50_000)
DEPOSIT_BONUS_MAX = Decimal(5)
CASH_STEP = Decimal(10_000)
WRITEOFF_STEP = Decimal(1_000)
WRITEOFF_BONUS_MAX = ONE

# 第十五条(一), (三): the age bound and the yearly count the source fixes.
EXAM_AGE_LIMIT = 50
YEARLY_COUNT_TRIGGER = 3

COHORT_SCORED = "scored_managers"
COHORT_AVG_CUSTOMERS = "average_weighted_customers"
COHORT_AVG_BALANCE = "average_loan_balance"

# Indicator keys this plugin reads.
EXAM_PASSED = "induction_exam_passed"
EVALUATION = "annual_evaluation"
CUSTOMERS_NATURAL = "customers_natural"
CUSTOMERS_CORPORATE = "customers_corporate"
LOAN_BALANCE = "loan_balance"
NPL_START = "npl_balance_start"
NPL_END = "npl_balance_end"
NOTICE_COVERAGE = "notice_coverage"
DEPOSITS = "deposit_net_increase"
DEPOSIT_AVERAGE = "deposit_monthly_average"
NPL_REDUCTION = "npl_net_reduction"
NPL_WRITTEN_OFF = "npl_written_off"
NPL_CASH = "npl_cash_recovered"
WRITEOFF = "writeoff_recovered"
LIMITATION_LOST = "npl_limitation_lost"
INTEREST = "interest_recovered"
FINDINGS = "inspection_findings"

REQUIRED_VALUES = (
    CUSTOMERS_NATURAL,
    CUSTOMERS_CORPORATE,
    LOAN_BALANCE,
    NPL_START,
    NPL_END,
    NOTICE_COVERAGE,
    DEPOSITS,
    NPL_CASH,
    WRITEOFF,
    INTEREST,
)
REQUIRED_PLANS = (DEPOSITS, NPL_REDUCTION, NPL_CASH, WRITEOFF, INTEREST)
REQUIRED_PROFILE = (
    "education",
    "professional_title",
    "credit_exam",
    "credit_work_years",
    "system_proficiency",
    "jurisdiction_households",
    "rated_households",
)


# --- parameters ----------------------------------------------------------------

QUALITY_OVERRIDES = ("c1_1", "c1_2", "c1_3", "c1_4", "c1_5", "c2", "c4", "c5", "c6")
"""Items whose per-case deduction is the lost "扣分"; each may override ``deduction_per_case``."""


def _decimal(params: Params, name: str) -> Decimal | None:
    """A DECIMAL parameter (``None`` only where it is nullable); the core validated it."""
    value = params[name]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"parameter {name} must be a decimal, got {value!r}")
    return Decimal(value)


def _required_decimal(params: Params, name: str) -> Decimal:
    value = _decimal(params, name)
    if value is None:
        raise TypeError(f"parameter {name} may not be null")
    return value


@dataclass(frozen=True)
class Settings:
    """The tenant's numbers for the lost amounts, read once from the validated parameters."""

    deduction_per_case: Decimal
    deduction_overrides: Mapping[str, Decimal]
    deposit_bonus_per_step: Decimal
    cash_bonus_per_step: Decimal
    writeoff_bonus_per_step: Decimal
    interest_cap: Decimal | None

    @classmethod
    def from_params(cls, params: Params) -> Settings:
        overrides: dict[str, Decimal] = {}
        for slug in QUALITY_OVERRIDES:
            value = _decimal(params, f"deduction_{slug}")
            if value is not None:
                overrides[slug] = value
        return cls(
            deduction_per_case=_required_decimal(params, "deduction_per_case"),
            deduction_overrides=overrides,
            deposit_bonus_per_step=_required_decimal(params, "deposit_bonus_per_step"),
            cash_bonus_per_step=_required_decimal(params, "cash_bonus_per_step"),
            writeoff_bonus_per_step=_required_decimal(params, "writeoff_bonus_per_step"),
            interest_cap=_decimal(params, "interest_cap"),
        )

    def deduction(self, slug: str) -> Decimal:
        """The per-case deduction of one work-quality item (its override, else the common one)."""
        return self.deduction_overrides.get(slug, self.deduction_per_case)


# --- indicators ----------------------------------------------------------------


def indicators(period_kind: PeriodKind) -> tuple[IndicatorSpec, ...]:
    """Every input of the yearly appraisal; a quarter needs none (第八条: it is not graded)."""
    if period_kind is not PeriodKind.YEAR:
        return ()
    computed = IndicatorSource.COMPUTED
    recorded = IndicatorSource.RECORDED
    plan = IndicatorSource.TASK_PLAN
    profile = IndicatorSource.PROFILE
    return (
        IndicatorSpec("status", "status", "manager status (第六条, 第十五条, 第十六条)", profile),
        IndicatorSpec(
            "probation_ends_on",
            "date",
            "end of probation (第六条(一), 第十三条); empty = no probation",
            profile,
            required=False,
        ),
        IndicatorSpec(
            EXAM_PASSED,
            "flag",
            "上岗培训考试 passed (第六条(一)): 1 passed, 0 failed; absent = passed, with a warning",
            recorded,
            required=False,
        ),
        IndicatorSpec(
            EVALUATION,
            "code",
            "年度考评 of the appraised year (第六条(二)): 4 优秀, 3 称职, 2 基本称职, 1 不称职; "
            "absent = 称职 or better, with a warning",
            recorded,
            required=False,
        ),
        IndicatorSpec("education", "code", "学历 (A1, 第十一条(一)1)", profile),
        IndicatorSpec("professional_title", "code", "职称 (A2, 第十一条(一)2)", profile),
        IndicatorSpec("credit_exam", "code", "信贷从业资格考试 (A3, 第十一条(一)3)", profile),
        IndicatorSpec(
            "credit_work_years", "years", "years in credit work (A4, 第十一条(一)4)", profile
        ),
        IndicatorSpec(
            "system_proficiency", "code", "credit system operation (A5, 第十一条(一)5)", profile
        ),
        IndicatorSpec("category", "code", "RETAIL or CORPORATE (B1, B2: 公司类客户经理)", profile),
        IndicatorSpec(CUSTOMERS_NATURAL, "count", "natural-person loan customers (B1)", computed),
        IndicatorSpec(CUSTOMERS_CORPORATE, "count", "corporate loan customers (B1)", computed),
        IndicatorSpec(LOAN_BALANCE, "yuan", "loan balance at year end (B2)", computed),
        IndicatorSpec(
            "jurisdiction_households",
            "count",
            "households (or merchants) in the jurisdiction (B3)",
            profile,
        ),
        IndicatorSpec(
            "rated_households",
            "count",
            "households with a rating file that passed the annual review (B3)",
            profile,
        ),
        IndicatorSpec(
            DEPOSITS, "yuan", "deposits organised: net increase in the year (B4)", recorded
        ),
        IndicatorSpec(DEPOSITS, "yuan", "deposits organised: annual plan (B4)", plan),
        IndicatorSpec(
            DEPOSIT_AVERAGE,
            "yuan",
            "monthly-average deposit balance of the year (B4 bonus); absent = no bonus",
            recorded,
            required=False,
        ),
        IndicatorSpec(NPL_START, "yuan", "NPL balance at year start (B5.1, B5.3)", computed),
        IndicatorSpec(NPL_END, "yuan", "NPL balance at year end (B5.1, B5.3)", computed),
        IndicatorSpec(
            NPL_WRITTEN_OFF,
            "yuan",
            "NPL principal written off (呆账核销) in the year, not a reduction (B5.1); absent = 0",
            recorded,
            required=False,
        ),
        IndicatorSpec(NPL_REDUCTION, "yuan", "planned net NPL reduction (B5.1)", plan),
        IndicatorSpec(NPL_CASH, "yuan", "NPL cash recovered (B5.2)", recorded),
        IndicatorSpec(NPL_CASH, "yuan", "NPL cash recovery plan (B5.2)", plan),
        IndicatorSpec(WRITEOFF, "yuan", "written-off / replaced loans recovered (B5.4)", recorded),
        IndicatorSpec(WRITEOFF, "yuan", "written-off / replaced loans recovery plan (B5.4)", plan),
        IndicatorSpec(NOTICE_COVERAGE, "ratio", "collection notice coverage (B5.5)", computed),
        IndicatorSpec(
            LIMITATION_LOST,
            "count",
            "NPLs of the jurisdiction that newly lost the litigation limitation period "
            "this year (B5.5); absent = 0",
            recorded,
            required=False,
        ),
        IndicatorSpec(INTEREST, "yuan", "loan interest recovered (B6)", recorded),
        IndicatorSpec(INTEREST, "yuan", "loan interest recovery plan (B6)", plan),
        IndicatorSpec(
            "office_has_credit_clerk",
            "flag",
            "the office has a 信贷内勤 post: C5 and C6 not assessed",
            profile,
            required=False,
        ),
        IndicatorSpec(
            FINDINGS,
            "findings",
            "sample-inspection findings of items C1.1–C6 (codes: see the plugin README)",
            IndicatorSource.FINDINGS,
            required=False,
        ),
    )


# --- who is graded (第六条, 第十三条, 第十五条, 第十六条) ----------------------------------


class Standing(enum.Enum):
    SCORED = "SCORED"
    PLACED_SD_3 = "PLACED_SD_3"
    REFUSED = "REFUSED"


@dataclass(frozen=True)
class Eligibility:
    """Whether a manager is scored, placed in 三级 without scoring, or not graded, and why."""

    standing: Standing
    article: str
    reason: str
    warnings: tuple[str, ...] = ()


def _flag(values: Mapping[str, Decimal], key: str) -> bool | None:
    """A recorded 1/0 flag; ``None`` when absent. Raises ValueError for any other value."""
    value = values.get(key)
    if value is None:
        return None
    if value not in (ZERO, ONE):
        raise ValueError(f"{key} must be 1 or 0, got {fmt(value)}")
    return value == ONE


def _evaluation(values: Mapping[str, Decimal]) -> int | None:
    """The recorded 年度考评 code; ``None`` when absent. Raises ValueError for an unknown code."""
    value = values.get(EVALUATION)
    if value is None:
        return None
    if value != value.to_integral_value() or int(value) not in EVALUATION_LABELS:
        raise ValueError(f"{EVALUATION} must be 4, 3, 2 or 1, got {fmt(value)}")
    return int(value)


def eligibility(
    manager: ManagerProfile,
    values: Mapping[str, Decimal],
    period_start: dt.date,
    period_end: dt.date,
) -> Eligibility:
    """Who is graded for the year ending ``period_end``.

    Checked in this order: a disqualified manager has no grade (第十五条); a
    suspended one is not re-appointed (第十六条); a manager still in probation at
    the period end is not graded (第十三条); the 第六条 conditions (上岗培训考试
    passed, 年度考评 称职 or better) must hold; a manager whose probation ended in
    the year is 三级 for that year without scoring (第十三条).
    """
    if manager.status is ManagerStatus.DISQUALIFIED:
        return Eligibility(
            Standing.REFUSED,
            ART_DOWNGRADE,
            "the manager has lost the customer-manager qualification and holds no grade",
        )
    if manager.status is ManagerStatus.SUSPENDED:
        return Eligibility(
            Standing.REFUSED,
            ART_TRAINING,
            "the manager is suspended (not re-appointed) and is not graded",
        )
    ends_on = manager.probation_ends_on
    if ends_on is None and manager.status is ManagerStatus.PROBATION:
        return Eligibility(
            Standing.REFUSED,
            ART_PROBATION,
            "the manager is in probation (见习期未满) with no end date: not graded",
        )
    if ends_on is not None and ends_on > period_end:
        return Eligibility(
            Standing.REFUSED,
            ART_PROBATION,
            f"probation ends on {ends_on.isoformat()}, after the period end "
            f"{period_end.isoformat()} (见习期未满); probationers are not graded",
        )
    warnings: list[str] = []
    try:
        passed = _flag(values, EXAM_PASSED)
        evaluation = _evaluation(values)
    except ValueError as problem:
        return Eligibility(Standing.REFUSED, ART_POST, str(problem))
    if passed is None:
        warnings.append(
            f"{EXAM_PASSED} not recorded: the 上岗培训考试 is taken as passed (第六条(一))"
        )
    elif not passed:
        return Eligibility(
            Standing.REFUSED,
            ART_EXAM,
            "the 上岗培训考试 was not passed: the post conditions are not met",
        )
    if evaluation is None:
        warnings.append(f"{EVALUATION} not recorded: 年度考评 taken as 称职 or better (第六条(二))")
    elif evaluation < EVALUATION_PASS_FROM:
        return Eligibility(
            Standing.REFUSED,
            ART_EVALUATION,
            f"年度考评 {EVALUATION_LABELS[evaluation]} is below 称职: "
            "the post conditions are not met",
        )
    if ends_on is not None and period_start <= ends_on:
        return Eligibility(
            Standing.PLACED_SD_3,
            ART_PROBATION,
            f"probation ended on {ends_on.isoformat()}, within the year: "
            "三级客户经理 for the year, without scoring",
            tuple(warnings),
        )
    return Eligibility(Standing.SCORED, ART_GRADE, "scored", tuple(warnings))


# --- cohort figures --------------------------------------------------------------


def period_dates(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of ``2025`` or ``2025-Q3``."""
    year_text, _, quarter_text = period.partition("-Q")
    year = int(year_text)
    if not quarter_text:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    quarter = int(quarter_text)
    if not 1 <= quarter <= 4:
        raise ValueError(f"period {period!r}: quarter must be 1–4")
    first = dt.date(year, 3 * quarter - 2, 1)
    next_first = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return first, next_first - dt.timedelta(days=1)


def customer_weight(category: ManagerCategory) -> int:
    """What one corporate loan customer counts as in B1 (第十一条(二)1): 20 for 公司类 managers."""
    return CORPORATE_CUSTOMER_WEIGHT if category is ManagerCategory.CORPORATE else 1


def weighted_customers(category: ManagerCategory, values: Mapping[str, Decimal]) -> Decimal:
    """管贷户数 for B1: natural persons plus corporate customers at the category's weight."""
    natural = values.get(CUSTOMERS_NATURAL, ZERO)
    corporate = values.get(CUSTOMERS_CORPORATE, ZERO)
    return natural + customer_weight(category) * corporate


def _average(total: Decimal, count: int) -> Decimal:
    return round_score(total / count) if count else ZERO


def cohort_figures(period: str, cohort: tuple[CohortMember, ...]) -> dict[str, Decimal]:
    """The county averages B1 and B2 compare with (第十一条(二)1, 2).

    Only the managers the appraisal scores count: probationers, those placed in
    三级 without scoring (第十三条), those failing 第六条 and suspended or
    disqualified managers are left out. Averages are rounded half-up to 2
    decimals; an empty cohort gives 0 (the appraisal then scores B1/B2 at 10).
    """
    start, end = period_dates(period)
    scored = [
        m
        for m in cohort
        if eligibility(m.profile, m.values, start, end).standing is Standing.SCORED
    ]
    customers = sum((weighted_customers(m.profile.category, m.values) for m in scored), start=ZERO)
    balance = sum((m.values.get(LOAN_BALANCE, ZERO) for m in scored), start=ZERO)
    return {
        COHORT_SCORED: Decimal(len(scored)),
        COHORT_AVG_CUSTOMERS: _average(customers, len(scored)),
        COHORT_AVG_BALANCE: _average(balance, len(scored)),
    }


# --- items -----------------------------------------------------------------------


def _item(
    key: str,
    name: str,
    article: str,
    max_points: Decimal | None,
    raw: Decimal,
    inputs: Mapping[str, str],
    explanation: str,
) -> ItemScore:
    """An item score, rounded half-up to 2 decimals (spec conventions)."""
    score = round_score(raw)
    return ItemScore(
        key=key,
        name=name,
        article=article,
        max_points=max_points,
        score=score,
        inputs=dict(inputs),
        explanation=f"{explanation} → {fmt(score)}",
    )


A1_POINTS = {
    Education.BACHELOR_OR_HIGHER: Decimal(3),
    Education.JUNIOR_COLLEGE: Decimal(2),
    Education.SECONDARY_OR_BELOW: ONE,
}
A2_POINTS = {
    ProfessionalTitle.INTERMEDIATE_OR_HIGHER: Decimal(2),
    ProfessionalTitle.JUNIOR: ONE,
    ProfessionalTitle.NONE: ZERO,
}
A3_POINTS = {
    CreditExamResult.PASSED: ONE,
    CreditExamResult.EXEMPT: ONE,
    CreditExamResult.FAILED: ZERO,
    CreditExamResult.NOT_TAKEN: ZERO,
}
A5_POINTS = {
    SystemProficiency.PROFICIENT: Decimal(2),
    SystemProficiency.FAIR: ONE,
    SystemProficiency.NONE: ZERO,
}


ProfileCode = TypeVar("ProfileCode", bound=enum.Enum)


def _table_item(
    key: str,
    name: str,
    article: str,
    max_points: Decimal,
    field: str,
    value: ProfileCode | None,
    table: Mapping[ProfileCode, Decimal],
) -> ItemScore:
    """A profile item scored from a fixed table; an empty profile field scores 0."""
    if value is None:
        return _item(key, name, article, max_points, ZERO, {field: "none"}, f"{field} not recorded")
    return _item(
        key,
        name,
        article,
        max_points,
        table[value],
        {field: value.value},
        f"{field} {value.value}",
    )


def a1_education(education: Education | None) -> ItemScore:
    """A1 学历: 本科及以上 3, 大专 2, 中专/高中及以下 1 (第十一条(一)1)."""
    return _table_item("A1", "学历", "第十一条(一)1", Decimal(3), "education", education, A1_POINTS)


def a2_title(title: ProfessionalTitle | None) -> ItemScore:
    """A2 专业技术职称: 中级及以上 2, 初级 1, 无 0 (第十一条(一)2)."""
    return _table_item(
        "A2", "专业技术职称", "第十一条(一)2", Decimal(2), "professional_title", title, A2_POINTS
    )


def a3_credit_exam(exam: CreditExamResult | None) -> ItemScore:
    """A3 信贷从业资格考试: passed or exempt 1, otherwise 0 (第十一条(一)3)."""
    return _table_item(
        "A3", "信贷从业资格考试", "第十一条(一)3", ONE, "credit_exam", exam, A3_POINTS
    )


def a4_work_years(years: Decimal | None) -> ItemScore:
    """A4 专业工作年限: 3 years or more 2; 1 to under 3 → 1; under 1 → 0 (第十一条(一)4)."""
    key, name, article, top = "A4", "专业工作年限", "第十一条(一)4", Decimal(2)
    if years is None:
        return _item(
            key, name, article, top, ZERO, {"credit_work_years": "none"}, "years not recorded"
        )
    if years >= 3:
        points, rule = Decimal(2), "3 years or more"
    elif years >= 1:
        points, rule = ONE, "1 to under 3 years"
    else:
        points, rule = ZERO, "under 1 year"
    return _item(
        key, name, article, top, points, {"credit_work_years": fmt(years)}, f"{fmt(years)}: {rule}"
    )


def a5_system(proficiency: SystemProficiency | None) -> ItemScore:
    """A5 信贷及资产风险管理系统操作: 熟练 2, 较为熟练 1, 不会 0 (第十一条(一)5)."""
    return _table_item(
        "A5",
        "信贷及资产风险管理系统操作",
        "第十一条(一)5",
        Decimal(2),
        "system_proficiency",
        proficiency,
        A5_POINTS,
    )


def _against_average(
    standard: Decimal, actual: Decimal, base: Decimal | None, bounds: tuple[Decimal, Decimal]
) -> tuple[Decimal, str]:
    """``standard × actual / base`` clamped to ``bounds``; no usable base scores ``standard``."""
    share = None if base is None else ratio(actual, base)
    if share is None:
        return standard, "no base to compare with (no scored managers or base 0): standard score"
    raw = standard * share
    return clamp(raw, *bounds), (
        f"{fmt(standard)} × {fmt(actual)} / {fmt(base)} = {fmt(round_score(raw))}, "
        f"kept within [{fmt(bounds[0])}, {fmt(bounds[1])}]"
    )


def b1_customers(
    category: ManagerCategory,
    natural: Decimal,
    corporate: Decimal,
    average: Decimal | None,
) -> ItemScore:
    """B1 管护贷款客户数量: ``10 × N / county average``, within [5, 15] (第十一条(二)1).

    N is 管贷户数: every loan customer counts 1, except that a 公司类 manager's
    corporate customers count 20 each.
    """
    weight = customer_weight(category)
    count = natural + weight * corporate
    score, how = _against_average(Decimal(10), count, average, B1_RANGE)
    return _item(
        "B1",
        "管护贷款客户数量",
        "第十一条(二)1",
        B1_RANGE[1],
        score,
        {
            "category": category.value,
            CUSTOMERS_NATURAL: fmt(natural),
            CUSTOMERS_CORPORATE: fmt(corporate),
            "corporate_weight": str(weight),
            "weighted_customers": fmt(count),
            COHORT_AVG_CUSTOMERS: fmt(average),
        },
        f"N = {fmt(natural)} + {weight} × {fmt(corporate)} = {fmt(count)}; {how}",
    )


def b2_balance(category: ManagerCategory, balance: Decimal, average: Decimal | None) -> ItemScore:
    """B2 管护贷款规模: ``10 × balance / base``, within [8, 12] (第十一条(二)2).

    The base is the county average, or 50,000,000 for a 公司类 manager.
    """
    corporate = category is ManagerCategory.CORPORATE
    base = CORPORATE_BALANCE_BASE if corporate else average
    score, how = _against_average(Decimal(10), balance, base, B2_RANGE)
    base_name = "corporate base 50,000,000" if corporate else "county average"
    return _item(
        "B2",
        "管护贷款规模",
        "第十一条(二)2",
        B2_RANGE[1],
        score,
        {
            "category": category.value,
            LOAN_BALANCE: fmt(balance),
            "base": fmt(base),
        },
        f"balance against the {base_name}: {how}",
    )


def b3_coverage(households: int | None, rated: int | None) -> ItemScore:
    """B3 建档评级授信面: coverage ≥ 80% → 10, else ``10 × coverage / 0.80`` (第十一条(二)3).

    A jurisdiction with no households has nothing to rate: it counts as full
    coverage (as a plan of 0 counts as met).
    """
    key, name, article, top = "B3", "建档评级授信面", "第十一条(二)3", Decimal(10)
    inputs = {"jurisdiction_households": fmt(households), "rated_households": fmt(rated)}
    if households is None or rated is None:
        return _item(key, name, article, top, ZERO, inputs, "households not recorded")
    if households <= 0:
        return _item(
            key, name, article, top, top, inputs, "no households in the jurisdiction: full score"
        )
    coverage = Decimal(rated) / Decimal(households)
    if coverage >= COVERAGE_BASE:
        return _item(key, name, article, top, top, inputs, f"coverage {rated}/{households} ≥ 80%")
    return _item(
        key,
        name,
        article,
        top,
        top * coverage / COVERAGE_BASE,
        inputs,
        f"coverage {rated}/{households} < 80%: 10 × coverage / 0.80",
    )


def _completion(standard: Decimal, actual: Decimal, plan: Decimal) -> tuple[Decimal, str]:
    """``standard × actual / plan`` for an unmet plan (floored at 0); a met plan: ``standard``."""
    share = ratio(actual, plan)
    if share is None:
        return standard, f"plan {fmt(plan)} ≤ 0 counts as met"
    if actual >= plan:
        return standard, f"{fmt(actual)} ≥ plan {fmt(plan)}"
    return standard * clamp(share, ZERO), f"{fmt(standard)} × {fmt(actual)} / {fmt(plan)}"


def b4_deposits(
    net_increase: Decimal, plan: Decimal, monthly_average: Decimal | None, settings: Settings
) -> ItemScore:
    """B4 组织资金: net increase against plan, 10; bonus up to +5 (第十一条(二)4).

    The bonus is ``deposit_bonus_per_step`` for each full 50,000 by which the
    year's monthly-average balance exceeds the annual plan; a plan of 0 or less
    gets no bonus (nothing to exceed).
    """
    base, how = _completion(Decimal(10), net_increase, plan)
    bonus = ZERO
    if plan > ZERO and monthly_average is not None:
        steps = full_steps(monthly_average - plan, DEPOSIT_STEP)
        bonus = min(DEPOSIT_BONUS_MAX, steps * settings.deposit_bonus_per_step)
        how += (
            f"; monthly average {fmt(monthly_average)}: {steps} full 50,000 over plan × "
            f"{fmt(settings.deposit_bonus_per_step)} = +{fmt(bonus)} (at most +5)"
        )
    return _item(
        "B4",
        "组织资金",
        "第十一条(二)4",
        Decimal(10) + DEPOSIT_BONUS_MAX,
        base + bonus,
        {
            DEPOSITS: fmt(net_increase),
            f"{DEPOSITS}_plan": fmt(plan),
            DEPOSIT_AVERAGE: fmt(monthly_average),
            "deposit_bonus_per_step": fmt(settings.deposit_bonus_per_step),
        },
        how,
    )


def b5_1_npl_reduction(
    npl_start: Decimal, npl_end: Decimal, written_off: Decimal, plan: Decimal
) -> ItemScore:
    """B5.1 不良贷款净降: ``4 × min(1, reduction / plan)`` (第十一条(二)5(1)).

    Reduction = NPL balance at year start − at year end − written off: 呆账核销
    does not count. Over-fulfilment earns nothing; a rise scores 0.
    """
    reduction = npl_start - npl_end - written_off
    score, how = _completion(Decimal(4), reduction, plan)
    return _item(
        "B5.1",
        "不良贷款净降",
        "第十一条(二)5(1)",
        Decimal(4),
        score,
        {
            NPL_START: fmt(npl_start),
            NPL_END: fmt(npl_end),
            NPL_WRITTEN_OFF: fmt(written_off),
            NPL_REDUCTION: fmt(reduction),
            f"{NPL_REDUCTION}_plan": fmt(plan),
        },
        f"reduction {fmt(npl_start)} − {fmt(npl_end)} − written off {fmt(written_off)} "
        f"= {fmt(reduction)}; {how}",
    )


def _met_with_bonus(
    actual: Decimal, plan: Decimal, step: Decimal, per_step: Decimal, bonus_max: Decimal
) -> tuple[Decimal, str]:
    """1 for a met plan plus ``per_step`` for each full ``step`` over it (at most ``bonus_max``);
    ``actual / plan`` for an unmet one; a plan of 0 or less is met, without bonus."""
    if plan <= ZERO or actual < plan:
        return _completion(ONE, actual, plan)
    steps = full_steps(actual - plan, step)
    bonus = min(bonus_max, steps * per_step)
    return ONE + bonus, (
        f"{fmt(actual)} ≥ plan {fmt(plan)}: 1 + {steps} full {fmt(step)} over × "
        f"{fmt(per_step)} = 1 + {fmt(bonus)} (bonus at most {fmt(bonus_max)})"
    )


def b5_2_cash(actual: Decimal, plan: Decimal, settings: Settings) -> ItemScore:
    """B5.2 不良贷款现金清收: met → 1 + bonus per full 10,000 over, at most 2 (第十一条(二)5(2))."""
    score, how = _met_with_bonus(actual, plan, CASH_STEP, settings.cash_bonus_per_step, ONE)
    return _item(
        "B5.2",
        "不良贷款现金清收",
        "第十一条(二)5(2)",
        Decimal(2),
        score,
        {
            NPL_CASH: fmt(actual),
            f"{NPL_CASH}_plan": fmt(plan),
            "cash_bonus_per_step": fmt(settings.cash_bonus_per_step),
        },
        how,
    )


def b5_3_npl_control(npl_start: Decimal, npl_end: Decimal) -> ItemScore:
    """B5.3 管辖区不良贷款控制: year-end NPL below year start → 1, else 0; both 0 → 1
    (第十一条(二)5(3))."""
    if npl_start == ZERO and npl_end == ZERO:
        score, how = ONE, "no NPL at year start or end"
    elif npl_end < npl_start:
        score, how = ONE, f"NPL fell from {fmt(npl_start)} to {fmt(npl_end)}"
    else:
        score, how = ZERO, f"NPL did not fall: {fmt(npl_start)} → {fmt(npl_end)}"
    return _item(
        "B5.3",
        "管辖区不良贷款控制",
        "第十一条(二)5(3)",
        ONE,
        score,
        {NPL_START: fmt(npl_start), NPL_END: fmt(npl_end)},
        how,
    )


def b5_4_writeoff(actual: Decimal, plan: Decimal, settings: Settings) -> ItemScore:
    """B5.4 表外已核销、已置换贷款清收: met → 1 + bonus per full 1,000 over, at most +1
    (第十一条(二)5(4))."""
    score, how = _met_with_bonus(
        actual, plan, WRITEOFF_STEP, settings.writeoff_bonus_per_step, WRITEOFF_BONUS_MAX
    )
    return _item(
        "B5.4",
        "表外已核销、已置换贷款清收",
        "第十一条(二)5(4)",
        ONE + WRITEOFF_BONUS_MAX,
        score,
        {
            WRITEOFF: fmt(actual),
            f"{WRITEOFF}_plan": fmt(plan),
            "writeoff_bonus_per_step": fmt(settings.writeoff_bonus_per_step),
        },
        how,
    )


def b5_5_notices(coverage: Decimal, limitation_lost: Decimal) -> ItemScore:
    """B5.5 到逾期贷款催收: ``2 × coverage`` (100% → 2); 0 when any NPL newly lost its
    litigation limitation period this year (第十一条(二)5(5))."""
    if limitation_lost > ZERO:
        score, how = ZERO, f"{fmt(limitation_lost)} NPL newly lost the limitation period"
    elif coverage >= ONE:
        score, how = Decimal(2), "notice coverage 100%"
    else:
        score, how = Decimal(2) * clamp(coverage, ZERO), f"2 × coverage {fmt(coverage)}"
    return _item(
        "B5.5",
        "到逾期贷款催收",
        "第十一条(二)5(5)",
        Decimal(2),
        score,
        {NOTICE_COVERAGE: fmt(coverage), LIMITATION_LOST: fmt(limitation_lost)},
        how,
    )


def b6_interest(actual: Decimal, plan: Decimal, settings: Settings) -> ItemScore:
    """B6 收回贷款利息: ``20 × actual / plan``, the actual ratio, over 20 when over plan
    (第十一条(二)6); ``interest_cap`` (none by default) caps it."""
    share = ratio(actual, plan)
    if share is None:
        raw, how = Decimal(20), f"plan {fmt(plan)} ≤ 0 counts as met"
    else:
        raw = Decimal(20) * clamp(share, ZERO)
        how = f"20 × {fmt(actual)} / {fmt(plan)} = {fmt(round_score(raw))}"
    cap = settings.interest_cap
    if cap is not None and raw > cap:
        raw, how = cap, f"{how}, capped at {fmt(cap)}"
    return _item(
        "B6",
        "收回贷款利息",
        "第十一条(二)6",
        cap,
        raw,
        {INTEREST: fmt(actual), f"{INTEREST}_plan": fmt(plan), "interest_cap": fmt(cap)},
        how,
    )


# --- work quality (第十一条(三)) --------------------------------------------------


class Rule(enum.Enum):
    PER_CASE = "PER_CASE"
    """``points`` (or the item's per-case deduction when None) for every case counted."""
    ONCE = "ONCE"
    """``points`` (or the item's per-case deduction) once, however many cases."""
    ZERO = "ZERO"
    """The item scores 0."""


@dataclass(frozen=True)
class Deduction:
    """One finding code of a work-quality item and what it costs."""

    finding: str
    rule: Rule
    points: Decimal | None = None


@dataclass(frozen=True)
class QualityItem:
    """A work-quality item of 2 points and the findings that reduce it."""

    key: str
    name: str
    article: str
    slug: str
    deductions: tuple[Deduction, ...]
    clerk_exempt: bool = False


QUALITY_ITEMS = (
    QualityItem(
        "C1.1",
        "贷款受理",
        "第十一条(三)1(1)",
        "c1_1",
        (Deduction("MISSING_ELEMENT", Rule.PER_CASE), Deduction("NAME_MISMATCH", Rule.ZERO)),
    ),
    QualityItem(
        "C1.2",
        "贷前调查",
        "第十一条(三)1(2)",
        "c1_2",
        (
            Deduction("MISSING_RATING_FORM", Rule.PER_CASE),
            Deduction("MISSING_INVESTIGATION_REPORT", Rule.PER_CASE),
            Deduction("REPORT_MISSING_ELEMENT", Rule.PER_CASE),
        ),
    ),
    QualityItem(
        "C1.3",
        "贷款发放",
        "第十一条(三)1(3)",
        "c1_3",
        (
            Deduction("MISSING_ELEMENT", Rule.PER_CASE),
            Deduction("MISSING_CONTRACT", Rule.PER_CASE),
            Deduction("NAME_MISMATCH", Rule.ZERO),
            Deduction("COLLATERAL_FORMALITIES_MISSING", Rule.ZERO),
        ),
    ),
    QualityItem(
        "C1.4",
        "贷后检查",
        "第十一条(三)1(4)",
        "c1_4",
        (Deduction("MISSING_INSPECTION_REPORT", Rule.PER_CASE),),
    ),
    QualityItem(
        "C1.5",
        "贷款新规执行",
        "第十一条(三)1(5)",
        "c1_5",
        (
            Deduction("NO_FACE_TO_FACE", Rule.PER_CASE),
            Deduction("ENTRUSTED_PAYMENT_NOT_USED", Rule.ZERO),
        ),
    ),
    QualityItem(
        "C2",
        "贷款风险五级分类管理",
        "第十一条(三)2",
        "c2",
        (
            Deduction("NUMBERING_INCONSISTENT", Rule.ONCE),
            Deduction("FIRST_PASS_NOT_DISCUSSED", Rule.ONCE),
            Deduction("SMALL_LOAN_MISCLASSIFIED", Rule.ONCE, ONE),
            Deduction("NO_WORKING_PAPERS", Rule.ONCE),
            Deduction("WORKING_PAPERS_DISAGREE", Rule.ONCE),
            Deduction("FORMS_INCOMPLETE", Rule.ONCE),
            Deduction("FORMS_NOT_SET_UP", Rule.ONCE),
            Deduction("NPL_DEVIATION_OVER_3PCT", Rule.ZERO),
        ),
    ),
    QualityItem(
        "C3",
        "贷款展期和借新还旧管理",
        "第十一条(三)3",
        "c3",
        (
            Deduction("EXTENSION_NON_COMPLIANT", Rule.PER_CASE, Decimal(2)),
            Deduction("REFINANCING_NON_COMPLIANT", Rule.PER_CASE, ONE),
        ),
    ),
    QualityItem(
        "C4",
        "执行利率政策",
        "第十一条(三)4",
        "c4",
        (
            Deduction("RATE_DEVIATION", Rule.PER_CASE),
            Deduction("UNAUTHORISED_INTEREST_WAIVER", Rule.ZERO),
        ),
    ),
    QualityItem(
        "C5",
        "信贷档案管理",
        "第十一条(三)5",
        "c5",
        (
            Deduction("ARCHIVES_NOT_NUMBERED", Rule.ONCE, ONE),
            Deduction("MISSING_DOCUMENT", Rule.PER_CASE),
        ),
        clerk_exempt=True,
    ),
    QualityItem(
        "C6",
        "客户信息管理",
        "第十一条(三)6",
        "c6",
        (Deduction("INCOMPLETE_CUSTOMER_DATA", Rule.PER_CASE),),
        clerk_exempt=True,
    ),
)
QUALITY_POINTS = Decimal(2)


def finding_counts(findings: tuple[FindingCount, ...]) -> dict[tuple[str, str], int]:
    """Counts per (item, finding code), summed over repeated records."""
    counts: dict[tuple[str, str], int] = {}
    for f in findings:
        counts[(f.item, f.finding)] = counts.get((f.item, f.finding), 0) + f.count
    return counts


def quality_item(
    item: QualityItem,
    counts: Mapping[tuple[str, str], int],
    settings: Settings,
    office_has_credit_clerk: bool,
) -> ItemScore:
    """A work-quality item: 2 points less its deductions, floored at 0 ("扣完为止")."""
    found = {
        rule.finding: counts[(item.key, rule.finding)]
        for rule in item.deductions
        if (item.key, rule.finding) in counts
    }
    inputs = {rule.finding: str(found.get(rule.finding, 0)) for rule in item.deductions}
    d = settings.deduction(item.slug)
    if any(rule.points is None for rule in item.deductions):
        inputs["deduction_per_case"] = fmt(d)

    def scored(raw: Decimal, explanation: str) -> ItemScore:
        return _item(item.key, item.name, item.article, QUALITY_POINTS, raw, inputs, explanation)

    if item.clerk_exempt and office_has_credit_clerk:
        inputs["office_has_credit_clerk"] = "true"
        return scored(QUALITY_POINTS, "the office has a 信贷内勤 post: not assessed, full score")
    zeroing = [r.finding for r in item.deductions if r.rule is Rule.ZERO and r.finding in found]
    if zeroing:
        return scored(ZERO, f"{', '.join(zeroing)}: the item scores 0")
    total = ZERO
    parts: list[str] = []
    for rule in item.deductions:
        n = found.get(rule.finding)
        if n is None:
            continue
        points = d if rule.points is None else rule.points
        if rule.rule is Rule.PER_CASE:
            total += points * n
            parts.append(f"{rule.finding} {n} × {fmt(points)}")
        else:
            total += points
            parts.append(f"{rule.finding} once {fmt(points)}")
    if not parts:
        return scored(QUALITY_POINTS, "no findings")
    return scored(
        clamp(QUALITY_POINTS - total, ZERO),
        f"2 − ({'; '.join(parts)}) = 2 − {fmt(total)}, floored at 0",
    )


def unknown_findings(findings: tuple[FindingCount, ...]) -> tuple[str, ...]:
    """Warnings for findings this policy does not score: a typo must not pass unseen."""
    items = {item.key for item in QUALITY_ITEMS}
    known = {(item.key, rule.finding) for item in QUALITY_ITEMS for rule in item.deductions}
    warnings = []
    for item, code in sorted({(f.item, f.finding) for f in findings} - known):
        what = "a finding code of that item" if item in items else "a work-quality item"
        warnings.append(f"finding {code} on item {item} is not {what} of this policy: not scored")
    return tuple(warnings)


# --- the appraisal -----------------------------------------------------------------


def tier_for_total(total: Decimal) -> Tier:
    """第九条: 90 or more 一级; 75 to under 90 二级; under 75 三级."""
    if total >= SD_1_FROM:
        return SD_1
    if total >= SD_2_FROM:
        return SD_2
    return SD_3


def missing_inputs(appraisal: AppraisalInput) -> tuple[str, ...]:
    """Required inputs absent from the appraisal (the core normally stops before)."""
    missing = [f"values.{k}" for k in REQUIRED_VALUES if k not in appraisal.values]
    missing += [f"plans.{k}" for k in REQUIRED_PLANS if k not in appraisal.plans]
    missing += [f"profile.{k}" for k in REQUIRED_PROFILE if getattr(appraisal.manager, k) is None]
    return tuple(missing)


def _refused(reason: str, article: str, warnings: tuple[str, ...] = ()) -> AppraisalOutcome:
    return AppraisalOutcome(graded=False, explanation=f"{reason} ({article})", warnings=warnings)


def score_items(appraisal: AppraisalInput, settings: Settings) -> tuple[ItemScore, ...]:
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
        b4_deposits(v[DEPOSITS], p[DEPOSITS], v.get(DEPOSIT_AVERAGE), settings),
        b5_1_npl_reduction(
            v[NPL_START], v[NPL_END], v.get(NPL_WRITTEN_OFF, ZERO), p[NPL_REDUCTION]
        ),
        b5_2_cash(v[NPL_CASH], p[NPL_CASH], settings),
        b5_3_npl_control(v[NPL_START], v[NPL_END]),
        b5_4_writeoff(v[WRITEOFF], p[WRITEOFF], settings),
        b5_5_notices(v[NOTICE_COVERAGE], v.get(LIMITATION_LOST, ZERO)),
        b6_interest(v[INTEREST], p[INTEREST], settings),
        *(
            quality_item(item, counts, settings, m.office_has_credit_clerk)
            for item in QUALITY_ITEMS
        ),
    )


def unscored_outcome(appraisal: AppraisalInput) -> AppraisalOutcome | None:
    """The outcome reached without scoring (第八条, 第十三条, 第六条, 第十五条, 第十六条):
    a quarter or a manager the policy does not grade is refused; a manager whose
    probation ended in the year is placed in 三级. ``None``: the manager is scored."""
    if appraisal.period_kind is not PeriodKind.YEAR:
        return _refused(
            f"grades are set once a year from the year's results; the {appraisal.period} "
            "appraisal is not graded",
            ART_YEARLY,
        )
    standing = eligibility(
        appraisal.manager, appraisal.values, appraisal.period_start, appraisal.period_end
    )
    if standing.standing is Standing.REFUSED:
        return _refused(standing.reason, standing.article, standing.warnings)
    if standing.standing is Standing.PLACED_SD_3:
        return AppraisalOutcome(
            graded=True,
            explanation=f"{standing.reason} ({standing.article})",
            tier=SD_3,
            rating=RATING_PROBATION_END,
            rating_label=RATING_PROBATION_END_LABEL,
            warnings=standing.warnings,
        )
    return None


def appraise(appraisal: AppraisalInput) -> AppraisalOutcome:
    """Appraise one manager for one year (第八条, 第九条, 第十一条, 第十三条).

    Refused (``graded=False``) for a quarter, for managers the policy does not
    grade (see :func:`eligibility`) and when a required input is missing.
    """
    unscored = unscored_outcome(appraisal)
    if unscored is not None:
        return unscored
    standing = eligibility(
        appraisal.manager, appraisal.values, appraisal.period_start, appraisal.period_end
    )
    missing = missing_inputs(appraisal)
    if missing:
        return _refused(f"required inputs missing: {', '.join(missing)}", ART_SCORE)
    items = score_items(appraisal, Settings.from_params(appraisal.params))
    total = sum((item.score for item in items), start=ZERO)
    tier = tier_for_total(total)
    warnings = standing.warnings + unknown_findings(appraisal.findings)
    if COHORT_AVG_CUSTOMERS not in appraisal.cohort or COHORT_AVG_BALANCE not in appraisal.cohort:
        warnings += ("the run has no county averages: B1/B2 scored against no base",)
    return AppraisalOutcome(
        graded=True,
        explanation=(
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


def tier_move(
    manager: ManagerProfile, outcome: AppraisalOutcome, period_kind: PeriodKind
) -> TierMove:
    """The confirmed yearly appraisal sets the tier to its outcome's (第八条, 第九条; 第十三条
    for a manager placed in 三级 after probation). Compared by rank, never by name."""
    current = manager.tier
    if period_kind is not PeriodKind.YEAR:
        return TierMove(
            TierDirection.NONE, current, "grades move only with the yearly appraisal", ART_YEARLY
        )
    target = outcome.tier
    if not outcome.graded or target is None:
        return TierMove(
            TierDirection.NONE, current, "the appraisal graded no tier: tier unchanged", ART_GRADE
        )
    article = ART_PROBATION if outcome.rating == RATING_PROBATION_END else ART_GRADE
    if current is None:
        return TierMove(TierDirection.SET, target, f"first grade: {target.name}", article)
    if target.rank > current.rank:
        direction, how = TierDirection.PROMOTION, "up"
    elif target.rank < current.rank:
        direction, how = TierDirection.DEMOTION, "down"
    else:
        return TierMove(TierDirection.NONE, current, f"stays {current.name}", article)
    return TierMove(direction, target, f"{how} from {current.name} to {target.name}", article)


# --- penalties (第十五条, 第十六条) --------------------------------------------------

DOWNGRADE_CAUSES = {
    ViolationKind.EXAM_FAILED: "第十五条(一)",
    ViolationKind.LOAN_TO_PAY_INTEREST: "第十五条(二)",
    ViolationKind.NOMINEE_LOAN: "第十五条(二)",
    ViolationKind.CROSS_COMMUNITY_LOAN: "第十五条(二)",
    ViolationKind.CREDIT_TO_BANNED_CUSTOMER: "第十五条(二)",
    ViolationKind.AUDIT_NOTICE: "第十五条(三)",
    ViolationKind.CUSTOMER_COMPLAINT: "第十五条(三)",
    ViolationKind.OTHER: "第十五条(四)",
}
COUNTED_KINDS = frozenset({ViolationKind.AUDIT_NOTICE, ViolationKind.CUSTOMER_COMPLAINT})


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Whole years of age on ``day`` (a 29 February birthday falls on 1 March)."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)


def down_one_tier(case: ViolationCase, article: str, cause: str) -> PenaltyEffect:
    """一级→二级, 二级→三级; a 三级 manager loses the qualifications (第十五条).

    A manager with no tier is treated as 三级 (第十三条 treats a manager newly
    out of probation as 三级): the violation disqualifies.
    """
    tiers = case.tiers or TIERS
    current = case.manager.tier
    if current is None:
        return PenaltyEffect(
            PenaltyKind.DISQUALIFY,
            article,
            f"{cause}; the manager holds no tier and is treated as 三级 (第十三条): "
            "loses the customer-manager and credit qualifications",
        )
    lower = [t for t in tiers if t.rank < current.rank]
    if not lower:
        return PenaltyEffect(
            PenaltyKind.DISQUALIFY,
            article,
            f"{cause}; a {current.name} loses the customer-manager and credit qualifications",
        )
    to_tier = max(lower, key=lambda t: t.rank)
    return PenaltyEffect(
        PenaltyKind.DOWN_ONE_TIER,
        article,
        f"{cause}; down one tier from {current.name} to {to_tier.name}",
        to_tier,
    )


def penalty(case: ViolationCase) -> PenaltyEffect:
    """The effect of a confirmed violation (第十五条, 第十六条; other kinds: 第十七条)."""
    kind = case.kind
    if kind is ViolationKind.TRAINING_EXAM_FAILED:
        return PenaltyEffect(
            PenaltyKind.SUSPEND,
            ART_TRAINING,
            "failed the yearly training exam: not re-appointed until it is passed",
        )
    article = DOWNGRADE_CAUSES.get(kind)
    if article is None:
        return PenaltyEffect(
            PenaltyKind.NONE,
            ART_DISCIPLINE,
            f"{kind.label} is not a 第十五条 cause: handled under the bank's disciplinary "
            "rules; head office may still move the tier as OTHER (第十五条(四))",
        )
    if kind is ViolationKind.EXAM_FAILED:
        age = age_on(case.manager.birth_date, case.occurred_on)
        if age >= EXAM_AGE_LIMIT:
            return PenaltyEffect(
                PenaltyKind.NONE,
                article,
                f"aged {age} on {case.occurred_on.isoformat()}: the exam rule applies under 50",
            )
        return down_one_tier(case, article, f"failed the qualification exam aged {age}")
    if kind in COUNTED_KINDS:
        n = case.confirmed_same_kind_this_year
        if n < YEARLY_COUNT_TRIGGER:
            return PenaltyEffect(
                PenaltyKind.NONE,
                article,
                f"{kind.label} {n} of 3 this calendar year: no effect yet",
            )
        if n > YEARLY_COUNT_TRIGGER:
            return PenaltyEffect(
                PenaltyKind.NONE,
                article,
                f"{kind.label} {n} this calendar year: the downgrade was made at the third; "
                "head office may act again as OTHER (第十五条(四))",
            )
        return down_one_tier(case, article, f"third {kind.label} this calendar year")
    if kind is ViolationKind.OTHER:
        return down_one_tier(case, article, "cause decided by head office (reason recorded)")
    return down_one_tier(case, article, kind.label)
