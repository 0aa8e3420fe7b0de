"""County credit cooperative: every rule, band and boundary of the policy.

The baseline appraisal has every business line exactly on plan, qualitative
scores of 80 and a level score of 75; each row changes what its rule reads so
that the row fails if the rule were wrong.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import plugins.county_coop as plugin
from plugins.county_coop import appraisal as yearly
from plugins.county_coop.lending import lending_cap
from plugins.county_coop.levels import level_from_scores
from plugins.county_coop.parameters import CountyParameters
from plugins.county_coop.rating import BASICALLY_COMPETENT, INCOMPETENT, percent, rating_for
from server.errors import UnknownPlugin
from server.policy import (
    COMPUTED_INDICATORS,
    AppraisalInput,
    AppraisalOutcome,
    IndicatorSource,
    LendingCap,
    LoanProduct,
    LoanRequest,
    ManagerProfile,
    ManagerStatus,
    Params,
    PenaltyEffect,
    PenaltyKind,
    PeriodKind,
    PolicyCategory,
    Refusal,
    Tier,
    TierDirection,
    TierMove,
    ViolationKind,
    bilingual_problem,
    parse_period,
    untranslated,
)
from server.policy.parameters import resolve
from server.policy.testing import (
    appraisal_input,
    cohort,
    loan_request,
    manager_profile,
    registry,
    violation_case,
)

D = Decimal
INFO = plugin.policy_info()
DEFAULTS = CountyParameters()
REGISTRY = registry(plugin)
GRADING = REGISTRY.grading(plugin.NAME)
LENDING = REGISTRY.lending(plugin.NAME)
TIER = {tier.code: tier for tier in plugin.TIERS}
LOAN_DAY = dt.date(2025, 6, 30)
LINES = ("loans_issued", "interest_recovered", "deposits_absorbed", "fee_income")


def params(**raw: Any) -> CountyParameters:
    return CountyParameters.of(raw)


def manager(**changes: Any) -> ManagerProfile:
    base = manager_profile(
        employee_no="E001",
        hire_date=dt.date(2015, 7, 1),
        birth_date=dt.date(1990, 5, 20),
        post_started_on=dt.date(2023, 3, 1),
        tier=TIER["CC_2"],
        licence_valid_until=dt.date(2025, 12, 31),
    )
    return dataclasses.replace(base, **changes)


def values(**changes: Decimal | str | int) -> dict[str, Decimal]:
    """Every business line at 100,000 (on plan), scores 80/80, level score 75."""
    base: dict[str, Decimal] = {
        "theory_exam_score": D(75),
        "work_results_score": D(75),
        "work_skill_score": D(75),
        **dict.fromkeys(LINES, D(100_000)),
        "credit_management_score": D(80),
        "daily_work_score": D(80),
        "npl_ratio": D("0.01"),
        "average_loan_rate": D("0.0735"),
        "year_end_performance_pay": D(20_000),
    }
    base.update({key: D(value) for key, value in changes.items()})
    return base


def at_completion(completion: str, **changes: Decimal | str | int) -> dict[str, Decimal]:
    """Every line at the same completion of its 100,000 plan, so the weighted one equals it."""
    actual = D(completion) * D(100_000)
    return values(**{**dict.fromkeys(LINES, actual), **changes})


PLANS: Mapping[str, Decimal] = dict.fromkeys(LINES, D(100_000))


def appraisal(
    given: Mapping[str, Decimal] | None = None,
    *,
    plans: Mapping[str, Decimal] = PLANS,
    who: ManagerProfile | None = None,
    tenant_params: Params = DEFAULTS,
    period_kind: PeriodKind = PeriodKind.YEAR,
) -> AppraisalInput:
    return appraisal_input(
        "2025" if period_kind is PeriodKind.YEAR else "2025-Q4",
        manager=who or manager(),
        values=values() if given is None else given,
        plans=plans,
        params=tenant_params,
    )


def appraise(given: AppraisalInput) -> AppraisalOutcome:
    outcome = GRADING.appraise(given)
    assert isinstance(outcome, AppraisalOutcome)
    return outcome


def move(
    who: ManagerProfile,
    outcome: AppraisalOutcome,
    period_kind: PeriodKind = PeriodKind.YEAR,
) -> TierMove:
    period = parse_period("2025" if period_kind is PeriodKind.YEAR else "2025-Q4")
    result = GRADING.tier_move(who, outcome, period, DEFAULTS)
    assert isinstance(result, TierMove)
    return result


def item(outcome: AppraisalOutcome, key: str) -> Any:
    return next(i for i in outcome.items if i.key == key)


def pay(outcome: AppraisalOutcome) -> dict[str, Decimal]:
    return {line.key: line.amount for line in outcome.pay}


# --- identity and parameters -----------------------------------------------------


def test_plugin_registers_with_grading_lending_and_penalty() -> None:
    info = REGISTRY.info(plugin.NAME)
    assert (info.name, info.version) == ("county_coop", "1.1.0")
    assert info.categories == frozenset(
        {PolicyCategory.GRADING, PolicyCategory.LENDING, PolicyCategory.PENALTY}
    )
    assert info.sources == (
        "ⅩⅩ县农村信用社客户经理管理办法",
        "XXX省农村信用社信贷客户经理管理暂行办法",
    )
    with pytest.raises(UnknownPlugin, match="CLASSIFICATION"):
        REGISTRY.classification(plugin.NAME)


def test_tiers_are_trainee_to_level_four_by_rank() -> None:
    tiers = GRADING.tiers()
    assert [(t.code, t.rank, t.name) for t in tiers] == [
        ("CC_TRAINEE", 0, "见习客户经理"),
        ("CC_1", 1, "一级客户经理"),
        ("CC_2", 2, "二级客户经理"),
        ("CC_3", 3, "三级客户经理"),
        ("CC_4", 4, "四级客户经理"),
    ]


@pytest.mark.parametrize(
    ("name", "default"),
    [
        ("completion_cap", D("1.2")),
        ("credit_management_weight", D("0.5")),
        ("level_cc_1_min", D(60)),
        ("level_cc_2_min", D(70)),
        ("level_cc_3_min", D(80)),
        ("level_cc_4_min", D(90)),
        ("npl_ratio_limit", D("0.05")),
        ("union_cost_ratio", D("0.04")),
        ("profit_share_ratio", D("0.05")),
        ("risk_deposit_ratio", D("0.30")),
        ("cap_cc_trainee", D(100_000)),
        ("cap_cc_1", D(300_000)),
        ("cap_cc_2", D(1_000_000)),
        ("cap_cc_3", D(5_000_000)),
        ("cap_cc_4", None),
        ("rotation_years", 3),
        ("complaints_for_disqualification", 3),
    ],
)
def test_parameter_defaults(name: str, default: Decimal | int | None) -> None:
    assert DEFAULTS[name] == default


def test_every_parameter_is_declared_and_documented() -> None:
    assert len(INFO.parameters) == 17
    assert len({p.name for p in INFO.parameters}) == 17
    for spec in INFO.parameters:
        assert spec.description and spec.article, spec.name
        assert "第" in spec.article, spec.name
        assert "not fixed by the source" in spec.article or "the source fixes" in spec.article


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"completion_cap": "0.99"}, "completion_cap"),
        ({"credit_management_weight": "1.01"}, "credit_management_weight"),
        ({"risk_deposit_ratio": "-0.01"}, "risk_deposit_ratio"),
        ({"level_cc_4_min": "100.01"}, "level_cc_4_min"),
        ({"cap_cc_1": "-1"}, "cap_cc_1"),
        ({"rotation_years": 0}, "rotation_years"),
        ({"complaints_for_disqualification": 0}, "complaints_for_disqualification"),
    ],
)
def test_parameters_out_of_bounds_are_refused(raw: dict[str, Any], field: str) -> None:
    _, problems = resolve(INFO, raw)
    assert [p.field for p in problems] == [f"parameters.{field}"]


@pytest.mark.parametrize(
    ("raw", "pairs"),
    [
        ({}, []),  # the defaults: 60 < 70 < 80 < 90
        ({"level_cc_2_min": "60.01"}, []),  # just above the line below
        ({"level_cc_2_min": "60"}, [("level_cc_1_min", "level_cc_2_min")]),  # equal: refused
        ({"level_cc_2_min": "59.99"}, [("level_cc_1_min", "level_cc_2_min")]),
        ({"level_cc_4_min": "80"}, [("level_cc_3_min", "level_cc_4_min")]),
        (
            {"level_cc_1_min": "90", "level_cc_4_min": "60"},
            [
                ("level_cc_1_min", "level_cc_2_min"),
                ("level_cc_3_min", "level_cc_4_min"),
            ],
        ),
    ],
)
def test_level_lines_must_rise_strictly(raw: dict[str, str], pairs: list[tuple[str, str]]) -> None:
    _, problems = resolve(INFO, raw)
    assert {p.code for p in problems} <= {"LEVEL_LINES_ASCENDING"}
    named = sorted(p.field for p in problems)
    assert named == sorted(f"parameters.{name}" for pair in pairs for name in pair)
    if pairs:
        assert "rise strictly" in problems[0].message


@pytest.mark.parametrize(
    ("raw", "pair"),
    [
        ({"cap_cc_1": "100000"}, None),  # equal to the trainee cap: allowed
        ({"cap_cc_1": "99999.99"}, ("cap_cc_trainee", "cap_cc_1")),
        ({"cap_cc_3": "999999.99"}, ("cap_cc_2", "cap_cc_3")),
        ({"cap_cc_4": "5000000"}, None),  # the top level capped at the level below it
        ({"cap_cc_4": "4999999.99"}, ("cap_cc_3", "cap_cc_4")),
        ({"cap_cc_2": None}, ("cap_cc_2", "cap_cc_3")),  # no cap below a cap
        ({"cap_cc_2": None, "cap_cc_3": None}, None),
    ],
)
def test_a_higher_levels_cap_is_never_below_a_lower_ones(
    raw: dict[str, str | None], pair: tuple[str, str] | None
) -> None:
    _, problems = resolve(INFO, raw)
    if pair is None:
        assert problems == []
        return
    assert sorted(p.field for p in problems) == sorted(f"parameters.{n}" for n in pair)
    assert {p.code for p in problems} == {"CAPS_ASCENDING"}


def test_the_defaults_are_a_consistent_set() -> None:
    assert DEFAULTS.set_problems() == ()


def test_the_top_cap_may_be_set_or_left_open() -> None:
    assert params(cap_cc_4=None)["cap_cc_4"] is None
    assert params(cap_cc_4="10000000")["cap_cc_4"] == D(10_000_000)


# --- indicators and cohort ------------------------------------------------------


def test_yearly_indicators() -> None:
    specs = GRADING.indicators(parse_period("2025"), DEFAULTS)
    declared = {(s.key, s.source) for s in specs}
    assert declared == {
        ("theory_exam_score", IndicatorSource.RECORDED),
        ("work_results_score", IndicatorSource.RECORDED),
        ("work_skill_score", IndicatorSource.RECORDED),
        ("loans_issued", IndicatorSource.COMPUTED),
        ("loans_issued", IndicatorSource.TASK_PLAN),
        ("interest_recovered", IndicatorSource.RECORDED),
        ("interest_recovered", IndicatorSource.TASK_PLAN),
        ("deposits_absorbed", IndicatorSource.RECORDED),
        ("deposits_absorbed", IndicatorSource.TASK_PLAN),
        ("fee_income", IndicatorSource.RECORDED),
        ("fee_income", IndicatorSource.TASK_PLAN),
        ("credit_management_score", IndicatorSource.RECORDED),
        ("daily_work_score", IndicatorSource.RECORDED),
        ("npl_ratio", IndicatorSource.COMPUTED),
        ("average_loan_rate", IndicatorSource.RECORDED),
        ("year_end_performance_pay", IndicatorSource.RECORDED),
    }
    assert len(specs) == len(declared)
    for spec in specs:
        assert spec.required and spec.unit and spec.description
        assert spec.key == spec.key.lower()
        if spec.source is IndicatorSource.COMPUTED:
            assert spec.key in COMPUTED_INDICATORS
            assert spec.unit == COMPUTED_INDICATORS[spec.key][0]


def test_a_quarter_needs_no_indicators() -> None:
    specs = GRADING.indicators(parse_period("2025-Q4"), DEFAULTS)
    assert specs == ()


@pytest.mark.parametrize("size", [0, 2])
def test_no_cohort_figures(size: int) -> None:
    members = cohort(*[values()] * size, tier=TIER["CC_2"])
    figures = GRADING.cohort_figures(parse_period("2025"), members, DEFAULTS)
    assert dict(figures) == {}


# --- refusals to grade ----------------------------------------------------------


def unscored(given: AppraisalInput) -> AppraisalOutcome | None:
    outcome = GRADING.unscored_outcome(given)
    assert outcome is None or isinstance(outcome, AppraisalOutcome)
    return outcome


def test_a_quarter_is_not_graded_and_needs_no_inputs() -> None:
    quarter = appraisal({}, plans={}, period_kind=PeriodKind.QUARTER)
    before_inputs = unscored(quarter)
    assert before_inputs is not None
    assert appraise(quarter) == before_inputs
    assert not before_inputs.graded
    assert "第五章二" in before_inputs.explanation
    assert "业绩考评每年一次" in before_inputs.explanation
    assert "not a year" in before_inputs.explanation_en
    assert (before_inputs.items, before_inputs.total, before_inputs.tier) == ((), None, None)
    assert before_inputs.pay == ()


@pytest.mark.parametrize("tier", [None, "CC_TRAINEE", "CC_4"])
@pytest.mark.parametrize("status", [ManagerStatus.PROBATION, ManagerStatus.ACTIVE])
def test_every_manager_is_scored_on_the_year(tier: str | None, status: ManagerStatus) -> None:
    who = manager(tier=None if tier is None else TIER[tier], status=status)
    assert unscored(appraisal({}, plans={}, who=who)) is None
    assert appraise(appraisal(who=who)).graded


def test_missing_inputs_are_named_not_guessed() -> None:
    given = values()
    del given["npl_ratio"]
    outcome = appraise(
        appraisal(given, plans={k: v for k, v in PLANS.items() if k != "fee_income"})
    )
    assert not outcome.graded
    assert outcome.explanation == (
        "ⅩⅩ县农村信用社客户经理管理办法 第六章二(定量70%、定性30%)："
        "缺少 npl_ratio、fee_income plan，无法考核"
    )
    assert "npl_ratio" in outcome.explanation_en
    assert "fee_income plan" in outcome.explanation_en


# --- yearly rating (第五章二) ------------------------------------------------------


@pytest.mark.parametrize(
    ("completion", "code", "label"),
    [
        ("0", "INCOMPETENT", "不称职"),
        ("0.5999", "INCOMPETENT", "不称职"),
        ("0.60", "BASICALLY_COMPETENT", "基本称职"),
        ("0.8999", "BASICALLY_COMPETENT", "基本称职"),
        ("0.90", "COMPETENT", "称职"),
        ("1.1999", "COMPETENT", "称职"),
        ("1.20", "EXCELLENT", "优秀"),
        ("2.50", "EXCELLENT", "优秀"),
    ],
)
def test_rating_bands(completion: str, code: str, label: str) -> None:
    outcome = appraise(appraisal(at_completion(completion)))
    assert (outcome.rating, outcome.rating_label) == (code, label)
    assert item(outcome, "quantitative").inputs["completion"] == f"{D(completion) * 100:.2f}%"


def test_the_rating_reads_the_exact_completion_and_shows_it_rounded_down() -> None:
    just_below = D("0.59995")
    assert rating_for(just_below) is INCOMPETENT
    assert percent(just_below) == "59.99%"
    assert rating_for(D("0.6")) is BASICALLY_COMPETENT


@pytest.mark.parametrize(
    ("line", "completion"),
    [
        ("loans_issued", "1.30"),
        ("interest_recovered", "1.40"),
        ("deposits_absorbed", "1.15"),
        ("fee_income", "1.15"),
    ],
)
def test_completion_weights_30_40_15_15(line: str, completion: str) -> None:
    """One line at 200% of plan, the others at 100%: completion = 1 + the line's weight."""
    outcome = appraise(appraisal(values(**{line: 200_000})))
    quantitative = item(outcome, "quantitative")
    assert quantitative.inputs["completion"] == f"{D(completion) * 100:.2f}%"
    assert quantitative.inputs[f"{line}_completion"] == "200.00%"


