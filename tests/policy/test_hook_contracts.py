"""One contract test per hook: each hook is called through :class:`PolicyRegistry` on every
in-tree plugin that implements it, with realistic inputs, and the shape of the answer is
checked. The rule-by-rule tests of each plugin live in ``tests/plugins``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest

from server.policy import (
    COMPUTED_INDICATORS,
    AppraisalInput,
    AppraisalOutcome,
    Classification,
    CohortMember,
    CustomerClass,
    CustomerFacts,
    CustomerKind,
    FindingCount,
    FindingSpec,
    IndicatorSource,
    IndicatorSpec,
    IndustryPolicy,
    LendingCap,
    ManagerProfile,
    ManagerStatus,
    OperatingStatus,
    Parameters,
    ParameterSpec,
    PenaltyEffect,
    PenaltyKind,
    PeriodKind,
    PluginInfo,
    PolicyCategory,
    Prospects,
    RiskClass,
    RuleHit,
    Tier,
    TierDirection,
    TierMove,
    TierMoveFlag,
    ViolationKind,
    is_finding_code,
    is_indicator_key,
    is_item_key,
    parse_period,
    testing,
)
from server.policy.explanations import bilingual_problem, untranslated
from server.policy.registry import PolicyRegistry
from tests.policy.contract import (
    ARTICLE,
    IN_TREE,
    NOT_GRADED,
    YEAR,
    D,
    check_refusals,
    implementers,
    loan_request,
    own_tiers,
    params_of,
    profile,
)

COUNTY_LINES = ("loans_issued", "interest_recovered", "deposits_absorbed", "fee_income")

GRADING_INPUTS: dict[str, tuple[Mapping[str, Decimal], Mapping[str, Decimal]]] = {
    # values, plans of a year in which the manager meets the plan
    "shandong": (
        {
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
        },
        {
            "deposit_net_increase": D(1_000_000),
            "npl_net_reduction": D(50_000),
            "npl_cash_recovered": D(50_000),
            "writeoff_recovered": D(5_000),
            "interest_recovered": D(500_000),
        },
    ),
    "anhui": (
        {
            "performance_score": D(82),
            "ethics_score": D(95),
            "basic_management_score": D(78),
            "credit_operation_score": D(80),
            "service_quality_score": D(88),
        },
        {},
    ),
    "county_coop": (
        {
            "theory_exam_score": D(75),
            "work_results_score": D(75),
            "work_skill_score": D(75),
            **dict.fromkeys(COUNTY_LINES, D(100_000)),
            "credit_management_score": D(80),
            "daily_work_score": D(80),
            "npl_ratio": D("0.01"),
            "average_loan_rate": D("0.0735"),
            "year_end_performance_pay": D(20_000),
        },
        dict.fromkeys(COUNTY_LINES, D(100_000)),
    ),
}

PERIODS = {PeriodKind.YEAR: parse_period("2025"), PeriodKind.QUARTER: parse_period("2025-Q3")}


def cohort_of(name: str, tiers: tuple[Tier, ...], size: int) -> tuple[CohortMember, ...]:
    values, _ = GRADING_INPUTS[name]
    return tuple(
        CohortMember(
            profile(tiers[i % len(tiers)], manager_id=f"M-{i}", employee_no=f"E{i:04d}"),
            {key: value * (i + 1) for key, value in values.items()},
        )
        for i in range(size)
    )


def appraisal_input(
    registry: PolicyRegistry,
    name: str,
    kind: PeriodKind,
    manager: ManagerProfile,
    *,
    with_values: bool = True,
) -> AppraisalInput:
    values, plans = GRADING_INPUTS[name]
    period = PERIODS[kind]
    params = params_of(registry, name)
    figures = registry.grading(name).cohort_figures(
        period, cohort_of(name, own_tiers(registry, name), 5), params
    )
    return testing.appraisal_input(
        period,
        manager=manager,
        values=values if with_values else {},
        plans=plans if with_values else {},
        findings=(FindingCount("C1.4", "MISSING_REPORT", 1),) if name == "shandong" else (),
        cohort=figures,
        params=params,
    )


def held_tiers(registry: PolicyRegistry, name: str) -> list[Tier | None]:
    """No tier yet, then every tier of the plugin."""
    return [None, *own_tiers(registry, name)]


def check_tier(registry: PolicyRegistry, name: str, tier: Tier | None) -> None:
    assert tier is None or tier in own_tiers(registry, name), f"{tier} is not a tier of {name}"


def check_outcome(registry: PolicyRegistry, name: str, outcome: object) -> AppraisalOutcome:
    assert isinstance(outcome, AppraisalOutcome)
    assert outcome.explanation.strip()
    assert untranslated(outcome) == [], "every explanation is Chinese, with the English beside it"
    check_tier(registry, name, outcome.tier)
    assert (outcome.rating is None) == (outcome.rating_label is None)
    assert all(isinstance(w, str) and w for w in outcome.warnings)
    if not outcome.graded:
        assert (outcome.items, outcome.total, outcome.tier) == ((), None, None)
        assert ARTICLE.search(outcome.explanation), "a refusal to grade names its article"
        return outcome
    assert outcome.items
    assert len({item.key for item in outcome.items}) == len(outcome.items)
    for item in outcome.items:
        assert item.key and item.name and item.article.strip() and item.explanation.strip()
        assert isinstance(item.score, Decimal) and item.score.is_finite()
        assert item.max_points is None or isinstance(item.max_points, Decimal)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in item.inputs.items())
    assert outcome.total == sum((item.score for item in outcome.items), D(0))
    for line in outcome.pay:
        assert line.key and line.name and line.article.strip() and line.explanation.strip()
        assert isinstance(line.amount, Decimal) and line.amount.is_finite()
    return outcome


@pytest.mark.parametrize("name", implementers("policy_info"))
def test_hook_policy_info(in_tree: PolicyRegistry, name: str) -> None:
    info = IN_TREE[name].policy_info()
    assert isinstance(info, PluginInfo)
    assert info.name == name == IN_TREE[name].NAME
    assert re.fullmatch(r"\d+\.\d+\.\d+", info.version)
    assert info.title.strip()
    assert info.sources and all(isinstance(s, str) and s.strip() for s in info.sources)
    assert isinstance(info.categories, frozenset) and info.categories
    assert all(isinstance(c, PolicyCategory) for c in info.categories)
    assert all(isinstance(p, ParameterSpec) for p in info.parameters)
    names = [p.name for p in info.parameters]
    assert len(names) == len(set(names)), "parameter names repeat"
    assert issubclass(info.params, Parameters)
    assert info.parameters == info.params.specs()
    assert list(info.params.names()) == names
    assert in_tree.info(name) == info
    assert IN_TREE[name].policy_info() == info


@pytest.mark.parametrize("name", implementers("grading_tiers"))
def test_hook_grading_tiers(in_tree: PolicyRegistry, name: str) -> None:
    tiers = IN_TREE[name].grading_tiers()
    assert isinstance(tiers, tuple) and tiers
    assert all(isinstance(t, Tier) for t in tiers)
    ranks = [t.rank for t in tiers]
    assert ranks[0] >= 0
    assert all(low < high for low, high in itertools.pairwise(ranks)), ranks
    assert len({t.code for t in tiers}) == len(tiers)
    for tier in tiers:
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", tier.code)
        assert tier.name.strip() and tier.external_title.strip()
    assert in_tree.grading(name).tiers() == tiers
    assert in_tree.grading(name).tiers() == tiers


@pytest.mark.parametrize("kind", list(PeriodKind))
@pytest.mark.parametrize("name", implementers("grading_indicators"))
def test_hook_grading_indicators(in_tree: PolicyRegistry, name: str, kind: PeriodKind) -> None:
    params = params_of(in_tree, name)
    specs = in_tree.grading(name).indicators(PERIODS[kind], params)
    assert isinstance(specs, tuple)
    assert all(isinstance(s, IndicatorSpec) for s in specs)
    if kind is PeriodKind.YEAR:
        assert specs, "a yearly appraisal reads inputs"
    pairs = [(s.key, s.source) for s in specs]
    assert len(pairs) == len(set(pairs)), "an indicator is listed twice for one source"
    for spec in specs:
        assert is_indicator_key(spec.key)
        assert isinstance(spec.source, IndicatorSource)
        assert spec.unit.strip() and spec.description.strip()
        if spec.source is IndicatorSource.COMPUTED:
            assert spec.key in COMPUTED_INDICATORS, f"the core cannot compute {spec.key}"
    # The realistic inputs used below supply every required value and plan.
    values, plans = GRADING_INPUTS[name]
    for spec in specs:
        if not spec.required:
            continue
        if spec.source in (IndicatorSource.COMPUTED, IndicatorSource.RECORDED):
            assert spec.key in values
        elif spec.source is IndicatorSource.TASK_PLAN:
            assert spec.key in plans
    assert in_tree.grading(name).indicators(PERIODS[kind], params) == specs


@pytest.mark.parametrize("size", [0, 1, 5])
@pytest.mark.parametrize("name", implementers("grading_cohort_figures"))
def test_hook_grading_cohort_figures(in_tree: PolicyRegistry, name: str, size: int) -> None:
    params = params_of(in_tree, name)
    cohort = cohort_of(name, own_tiers(in_tree, name), size)
    grading = in_tree.grading(name)
    figures = grading.cohort_figures(YEAR, cohort, params)
    assert isinstance(figures, Mapping)
    for key, value in figures.items():
        assert isinstance(key, str) and re.fullmatch(r"[a-z][a-z0-9_]*", key)
        assert isinstance(value, Decimal) and value.is_finite()
    again = grading.cohort_figures(YEAR, cohort, params)
    assert dict(again) == dict(figures)
    reordered = grading.cohort_figures(YEAR, cohort[::-1], params)
    assert dict(reordered) == dict(figures), "the cohort's order changes the figures"


UNSCORED_CASES: dict[str, tuple[PeriodKind, dict[str, Any]]] = {
    "active-year": (PeriodKind.YEAR, {}),
    "active-quarter": (PeriodKind.QUARTER, {}),
    "probation-year": (
        PeriodKind.YEAR,
        {
            "status": ManagerStatus.PROBATION,
            "hire_date": dt.date(2025, 3, 1),
            "probation_ends_on": dt.date(2026, 3, 1),
        },
    ),
    "suspended-year": (PeriodKind.YEAR, {"status": ManagerStatus.SUSPENDED}),
}


@pytest.mark.parametrize("case", list(UNSCORED_CASES))
@pytest.mark.parametrize("name", implementers("grading_unscored_outcome"))
def test_hook_grading_unscored_outcome(in_tree: PolicyRegistry, name: str, case: str) -> None:
    kind, changes = UNSCORED_CASES[case]
    tiers = own_tiers(in_tree, name)
    for with_values in (True, False):  # the scoring inputs may be missing altogether
        appraisal = appraisal_input(
            in_tree, name, kind, profile(tiers[0], **changes), with_values=with_values
        )
        outcome = in_tree.grading(name).unscored_outcome(appraisal)
        if outcome is not None:
            check_outcome(in_tree, name, outcome)
        assert in_tree.grading(name).unscored_outcome(appraisal) == outcome
        if case == "active-year":
            assert outcome is None, "an active, qualified manager is scored in a year"


@pytest.mark.parametrize("kind", list(PeriodKind))
@pytest.mark.parametrize("name", implementers("grading_appraise"))
def test_hook_grading_appraise(in_tree: PolicyRegistry, name: str, kind: PeriodKind) -> None:
    for held in held_tiers(in_tree, name):
        appraisal = appraisal_input(in_tree, name, kind, profile(held))
        outcome = check_outcome(in_tree, name, in_tree.grading(name).appraise(appraisal))
        if kind is PeriodKind.YEAR:
            assert outcome.graded, f"{held}: {outcome.explanation}"
            assert outcome.tier is not None
        same_input = dataclasses.replace(
            appraisal, values=dict(appraisal.values), plans=dict(appraisal.plans)
        )
        assert in_tree.grading(name).appraise(same_input) == outcome


def check_move(registry: PolicyRegistry, name: str, held: Tier | None, move: object) -> TierMove:
    assert isinstance(move, TierMove)
    assert isinstance(move.direction, TierDirection)
    assert move.reason.strip() and move.article.strip()
    assert all(isinstance(flag, TierMoveFlag) for flag in move.flags)
    check_tier(registry, name, move.to_tier)
    if move.direction is TierDirection.PROMOTION:
        assert held is not None and move.to_tier is not None
        assert move.to_tier.rank > held.rank
    elif move.direction is TierDirection.DEMOTION:
        assert held is not None and move.to_tier is not None
        assert move.to_tier.rank < held.rank
    elif move.direction is TierDirection.SET:
        assert move.to_tier is not None
    else:
        assert move.to_tier in (None, held)
    return move


@pytest.mark.parametrize("kind", list(PeriodKind))
@pytest.mark.parametrize("name", implementers("grading_tier_move"))
def test_hook_grading_tier_move(in_tree: PolicyRegistry, name: str, kind: PeriodKind) -> None:
    params = params_of(in_tree, name)
    grading = in_tree.grading(name)
    period = PERIODS[kind]
    for held in held_tiers(in_tree, name):
        manager = profile(held)
        outcome = grading.appraise(appraisal_input(in_tree, name, kind, manager))
        move = check_move(in_tree, name, held, grading.tier_move(manager, outcome, period, params))
        assert grading.tier_move(manager, outcome, period, params) == move
        unmoved = check_move(
            in_tree, name, held, grading.tier_move(manager, NOT_GRADED, period, params)
        )
        assert unmoved.direction is TierDirection.NONE, "an ungraded appraisal moves no tier"


TIER_PROFILES: dict[str, dict[str, Any]] = {
    "active-qualified": {},
    "no-qualification": {"qualification_level": None},
    "in-probation": {"status": ManagerStatus.PROBATION, "probation_ends_on": dt.date(2026, 3, 1)},
    "suspended": {"status": ManagerStatus.SUSPENDED},
}


@pytest.mark.parametrize("case", list(TIER_PROFILES))
@pytest.mark.parametrize("name", implementers("grading_tier_refusals"))
def test_hook_grading_tier_refusals(in_tree: PolicyRegistry, name: str, case: str) -> None:
    """Every plugin that grades answers for each of its tiers, implemented or not: refusals
    with rule, article and message, the same for the same manager and tier."""
    params = params_of(in_tree, name)
    grading = in_tree.grading(name)
    manager = profile(grading.tiers()[0], **TIER_PROFILES[case])
    for tier in own_tiers(in_tree, name):
        refusals = check_refusals(grading.tier_refusals(manager, tier, params))
        assert grading.tier_refusals(manager, tier, params) == refusals
        assert all(ARTICLE.search(r.article) for r in refusals), refusals


@pytest.mark.parametrize("kind", list(PeriodKind))
@pytest.mark.parametrize("name", implementers("grading_findings"))
def test_hook_grading_findings(in_tree: PolicyRegistry, name: str, kind: PeriodKind) -> None:
    """Every plugin that grades answers, implemented or not: no list (any well-formed code is
    taken), or well-formed (item, code) pairs, each once, with a description — and none for a
    period whose appraisal reads no findings."""
    params = params_of(in_tree, name)
    grading = in_tree.grading(name)
    specs = grading.findings(PERIODS[kind], params)
    assert grading.findings(PERIODS[kind], params) == specs
    if specs is None:
        return
    assert all(isinstance(s, FindingSpec) for s in specs)
    pairs = [(s.item, s.finding) for s in specs]
    assert len(pairs) == len(set(pairs)), "a finding code is listed twice for one item"
    for spec in specs:
        assert is_item_key(spec.item) and is_finding_code(spec.finding), spec
        assert spec.description.strip(), spec
    reads = {s.source for s in grading.indicators(PERIODS[kind], params)}
    if IndicatorSource.FINDINGS not in reads:
        assert specs == (), "findings listed for an appraisal that reads none"


BASE_FACTS = testing.customer_facts()

FACT_CASES: dict[str, dict[str, Any]] = {
    "sound-farmer": {},
    "no-loan-yet": {"worst_risk_class": None},
    "stable-prospects": {"prospects": Prospects.STABLE, "contribution_score": 40},
    "overdue-now": {"max_days_overdue": 45, "worst_risk_class": RiskClass.SPECIAL_MENTION},
    "recent-bad-record": {"last_bad_credit_on": dt.date(2024, 11, 3)},
    "blacklisted": {"blacklisted": True},
    "corporate-declining": {
        "kind": CustomerKind.CORPORATE,
        "operating_status": OperatingStatus.DECLINING,
        "industry_policy": IndustryPolicy.NEUTRAL,
    },
    "loss-loan": {"worst_risk_class": RiskClass.LOSS, "max_days_overdue": 400},
}

FACT_FIELDS = {f.name for f in dataclasses.fields(CustomerFacts)}


@pytest.mark.parametrize("case", list(FACT_CASES))
@pytest.mark.parametrize("name", implementers("classify_customer"))
def test_hook_classify_customer(in_tree: PolicyRegistry, name: str, case: str) -> None:
    facts = dataclasses.replace(BASE_FACTS, **FACT_CASES[case])
    params = params_of(in_tree, name)
    classification = in_tree.classification(name)
    result = classification.classify(facts, params)
    assert isinstance(result, Classification)
    assert isinstance(result.customer_class, CustomerClass)
    assert result.rules, "a class names the rules that decided it"
    for hit in result.rules:
        assert isinstance(hit, RuleHit)
        assert hit.rule.strip() and hit.value.strip() and hit.article.strip()
        assert hit.fact in FACT_FIELDS, f"{hit.fact} is not a customer fact"
    same_facts = dataclasses.replace(facts)
    assert classification.classify(same_facts, params) == result


@pytest.mark.parametrize("customer_class", [None, *CustomerClass])
@pytest.mark.parametrize("name", implementers("classification_credit_check"))
def test_hook_classification_credit_check(
    in_tree: PolicyRegistry, name: str, customer_class: CustomerClass | None
) -> None:
    params = params_of(in_tree, name)
    for amount in (D("10000.00"), D("30000.00"), D("500000.00")):
        request = loan_request(profile(None), amount, customer_class)
        refusals = check_refusals(in_tree.classification(name).credit_check(request, params))
        again = in_tree.classification(name).credit_check(request, params)
        assert again == refusals


@pytest.mark.parametrize("name", implementers("lending_cap"))
def test_hook_lending_cap(in_tree: PolicyRegistry, name: str) -> None:
    params = params_of(in_tree, name)
    on = dt.date(2025, 6, 2)
    for held in held_tiers(in_tree, name):
        cap = in_tree.lending(name).cap(profile(held), on, params)
        assert isinstance(cap, LendingCap)
        assert cap.amount is None or (isinstance(cap.amount, Decimal) and cap.amount >= 0)
        assert cap.article.strip() and cap.explanation.strip()
        assert bilingual_problem(cap.explanation, cap.explanation_en) is None
        assert in_tree.lending(name).cap(profile(held), on, params) == cap


@pytest.mark.parametrize("name", implementers("lending_check"))
def test_hook_lending_check(in_tree: PolicyRegistry, name: str) -> None:
    """The check includes the cap: one cent above it adds a refusal the cap itself does not."""
    params = params_of(in_tree, name)
    lending = in_tree.lending(name)
    for held in held_tiers(in_tree, name):
        manager = profile(held)
        cap = lending.cap(manager, dt.date(2025, 6, 2), params)
        assert isinstance(cap, LendingCap)
        amounts = [D("0.01"), D("300000.00")] if cap.amount is None else [cap.amount]
        for amount in amounts:
            request = loan_request(manager, amount)
            refusals = check_refusals(lending.check(request, params))
            assert lending.check(request, params) == refusals
            if cap.amount is not None and cap.amount > 0:
                above = check_refusals(
                    lending.check(loan_request(manager, cap.amount + D("0.01")), params)
                )
                assert {r.rule for r in refusals} < {r.rule for r in above}, (held, cap)


@pytest.mark.parametrize("post_started_on", [None, dt.date(2022, 3, 1), dt.date(2025, 1, 15)])
@pytest.mark.parametrize("name", implementers("lending_rotation_due_on"))
def test_hook_lending_rotation_due_on(
    in_tree: PolicyRegistry, name: str, post_started_on: dt.date | None
) -> None:
    params = params_of(in_tree, name)
    for held in held_tiers(in_tree, name):
        manager = profile(held, post_started_on=post_started_on)
        due = in_tree.lending(name).rotation_due_on(manager, params)
        assert due is None or type(due) is dt.date
        if due is not None:
            assert due > (post_started_on or manager.hire_date)
        assert in_tree.lending(name).rotation_due_on(manager, params) == due


@pytest.mark.parametrize("kind", list(ViolationKind))
@pytest.mark.parametrize("name", implementers("penalty_effect"))
def test_hook_penalty_effect(in_tree: PolicyRegistry, name: str, kind: ViolationKind) -> None:
    params = params_of(in_tree, name)
    tiers = own_tiers(in_tree, name)
    for held in held_tiers(in_tree, name):
        for count in (1, 3):
            case = testing.violation_case(
                kind=kind,
                occurred_on=dt.date(2025, 5, 20),
                manager=profile(held),
                confirmed_same_kind_this_year=count,
                tiers=tiers,
            )
            effect = in_tree.penalty(name).effect(case, params)
            assert isinstance(effect, PenaltyEffect)
            assert isinstance(effect.effect, PenaltyKind)
            assert effect.article.strip() and effect.reason.strip()
            if effect.effect is PenaltyKind.DOWN_ONE_TIER:
                assert held is not None and effect.to_tier is not None
                check_tier(in_tree, name, effect.to_tier)
                assert effect.to_tier.rank < held.rank
            else:
                assert effect.to_tier is None
            assert in_tree.penalty(name).effect(case, params) == effect
