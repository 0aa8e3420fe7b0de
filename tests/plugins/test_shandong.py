"""Shandong grading and penalties: every item, band, boundary and refusal of the policy.

The baseline manager scores every item at its plain "plan met" value (total 99);
each row changes one input so that the row fails if the rule it names were wrong.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import plugins.shandong as plugin
from plugins.shandong import basic_quality, grades, penalties, work_quality
from plugins.shandong import economic_indicators as economic
from plugins.shandong.inputs import REQUIRED_PLANS, REQUIRED_PROFILE, REQUIRED_VALUES
from plugins.shandong.parameters import ShandongParameters
from server.errors import UnknownPlugin
from server.policy import (
    COMPUTED_INDICATORS,
    AppraisalInput,
    AppraisalOutcome,
    CohortMember,
    CreditExamResult,
    Education,
    FindingCount,
    IndicatorSource,
    ItemScore,
    ManagerCategory,
    ManagerProfile,
    ManagerStatus,
    Params,
    PenaltyEffect,
    PenaltyKind,
    PeriodKind,
    PolicyCategory,
    ProfessionalTitle,
    SystemProficiency,
    Tier,
    TierDirection,
    TierMove,
    TierMoveFlag,
    ViolationCase,
    ViolationKind,
    is_finding_code,
    is_indicator_key,
    is_item_key,
    parse_period,
    untranslated,
)
from server.policy.parameters import resolve
from server.policy.testing import appraisal_input, manager_profile, registry, violation_case

INFO = plugin.policy_info()
DEFAULTS = ShandongParameters()
REGISTRY = registry(plugin)
GRADING = REGISTRY.grading(plugin.NAME)
SD_1, SD_2, SD_3 = grades.SD_1, grades.SD_2, grades.SD_3
D = Decimal

BASE_VALUES: dict[str, Decimal] = {
    "customers_natural": D(100),
    "customers_corporate": D(0),
    "loan_balance": D(10_000_000),
    "npl_balance_start": D(100_000),
    "npl_balance_end": D(50_000),
    "notice_coverage": D(1),
    "deposit_net_increase": D(1_000_000),
    "npl_cash_recovered": D(50_000),
    "writeoff_recovered": D(5_000),
    "interest_recovered": D(500_000),
    "induction_exam_passed": D(1),
    "annual_evaluation": D(3),
}
BASE_PLANS: dict[str, Decimal] = {
    "deposit_net_increase": D(1_000_000),
    "npl_net_reduction": D(50_000),
    "npl_cash_recovered": D(50_000),
    "writeoff_recovered": D(5_000),
    "interest_recovered": D(500_000),
}
BASE_COHORT: dict[str, Decimal] = {
    "graded_managers": D(10),
    "average_weighted_customers": D(100),
    "average_loan_balance": D(10_000_000),
}
# Findings that zero C1.1, C1.3, C1.5, C2 and C4: the total drops by 10.
FIVE_ITEMS_ZEROED = (
    FindingCount("C1.1", "NAME_MISMATCH", 1),
    FindingCount("C1.3", "NAME_MISMATCH", 1),
    FindingCount("C1.5", "ENTRUSTED_PAYMENT_NOT_USED", 1),
    FindingCount("C2", "NPL_DEVIATION_OVER_3PCT", 1),
    FindingCount("C4", "UNAUTHORISED_INTEREST_WAIVER", 1),
)


# Items with a per-case deduction the source lost ("每笔扣分"): each has its own parameter.
LOST_DEDUCTIONS = [
    item.slug
    for item in work_quality.QUALITY_ITEMS
    if any(rule.points is None for rule in item.deductions)
]


def params(**raw: Any) -> ShandongParameters:
    return ShandongParameters.of(raw)


def profile(**changes: Any) -> ManagerProfile:
    """An active 二级 retail manager who scores full marks on A1–A5 and B3."""
    base = manager_profile(
        employee_no="E001",
        post_started_on=None,
        tier=SD_2,
        qualification_level=None,
        licence_valid_until=None,
    )
    return dataclasses.replace(base, **changes)


def appraisal(
    *,
    manager: ManagerProfile | None = None,
    values: dict[str, Decimal] | None = None,
    drop_values: tuple[str, ...] = (),
    plans: dict[str, Decimal] | None = None,
    drop_plans: tuple[str, ...] = (),
    findings: tuple[FindingCount, ...] = (),
    cohort: dict[str, Decimal] | None = None,
    period_kind: PeriodKind = PeriodKind.YEAR,
    tenant_params: Params = DEFAULTS,
) -> AppraisalInput:
    merged_values = {**BASE_VALUES, **(values or {})}
    merged_plans = {**BASE_PLANS, **(plans or {})}
    for key in drop_values:
        del merged_values[key]
    for key in drop_plans:
        del merged_plans[key]
    return appraisal_input(
        "2025-Q3" if period_kind is PeriodKind.QUARTER else "2025",
        manager=manager or profile(),
        values=merged_values,
        plans=merged_plans,
        findings=findings,
        cohort=BASE_COHORT if cohort is None else cohort,
        params=tenant_params,
    )


def run(case: AppraisalInput) -> AppraisalOutcome:
    outcome = GRADING.appraise(case)
    assert isinstance(outcome, AppraisalOutcome)
    return outcome


def item(outcome: AppraisalOutcome, key: str) -> ItemScore:
    (found,) = [i for i in outcome.items if i.key == key]
    return found


# --- identity, parameters, indicators ------------------------------------------------


def test_plugin_registers_grading_and_penalty_only() -> None:
    info = REGISTRY.info(plugin.NAME)
    assert info.version == "1.1.0"
    assert info.categories == frozenset({PolicyCategory.GRADING, PolicyCategory.PENALTY})
    assert not hasattr(plugin, "lending_cap")
    assert not hasattr(plugin, "classify_customer")
    with pytest.raises(UnknownPlugin, match="LENDING"):
        REGISTRY.lending(plugin.NAME)
    with pytest.raises(UnknownPlugin, match="CLASSIFICATION"):
        REGISTRY.classification(plugin.NAME)


def test_tiers_by_rank() -> None:
    tiers = GRADING.tiers()
    assert [(t.code, t.rank) for t in tiers] == [("SD_3", 1), ("SD_2", 2), ("SD_1", 3)]
    assert tiers == plugin.TIERS


def test_parameter_defaults_and_articles() -> None:
    overrides = {f"deduction_{s}": None for s in LOST_DEDUCTIONS}
    assert dict(DEFAULTS) == {
        "deduction_per_case": D("0.5"),
        **overrides,
        "deposit_bonus_per_step": D("0.5"),
        "cash_bonus_per_step": D("0.1"),
        "writeoff_bonus_per_step": D("0.1"),
        "interest_cap": None,
    }
    for spec in INFO.parameters:
        assert spec.article.startswith("第十一条")
        assert "not fixed by the source" in spec.article
        assert spec.description


@pytest.mark.parametrize(
    ("raw", "valid"),
    [
        ({"deduction_per_case": "0"}, True),
        ({"deduction_per_case": "2"}, True),
        ({"deduction_per_case": "-0.1"}, False),
        ({"deduction_per_case": "2.01"}, False),
        ({"deduction_per_case": None}, False),
        ({"deduction_c1_4": "1"}, True),
        ({"deduction_c1_4": None}, True),
        ({"deduction_c3": "1"}, False),
        ({"deduction_c1_4": "2"}, True),  # an item holds at most 2 points
        ({"deduction_c1_4": "2.01"}, False),
        ({"deduction_c6": "-0.01"}, False),
        ({"deposit_bonus_per_step": "5"}, True),  # the B4 bonus is at most 5
        ({"deposit_bonus_per_step": "5.01"}, False),
        ({"deposit_bonus_per_step": "5.1"}, False),
        ({"cash_bonus_per_step": "1"}, True),  # B5.2: 1 for the plan, at most 2 in all
        ({"cash_bonus_per_step": "1.01"}, False),
        ({"cash_bonus_per_step": "1.1"}, False),
        ({"writeoff_bonus_per_step": "0"}, True),
        ({"writeoff_bonus_per_step": "1"}, True),  # the B5.4 bonus is at most 1
        ({"writeoff_bonus_per_step": "1.01"}, False),
        ({"writeoff_bonus_per_step": "-1"}, False),
        ({"interest_cap": "20"}, True),
        ({"interest_cap": "19.99"}, False),
        ({"interest_cap": None}, True),
    ],
)
def test_parameter_bounds(raw: dict[str, Any], valid: bool) -> None:
    _, problems = resolve(INFO, raw)
    assert (problems == []) is valid
    assert all(p.field == f"parameters.{next(iter(raw))}" for p in problems)


def test_no_rule_joins_the_parameters() -> None:
    # Each number feeds one item and is bounded by what that item can hold; the clamps of
    # B1/B2 are the source's, not parameters. Extremes together are still a usable set.
    extremes = {
        "deduction_per_case": "2",
        "deposit_bonus_per_step": "0",
        "cash_bonus_per_step": "1",
        "writeoff_bonus_per_step": "1",
        "interest_cap": "20",
    }
    assert resolve(INFO, extremes)[1] == []
    assert DEFAULTS.set_problems() == ()


def test_year_indicators() -> None:
    specs = GRADING.indicators(parse_period("2025"), DEFAULTS)
    assert specs
    profile_fields = {f.name for f in dataclasses.fields(ManagerProfile)}
    for spec in specs:
        assert is_indicator_key(spec.key)
        assert spec.description and spec.unit
        if spec.source is IndicatorSource.COMPUTED:
            assert spec.key in COMPUTED_INDICATORS
        if spec.source is IndicatorSource.PROFILE:
            assert spec.key in profile_fields
    declared = {(s.key, s.source) for s in specs if s.required}
    for key in REQUIRED_VALUES:
        assert (key, IndicatorSource.COMPUTED) in declared or (
            key,
            IndicatorSource.RECORDED,
        ) in declared
    for key in REQUIRED_PLANS:
        assert (key, IndicatorSource.TASK_PLAN) in declared
    for key in REQUIRED_PROFILE:
        assert (key, IndicatorSource.PROFILE) in declared
    optional = {s.key for s in specs if not s.required}
    assert {
        "induction_exam_passed",
        "annual_evaluation",
        "deposit_monthly_average",
        "npl_written_off",
        "npl_limitation_lost",
    } <= optional


def test_quarter_needs_no_indicators() -> None:
    specs = GRADING.indicators(parse_period("2025-Q3"), DEFAULTS)
    assert specs == ()


# --- the whole appraisal ---------------------------------------------------------------


def test_baseline_appraisal() -> None:
    outcome = run(appraisal())
    assert outcome.graded
    assert [i.key for i in outcome.items] == [
        "A1", "A2", "A3", "A4", "A5",
        "B1", "B2", "B3", "B4", "B5.1", "B5.2", "B5.3", "B5.4", "B5.5", "B6",
        "C1.1", "C1.2", "C1.3", "C1.4", "C1.5", "C2", "C3", "C4", "C5", "C6",
    ]  # fmt: skip
    assert outcome.total == D(99)
    assert outcome.total == sum(i.score for i in outcome.items)
    assert outcome.tier == SD_1
    assert (outcome.rating, outcome.rating_label) == ("SD_1", "一级客户经理")
    assert outcome.warnings == ()
    assert outcome.pay == ()


def test_every_item_has_article_inputs_and_explanation() -> None:
    outcome = run(appraisal(findings=FIVE_ITEMS_ZEROED))
    for i in outcome.items:
        assert i.article.startswith("第十一条")
        assert i.explanation.strip()
        assert i.name.strip()
        assert i.inputs
        assert i.score == i.score.quantize(D("0.01"))


def test_same_input_same_outcome() -> None:
    case = appraisal(values={"interest_recovered": D("333333.33")}, findings=FIVE_ITEMS_ZEROED)
    assert run(case) == run(case)


@pytest.mark.parametrize(
    ("interest", "findings", "total", "tier"),
    [
        (D(275_000), (), D(90), SD_1),
        (D(274_750), (), D("89.99"), SD_2),
        (D(150_000), FIVE_ITEMS_ZEROED, D(75), SD_2),
        (D(149_750), FIVE_ITEMS_ZEROED, D("74.99"), SD_3),
    ],
)
def test_total_to_tier_boundaries(
    interest: Decimal, findings: tuple[FindingCount, ...], total: Decimal, tier: Tier
) -> None:
    outcome = run(appraisal(values={"interest_recovered": interest}, findings=findings))
    assert outcome.total == total
    assert outcome.tier == tier


@pytest.mark.parametrize(
    ("total", "tier"),
    [
        (D(0), SD_3),
        (D("74.99"), SD_3),
        (D(75), SD_2),
        (D("89.99"), SD_2),
        (D(90), SD_1),
        (D(110), SD_1),
    ],
)
def test_tier_for_total(total: Decimal, tier: Tier) -> None:
    assert grades.tier_for_total(total) == tier


def test_total_is_sum_of_rounded_items() -> None:
    # B6 = 20 × 1/3 = 6.666… → 6.67; B1 = 10 × 200/300 = 6.666… → 6.67.
    outcome = run(
        appraisal(
            values={"interest_recovered": D(1), "customers_natural": D(200)},
            plans={"interest_recovered": D(3)},
            cohort={**BASE_COHORT, "average_weighted_customers": D(300)},
        )
    )
    assert item(outcome, "B6").score == D("6.67")
    assert item(outcome, "B1").score == D("6.67")
    assert outcome.total == D(99) - 20 + D("6.67") - 10 + D("6.67")


# --- who is graded (第六条, 第八条, 第十三条, 第十五条, 第十六条) ----------------------------


@pytest.mark.parametrize(
    ("manager", "values", "period_kind", "article"),
    [
        (profile(), {}, PeriodKind.QUARTER, "第八条"),
        (profile(status=ManagerStatus.DISQUALIFIED), {}, PeriodKind.YEAR, "第十五条"),
        (profile(status=ManagerStatus.SUSPENDED), {}, PeriodKind.YEAR, "第十六条"),
        (
            profile(status=ManagerStatus.PROBATION, probation_ends_on=None),
            {},
            PeriodKind.YEAR,
            "第十三条",
        ),
        (profile(probation_ends_on=dt.date(2026, 1, 1)), {}, PeriodKind.YEAR, "第十三条"),
        (
            profile(status=ManagerStatus.PROBATION, probation_ends_on=dt.date(2026, 6, 30)),
            {},
            PeriodKind.YEAR,
            "第十三条",
        ),
        (profile(), {"induction_exam_passed": D(0)}, PeriodKind.YEAR, "第六条(一)"),
        (profile(), {"induction_exam_passed": D(2)}, PeriodKind.YEAR, "第六条"),
        (profile(), {"annual_evaluation": D(2)}, PeriodKind.YEAR, "第六条(二)"),
        (profile(), {"annual_evaluation": D(1)}, PeriodKind.YEAR, "第六条(二)"),
        (profile(), {"annual_evaluation": D(5)}, PeriodKind.YEAR, "第六条"),
        (profile(), {"annual_evaluation": D("3.5")}, PeriodKind.YEAR, "第六条"),
    ],
)
def test_not_graded(
    manager: ManagerProfile, values: dict[str, Decimal], period_kind: PeriodKind, article: str
) -> None:
    outcome = run(appraisal(manager=manager, values=values, period_kind=period_kind))
    assert not outcome.graded
    assert f"（{article}）" in outcome.explanation
    assert f"({article})" in outcome.explanation_en
    assert outcome.items == ()
    assert outcome.total is None
    assert outcome.tier is None


@pytest.mark.parametrize(
    "ends_on", [dt.date(2025, 1, 1), dt.date(2025, 7, 15), dt.date(2025, 12, 31)]
)
def test_probation_ended_in_year_is_sd3_without_scoring(ends_on: dt.date) -> None:
    manager = profile(status=ManagerStatus.ACTIVE, probation_ends_on=ends_on, tier=None)
    outcome = run(appraisal(manager=manager))
    assert outcome.graded
    assert outcome.tier == SD_3
    assert outcome.items == ()
    assert outcome.total is None
    assert outcome.explanation == (
        f"见习期于 {ends_on.isoformat()} 届满，在本年度内：本年度按三级客户经理对待，不计分（第十三条）"
    )
    assert "without scoring (第十三条)" in outcome.explanation_en
    assert outcome.rating == grades.RATING_PROBATION_END


def test_probation_ended_before_year_is_scored() -> None:
    outcome = run(appraisal(manager=profile(probation_ends_on=dt.date(2024, 12, 31))))
    assert outcome.graded
    assert outcome.total == D(99)


def test_status_probation_with_past_end_date_follows_the_date() -> None:
    manager = profile(status=ManagerStatus.PROBATION, probation_ends_on=dt.date(2024, 6, 30))
    assert run(appraisal(manager=manager)).total == D(99)


@pytest.mark.parametrize("evaluation", [D(3), D(4)])
def test_evaluation_competent_or_better_is_scored(evaluation: Decimal) -> None:
    outcome = run(appraisal(values={"annual_evaluation": evaluation}))
    assert outcome.graded
    assert outcome.total == D(99)


@pytest.mark.parametrize(
    ("drop", "warning"),
    [("induction_exam_passed", "第六条(一)"), ("annual_evaluation", "第六条(二)")],
)
def test_absent_post_condition_counts_as_met_with_warning(drop: str, warning: str) -> None:
    outcome = run(appraisal(drop_values=(drop,)))
    assert outcome.graded
    assert outcome.total == D(99)
    assert len(outcome.warnings) == 1
    assert warning in outcome.warnings[0]


@pytest.mark.parametrize(
    ("change", "missing"),
    [
        ({"drop_values": ("interest_recovered",)}, "values.interest_recovered"),
        ({"drop_values": ("loan_balance",)}, "values.loan_balance"),
        ({"drop_plans": ("npl_net_reduction",)}, "plans.npl_net_reduction"),
        ({"manager": profile(education=None)}, "profile.education"),
        ({"manager": profile(jurisdiction_households=None)}, "profile.jurisdiction_households"),
    ],
)
def test_missing_required_input_refuses(change: dict[str, Any], missing: str) -> None:
    outcome = run(appraisal(**change))
    assert not outcome.graded
    assert outcome.explanation == f"缺少必需的考核数据：{missing}（第十一条）"
    assert outcome.explanation_en == f"required inputs missing: {missing} (第十一条)"


# --- A. basic quality (第十一条(一)) ---------------------------------------------------


@pytest.mark.parametrize(
    ("education", "score"),
    [
        (Education.BACHELOR_OR_HIGHER, D(3)),
        (Education.JUNIOR_COLLEGE, D(2)),
        (Education.SECONDARY_OR_BELOW, D(1)),
        (None, D(0)),
    ],
)
def test_a1_education(education: Education | None, score: Decimal) -> None:
    assert basic_quality.a1_education(education).score == score


@pytest.mark.parametrize(
    ("title", "score"),
    [
        (ProfessionalTitle.INTERMEDIATE_OR_HIGHER, D(2)),
        (ProfessionalTitle.JUNIOR, D(1)),
        (ProfessionalTitle.NONE, D(0)),
        (None, D(0)),
    ],
)
def test_a2_title(title: ProfessionalTitle | None, score: Decimal) -> None:
    assert basic_quality.a2_title(title).score == score


@pytest.mark.parametrize(
    ("exam", "score"),
    [
        (CreditExamResult.PASSED, D(1)),
        (CreditExamResult.EXEMPT, D(1)),
        (CreditExamResult.FAILED, D(0)),
        (CreditExamResult.NOT_TAKEN, D(0)),
        (None, D(0)),
    ],
)
def test_a3_credit_exam(exam: CreditExamResult | None, score: Decimal) -> None:
    assert basic_quality.a3_credit_exam(exam).score == score


@pytest.mark.parametrize(
    ("years", "score"),
    [
        (D(0), D(0)),
        (D("0.99"), D(0)),
        (D(1), D(1)),
        (D("2.99"), D(1)),
        (D(3), D(2)),
        (D(20), D(2)),
        (None, D(0)),
    ],
)
def test_a4_work_years(years: Decimal | None, score: Decimal) -> None:
    assert basic_quality.a4_work_years(years).score == score


@pytest.mark.parametrize(
    ("proficiency", "score"),
    [
        (SystemProficiency.PROFICIENT, D(2)),
        (SystemProficiency.FAIR, D(1)),
        (SystemProficiency.NONE, D(0)),
        (None, D(0)),
    ],
)
def test_a5_system(proficiency: SystemProficiency | None, score: Decimal) -> None:
    assert basic_quality.a5_system(proficiency).score == score


def test_a_items_through_the_appraisal() -> None:
    manager = profile(
        education=Education.JUNIOR_COLLEGE,
        professional_title=ProfessionalTitle.NONE,
        credit_exam=CreditExamResult.EXEMPT,
        credit_work_years=D("2.5"),
        system_proficiency=SystemProficiency.FAIR,
    )
    outcome = run(appraisal(manager=manager))
    assert [item(outcome, k).score for k in ("A1", "A2", "A3", "A4", "A5")] == [
        D(2),
        D(0),
        D(1),
        D(1),
        D(1),
    ]


# --- B. economic indicators (第十一条(二)) ---------------------------------------------

RETAIL, CORPORATE = ManagerCategory.RETAIL, ManagerCategory.CORPORATE


@pytest.mark.parametrize(
    ("category", "natural", "corporate", "average", "score"),
    [
        (RETAIL, D(100), D(0), D(100), D(10)),
        (RETAIL, D(123), D(0), D(100), D("12.3")),
        (RETAIL, D(150), D(0), D(100), D(15)),
        (RETAIL, D(151), D(0), D(100), D(15)),
        (RETAIL, D(50), D(0), D(100), D(5)),
        (RETAIL, D(49), D(0), D(100), D(5)),
        (RETAIL, D(0), D(0), D(100), D(5)),
        (RETAIL, D(200), D(0), D(300), D("6.67")),
        (RETAIL, D(90), D(10), D(100), D(10)),  # a retail manager's corporate customer counts 1
        (CORPORATE, D(0), D(5), D(100), D(10)),  # 5 × 20 = 100
        (CORPORATE, D(10), D(6), D(100), D(13)),  # 10 + 120 = 130
        (CORPORATE, D(0), D(1), D(100), D(5)),  # 20 → 2, floored at 5
        (RETAIL, D(100), D(0), D(0), D(10)),  # no usable average: standard
        (RETAIL, D(100), D(0), None, D(10)),
    ],
)
def test_b1_customers(
    category: ManagerCategory,
    natural: Decimal,
    corporate: Decimal,
    average: Decimal | None,
    score: Decimal,
) -> None:
    assert economic.b1_customers(category, natural, corporate, average).score == score


@pytest.mark.parametrize(
    ("category", "balance", "average", "score"),
    [
        (RETAIL, D(10_000_000), D(10_000_000), D(10)),
        (RETAIL, D(11_000_000), D(10_000_000), D(11)),
        (RETAIL, D(10_555_555), D(10_000_000), D("10.56")),
        (RETAIL, D(12_000_000), D(10_000_000), D(12)),
        (RETAIL, D("12000000.01"), D(10_000_000), D(12)),
        (RETAIL, D(20_000_000), D(10_000_000), D(12)),
        (RETAIL, D(8_000_000), D(10_000_000), D(8)),
        (RETAIL, D("7999999.99"), D(10_000_000), D(8)),
        (RETAIL, D(0), D(10_000_000), D(8)),
        (RETAIL, D(5_000_000), D(0), D(10)),
        (RETAIL, D(5_000_000), None, D(10)),
        (CORPORATE, D(50_000_000), D(10_000_000), D(10)),
        (CORPORATE, D(55_000_000), D(10_000_000), D(11)),
        (CORPORATE, D(60_000_000), D(10_000_000), D(12)),
        (CORPORATE, D(45_000_000), D(10_000_000), D(9)),
        (CORPORATE, D(10_000_000), D(10_000_000), D(8)),  # the average does not apply
        (CORPORATE, D(50_000_000), None, D(10)),
    ],
)
def test_b2_balance(
    category: ManagerCategory, balance: Decimal, average: Decimal | None, score: Decimal
) -> None:
    assert economic.b2_balance(category, balance, average).score == score


@pytest.mark.parametrize(
    ("households", "rated", "score"),
    [
        (100, 80, D(10)),
        (100, 100, D(10)),
        (100, 120, D(10)),
        (100, 79, D("9.88")),  # 10 × 0.79 / 0.80 = 9.875
        (1000, 799, D("9.99")),  # 9.9875
        (100, 40, D(5)),
        (100, 0, D(0)),
        (0, 0, D(10)),  # no households: nothing to rate
        (0, 3, D(10)),
        (None, 80, D(0)),
        (100, None, D(0)),
    ],
)
def test_b3_coverage(households: int | None, rated: int | None, score: Decimal) -> None:
    assert economic.b3_coverage(households, rated).score == score


@pytest.mark.parametrize(
    ("net", "plan", "average", "raw", "score"),
    [
        (D(1_000_000), D(1_000_000), None, {}, D(10)),
        (D(1_500_000), D(1_000_000), None, {}, D(10)),
        (D(900_000), D(1_000_000), None, {}, D(9)),
        (D(-100_000), D(1_000_000), None, {}, D(0)),
        (D(0), D(0), None, {}, D(10)),
        (D(-5), D(-1), None, {}, D(10)),
        (D(0), D(0), D(5_000_000), {}, D(10)),  # plan 0: no bonus
        (D(1_000_000), D(1_000_000), D(1_000_000), {}, D(10)),
        (D(1_000_000), D(1_000_000), D(900_000), {}, D(10)),
        (D(1_000_000), D(1_000_000), D("1049999.99"), {}, D(10)),
        (D(1_000_000), D(1_000_000), D(1_050_000), {}, D("10.5")),
        (D(1_000_000), D(1_000_000), D("1099999.99"), {}, D("10.5")),
        (D(1_000_000), D(1_000_000), D(1_100_000), {}, D(11)),
        (D(1_000_000), D(1_000_000), D(1_500_000), {}, D(15)),
        (D(1_000_000), D(1_000_000), D(1_600_000), {}, D(15)),  # bonus at most 5
        (D(500_000), D(1_000_000), D(1_100_000), {}, D(6)),  # unmet net increase, bonus still
        (
            D(1_000_000),
            D(1_000_000),
            D(1_100_000),
            {"deposit_bonus_per_step": "1"},
            D(12),
        ),
    ],
)
def test_b4_deposits(
    net: Decimal,
    plan: Decimal,
    average: Decimal | None,
    raw: dict[str, Any],
    score: Decimal,
) -> None:
    assert economic.b4_deposits(net, plan, average, params(**raw)).score == score


@pytest.mark.parametrize(
    ("start", "end", "written_off", "plan", "score"),
    [
        (D(100_000), D(50_000), D(0), D(50_000), D(4)),
        (D(100_000), D(0), D(0), D(50_000), D(4)),  # over-fulfilment earns nothing
        (D(100_000), D(75_000), D(0), D(50_000), D(2)),
        (D(100_000), D(87_500), D(0), D(50_000), D(1)),
        (D(100_000), D(50_000), D(25_000), D(50_000), D(2)),  # write-offs do not count
        (D(100_000), D(50_000), D(50_000), D(50_000), D(0)),
        (D(100_000), D(120_000), D(0), D(50_000), D(0)),  # rose: floored at 0
        (D(100_000), D(120_000), D(0), D(0), D(4)),  # plan 0 counts as met
        (D(0), D(0), D(0), D(-10), D(4)),
    ],
)
def test_b5_1_npl_reduction(
    start: Decimal, end: Decimal, written_off: Decimal, plan: Decimal, score: Decimal
) -> None:
    assert economic.b5_1_npl_reduction(start, end, written_off, plan).score == score


def test_b5_1_reads_written_off_through_the_appraisal() -> None:
    outcome = run(appraisal(values={"npl_written_off": D(25_000)}))
    assert item(outcome, "B5.1").score == D(2)


@pytest.mark.parametrize(
    ("actual", "plan", "raw", "score"),
    [
        (D(50_000), D(50_000), {}, D(1)),
        (D("59999.99"), D(50_000), {}, D(1)),
        (D(60_000), D(50_000), {}, D("1.1")),
        (D(69_999), D(50_000), {}, D("1.1")),
        (D(140_000), D(50_000), {}, D("1.9")),
        (D(150_000), D(50_000), {}, D(2)),
        (D(300_000), D(50_000), {}, D(2)),  # capped at 2
        (D(25_000), D(50_000), {}, D("0.5")),
        (D("49999.99"), D(50_000), {}, D("1.00")),  # 0.9999998 rounds to 1.00
        (D(0), D(50_000), {}, D(0)),
        (D(100_000), D(0), {}, D(1)),  # plan 0: met, no bonus
        (D(60_000), D(50_000), {"cash_bonus_per_step": "0.5"}, D("1.5")),
    ],
)
def test_b5_2_cash(actual: Decimal, plan: Decimal, raw: dict[str, Any], score: Decimal) -> None:
    assert economic.b5_2_cash(actual, plan, params(**raw)).score == score


@pytest.mark.parametrize(
    ("start", "end", "score"),
    [
        (D(100), D(50), D(1)),
        (D(100), D("99.99"), D(1)),
        (D(100), D(100), D(0)),
        (D(100), D(150), D(0)),
        (D(0), D(0), D(1)),
        (D(0), D(10), D(0)),
    ],
)
def test_b5_3_npl_control(start: Decimal, end: Decimal, score: Decimal) -> None:
    assert economic.b5_3_npl_control(start, end).score == score


@pytest.mark.parametrize(
    ("actual", "plan", "raw", "score"),
    [
        (D(5_000), D(5_000), {}, D(1)),
        (D("5999.99"), D(5_000), {}, D(1)),
        (D(6_000), D(5_000), {}, D("1.1")),
        (D(15_000), D(5_000), {}, D(2)),
        (D(16_000), D(5_000), {}, D(2)),  # bonus at most +1
        (D(2_500), D(5_000), {}, D("0.5")),
        (D(0), D(5_000), {}, D(0)),
        (D(9_000), D(0), {}, D(1)),  # plan 0: met, no bonus
        (D(6_000), D(5_000), {"writeoff_bonus_per_step": "0.25"}, D("1.25")),
    ],
)
def test_b5_4_writeoff(actual: Decimal, plan: Decimal, raw: dict[str, Any], score: Decimal) -> None:
    assert economic.b5_4_writeoff(actual, plan, params(**raw)).score == score


@pytest.mark.parametrize(
    ("coverage", "lost", "score"),
    [
        (D(1), D(0), D(2)),
        (D("0.999"), D(0), D(2)),  # 1.998 rounds to 2.00
        (D("0.99"), D(0), D("1.98")),
        (D("0.5"), D(0), D(1)),
        (D(0), D(0), D(0)),
        (D(1), D(1), D(0)),
        (D("0.5"), D(3), D(0)),
    ],
)
def test_b5_5_notices(coverage: Decimal, lost: Decimal, score: Decimal) -> None:
    assert economic.b5_5_notices(coverage, lost).score == score


def test_b5_5_reads_limitation_lost_through_the_appraisal() -> None:
    outcome = run(appraisal(values={"npl_limitation_lost": D(1)}))
    assert item(outcome, "B5.5").score == D(0)
    assert outcome.total == D(97)


@pytest.mark.parametrize(
    ("actual", "plan", "raw", "score"),
    [
        (D(500_000), D(500_000), {}, D(20)),
        (D(250_000), D(500_000), {}, D(10)),
        (D(600_000), D(500_000), {}, D(24)),  # actual ratio, no cap by default
        (D(1_000_000), D(500_000), {}, D(40)),
        (D(600_000), D(500_000), {"interest_cap": "22"}, D(22)),
        (D(520_000), D(500_000), {"interest_cap": "22"}, D("20.8")),
        (D(333_333), D(1_000_000), {}, D("6.67")),
        (D(0), D(500_000), {}, D(0)),
        (D(-10), D(500_000), {}, D(0)),
        (D(100), D(0), {}, D(20)),  # plan 0 counts as met
    ],
)
def test_b6_interest(actual: Decimal, plan: Decimal, raw: dict[str, Any], score: Decimal) -> None:
    assert economic.b6_interest(actual, plan, params(**raw)).score == score


def test_b6_max_points_follow_the_cap() -> None:
    assert economic.b6_interest(D(1), D(1), params()).max_points is None
    assert economic.b6_interest(D(1), D(1), params(interest_cap="25")).max_points == D(25)


def test_b_items_read_the_cohort_averages() -> None:
    outcome = run(
        appraisal(
            values={"customers_natural": D(130), "loan_balance": D(9_000_000)},
            cohort={**BASE_COHORT},
        )
    )
    assert item(outcome, "B1").score == D(13)
    assert item(outcome, "B2").score == D(9)


def test_no_cohort_figures_warn_and_score_standard() -> None:
    outcome = run(appraisal(cohort={}))
    assert item(outcome, "B1").score == D(10)
    assert item(outcome, "B2").score == D(10)
    assert any("county averages" in w for w in outcome.warnings)


# --- C. work quality (第十一条(三)) ------------------------------------------------------


def c(key: str, code: str, count: int = 1) -> FindingCount:
    return FindingCount(key, code, count)


@pytest.mark.parametrize(
    ("key", "findings", "raw", "clerk", "score"),
    [
        ("C1.1", (), {}, False, D(2)),
        ("C1.1", (c("C1.1", "MISSING_ELEMENT"),), {}, False, D("1.5")),
        ("C1.1", (c("C1.1", "MISSING_ELEMENT", 3),), {}, False, D("0.5")),
        ("C1.1", (c("C1.1", "MISSING_ELEMENT", 4),), {}, False, D(0)),
        ("C1.1", (c("C1.1", "MISSING_ELEMENT", 5),), {}, False, D(0)),  # floored at 0
        ("C1.1", (c("C1.1", "MISSING_ELEMENT"), c("C1.1", "MISSING_ELEMENT")), {}, False, D(1)),
        ("C1.1", (c("C1.1", "NAME_MISMATCH"),), {}, False, D(0)),
        ("C1.1", (c("C1.1", "MISSING_ELEMENT", 2),), {"deduction_per_case": "1"}, False, D(0)),
        ("C1.1", (c("C1.1", "MISSING_ELEMENT", 2),), {"deduction_c1_1": "0.3"}, False, D("1.4")),
        (
            "C1.2",
            (c("C1.2", "MISSING_ELEMENT", 2),),  # not a C1.2 code
            {},
            False,
            D(2),
        ),
        (
            "C1.2",
            (
                c("C1.2", "MISSING_RATING_FORM"),
                c("C1.2", "MISSING_INVESTIGATION_REPORT"),
                c("C1.2", "REPORT_MISSING_ELEMENT"),
            ),
            {},
            False,
            D("0.5"),
        ),
        ("C1.2", (c("C1.1", "MISSING_ELEMENT"),), {}, False, D(2)),  # another item's finding
        ("C1.3", (c("C1.3", "MISSING_ELEMENT"), c("C1.3", "MISSING_CONTRACT")), {}, False, D(1)),
        ("C1.3", (c("C1.3", "NAME_MISMATCH"),), {}, False, D(0)),
        ("C1.3", (c("C1.3", "COLLATERAL_FORMALITIES_MISSING"),), {}, False, D(0)),
        ("C1.4", (c("C1.4", "MISSING_INSPECTION_REPORT", 2),), {}, False, D(1)),
        (
            "C1.4",
            (c("C1.4", "MISSING_INSPECTION_REPORT", 2),),
            {"deduction_c1_4": "0.25"},
            False,
            D("1.5"),
        ),
        ("C1.5", (c("C1.5", "NO_FACE_TO_FACE"),), {}, False, D("1.5")),
        ("C1.5", (c("C1.5", "ENTRUSTED_PAYMENT_NOT_USED"),), {}, False, D(0)),
        ("C2", (c("C2", "NUMBERING_INCONSISTENT", 3),), {}, False, D("1.5")),  # once per kind
        ("C2", (c("C2", "SMALL_LOAN_MISCLASSIFIED", 2),), {}, False, D(1)),  # fixed 1, once
        ("C2", (c("C2", "SMALL_LOAN_MISCLASSIFIED"),), {"deduction_per_case": "0.1"}, False, D(1)),
        (
            "C2",
            (c("C2", "FIRST_PASS_NOT_DISCUSSED"), c("C2", "NO_WORKING_PAPERS")),
            {},
            False,
            D(1),
        ),
        (
            "C2",
            (
                c("C2", "WORKING_PAPERS_DISAGREE"),
                c("C2", "FORMS_INCOMPLETE"),
                c("C2", "FORMS_NOT_SET_UP"),
            ),
            {},
            False,
            D("0.5"),
        ),
        ("C2", (c("C2", "NPL_DEVIATION_OVER_3PCT"),), {}, False, D(0)),
        ("C2", (c("C2", "NUMBERING_INCONSISTENT"),), {"deduction_c2": "0.2"}, False, D("1.8")),
        ("C3", (c("C3", "EXTENSION_NON_COMPLIANT"),), {}, False, D(0)),
        ("C3", (c("C3", "REFINANCING_NON_COMPLIANT"),), {}, False, D(1)),
        ("C3", (c("C3", "REFINANCING_NON_COMPLIANT", 2),), {}, False, D(0)),
        ("C3", (c("C3", "REFINANCING_NON_COMPLIANT"),), {"deduction_per_case": "0.1"}, False, D(1)),
        ("C4", (c("C4", "RATE_DEVIATION"),), {}, False, D("1.5")),
        ("C4", (c("C4", "RATE_DEVIATION"),), {}, True, D("1.5")),  # the clerk exempts C5/C6 only
        ("C4", (c("C4", "UNAUTHORISED_INTEREST_WAIVER"),), {}, False, D(0)),
        ("C5", (c("C5", "ARCHIVES_NOT_NUMBERED", 2),), {}, False, D(1)),  # −1 once
        ("C5", (c("C5", "MISSING_DOCUMENT"),), {}, False, D("1.5")),
        (
            "C5",
            (c("C5", "ARCHIVES_NOT_NUMBERED"), c("C5", "MISSING_DOCUMENT")),
            {},
            False,
            D("0.5"),
        ),
        ("C5", (c("C5", "ARCHIVES_NOT_NUMBERED"), c("C5", "MISSING_DOCUMENT")), {}, True, D(2)),
        ("C6", (c("C6", "INCOMPLETE_CUSTOMER_DATA"),), {}, False, D("1.5")),
        ("C6", (c("C6", "INCOMPLETE_CUSTOMER_DATA", 4),), {}, False, D(0)),
        ("C6", (c("C6", "INCOMPLETE_CUSTOMER_DATA", 4),), {}, True, D(2)),
    ],
)
def test_work_quality_items(
    key: str,
    findings: tuple[FindingCount, ...],
    raw: dict[str, Any],
    clerk: bool,
    score: Decimal,
) -> None:
    (quality,) = [q for q in work_quality.QUALITY_ITEMS if q.key == key]
    counts = work_quality.finding_counts(findings)
    assert work_quality.quality_item(quality, counts, params(**raw), clerk).score == score


def test_work_quality_items_and_findings_are_written_as_the_core_records_them() -> None:
    for quality in work_quality.QUALITY_ITEMS:
        assert is_item_key(quality.key), quality.key
        assert all(is_finding_code(rule.finding) for rule in quality.deductions), quality.key


def test_each_item_with_a_lost_deduction_has_its_own_parameter() -> None:
    assert LOST_DEDUCTIONS == ["c1_1", "c1_2", "c1_3", "c1_4", "c1_5", "c2", "c4", "c5", "c6"]
    own = {name for name in ShandongParameters.names() if name.startswith("deduction_c")}
    assert own == {f"deduction_{slug}" for slug in LOST_DEDUCTIONS}
    assert params(deduction_c1_4="1").deduction("c1_4") == D(1)
    assert params(deduction_c1_4="1").deduction("c2") == D("0.5")
    assert DEFAULTS.deduction("c3") == D("0.5")


def test_work_quality_through_the_appraisal() -> None:
    findings = (c("C1.4", "MISSING_INSPECTION_REPORT", 3), c("C6", "INCOMPLETE_CUSTOMER_DATA"))
    outcome = run(appraisal(findings=findings))
    assert item(outcome, "C1.4").score == D("0.5")
    assert item(outcome, "C6").score == D("1.5")
    assert outcome.total == D(99) - D("1.5") - D("0.5")
    clerk = run(appraisal(manager=profile(office_has_credit_clerk=True), findings=findings))
    assert item(clerk, "C6").score == D(2)
    assert clerk.total == D(99) - D("1.5")


def test_unknown_findings_warn_and_do_not_score() -> None:
    findings = (c("C1.1", "TYPO_CODE", 3), c("D9", "MISSING_ELEMENT"))
    outcome = run(appraisal(findings=findings))
    assert outcome.total == D(99)
    assert len(outcome.warnings) == 2
    assert any("TYPO_CODE" in w and "C1.1" in w for w in outcome.warnings)
    assert any("D9" in w for w in outcome.warnings)


# --- cohort figures (第十一条(二)1, 2) ---------------------------------------------------


def member(
    category: ManagerCategory = RETAIL,
    natural: int = 0,
    corporate: int = 0,
    balance: int = 0,
    **profile_changes: Any,
) -> CohortMember:
    values = {
        "customers_natural": D(natural),
        "customers_corporate": D(corporate),
        "loan_balance": D(balance),
    }
    extra = profile_changes.pop("values", {})
    return CohortMember(
        profile=profile(category=category, **profile_changes), values={**values, **extra}
    )


def figures(period: str, cohort: tuple[CohortMember, ...]) -> dict[str, Decimal]:
    return dict(GRADING.cohort_figures(parse_period(period), cohort, DEFAULTS))


def test_cohort_empty() -> None:
    assert figures("2025", ()) == {
        "graded_managers": D(0),
        "average_weighted_customers": D(0),
        "average_loan_balance": D(0),
    }


def test_cohort_weights_corporate_customers() -> None:
    cohort = (
        member(RETAIL, natural=100, corporate=10, balance=10_000_000),  # N = 110
        member(CORPORATE, natural=5, corporate=5, balance=60_000_000),  # N = 105
    )
    assert figures("2025", cohort) == {
        "graded_managers": D(2),
        "average_weighted_customers": D("107.5"),
        "average_loan_balance": D(35_000_000),
    }


def test_cohort_average_is_exact() -> None:
    thirds = (member(natural=1), member(natural=1), member(natural=2))
    assert figures("2025", thirds)["average_weighted_customers"] == D(4) / D(3)
    halves = (member(natural=1), member(natural=2))
    assert figures("2025", halves)["average_weighted_customers"] == D("1.5")


def test_b1_against_the_exact_average_not_the_rounded_one() -> None:
    # 1331 / 8 = 166.375: 10 × 239 / 166.375 = 14.365… → 14.37 (against 166.38 it would be 14.36).
    cohort = (member(natural=239), *(member(natural=156) for _ in range(7)))
    average = figures("2025", cohort)["average_weighted_customers"]
    assert average == D("166.375")
    assert economic.b1_customers(RETAIL, D(239), D(0), average).score == D("14.37")


def test_b2_against_the_exact_average_not_the_rounded_one() -> None:
    # (1 + 1 + 2) / 3 = 4/3: 10 × 1.5 / (4/3) = 11.25 exactly; against 1.33 it would be 11.28.
    cohort = (member(balance=1), member(balance=1), member(balance=2))
    average = figures("2025", cohort)["average_loan_balance"]
    assert economic.b2_balance(RETAIL, D("1.5"), average).score == D("11.25")


@pytest.mark.parametrize(
    "excluded",
    [
        {"status": ManagerStatus.PROBATION, "probation_ends_on": None},
        {"probation_ends_on": dt.date(2026, 3, 1)},
        {"values": {"induction_exam_passed": D(0)}},
        {"values": {"annual_evaluation": D(2)}},
        {"status": ManagerStatus.SUSPENDED},
        {"status": ManagerStatus.DISQUALIFIED},
    ],
)
def test_cohort_leaves_out_managers_not_graded(excluded: dict[str, Any]) -> None:
    cohort = (
        member(natural=100, balance=1_000_000),
        member(natural=10, balance=7_000_000, **excluded),
    )
    assert figures("2025", cohort) == {
        "graded_managers": D(1),
        "average_weighted_customers": D(100),
        "average_loan_balance": D(1_000_000),
    }


@pytest.mark.parametrize(
    ("probation_ends_on", "counted"),
    [
        (dt.date(2024, 12, 31), True),  # ended before the year: scored
        (dt.date(2025, 1, 1), True),  # ended in the year: 三级 without scoring (第十三条)
        (dt.date(2025, 12, 31), True),  # the last day of the year: still placed in 三级
        (dt.date(2026, 1, 1), False),  # still in probation at the year end: not graded
    ],
)
def test_cohort_counts_every_graded_manager(probation_ends_on: dt.date, counted: bool) -> None:
    cohort = (
        member(natural=100, balance=1_000_000),
        member(natural=50, balance=3_000_000, probation_ends_on=probation_ends_on),
    )
    result = figures("2025", cohort)
    assert result["graded_managers"] == D(2 if counted else 1)
    assert result["average_weighted_customers"] == (D(75) if counted else D(100))
    assert result["average_loan_balance"] == (D(2_000_000) if counted else D(1_000_000))


# --- tier moves (第八条, 第九条, 第十三条) -----------------------------------------------


def move(
    current: Tier | None, outcome: AppraisalOutcome, kind: PeriodKind = PeriodKind.YEAR
) -> TierMove:
    period = parse_period("2025" if kind is PeriodKind.YEAR else "2025-Q3")
    result = GRADING.tier_move(profile(tier=current), outcome, period, DEFAULTS)
    assert isinstance(result, TierMove)
    return result


def scored(tier: Tier) -> AppraisalOutcome:
    return AppraisalOutcome(graded=True, explanation="x", total=D(80), tier=tier, rating=tier.code)


@pytest.mark.parametrize(
    ("current", "target", "direction"),
    [
        (None, SD_2, TierDirection.SET),
        (None, SD_3, TierDirection.SET),
        (SD_3, SD_2, TierDirection.PROMOTION),
        (SD_3, SD_1, TierDirection.PROMOTION),
        (SD_2, SD_1, TierDirection.PROMOTION),
        (SD_1, SD_2, TierDirection.DEMOTION),
        (SD_1, SD_3, TierDirection.DEMOTION),
        (SD_2, SD_2, TierDirection.NONE),
    ],
)
def test_tier_move_by_rank(current: Tier | None, target: Tier, direction: TierDirection) -> None:
    result = move(current, scored(target))
    assert result.direction is direction
    assert result.to_tier == target
    assert result.article == "第八条、第九条"
    assert result.reason
    assert result.flags == ()


def test_tier_move_after_probation_cites_article_13() -> None:
    outcome = run(appraisal(manager=profile(probation_ends_on=dt.date(2025, 5, 1), tier=None)))
    result = move(None, outcome)
    assert (result.direction, result.to_tier, result.article) == (
        TierDirection.SET,
        SD_3,
        "第十三条",
    )
    assert result.flags == (TierMoveFlag.PROBATION_END,)


@pytest.mark.parametrize(
    ("current", "direction"),
    [(SD_1, TierDirection.DEMOTION), (SD_3, TierDirection.NONE)],
)
def test_every_move_after_probation_is_flagged_probation_end(
    current: Tier, direction: TierDirection
) -> None:
    outcome = run(appraisal(manager=profile(probation_ends_on=dt.date(2025, 5, 1), tier=current)))
    result = move(current, outcome)
    assert (result.direction, result.to_tier, result.article) == (direction, SD_3, "第十三条")
    assert result.flags == (TierMoveFlag.PROBATION_END,)


def test_tier_move_none_when_not_graded_or_quarterly() -> None:
    refused = AppraisalOutcome(graded=False, explanation="no (第十三条)")
    assert move(SD_2, refused).direction is TierDirection.NONE
    assert move(SD_2, refused).to_tier == SD_2
    quarterly = move(SD_2, scored(SD_1), PeriodKind.QUARTER)
    assert (quarterly.direction, quarterly.to_tier, quarterly.article) == (
        TierDirection.NONE,
        SD_2,
        "第八条",
    )


# --- penalties (第十五条, 第十六条) --------------------------------------------------------


def violation(
    kind: ViolationKind,
    tier: Tier | None = SD_1,
    count: int = 1,
    occurred_on: dt.date = dt.date(2025, 5, 10),
    birth_date: dt.date = dt.date(1985, 6, 15),
    tiers: tuple[Tier, ...] = grades.TIERS,
) -> ViolationCase:
    return violation_case(
        kind=kind,
        occurred_on=occurred_on,
        manager=profile(tier=tier, birth_date=birth_date),
        confirmed_same_kind_this_year=count,
        tiers=tiers,
    )


def effect(case: ViolationCase) -> PenaltyEffect:
    result = REGISTRY.penalty(plugin.NAME).effect(case, DEFAULTS)
    assert isinstance(result, PenaltyEffect)
    return result


DOWNGRADE_KINDS = [
    (ViolationKind.LOAN_TO_PAY_INTEREST, "第十五条(二)"),
    (ViolationKind.NOMINEE_LOAN, "第十五条(二)"),
    (ViolationKind.CROSS_COMMUNITY_LOAN, "第十五条(二)"),
    (ViolationKind.CREDIT_TO_BANNED_CUSTOMER, "第十五条(二)"),
    (ViolationKind.OTHER, "第十五条(四)"),
    (ViolationKind.EXAM_FAILED, "第十五条(一)"),
]
TIER_STEPS = [
    (SD_1, PenaltyKind.DOWN_ONE_TIER, SD_2),
    (SD_2, PenaltyKind.DOWN_ONE_TIER, SD_3),
    (SD_3, PenaltyKind.DISQUALIFY, None),
    (None, PenaltyKind.DISQUALIFY, None),
]


@pytest.mark.parametrize(("kind", "article"), DOWNGRADE_KINDS)
@pytest.mark.parametrize(("tier", "kind_of_effect", "to_tier"), TIER_STEPS)
def test_downgrade_causes(
    kind: ViolationKind,
    article: str,
    tier: Tier | None,
    kind_of_effect: PenaltyKind,
    to_tier: Tier | None,
) -> None:
    result = effect(violation(kind, tier))
    assert (result.effect, result.to_tier, result.article) == (kind_of_effect, to_tier, article)
    assert result.reason


def test_other_reason_says_head_office() -> None:
    assert "head office" in effect(violation(ViolationKind.OTHER)).reason


@pytest.mark.parametrize(
    ("occurred_on", "kind_of_effect"),
    [
        (dt.date(2025, 6, 14), PenaltyKind.DOWN_ONE_TIER),  # 49 the day before the birthday
        (dt.date(2025, 6, 15), PenaltyKind.NONE),  # 50 on the birthday
        (dt.date(2026, 1, 1), PenaltyKind.NONE),
        (dt.date(2000, 1, 1), PenaltyKind.DOWN_ONE_TIER),
    ],
)
def test_exam_failed_only_under_50(occurred_on: dt.date, kind_of_effect: PenaltyKind) -> None:
    case = violation(
        ViolationKind.EXAM_FAILED, SD_2, occurred_on=occurred_on, birth_date=dt.date(1975, 6, 15)
    )
    result = effect(case)
    assert result.effect is kind_of_effect
    assert result.article == "第十五条(一)"


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (dt.date(1976, 2, 29), dt.date(2026, 2, 28), 49),
        (dt.date(1976, 2, 29), dt.date(2026, 3, 1), 50),
        (dt.date(1976, 2, 29), dt.date(2024, 2, 29), 48),
        (dt.date(1975, 12, 31), dt.date(2025, 12, 31), 50),
        (dt.date(1975, 12, 31), dt.date(2025, 12, 30), 49),
    ],
)
def test_age_on(birth: dt.date, day: dt.date, age: int) -> None:
    assert penalties.age_on(birth, day) == age


@pytest.mark.parametrize("kind", [ViolationKind.AUDIT_NOTICE, ViolationKind.CUSTOMER_COMPLAINT])
@pytest.mark.parametrize(
    ("tier", "count", "kind_of_effect", "to_tier"),
    [
        (SD_1, 1, PenaltyKind.NONE, None),
        (SD_1, 2, PenaltyKind.NONE, None),
        (SD_1, 3, PenaltyKind.DOWN_ONE_TIER, SD_2),
        (SD_1, 4, PenaltyKind.NONE, None),  # the downgrade was made at the third
        (SD_1, 6, PenaltyKind.NONE, None),
        (SD_2, 3, PenaltyKind.DOWN_ONE_TIER, SD_3),
        (SD_3, 3, PenaltyKind.DISQUALIFY, None),
        (SD_3, 2, PenaltyKind.NONE, None),
    ],
)
def test_third_notice_or_complaint(
    kind: ViolationKind,
    tier: Tier,
    count: int,
    kind_of_effect: PenaltyKind,
    to_tier: Tier | None,
) -> None:
    result = effect(violation(kind, tier, count=count))
    assert (result.effect, result.to_tier, result.article) == (
        kind_of_effect,
        to_tier,
        "第十五条(三)",
    )


@pytest.mark.parametrize("tier", [SD_1, SD_3, None])
def test_training_exam_failed_suspends(tier: Tier | None) -> None:
    result = effect(violation(ViolationKind.TRAINING_EXAM_FAILED, tier))
    assert (result.effect, result.article, result.to_tier) == (
        PenaltyKind.SUSPEND,
        "第十六条",
        None,
    )


@pytest.mark.parametrize(
    "kind",
    [
        ViolationKind.TEN_KINDS_OF_PERSON,
        ViolationKind.LOSS_BY_MISCONDUCT,
        ViolationKind.FALSIFICATION,
    ],
)
def test_other_kinds_have_no_effect(kind: ViolationKind) -> None:
    result = effect(violation(kind, SD_1))
    assert (result.effect, result.article) == (PenaltyKind.NONE, "第十七条")


def test_penalty_uses_own_tiers_when_case_has_none() -> None:
    result = effect(violation(ViolationKind.NOMINEE_LOAN, SD_1, tiers=()))
    assert (result.effect, result.to_tier) == (PenaltyKind.DOWN_ONE_TIER, SD_2)


CAUSE_CASES = [
    # (row of penalties.CAUSES, a case only that row decides)
    (0, violation(ViolationKind.TRAINING_EXAM_FAILED)),
    (1, violation(ViolationKind.EXAM_FAILED, birth_date=dt.date(1980, 1, 1))),
    (2, violation(ViolationKind.EXAM_FAILED, birth_date=dt.date(1970, 1, 1))),
    (3, violation(ViolationKind.CREDIT_TO_BANNED_CUSTOMER)),
    (4, violation(ViolationKind.AUDIT_NOTICE, count=3)),
    (5, violation(ViolationKind.CUSTOMER_COMPLAINT, count=2)),
    (6, violation(ViolationKind.AUDIT_NOTICE, count=4)),
    (7, violation(ViolationKind.OTHER)),
    (8, violation(ViolationKind.LOSS_BY_MISCONDUCT)),
]


@pytest.mark.parametrize(("row", "case"), CAUSE_CASES)
def test_each_row_of_article_15(row: int, case: ViolationCase) -> None:
    cause = penalties.CAUSES[row]
    assert penalties.cause_of(case) is cause
    assert not any(earlier.condition(case) for earlier in penalties.CAUSES[:row])
    result = effect(case)  # the manager holds 一级: DOWN_ONE_TIER stays a step down
    assert (result.effect, result.article) == (cause.effect, cause.article)
    assert result.reason.startswith(cause.reason(case))


def test_every_row_of_article_15_is_a_test_case() -> None:
    assert sorted(row for row, _ in CAUSE_CASES) == list(range(len(penalties.CAUSES)))
    assert penalties.CAUSES[-1].condition(violation(ViolationKind.OTHER)), "the last row holds"


@pytest.mark.parametrize("kind", list(ViolationKind))
def test_every_violation_kind_has_an_effect_with_article(kind: ViolationKind) -> None:
    result = effect(violation(kind, SD_2, count=3))
    assert result.article.startswith("第")
    assert result.reason
    assert (result.to_tier is not None) == (result.effect is PenaltyKind.DOWN_ONE_TIER)


@pytest.mark.parametrize(
    ("status", "rule", "article"),
    [
        (ManagerStatus.ACTIVE, None, None),
        (ManagerStatus.PROBATION, "IN_PROBATION", "第十三条"),
        (ManagerStatus.SUSPENDED, "NOT_REAPPOINTED", "第十六条"),
    ],
)
@pytest.mark.parametrize("proposed", [SD_3, SD_2, SD_1])
def test_a_grade_set_by_hand_needs_a_gradable_manager(
    status: ManagerStatus, rule: str | None, article: str | None, proposed: Tier
) -> None:
    """第十三条: probationers are not graded; 第十六条: a suspended manager is not re-appointed.
    Otherwise any of the three grades may be set by hand."""
    who = manager_profile(status=status, tier=SD_2)
    refusals = GRADING.tier_refusals(who, proposed, DEFAULTS)
    assert [(r.rule, r.article) for r in refusals] == ([] if rule is None else [(rule, article)])


# --- properties (hypothesis) --------------------------------------------------------

MONEY = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
PLAN = st.decimals(
    min_value=-1000, max_value=10**8, places=2, allow_nan=False, allow_infinity=False
)
COUNT = st.integers(min_value=0, max_value=2000).map(Decimal)
FINDING_CODES = [(q.key, d.finding) for q in work_quality.QUALITY_ITEMS for d in q.deductions]


@st.composite
def shandong_cases(draw: st.DrawFn) -> AppraisalInput:
    values = {
        **BASE_VALUES,
        "customers_natural": draw(COUNT),
        "customers_corporate": draw(COUNT),
        "loan_balance": draw(MONEY),
        "npl_balance_start": draw(MONEY),
        "npl_balance_end": draw(MONEY),
        "notice_coverage": draw(st.decimals(min_value=0, max_value=1, places=4)),
        "deposit_net_increase": draw(
            st.decimals(min_value=-(10**7), max_value=10**8, places=2, allow_nan=False)
        ),
        "npl_cash_recovered": draw(MONEY),
        "writeoff_recovered": draw(MONEY),
        "interest_recovered": draw(MONEY),
    }
    plans = {key: draw(PLAN) for key in BASE_PLANS}
    findings = tuple(
        FindingCount(item_key, code, draw(st.integers(min_value=1, max_value=30)))
        for item_key, code in draw(st.lists(st.sampled_from(FINDING_CODES), max_size=6))
    )
    cohort = {
        "graded_managers": D(10),
        "average_weighted_customers": draw(COUNT),
        "average_loan_balance": draw(MONEY),
    }
    category = draw(st.sampled_from(list(ManagerCategory)))
    return appraisal(
        manager=profile(category=category),
        values=values,
        plans=plans,
        findings=findings,
        cohort=cohort,
    )


@settings(max_examples=150, deadline=None)
@given(shandong_cases())
def test_property_the_total_is_the_sum_of_the_items_and_the_tier_follows_it(
    case: AppraisalInput,
) -> None:
    outcome = run(case)
    assert outcome.graded and outcome.total is not None
    assert outcome.total == sum((i.score for i in outcome.items), start=D(0))
    assert all(i.score == i.score.quantize(D("0.01")) for i in outcome.items)
    assert all(i.score >= 0 for i in outcome.items)
    assert outcome.tier == grades.tier_for_total(outcome.total)


@settings(deadline=None)
@given(
    st.decimals(min_value=0, max_value=200, places=2),
    st.decimals(min_value=0, max_value=200, places=2),
)
def test_property_a_higher_total_never_gives_a_lower_tier(a: Decimal, b: Decimal) -> None:
    low, high = sorted((a, b))
    assert grades.tier_for_total(low).rank <= grades.tier_for_total(high).rank


# --- explanations: Chinese, with the English beside them ---------------------------------

# Findings on every work-quality item, each rule kind: per case, once, zeroing.
EVERY_RULE = (
    FindingCount("C1.1", "MISSING_ELEMENT", 1),
    FindingCount("C1.2", "MISSING_RATING_FORM", 2),
    FindingCount("C1.3", "COLLATERAL_FORMALITIES_MISSING", 1),
    FindingCount("C2", "NUMBERING_INCONSISTENT", 3),
    FindingCount("C2", "SMALL_LOAN_MISCLASSIFIED", 1),
    FindingCount("C3", "EXTENSION_NON_COMPLIANT", 1),
    FindingCount("C4", "RATE_DEVIATION", 1),
    FindingCount("C5", "ARCHIVES_NOT_NUMBERED", 1),
    FindingCount("C6", "INCOMPLETE_CUSTOMER_DATA", 9),
)
BELOW_PLAN = {
    "customers_natural": D(70),
    "loan_balance": D(12_345_678),
    "deposit_net_increase": D(800_000),
    "deposit_monthly_average": D(1_230_000),
    "npl_balance_end": D(120_000),
    "npl_cash_recovered": D(75_500),
    "writeoff_recovered": D(2_000),
    "notice_coverage": D("0.9"),
    "interest_recovered": D(550_000),
}
ZERO_PLANS = dict.fromkeys(BASE_PLANS, D(0))

VARIED: dict[str, dict[str, Any]] = {
    "on plan": {},
    "below and over plan, findings of every kind": {"values": BELOW_PLAN, "findings": EVERY_RULE},
    "five items zeroed": {"findings": FIVE_ITEMS_ZEROED},
    "plans of 0": {"plans": ZERO_PLANS},
    "no county averages": {"cohort": {}},
    "limitation lost, no notices": {
        "values": {"npl_limitation_lost": D(1), "notice_coverage": D(0)}
    },
    "interest capped": {"tenant_params": params(interest_cap="20"), "values": BELOW_PLAN},
    "corporate manager, office with a credit clerk": {
        "manager": profile(category=ManagerCategory.CORPORATE, office_has_credit_clerk=True),
        "values": {"customers_corporate": D(3)},
        "findings": EVERY_RULE,
    },
    "profile gaps and low values": {
        "manager": profile(
            professional_title=None,
            credit_exam=CreditExamResult.FAILED,
            credit_work_years=D("0.5"),
            system_proficiency=None,
            jurisdiction_households=200,
            rated_households=60,
        )
    },
    "no households": {"manager": profile(jurisdiction_households=0, rated_households=0)},
    "placed in 三级": {"manager": profile(probation_ends_on=dt.date(2025, 3, 31))},
    "in probation": {"manager": profile(status=ManagerStatus.PROBATION, probation_ends_on=None)},
    "a quarter": {"period_kind": PeriodKind.QUARTER},
    "an input missing": {"drop_values": ("interest_recovered",)},
    "evaluation below 称职": {"values": {"annual_evaluation": D(2)}},
}


@pytest.mark.parametrize("case", list(VARIED))
def test_every_explanation_is_chinese_with_the_english_beside_it(case: str) -> None:
    outcome = run(appraisal(**VARIED[case]))
    assert outcome.graded or outcome.items == ()
    assert untranslated(outcome) == []


def test_item_explanations_on_plan() -> None:
    outcome = run(appraisal(manager=profile(education=Education.JUNIOR_COLLEGE)))
    assert {i.key: i.explanation for i in outcome.items if not i.key.startswith("C")} == {
        "A1": "学历 大专 → 2 分",
        "A2": "专业技术职称 中级及以上职称 → 2 分",
        "A3": "信贷从业资格考试 通过 → 1 分",
        "A4": "专业工作年限 5 年：3年含以上 → 2 分",
        "A5": "信贷及资产风险管理系统操作 熟练 → 2 分",
        "B1": "管贷户数 100 + 1 × 0 = 100 户；10 × 100 / 100 = 10，限于 5 至 15 分之间 → 10 分",
        "B2": "管贷规模 10000000 元，与全县平均管贷规模相比：10 × 10000000 / 10000000 = 10，"
        "限于 8 至 12 分之间 → 10 分",
        "B3": "授信面 80/100 ≥ 80% → 10 分",
        "B4": "组织资金净增 1000000 元 ≥ 计划 1000000 元 → 10 分",
        "B5.1": "年初不良 100000 元 − 年末不良 50000 元 − 呆账核销 0 元 = 50000 元；"
        "净降 50000 元 ≥ 计划 50000 元 → 4 分",
        "B5.2": "现金清收 50000 元 ≥ 计划 50000 元：1 + 超 0 个 10000 元 × 0.1 分 = 1 + 0"
        "（最多加 1 分） → 1 分",
        "B5.3": "不良贷款余额由 100000 元 降至 50000 元 → 1 分",
        "B5.4": "清收 5000 元 ≥ 计划 5000 元：1 + 超 0 个 1000 元 × 0.1 分 = 1 + 0"
        "（最多加 1 分） → 1 分",
        "B5.5": "催收通知发送面 100% → 2 分",
        "B6": "收回利息 20 × 500000 元 / 计划 500000 元 = 20 → 20 分",
    }
    assert item(outcome, "A1").explanation_en == "education JUNIOR_COLLEGE → 2"
    assert item(outcome, "C1.1").explanation == "未发现问题 → 2 分"
    assert item(outcome, "C1.1").explanation_en == "no findings → 2"
    assert outcome.explanation == (
        "总分 98 分 → 一级客户经理（第九条：90分以上含90分为一级，"
        "75分含以上90分以下为二级，75分以下为三级）"
    )
    assert outcome.explanation_en.startswith("total 98 → 一级客户经理 (第九条: 90 or more 一级")


def test_item_explanations_below_plan_and_with_findings() -> None:
    outcome = run(appraisal(values=BELOW_PLAN, findings=EVERY_RULE))
    shown = {i.key: (i.explanation, i.explanation_en) for i in outcome.items}
    assert shown["B4"] == (
        "组织资金净增 800000 元 未完成计划 1000000 元：按比例 10 × 800000 / 1000000；"
        "月平均余额 1230000 元：超计划 4 个 5万元 × 0.5 分 = +2 分（最多加 5 分） → 10 分",
        "10 × 800000 / 1000000; monthly average 1230000: 4 full 50,000 over plan × 0.5 = +2 "
        "(at most +5) → 10",
    )
    assert shown["B5.3"] == (
        "不良贷款余额不降反升：100000 元 → 120000 元 → 0 分",
        "NPL did not fall: 100000 → 120000 → 0",
    )
    assert shown["B5.5"] == ("2 × 催收通知发送面 90% → 1.80 分", "2 × coverage 0.9 → 1.80")
    assert shown["C1.2"] == (
        "2 − （缺信用等级评定表 2 笔 × 0.5 分）= 2 − 1，扣完为止 → 1 分",
        "2 − (MISSING_RATING_FORM 2 × 0.5) = 2 − 1, floored at 0 → 1",
    )
    assert shown["C1.3"] == (
        "未按审批通知书办理抵质押登记、保险、公证：本项不得分 → 0 分",
        "COLLATERAL_FORMALITIES_MISSING: the item scores 0 → 0",
    )
    assert shown["C2"] == (
        "2 − （认定表、台帐及信贷档案目录编号不一致 扣 0.5 分；"
        "小额贷款未按矩阵分类程序分类、认定结果不准 扣 1 分）= 2 − 1.5，扣完为止 → 0.50 分",
        "2 − (NUMBERING_INCONSISTENT once 0.5; SMALL_LOAN_MISCLASSIFIED once 1) = 2 − 1.5, "
        "floored at 0 → 0.50",
    )
    assert shown["C6"][0] == "2 − （客户信息要素不齐全 9 笔 × 0.5 分）= 2 − 4.5，扣完为止 → 0 分"


def test_unscored_and_refused_outcomes_in_chinese() -> None:
    quarter = run(appraisal(period_kind=PeriodKind.QUARTER))
    assert quarter.explanation == (
        "等级每年评定一次，依据全年业绩；2025-Q3 的考核不评定等级（第八条）"
    )
    assert quarter.explanation_en == (
        "grades are set once a year from the year's results; the 2025-Q3 appraisal is not "
        "graded (第八条)"
    )
    low = run(appraisal(values={"annual_evaluation": D(2)}))
    assert low.explanation == "上年度考评为“基本称职”，低于“称职”，不符合上岗条件（第六条(二)）"
    clerk = run(appraisal(manager=profile(office_has_credit_clerk=True)))
    assert item(clerk, "C5").explanation == "设有信贷内勤岗：本项目不考核，计满分 → 2 分"


def test_every_finding_code_has_its_name_in_chinese() -> None:
    for quality in work_quality.QUALITY_ITEMS:
        for rule in quality.deductions:
            assert rule.name and rule.name != rule.finding, (quality.key, rule.finding)