@pytest.mark.parametrize("plan", [D(0), D(-5)])
def test_a_plan_of_zero_or_less_counts_as_met(plan: Decimal) -> None:
    given = at_completion("0.5", fee_income=0)
    outcome = appraise(appraisal(given, plans={**PLANS, "fee_income": plan}))
    quantitative = item(outcome, "quantitative")
    # 0.85 × 50% + 0.15 × 100%
    assert quantitative.inputs["completion"] == "57.50%"
    assert quantitative.inputs["fee_income_completion"] == "met (plan ≤ 0)"
    assert any("fee_income" in w and "counted as met" in w for w in outcome.warnings)


# --- appraisal score (第六章二) ----------------------------------------------------


@pytest.mark.parametrize(
    ("completion", "cap", "score", "max_points"),
    [
        ("0", "1.2", "0.00", "84.00"),
        ("0.5", "1.2", "35.00", "84.00"),
        ("0.9", "1.2", "63.00", "84.00"),
        ("1", "1.2", "70.00", "84.00"),
        ("1.1999", "1.2", "83.99", "84.00"),
        ("1.2", "1.2", "84.00", "84.00"),
        ("1.5", "1.2", "84.00", "84.00"),
        ("1.5", "1.5", "105.00", "105.00"),
        ("1.5", "1", "70.00", "70.00"),
        # a negative completion (e.g. deposits fell) scores 0, never below (第六章二)
        ("-0.2", "1.2", "0.00", "84.00"),
        ("-5", "1.2", "0.00", "84.00"),
        ("-0.0001", "1.2", "0.00", "84.00"),
        ("0.0001", "1.2", "0.01", "84.00"),
    ],
)
def test_quantitative_score_is_70_percent_of_capped_completion(
    completion: str, cap: str, score: str, max_points: str
) -> None:
    outcome = appraise(
        appraisal(at_completion(completion), tenant_params=params(completion_cap=cap))
    )
    quantitative = item(outcome, "quantitative")
    assert quantitative.score == D(score)
    assert quantitative.max_points == D(max_points)
    assert D(quantitative.inputs["quantitative_score"]) >= 0


@pytest.mark.parametrize(
    ("credit_management", "daily_work", "weight", "score"),
    [
        ("90", "80", "0.5", "25.50"),
        ("100", "0", "0.5", "15.00"),
        ("0", "100", "0.5", "15.00"),
        ("100", "0", "0.8", "24.00"),
        ("100", "0", "1", "30.00"),
        ("100", "100", "0.5", "30.00"),
        # 0.3 × 0.05 = 0.015: half-up gives 0.02 (half-even would give 0.01)
        ("0.1", "0", "0.5", "0.02"),
    ],
)
def test_qualitative_score_is_30_percent_of_weighted_scores(
    credit_management: str, daily_work: str, weight: str, score: str
) -> None:
    given = values(credit_management_score=credit_management, daily_work_score=daily_work)
    outcome = appraise(appraisal(given, tenant_params=params(credit_management_weight=weight)))
    qualitative = item(outcome, "qualitative")
    assert qualitative.score == D(score)
    assert qualitative.max_points == D(30)


@pytest.mark.parametrize(
    ("completion", "credit_management", "daily_work", "total"),
    [
        ("1", "80", "80", "94.00"),
        ("1.2", "100", "100", "114.00"),
        ("0", "0", "0", "0.00"),
        ("0.7499", "70", "80", "74.99"),
    ],
)
def test_total_is_the_sum_of_the_rounded_items(
    completion: str, credit_management: str, daily_work: str, total: str
) -> None:
    given = at_completion(
        completion, credit_management_score=credit_management, daily_work_score=daily_work
    )
    outcome = appraise(appraisal(given))
    assert outcome.total == D(total)
    assert outcome.total == sum(i.score for i in outcome.items)
    assert [i.key for i in outcome.items] == ["quantitative", "qualitative"]


@pytest.mark.parametrize("key", ["theory_exam_score", "credit_management_score"])
@pytest.mark.parametrize(("given", "taken"), [("120", "100"), ("-5", "0")])
def test_scores_outside_0_to_100_are_clamped_with_a_warning(
    key: str, given: str, taken: str
) -> None:
    outcome = appraise(appraisal(values(**{key: given})))
    assert f"{key} {given} is outside 0–100: taken as {taken}" in outcome.warnings


# --- qualification and level score (第三章) -------------------------------------------


@pytest.mark.parametrize(
    ("theory", "results", "skill", "shown", "code"),
    [
        ("100", "100", "100", "100.00", "CC_4"),
        ("90", "90", "90", "90.00", "CC_4"),
        ("89.99", "89.99", "89.99", "89.99", "CC_3"),
        ("80", "80", "80", "80.00", "CC_3"),
        ("79.99", "79.99", "79.99", "79.99", "CC_2"),
        ("70", "70", "70", "70.00", "CC_2"),
        ("70", "70", "69.9", "69.99", "CC_1"),
        ("70", "60", "0", "60.00", "CC_1"),
        ("70", "59.3", "2", "59.99", "CC_TRAINEE"),
        # the exact score is compared with the lines, never a rounded one (第三章):
        # 57.6 + 21.6 + 0.799 = 79.999 is below 80; it shows rounded down, 79.99
        ("96", "72", "7.99", "79.99", "CC_2"),
        ("96", "72", "8", "80.00", "CC_3"),
        ("96", "72", "8.01", "80.00", "CC_3"),
        # 69.995 would round half-up to 70.00, but it is below 70
        ("70", "70", "69.95", "69.99", "CC_1"),
        ("70", "70", "70.05", "70.00", "CC_2"),
        # 0.6/0.3/0.1: each weight shows on its own
        ("100", "0", "0", "60.00", "CC_1"),
        ("70", "100", "0", "72.00", "CC_2"),
        ("70", "0", "100", "52.00", "CC_TRAINEE"),
        # no 任职资格 below 70 theory: 见习 whatever the level score
        ("69.99", "100", "100", "81.99", "CC_TRAINEE"),
        ("70", "100", "100", "82.00", "CC_3"),
    ],
)
def test_level_score_and_the_level_it_admits(
    theory: str, results: str, skill: str, shown: str, code: str
) -> None:
    level = level_from_scores(D(theory), D(results), D(skill), DEFAULTS)
    exact = D("0.6") * D(theory) + D("0.3") * D(results) + D("0.1") * D(skill)
    assert (level.score, level.shown, level.tier.code) == (exact, D(shown), code)
    assert level.qualified is (D(theory) >= 70)
    # the same through an appraisal of a manager not graded yet (SET from the level score)
    given = values(theory_exam_score=theory, work_results_score=results, work_skill_score=skill)
    outcome = appraise(appraisal(given, who=manager(tier=None)))
    assert outcome.tier == TIER[code]
    assert f"等级分 {shown} 可定{TIER[code].name}（第三章）" in outcome.explanation
    assert f"level score {shown} admits {TIER[code].name}" in outcome.explanation_en


@pytest.mark.parametrize(
    ("raw", "level_score", "code"),
    [
        ({"level_cc_4_min": "95"}, "94.99", "CC_3"),
        ({"level_cc_4_min": "95"}, "95", "CC_4"),
        ({"level_cc_1_min": "65"}, "64.99", "CC_TRAINEE"),
        ({"level_cc_1_min": "65"}, "65", "CC_1"),
    ],
)
def test_level_thresholds_are_parameters(raw: dict[str, str], level_score: str, code: str) -> None:
    # theory 100 keeps the manager qualified; the rest brings the score to level_score
    rest = (D(level_score) - 60) / D("0.4")
    level = level_from_scores(D(100), rest, rest, params(**raw))
    assert (level.score, level.tier.code) == (D(level_score), code)


# --- level adjustment (第五章三) ---------------------------------------------------


@pytest.mark.parametrize(
    ("current", "completion", "npl", "level_score", "expected", "direction"),
    [
        # 不称职 → down one
        ("CC_2", "0.5999", "0", "75", "CC_1", TierDirection.DEMOTION),
        ("CC_2", "0.60", "0", "75", "CC_2", TierDirection.NONE),
        # NPL ratio above the limit → down one; exactly at the limit stays
        ("CC_2", "1", "0.05", "75", "CC_2", TierDirection.NONE),
        ("CC_2", "1", "0.0501", "75", "CC_1", TierDirection.DEMOTION),
        # both: one step in all
        ("CC_2", "0.5", "0.20", "75", "CC_1", TierDirection.DEMOTION),
        ("CC_4", "0.1", "0.90", "100", "CC_3", TierDirection.DEMOTION),
        # never below 见习
        ("CC_TRAINEE", "0.5", "0.20", "75", "CC_TRAINEE", TierDirection.NONE),
        # 优秀 and the level score admits a higher level → up one, one step only
        ("CC_2", "1.2", "0", "100", "CC_3", TierDirection.PROMOTION),
        ("CC_2", "1.2", "0", "85", "CC_3", TierDirection.PROMOTION),
        ("CC_TRAINEE", "1.5", "0", "95", "CC_1", TierDirection.PROMOTION),
        ("CC_2", "1.1999", "0", "100", "CC_2", TierDirection.NONE),
        ("CC_2", "1.2", "0", "75", "CC_2", TierDirection.NONE),
        ("CC_3", "1.2", "0", "75", "CC_3", TierDirection.NONE),
        ("CC_4", "1.2", "0", "100", "CC_4", TierDirection.NONE),
        # loan quality comes first: 优秀 with a bad NPL ratio still goes down
        ("CC_2", "1.2", "0.06", "100", "CC_1", TierDirection.DEMOTION),
        # not graded yet: the level the level score admits, whatever the rating
        (None, "0.5", "0.20", "85", "CC_3", TierDirection.SET),
        (None, "1.2", "0", "75", "CC_2", TierDirection.SET),
    ],
)
def test_level_adjustment_on_the_yearly_appraisal(
    current: str | None,
    completion: str,
    npl: str,
    level_score: str,
    expected: str,
    direction: TierDirection,
) -> None:
    who = manager(tier=None if current is None else TIER[current])
    scores = dict.fromkeys(
        ("theory_exam_score", "work_results_score", "work_skill_score"), level_score
    )
    outcome = appraise(appraisal(at_completion(completion, npl_ratio=npl, **scores), who=who))
    assert outcome.tier == TIER[expected]
    tier_move = move(who, outcome)
    assert tier_move.direction is direction
    assert tier_move.to_tier == (None if direction is TierDirection.NONE else TIER[expected])
    assert tier_move.article and tier_move.reason


def test_an_unqualified_manager_is_not_promoted_and_is_warned() -> None:
    scores = {"theory_exam_score": "69", "work_results_score": "100", "work_skill_score": "100"}
    outcome = appraise(appraisal(at_completion("1.3", **scores), who=manager(tier=TIER["CC_1"])))
    assert outcome.rating == "EXCELLENT"
    assert outcome.tier == TIER["CC_1"]
    assert any("任职资格" in w for w in outcome.warnings)


def test_npl_limit_is_a_parameter() -> None:
    given = values(npl_ratio="0.08")
    assert appraise(appraisal(given)).tier == TIER["CC_1"]
    assert (
        appraise(appraisal(given, tenant_params=params(npl_ratio_limit="0.08"))).tier
        == TIER["CC_2"]
    )


@pytest.mark.parametrize(
    ("rating", "reason"),
    [("INCOMPETENT", "不称职"), ("BASICALLY_COMPETENT", "NPL ratio")],
)
def test_a_demotion_names_its_cause(rating: str, reason: str) -> None:
    outcome = AppraisalOutcome(
        graded=True, explanation="", tier=TIER["CC_1"], rating=rating, rating_label="x"
    )
    result = move(manager(tier=TIER["CC_2"]), outcome)
    assert result.direction is TierDirection.DEMOTION
    assert reason in result.reason
    assert "第五章三" in result.article


@pytest.mark.parametrize(
    ("current", "appraised", "direction", "to_tier"),
    [
        # the tier changed after the appraisal was computed: still one step a year
        ("CC_1", "CC_4", TierDirection.PROMOTION, "CC_2"),
        ("CC_4", "CC_TRAINEE", TierDirection.DEMOTION, "CC_3"),
    ],
)
def test_confirmation_moves_one_step_at_most(
    current: str, appraised: str, direction: TierDirection, to_tier: str
) -> None:
    outcome = AppraisalOutcome(
        graded=True, explanation="", tier=TIER[appraised], rating="EXCELLENT", rating_label="优秀"
    )
    result = move(manager(tier=TIER[current]), outcome)
    assert (result.direction, result.to_tier, result.flags) == (direction, TIER[to_tier], ())
    assert f"the appraisal set {TIER[appraised].name}; one step a year" in result.reason


def test_an_incompetent_trainee_stays() -> None:
    who = manager(tier=TIER["CC_TRAINEE"])
    outcome = appraise(appraisal(at_completion("0.3"), who=who))
    result = move(who, outcome)
    assert (result.direction, result.to_tier, result.flags) == (TierDirection.NONE, None, ())
    assert "already 见习客户经理, no lower" in result.reason


def test_no_level_move_on_a_quarter_or_an_ungraded_appraisal() -> None:
    graded = appraise(appraisal(at_completion("1.2", theory_exam_score=100)))
    assert move(manager(), graded, PeriodKind.QUARTER).direction is TierDirection.NONE
    ungraded = appraise(appraisal(period_kind=PeriodKind.QUARTER))
    assert move(manager(), ungraded).direction is TierDirection.NONE
    assert move(manager(tier=None), ungraded).direction is TierDirection.NONE


# --- pay and risk deposit (第六章一, 第七章) ---------------------------------------------


@pytest.mark.parametrize(
    ("loans", "rate", "raw", "year_end_pay", "profit", "share", "withheld"),
    [
        ("1200000", "0.0735", {}, "20000", "40200.00", "2010.00", "6603.00"),
        # rounded half-up to the fen at each step
        ("123456.78", "0.0612", {}, "10000", "2617.28", "130.86", "3039.26"),
        ("1000000", "0.08", {"profit_share_ratio": "0.1"}, "0", "40000.00", "4000.00", "1200.00"),
        ("1000000", "0.08", {"union_cost_ratio": "0.05"}, "0", "30000.00", "1500.00", "450.00"),
        (
            "1000000",
            "0.08",
            {"risk_deposit_ratio": "0.2"},
            "5000",
            "40000.00",
            "2000.00",
            "1400.00",
        ),
        # no profit share from a loss or from nothing
        ("1000000", "0.03", {}, "10000", "-10000.00", "0.00", "3000.00"),
        ("0", "0.0735", {}, "10000", "0.00", "0.00", "3000.00"),
    ],
)
def test_profit_share_and_risk_deposit(
    loans: str,
    rate: str,
    raw: dict[str, str],
    year_end_pay: str,
    profit: str,
    share: str,
    withheld: str,
) -> None:
    given = values(
        loans_issued=loans, average_loan_rate=rate, year_end_performance_pay=year_end_pay
    )
    outcome = appraise(appraisal(given, tenant_params=params(**raw)))
    assert pay(outcome) == {
        "profit": D(profit),
        "profit_share": D(share),
        "risk_deposit": D(withheld),
    }
    accounts = {line.key: line.account for line in outcome.pay}
    assert accounts == {"profit": None, "profit_share": None, "risk_deposit": "RISK_DEPOSIT"}
    assert (D(profit) < 0) is any("negative" in w for w in outcome.warnings)


@pytest.mark.parametrize(
    ("status", "withholds"),
    [
        (ManagerStatus.ACTIVE, True),
        (ManagerStatus.PROBATION, True),
        (ManagerStatus.SUSPENDED, True),
        (ManagerStatus.LEFT, False),
        (ManagerStatus.DISQUALIFIED, False),
    ],
)
def test_withholding_stops_once_credit_work_ended(status: ManagerStatus, withholds: bool) -> None:
    outcome = appraise(appraisal(who=manager(status=status)))
    assert ("risk_deposit" in pay(outcome)) is withholds
    assert any("停止扣收" in w for w in outcome.warnings) is not withholds
    assert "profit_share" in pay(outcome)


# --- every outcome explains itself ----------------------------------------------------


@pytest.mark.parametrize("completion", ["0.3", "1", "1.5"])
def test_every_item_and_pay_line_names_its_article_and_explains_itself(completion: str) -> None:
    outcome = appraise(appraisal(at_completion(completion)))
    assert outcome.graded and outcome.items and outcome.pay
    for scored in outcome.items:
        assert scored.article.strip() and scored.explanation.strip() and scored.inputs
        assert "第六章二" in scored.article
        # they fit the stored columns
        assert len(scored.key) <= 40 and len(scored.name) <= 120 and len(scored.article) <= 80
    for line in outcome.pay:
        assert line.article.strip() and line.explanation.strip()
    assert outcome.rating is not None and len(outcome.rating) <= 40


def test_same_input_same_outcome() -> None:
    given = appraisal(at_completion("1.07", npl_ratio="0.03"))
    assert appraise(given) == appraise(given)
    assert yearly.appraise(given, DEFAULTS) == appraise(given)


# --- lending caps (第一章) ------------------------------------------------------------


def loan(amount: str, who: ManagerProfile | None = None, on: dt.date = LOAN_DAY) -> LoanRequest:
    return loan_request(
        manager=who or manager(),
        product=LoanProduct.FARMER_MICRO_CREDIT,
        amount=D(amount),
        issued_on=on,
        exposure_now=D(0),
    )


def check(request: LoanRequest, tenant_params: Params = DEFAULTS) -> tuple[Refusal, ...]:
    refusals = LENDING.check(request, tenant_params)
    assert isinstance(refusals, tuple)
    return refusals


@pytest.mark.parametrize(
    ("code", "amount"),
    [
        (None, D(100_000)),
        ("CC_TRAINEE", D(100_000)),
        ("CC_1", D(300_000)),
        ("CC_2", D(1_000_000)),
        ("CC_3", D(5_000_000)),
        ("CC_4", None),
    ],
)
def test_lending_cap_by_level(code: str | None, amount: Decimal | None) -> None:
    who = manager(tier=None if code is None else TIER[code])
    cap = LENDING.cap(who, LOAN_DAY, DEFAULTS)
    assert isinstance(cap, LendingCap)
    assert cap.amount == amount
    assert "第一章" in cap.article and cap.explanation


def test_caps_follow_the_rank_not_the_code() -> None:
    other = Tier(code="SD_1", name="一级客户经理", rank=1, external_title="一级客户经理")
    cap = lending_cap(manager(tier=other), DEFAULTS)
    assert cap.amount == D(300_000)


@pytest.mark.parametrize(
    ("code", "amount", "refused"),
    [
        (None, "100000", False),
        (None, "100000.01", True),
        ("CC_TRAINEE", "100000", False),
        ("CC_TRAINEE", "100000.01", True),
        ("CC_1", "300000", False),
        ("CC_1", "300000.01", True),
        ("CC_2", "1000000", False),
        ("CC_2", "1000000.01", True),
        ("CC_3", "5000000", False),
        ("CC_3", "5000000.01", True),
        ("CC_4", "5000000.01", False),
        ("CC_4", "999999999999.99", False),
    ],
)
def test_amount_within_the_cap(code: str | None, amount: str, refused: bool) -> None:
    refusals = check(loan(amount, manager(tier=None if code is None else TIER[code])))
    assert [r.rule for r in refusals] == (["AMOUNT_OVER_CAP"] if refused else [])
    assert all("第一章" in r.article and amount in r.message for r in refusals)


@pytest.mark.parametrize(
    ("raw", "code", "amount", "refused"),
    [
        ({"cap_cc_1": "500000"}, "CC_1", "500000", False),
        ({"cap_cc_1": "500000"}, "CC_1", "500000.01", True),
        ({"cap_cc_4": "10000000"}, "CC_4", "10000000", False),
        ({"cap_cc_4": "10000000"}, "CC_4", "10000000.01", True),
        # no cap at any level (a cap below an open one is refused: see the set rules)
        (
            dict.fromkeys(("cap_cc_trainee", "cap_cc_1", "cap_cc_2", "cap_cc_3")),
            "CC_TRAINEE",
            "1000000000",
            False,
        ),
    ],
)
def test_caps_are_parameters(
    raw: dict[str, str | None], code: str, amount: str, refused: bool
) -> None:
    refusals = check(loan(amount, manager(tier=TIER[code])), params(**raw))
    assert bool(refusals) is refused


@pytest.mark.parametrize(
    ("valid_until", "refused"),
    [
        (None, True),
        (LOAN_DAY - dt.timedelta(days=1), True),
        (LOAN_DAY, False),
        (LOAN_DAY + dt.timedelta(days=365), False),
    ],
)
def test_a_lapsed_licence_means_no_new_loans(valid_until: dt.date | None, refused: bool) -> None:
    refusals = check(loan("1000", manager(licence_valid_until=valid_until)))
    assert [r.rule for r in refusals] == (["LICENCE_NOT_VALID"] if refused else [])
    assert all("一年一认定" in r.article for r in refusals)


@pytest.mark.parametrize(
    ("status", "refused"),
    [
        (ManagerStatus.ACTIVE, False),
        (ManagerStatus.PROBATION, True),
        (ManagerStatus.SUSPENDED, True),
        (ManagerStatus.DISQUALIFIED, True),
        (ManagerStatus.LEFT, True),
    ],
)
def test_only_an_active_manager_lends(status: ManagerStatus, refused: bool) -> None:
    refusals = check(loan("1000", manager(status=status)))
    assert [r.rule for r in refusals] == (["MANAGER_NOT_ACTIVE"] if refused else [])


def test_every_failed_rule_is_reported() -> None:
    who = manager(status=ManagerStatus.SUSPENDED, licence_valid_until=None, tier=TIER["CC_1"])
    refusals = check(loan("300000.01", who))
    assert [r.rule for r in refusals] == [
        "MANAGER_NOT_ACTIVE",
        "LICENCE_NOT_VALID",
        "AMOUNT_OVER_CAP",
    ]
    assert all(r.article and r.message for r in refusals)


# --- rotation (省办法 第六条、第八条) ------------------------------------------------------


@pytest.mark.parametrize(
    ("post_started_on", "status", "raw", "due"),
    [
        (dt.date(2022, 3, 1), ManagerStatus.ACTIVE, {}, dt.date(2025, 3, 1)),
        (dt.date(2020, 2, 29), ManagerStatus.ACTIVE, {}, dt.date(2023, 2, 28)),
        (dt.date(2022, 3, 1), ManagerStatus.ACTIVE, {"rotation_years": 5}, dt.date(2027, 3, 1)),
        (dt.date(2022, 3, 1), ManagerStatus.SUSPENDED, {}, dt.date(2025, 3, 1)),
        (None, ManagerStatus.ACTIVE, {}, None),
        (dt.date(2022, 3, 1), ManagerStatus.LEFT, {}, None),
        (dt.date(2022, 3, 1), ManagerStatus.DISQUALIFIED, {}, None),
    ],
)
def test_rotation_due_three_years_after_the_post_started(
    post_started_on: dt.date | None,
    status: ManagerStatus,
    raw: dict[str, int],
    due: dt.date | None,
) -> None:
    who = manager(post_started_on=post_started_on, status=status)
    result = LENDING.rotation_due_on(who, params(**raw))
    assert result == due


# --- penalties (省办法 第七条) -----------------------------------------------------------


def penalty(kind: ViolationKind, count: int = 1, tenant_params: Params = DEFAULTS) -> PenaltyEffect:
    case = violation_case(
        kind=kind,
        occurred_on=LOAN_DAY,
        manager=manager(),
        confirmed_same_kind_this_year=count,
        tiers=plugin.TIERS,
    )
    effect = REGISTRY.penalty(plugin.NAME).effect(case, tenant_params)
    assert isinstance(effect, PenaltyEffect)
    return effect


LIFE = PenaltyKind.DISQUALIFY_FOR_LIFE
NONE = PenaltyKind.NONE


PENALTY_ROWS = [
    (ViolationKind.TEN_KINDS_OF_PERSON, LIFE, "第七条(一)"),
    (ViolationKind.LOSS_BY_MISCONDUCT, LIFE, "第七条(二)"),
    (ViolationKind.FALSIFICATION, LIFE, "第七条(四)"),
    (ViolationKind.OTHER, LIFE, "第七条(四)"),
    (ViolationKind.CUSTOMER_COMPLAINT, NONE, "第七条(三)"),
    (ViolationKind.EXAM_FAILED, NONE, "第七条"),
    (ViolationKind.TRAINING_EXAM_FAILED, NONE, "第七条"),
    (ViolationKind.LOAN_TO_PAY_INTEREST, NONE, "第七条"),
    (ViolationKind.NOMINEE_LOAN, NONE, "第七条"),
    (ViolationKind.CROSS_COMMUNITY_LOAN, NONE, "第七条"),
    (ViolationKind.CREDIT_TO_BANNED_CUSTOMER, NONE, "第七条"),
    (ViolationKind.AUDIT_NOTICE, NONE, "第七条"),
]


@pytest.mark.parametrize(("kind", "effect", "clause"), PENALTY_ROWS)
def test_penalty_by_kind(kind: ViolationKind, effect: PenaltyKind, clause: str) -> None:
    result = penalty(kind)
    assert result.effect is effect
    assert result.article.endswith(clause)
    assert result.reason and result.to_tier is None


def test_every_violation_kind_has_a_penalty_row() -> None:
    assert {row[0] for row in PENALTY_ROWS} == set(ViolationKind)


@pytest.mark.parametrize(
    ("count", "raw", "effect"),
    [
        (1, {}, NONE),
        (2, {}, NONE),
        (3, {}, LIFE),
        (4, {}, LIFE),
        (4, {"complaints_for_disqualification": 5}, NONE),
        (5, {"complaints_for_disqualification": 5}, LIFE),
    ],
)
def test_three_confirmed_complaints_disqualify_for_life(
    count: int, raw: dict[str, int], effect: PenaltyKind
) -> None:
    result = penalty(ViolationKind.CUSTOMER_COMPLAINT, count, params(**raw))
    assert result.effect is effect
    assert result.article.endswith("第七条(三)")
    assert str(count) in result.reason


@pytest.mark.parametrize("status", [ManagerStatus.ACTIVE, ManagerStatus.PROBATION])
def test_a_level_set_by_hand_is_left_to_the_core(status: ManagerStatus) -> None:
    """The level follows an appraisal's level score (第三章), which a profile does not carry:
    the plugin leaves ``grading_tier_refusals`` out, and every level is open to it."""
    assert not hasattr(plugin, "grading_tier_refusals")
    who = manager_profile(status=status)
    for level in plugin.TIERS:
        assert GRADING.tier_refusals(who, level, DEFAULTS) == ()


# --- properties (hypothesis) --------------------------------------------------------

SCORE = st.decimals(min_value=0, max_value=100, places=3)
AMOUNT = st.decimals(min_value=-(10**6), max_value=10**7, places=2, allow_nan=False)
RATINGS = ("INCOMPETENT", "BASICALLY_COMPETENT", "COMPETENT", "EXCELLENT")


@st.composite
def county_cases(draw: st.DrawFn) -> AppraisalInput:
    recorded = values(
        theory_exam_score=draw(SCORE),
        work_results_score=draw(SCORE),
        work_skill_score=draw(SCORE),
        credit_management_score=draw(SCORE),
        daily_work_score=draw(SCORE),
        npl_ratio=draw(st.decimals(min_value=0, max_value=1, places=4)),
        **{line: draw(AMOUNT) for line in LINES},
    )
    plans = {line: draw(AMOUNT) for line in LINES}
    current = draw(st.sampled_from([None, *TIER]))
    return appraisal(
        recorded, plans=plans, who=manager(tier=None if current is None else TIER[current])
    )


@settings(max_examples=150, deadline=None)
@given(county_cases())
def test_property_the_total_is_the_sum_of_the_items(case: AppraisalInput) -> None:
    outcome = appraise(case)
    assert outcome.graded and outcome.total is not None
    assert outcome.total == sum((i.score for i in outcome.items), Decimal(0))
    assert all(i.score >= 0 for i in outcome.items)  # the quantitative part floors at 0
    assert outcome.total <= sum((i.max_points or Decimal(0) for i in outcome.items), Decimal(0))


@settings(deadline=None)
@given(SCORE, SCORE, SCORE, SCORE, SCORE, SCORE)
def test_property_a_higher_level_score_never_admits_a_lower_level(
    t1: Decimal, r1: Decimal, s1: Decimal, t2: Decimal, r2: Decimal, s2: Decimal
) -> None:
    one = level_from_scores(max(t1, Decimal(70)), r1, s1, DEFAULTS)
    two = level_from_scores(max(t2, Decimal(70)), r2, s2, DEFAULTS)
    low, high = sorted((one, two), key=lambda level: level.score)
    assert low.tier.rank <= high.tier.rank
    assert low.shown <= low.score < low.shown + Decimal("0.01")


@settings(deadline=None)
@given(
    st.decimals(min_value=-5, max_value=5, places=6),
    st.decimals(min_value=-5, max_value=5, places=6),
)
def test_property_a_higher_completion_never_gives_a_lower_rating(a: Decimal, b: Decimal) -> None:
    low, high = sorted((a, b))
    assert RATINGS.index(rating_for(low).code) <= RATINGS.index(rating_for(high).code)


# --- explanations: Chinese, with the English beside them ---------------------------------

VARIED: dict[str, AppraisalInput] = {
    "on plan": appraisal(),
    "a quarter": appraisal(period_kind=PeriodKind.QUARTER),
    "inputs missing": appraisal({}, plans={}),
    "incompetent, NPL above the limit": appraisal(at_completion("0.5", npl_ratio="0.08")),
    "excellent, a higher level admitted": appraisal(
        at_completion("1.3", theory_exam_score=99, work_results_score=99, work_skill_score=99)
    ),
    "trainee rated incompetent": appraisal(
        at_completion("0.3"), who=manager(tier=TIER["CC_TRAINEE"])
    ),
    "not graded yet": appraisal(who=manager(tier=None)),
    "plans of 0": appraisal(plans=dict.fromkeys(LINES, D(0))),
    "a loss, no profit share": appraisal(values(average_loan_rate="0.01")),
    "credit work ended": appraisal(who=manager(status=ManagerStatus.LEFT)),
    "scores out of range": appraisal(values(credit_management_score=120)),
}


@pytest.mark.parametrize("case", list(VARIED))
def test_every_explanation_is_chinese_with_the_english_beside_it(case: str) -> None:
    assert untranslated(appraise(VARIED[case])) == []


def test_explanations_in_chinese() -> None:
    outcome = appraise(VARIED["on plan"])
    assert item(outcome, "quantitative").explanation == (
        "业绩完成率 100.00% = 0.30×100.00% + 0.40×100.00% + 0.15×100.00% + 0.15×100.00%；"
        "定量得分 100 × min(max(完成率, 0), 120.00%) = 100 分，× 70% = 70.00 分"
    )
    assert item(outcome, "qualitative").explanation == (
        "定性得分 0.5×信贷管理类 80 + 0.5×日常工作类 80 = 80 分，× 30% = 24.00 分"
    )
    assert item(outcome, "qualitative").explanation_en == (
        "qualitative score 0.5×80 + 0.5×80 = 80, × 30% = 24.00"
    )
    assert outcome.explanation == (
        "ⅩⅩ县农村信用社客户经理管理办法：总分 94.00 分 = 定量 70.00 分 + 定性 24.00 分（第六章二）；"
        "业绩完成率 100.00%：称职（第五章二）；等级分 75.00 可定二级客户经理（第三章）；"
        "不良贷款率 1.00%，上限 5.00%；考评为称职：等级不变（第五章三）"
    )
    assert [line.explanation for line in outcome.pay] == [
        "贷款发放额 100000 元 × （平均贷款利率 0.0735 − 联社综合成本率 0.04）= 3350.00 元",
        "利润 3350.00 元 × 利润分成比例 0.05 = 167.50 元",
        "（年终绩效工资 20000 元 + 利润分成 167.50 元）× 风险保证金扣收比例 0.30 = 6050.25 元，"
        "存入本人风险保证金账户",
    ]
    assert outcome.pay[2].explanation_en == (
        "(year-end performance pay 20000 + profit share 167.50) × risk_deposit_ratio 0.30 = "
        "6050.25, into the manager's own risk-deposit account"
    )
    down = appraise(VARIED["incompetent, NPL above the limit"])
    assert down.explanation.endswith(
        "考评为不称职且不良贷款率 8.00% 高于上限 5.00%：下调一级至一级客户经理（第五章三）"
    )
    up = appraise(VARIED["excellent, a higher level admitted"])
    assert up.explanation.endswith(
        "考评为优秀且等级分可定四级客户经理：上调一级至三级客户经理（第五章三）"
    )


@pytest.mark.parametrize(
    ("held", "explanation"),
    [
        (None, "尚未定级，按见习客户经理：单笔贷款 100000 元以内"),
        ("CC_1", "一级客户经理：单笔贷款 300000 元以内"),
        ("CC_4", "四级客户经理：单笔贷款不设上限"),
    ],
)
def test_lending_cap_explained_in_chinese(held: str | None, explanation: str) -> None:
    cap = lending_cap(manager(tier=None if held is None else TIER[held]), DEFAULTS)
    assert cap.explanation == explanation
    assert bilingual_problem(cap.explanation, cap.explanation_en) is None
