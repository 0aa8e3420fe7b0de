"""The policy hook contract, and the plugins that implement it.

In the manner of datasette's plugin tests: every hook specification documents
itself, every hook has a ``test_hook_<name>`` contract test (a test below fails
when one is missing), and each in-tree plugin declares, implements and documents
what it serves. An out-of-tree plugin is installed the way a federation's own
package would be, and serves a tenant over GraphQL.

These are contract tests: each hook is called through :class:`PolicyRegistry` on
every in-tree plugin that implements it, with realistic inputs, and the shape of
the answer is checked. The rule-by-rule tests of each plugin live in
``tests/plugins``.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import importlib.metadata
import inspect
import itertools
import re
import sys
import textwrap
import types
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import plugins.anhui
import plugins.county_coop
import plugins.shandong
import plugins.shanxi_customer_class
from server.app import create_app
from server.db import models
from server.domain import Role
from server.errors import IncompletePlugin, UnknownPlugin
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
    IndicatorSource,
    IndicatorSpec,
    IndustryPolicy,
    LendingCap,
    LoanRequest,
    ManagerProfile,
    ManagerStatus,
    OperatingStatus,
    Parameters,
    ParameterSpec,
    Params,
    ParamType,
    PenaltyEffect,
    PenaltyKind,
    Period,
    PeriodKind,
    PluginInfo,
    PolicyCategory,
    Prospects,
    Refusal,
    RiskClass,
    RuleHit,
    Tier,
    TierDirection,
    TierMove,
    TierMoveFlag,
    ViolationKind,
    hookimpl,
    hookspecs,
    is_indicator_key,
    parameter,
    parse_period,
    testing,
)
from server.policy.hookspecs import HOOKS_BY_CATEGORY
from server.policy.parameters import defaults, resolve, to_json
from server.policy.registry import PolicyRegistry
from server.settings import Settings
from tests.conftest import Api

D = Decimal
SPEC_MARK = f"{hookspecs.PROJECT}_spec"
IMPL_MARK = f"{hookspecs.PROJECT}_impl"
TESTS_DIR = Path(__file__).parents[1]

G, C, L, P = (
    PolicyCategory.GRADING,
    PolicyCategory.CLASSIFICATION,
    PolicyCategory.LENDING,
    PolicyCategory.PENALTY,
)

IN_TREE: dict[str, types.ModuleType] = {
    "anhui": plugins.anhui,
    "county_coop": plugins.county_coop,
    "shandong": plugins.shandong,
    "shanxi_customer_class": plugins.shanxi_customer_class,
}
"""The four in-tree plugins, by the name a tenant selects."""

EXPECTED_CATEGORIES: dict[str, frozenset[PolicyCategory]] = {
    "anhui": frozenset({G, L, P}),
    "county_coop": frozenset({G, L, P}),
    "shandong": frozenset({G, P}),
    "shanxi_customer_class": frozenset({C}),
}
"""What each plugin's README says it serves."""

BRIEF_HOOKS = frozenset(
    {
        "policy_info",
        "grading_tiers",
        "grading_indicators",
        "grading_cohort_figures",
        "grading_appraise",
        "grading_tier_move",
        "classify_customer",
        "classification_credit_check",
        "lending_cap",
        "lending_check",
        "lending_rotation_due_on",
        "penalty_effect",
    }
)
"""Hooks the contract has always had (it may grow, never shrink)."""

ARTICLE = re.compile(r"第[一二三四五六七八九十百零〇\d]+[条章]")
"""An article or chapter of a source document, e.g. 第十一条 or 第五章."""


def _hook_specs() -> dict[str, Callable[..., Any]]:
    return {
        name: function
        for name, function in vars(hookspecs).items()
        if inspect.isfunction(function) and hasattr(function, SPEC_MARK)
    }


HOOK_SPECS = _hook_specs()
HOOK_NAMES = sorted(HOOK_SPECS)


def _category_of(hook: str) -> PolicyCategory | None:
    for category, hooks in HOOKS_BY_CATEGORY.items():
        if hook in hooks:
            return PolicyCategory(category)
    return None


def implementers(hook: str) -> list[str]:
    """The in-tree plugins that implement ``hook``: all for policy_info, else by category."""
    category = _category_of(hook)
    if category is None:
        return sorted(IN_TREE)
    return sorted(name for name, served in EXPECTED_CATEGORIES.items() if category in served)


@pytest.fixture(scope="module")
def in_tree() -> PolicyRegistry:
    """A registry of exactly the four in-tree plugins."""
    return PolicyRegistry(IN_TREE.values())


def own_tiers(registry: PolicyRegistry, name: str) -> tuple[Tier, ...]:
    tiers = registry.grading(name).tiers()
    assert tiers, f"{name} has no tiers"
    return tiers


def params_of(registry: PolicyRegistry, name: str) -> Params:
    return defaults(registry.info(name))


# --- the hook specifications ---------------------------------------------------------


def test_hookspecs_hold_every_known_hook() -> None:
    assert set(HOOK_NAMES) >= BRIEF_HOOKS, sorted(BRIEF_HOOKS - set(HOOK_NAMES))


@pytest.mark.parametrize("hook", HOOK_NAMES)
def test_spec_docstring_documents_parameters_return_and_firstresult(hook: str) -> None:
    spec = HOOK_SPECS[hook]
    doc = inspect.getdoc(spec) or ""
    parameters = list(inspect.signature(spec).parameters)
    assert re.findall(r"^:param (\w+):", doc, re.MULTILINE) == parameters
    assert re.search(r"^:return: \S", doc, re.MULTILINE), f"{hook} documents no :return:"
    assert "Stops at first non-None result." in doc
    assert getattr(spec, SPEC_MARK)["firstresult"] is True


GUIDE = TESTS_DIR.parent / "docs" / "plugin-authors.md"


def _signature(hook: str) -> str:
    """A hook's signature as the guide writes it: ``name(arg: Type, …) -> Return``."""
    signature = inspect.signature(HOOK_SPECS[hook])
    arguments = ", ".join(f"{name}: {p.annotation}" for name, p in signature.parameters.items())
    return f"{hook}({arguments}) -> {signature.return_annotation}"


@pytest.mark.parametrize("hook", HOOK_NAMES)
def test_guide_documents_the_hook_with_its_signature(hook: str) -> None:
    assert f"#### `{_signature(hook)}`" in GUIDE.read_text(encoding="utf-8")


def test_guide_holds_the_worked_example_as_it_runs() -> None:
    example = (TESTS_DIR / "plugins" / "example_policy.py").read_text(encoding="utf-8")
    assert f"```python\n{example}```" in GUIDE.read_text(encoding="utf-8")


def test_every_hook_has_a_contract_test() -> None:
    names: set[str] = set()
    for path in sorted(TESTS_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names |= {
            node.name
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        }
    missing = [hook for hook in HOOK_NAMES if f"test_hook_{hook}" not in names]
    assert missing == [], f"hooks without a test_hook_<name> test: {missing}"


def test_hooks_by_category_cover_every_hook_but_policy_info_once() -> None:
    listed = [hook for hooks in HOOKS_BY_CATEGORY.values() for hook in hooks]
    assert sorted(listed) == sorted(set(HOOK_NAMES) - {"policy_info"})
    assert len(listed) == len(set(listed)), "a hook is listed under two categories"
    assert set(HOOKS_BY_CATEGORY) == {category.value for category in PolicyCategory}
    assert tuple(listed) == hookspecs.HOOKS_BY_CATEGORY_FLAT


# --- the in-tree plugins -------------------------------------------------------------


@pytest.mark.parametrize(("name", "categories"), sorted(EXPECTED_CATEGORIES.items()))
def test_in_tree_plugin_declares_its_categories(
    in_tree: PolicyRegistry, name: str, categories: frozenset[PolicyCategory]
) -> None:
    assert in_tree.info(name).categories == categories


def _readme_summary(module: types.ModuleType) -> str:
    """The first paragraph of the README's leading block quote (the status summary)."""
    assert module.__file__ is not None
    lines: list[str] = []
    readme = Path(module.__file__).with_name("README.md").read_text(encoding="utf-8")
    for line in readme.splitlines():
        if not line.startswith(">") or line.strip() == ">":
            break
        lines.append(line)
    return "\n".join(lines)


@pytest.mark.parametrize(("name", "categories"), sorted(EXPECTED_CATEGORIES.items()))
def test_in_tree_plugin_readme_names_its_categories(
    name: str, categories: frozenset[PolicyCategory]
) -> None:
    summary = _readme_summary(IN_TREE[name])
    named = set(re.findall(r"\b(GRADING|CLASSIFICATION|LENDING|PENALTY)\b", summary))
    assert named == {category.value for category in categories}


@pytest.mark.parametrize(("name", "categories"), sorted(EXPECTED_CATEGORIES.items()))
def test_in_tree_plugin_implements_the_hooks_of_its_categories_only(
    name: str, categories: frozenset[PolicyCategory]
) -> None:
    module = IN_TREE[name]
    implemented = {hook for hook in HOOK_NAMES if hasattr(getattr(module, hook, None), IMPL_MARK)}
    expected = {"policy_info"} | {h for c in categories for h in HOOKS_BY_CATEGORY[c.value]}
    assert implemented == expected


PARAMETER_CASES = [
    pytest.param(name, spec, id=f"{name}.{spec.name}")
    for name, module in sorted(IN_TREE.items())
    for spec in module.policy_info().parameters
]


@pytest.mark.parametrize(("name", "spec"), PARAMETER_CASES)
def test_parameter_is_documented_and_its_default_within_bounds(
    name: str, spec: ParameterSpec
) -> None:
    assert re.fullmatch(r"[a-z][a-z0-9_]*", spec.name)
    assert spec.description.strip(), "no description"
    assert spec.article.strip(), "no article"
    if spec.minimum is not None and spec.maximum is not None:
        assert spec.minimum <= spec.maximum
    numeric = spec.type in (ParamType.DECIMAL, ParamType.INTEGER)
    if not numeric:
        assert spec.minimum is None and spec.maximum is None
    assert bool(spec.choices) == (spec.type == ParamType.CHOICE)
    default = spec.default
    if default is None:
        assert spec.nullable, "a default of None needs nullable=True"
    else:
        expected_type: dict[ParamType, type] = {
            ParamType.DECIMAL: Decimal,
            ParamType.INTEGER: int,
            ParamType.BOOLEAN: bool,
            ParamType.CHOICE: str,
        }
        assert type(default) is expected_type[spec.type]
        if isinstance(default, Decimal | int) and not isinstance(default, bool):
            assert spec.minimum is None or default >= spec.minimum
            assert spec.maximum is None or default <= spec.maximum
        if spec.type == ParamType.CHOICE:
            assert default in spec.choices
    # The validator accepts the default given explicitly, and as stored (JSON).
    info = IN_TREE[name].policy_info()
    for raw in (default, to_json({spec.name: default})[spec.name]):
        resolved, problems = resolve(info, {spec.name: raw})
        assert problems == []
        assert resolved[spec.name] == default


def test_entry_points_find_the_in_tree_plugins() -> None:
    declared = {
        ep.name: ep.value
        for ep in importlib.metadata.entry_points(group=hookspecs.ENTRY_POINT_GROUP)
    }
    assert {name: declared.get(name) for name in IN_TREE} == {
        name: module.__name__ for name, module in IN_TREE.items()
    }
    registry = PolicyRegistry()
    assert set(IN_TREE) <= set(registry.names())
    for name, module in IN_TREE.items():
        assert registry.info(name) == module.policy_info()


# --- incomplete plugins are refused ----------------------------------------------------


def _stub(hook: str) -> Callable[..., Any]:
    def stub(**_: Any) -> None:
        return None

    stub.__name__ = hook
    return hookimpl(stub)


def _test_plugin(
    name: str,
    categories: Iterable[PolicyCategory],
    hooks: Iterable[str],
    params: type[Parameters] = Parameters,
) -> types.ModuleType:
    """An in-test plugin module: ``policy_info`` declaring ``categories``, stubs for ``hooks``."""
    info = PluginInfo(
        name=name,
        version="0.1.0",
        title="test plugin",
        sources=("in-test",),
        categories=frozenset(categories),
        params=params,
    )

    @hookimpl
    def policy_info() -> PluginInfo:
        return info

    module = types.ModuleType(f"test_plugin_{name}")
    setattr(module, "policy_info", policy_info)  # noqa: B010
    for hook in hooks:
        setattr(module, hook, _stub(hook))
    return module


MISSING_CASES = [
    pytest.param(category, missing, id=f"{category}-without-{missing}")
    for category, hooks in HOOKS_BY_CATEGORY.items()
    for missing in hooks
]


@pytest.mark.parametrize(("category", "missing"), MISSING_CASES)
def test_plugin_lacking_a_hook_of_its_category_is_refused(category: str, missing: str) -> None:
    hooks = [hook for hook in HOOKS_BY_CATEGORY[category] if hook != missing]
    plugin = _test_plugin("half_done", {PolicyCategory(category)}, hooks)
    with pytest.raises(IncompletePlugin, match=rf"declares {category} but lacks {missing}$"):
        PolicyRegistry([plugin])


@pytest.mark.parametrize("category", list(HOOKS_BY_CATEGORY))
def test_plugin_with_every_hook_of_its_category_is_accepted(category: str) -> None:
    plugin = _test_plugin("complete", {PolicyCategory(category)}, HOOKS_BY_CATEGORY[category])
    registry = PolicyRegistry([plugin])
    assert registry.names() == ["complete"]
    assert registry.info("complete").categories == {PolicyCategory(category)}


class GradingWithoutAppraise:
    """Declares GRADING and implements its hooks, except grading_appraise."""

    @hookimpl
    def policy_info(self) -> PluginInfo:
        return PluginInfo(
            name="no_appraise",
            version="0.1.0",
            title="grading without an appraisal",
            sources=("in-test",),
            categories=frozenset({PolicyCategory.GRADING}),
        )

    @hookimpl
    def grading_tiers(self) -> tuple[Tier, ...]:
        return (Tier("T_1", "一级", 0, "客户经理"),)

    @hookimpl
    def grading_indicators(self, period: Period, params: Parameters) -> tuple[IndicatorSpec, ...]:
        return ()

    @hookimpl
    def grading_cohort_figures(
        self, period: Period, cohort: tuple[CohortMember, ...], params: Parameters
    ) -> Mapping[str, Decimal]:
        return {}

    @hookimpl
    def grading_unscored_outcome(
        self, appraisal: AppraisalInput, params: Parameters
    ) -> AppraisalOutcome | None:
        return None

    @hookimpl
    def grading_tier_move(
        self,
        manager: ManagerProfile,
        outcome: AppraisalOutcome,
        period: Period,
        params: Parameters,
    ) -> TierMove:
        return TierMove(TierDirection.NONE, None, "never moves", "第一条")


def test_grading_plugin_without_grading_appraise_is_refused() -> None:
    with pytest.raises(IncompletePlugin, match=r"no_appraise declares GRADING but lacks") as raised:
        PolicyRegistry([GradingWithoutAppraise()])
    assert "grading_appraise" in str(raised.value)


# --- the core's typed calls; implementations may take fewer arguments (as pluggy allows) --

YEAR = parse_period("2025")
NOT_GRADED = AppraisalOutcome(graded=False, explanation="not graded (第一条)")

TYPED_CALLS: dict[str, Callable[[PolicyRegistry, str], object]] = {
    "grading_tiers": lambda r, n: r.grading(n).tiers(),
    "grading_indicators": lambda r, n: r.grading(n).indicators(YEAR, {}),
    "grading_cohort_figures": lambda r, n: r.grading(n).cohort_figures(YEAR, (), {}),
    "grading_unscored_outcome": lambda r, n: r.grading(n).unscored_outcome(
        testing.appraisal_input()
    ),
    "grading_appraise": lambda r, n: r.grading(n).appraise(testing.appraisal_input()),
    "grading_tier_move": lambda r, n: r.grading(n).tier_move(
        testing.manager_profile(), NOT_GRADED, YEAR, {}
    ),
    "classify_customer": lambda r, n: r.classification(n).classify(testing.customer_facts(), {}),
    "classification_credit_check": lambda r, n: r.classification(n).credit_check(
        testing.loan_request(), {}
    ),
    "lending_cap": lambda r, n: r.lending(n).cap(testing.manager_profile(), YEAR.start, {}),
    "lending_check": lambda r, n: r.lending(n).check(testing.loan_request(), {}),
    "lending_rotation_due_on": lambda r, n: r.lending(n).rotation_due_on(
        testing.manager_profile(), {}
    ),
    "penalty_effect": lambda r, n: r.penalty(n).effect(testing.violation_case(), {}),
}
"""How the core calls each hook of a plugin: through the registry's typed calls."""


def test_every_hook_has_a_typed_call() -> None:
    assert sorted(TYPED_CALLS) == sorted(set(HOOK_NAMES) - {"policy_info"})
    assert not hasattr(PolicyRegistry, "call"), "hooks are not called by name"


def test_a_category_a_plugin_does_not_serve_has_no_typed_calls() -> None:
    plugin = _test_plugin("lends_only", {PolicyCategory.LENDING}, HOOKS_BY_CATEGORY["LENDING"])
    registry = PolicyRegistry([plugin])
    for category in (PolicyCategory.GRADING, PolicyCategory.CLASSIFICATION, PolicyCategory.PENALTY):
        with pytest.raises(UnknownPlugin, match=f"no installed {category.value} plugin"):
            getattr(registry, category.value.lower())("lends_only")
    with pytest.raises(UnknownPlugin):
        registry.lending("not_installed")


def _answering(result: object) -> Callable[[], object]:
    def implementation() -> object:
        return result

    return hookimpl(implementation)


@pytest.mark.parametrize("hook", [h for h in HOOK_NAMES if h != "policy_info"])
def test_implementation_without_arguments_is_called(hook: str) -> None:
    category = _category_of(hook)
    assert category is not None
    plugin = _test_plugin("terse", {category}, HOOKS_BY_CATEGORY[category.value])
    answer = (object(),)  # a tuple passes every typed call unchanged
    setattr(plugin, hook, _answering(answer))
    registry = PolicyRegistry([plugin])
    assert TYPED_CALLS[hook](registry, "terse") is answer


@dataclasses.dataclass(frozen=True)
class LenderParameters(Parameters):
    """One cap for every manager."""

    cap: Decimal = dataclasses.field(
        default=D(1), metadata=parameter("the cap", article="第二条", minimum=0)
    )


def test_implementation_with_some_arguments_gets_those_and_its_own_parameters() -> None:
    plugin = _test_plugin(
        "lender", {PolicyCategory.LENDING}, HOOKS_BY_CATEGORY["LENDING"], LenderParameters
    )

    @hookimpl
    def lending_cap(params: LenderParameters) -> LendingCap:
        assert type(params) is LenderParameters
        return LendingCap(params.cap, "第二条", "the tenant's cap")

    setattr(plugin, "lending_cap", lending_cap)  # noqa: B010
    registry = PolicyRegistry([plugin])
    lending = registry.lending("lender")
    on = dt.date(2025, 6, 2)
    cap = lending.cap(profile(None), on, {"cap": D(5)})
    assert cap == LendingCap(D(5), "第二条", "the tenant's cap")
    assert lending.cap(profile(None), on, LenderParameters()).amount == D(1)
    with pytest.raises(ValueError, match="cap must be at least 0"):
        lending.cap(profile(None), on, {"cap": "-1"})


# --- realistic inputs ------------------------------------------------------------------


def profile(tier: Tier | None, **changes: Any) -> ManagerProfile:
    """An active retail manager, past probation, qualified, licensed, with ``tier``."""
    return testing.manager_profile(tier=tier, **changes)


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


def check_refusals(result: object) -> tuple[Refusal, ...]:
    assert isinstance(result, tuple)
    assert all(isinstance(r, Refusal) for r in result)
    for refusal in result:
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", refusal.rule), refusal.rule
        assert refusal.article.strip() and refusal.message.strip()
    assert len({r.rule for r in result}) == len(result), "one refusal per failed rule"
    return result


EXPOSURE_NOW = D("50000.00")
EXPOSURE_AT_CLASS_SET = D("80000.00")


def loan_request(
    manager: ManagerProfile,
    amount: Decimal,
    customer_class: CustomerClass | None = None,
    exposure_now: Decimal = EXPOSURE_NOW,
    exposure_at_class_set: Decimal | None = EXPOSURE_AT_CLASS_SET,
) -> LoanRequest:
    return testing.loan_request(
        manager=manager,
        customer_class=customer_class,
        amount=amount,
        exposure_now=exposure_now,
        exposure_at_class_set=exposure_at_class_set,
    )


# --- one contract test per hook --------------------------------------------------------


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


# --- an out-of-tree plugin, installed as a federation's package would be --------------

FEDERATION_MODULE = "federation_policy_demo"
FEDERATION_ARTICLE = "省联社贷款权限通知 第二条"
FEDERATION_SOURCE = textwrap.dedent(
    f'''
    """A federation's own lending policy: one single-loan cap for every manager."""

    from __future__ import annotations

    from dataclasses import dataclass, field
    from decimal import Decimal

    from server.policy import (
        LendingCap,
        LoanRequest,
        Parameters,
        PluginInfo,
        PolicyCategory,
        Refusal,
        hookimpl,
        parameter,
    )

    ARTICLE = "{FEDERATION_ARTICLE}"


    @dataclass(frozen=True)
    class FederationParameters(Parameters):
        """The federation's one cap."""

        cap: Decimal = field(
            default=Decimal("200000.00"),
            metadata=parameter(
                "Largest single loan any manager may originate (yuan)",
                article=ARTICLE,
                minimum=Decimal("10000.00"),
                maximum=Decimal("5000000.00"),
            ),
        )


    @hookimpl
    def policy_info() -> PluginInfo:
        return PluginInfo(
            name="federation_demo",
            version="1.0",
            title="联社贷款权限(示例)",
            sources=("省联社贷款权限通知",),
            categories=frozenset({{PolicyCategory.LENDING}}),
            params=FederationParameters,
        )


    @hookimpl
    def lending_cap(params: FederationParameters) -> LendingCap:
        return LendingCap(amount=params.cap, article=ARTICLE, explanation="one cap for all")


    @hookimpl
    def lending_check(request: LoanRequest, params: FederationParameters) -> tuple[Refusal, ...]:
        if request.amount > params.cap:
            return (
                Refusal(
                    rule="FEDERATION_CAP",
                    article=ARTICLE,
                    message=f"{{request.amount}} is above the federation's cap of {{params.cap}}",
                ),
            )
        return ()


    @hookimpl
    def lending_rotation_due_on() -> None:
        return None
    '''
)


@pytest.fixture
def federation_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The federation's package, installed on ``sys.path`` with its entry point."""
    (tmp_path / f"{FEDERATION_MODULE}.py").write_text(FEDERATION_SOURCE, encoding="utf-8")
    dist_info = tmp_path / f"{FEDERATION_MODULE}-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {FEDERATION_MODULE}\nVersion: 1.0\n", encoding="utf-8"
    )
    (dist_info / "entry_points.txt").write_text(
        f"[{hookspecs.ENTRY_POINT_GROUP}]\nfederation_demo = {FEDERATION_MODULE}\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop(FEDERATION_MODULE, None)


def test_out_of_tree_plugin_is_discovered_through_its_entry_point(
    federation_package: Path,
) -> None:
    assert "federation_demo" not in PolicyRegistry(IN_TREE.values()).names()
    registry = PolicyRegistry()
    assert set(registry.names()) >= {*IN_TREE, "federation_demo"}
    info = registry.info("federation_demo")
    assert (info.version, info.categories) == ("1.0", frozenset({PolicyCategory.LENDING}))
    assert [(p.name, p.default) for p in info.parameters] == [("cap", D("200000.00"))]
    params = defaults(info)
    manager = profile(None)
    lending = registry.lending("federation_demo")
    cap = lending.cap(manager, dt.date(2025, 6, 2), params)
    assert cap == LendingCap(D("200000.00"), FEDERATION_ARTICLE, "one cap for all")
    refusals = check_refusals(lending.check(loan_request(manager, D("200000.01")), params))
    assert [(r.rule, r.article) for r in refusals] == [("FEDERATION_CAP", FEDERATION_ARTICLE)]
    at_cap = loan_request(manager, D("200000.00"))
    assert lending.check(at_cap, params) == ()


@pytest.fixture
async def federation_api(
    federation_package: Path,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[Api]:
    """The app with the plugins found through entry points, the federation's included."""
    app = create_app(settings, sessionmaker=sessionmaker, registry=PolicyRegistry())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield Api(client, settings)


SET_POLICY = """
mutation($category: PolicyCategory!, $plugin: String, $parameters: JSON) {
  setTenantPolicy(category: $category, plugin: $plugin, parameters: $parameters) {
    __typename
    ... on UserError { code message field }
    ... on InvalidInput { errors { field code message } }
  }
}
"""

TENANT_POLICY = """
{ tenant { policy { category plugin pluginVersion parameters effectiveParameters } } }
"""

CREATE_LOAN = """
mutation($input: CreateLoanInput!) { createLoan(input: $input) {
  __typename
  ... on Loan { id principal }
  ... on Refused { code refusals { rule article message } }
  ... on UserError { code message field }
} }
"""

ISSUED_ON = dt.date(2025, 6, 2)


async def lendable_customer(session: AsyncSession, tenant: str) -> str:
    """An individual, not blacklisted customer whose manager, at the customer's own office,
    is active and licensed on ``ISSUED_ON``."""
    manager = models.Manager
    customer = models.Customer
    stmt = (
        select(customer.id)
        .join(
            manager,
            (manager.tenant_id == customer.tenant_id) & (manager.id == customer.manager_id),
        )
        .where(
            customer.tenant_id == tenant,
            customer.kind == CustomerKind.INDIVIDUAL,
            customer.blacklisted.is_(False),
            manager.status == ManagerStatus.ACTIVE,
            manager.licence_valid_until >= ISSUED_ON,
            manager.office_id == customer.office_id,
        )
        .order_by(customer.id)
        .limit(1)
    )
    return str((await session.execute(stmt)).scalar_one())


def loan_input(customer_id: str, contract_no: str, principal: str) -> dict[str, Any]:
    return {
        "customerId": customer_id,
        "contractNo": contract_no,
        "product": "FARMER_MICRO_CREDIT",
        "principal": principal,
        "annualRate": "0.0435",
        "issuedOn": ISSUED_ON.isoformat(),
        "maturesOn": "2026-06-02",
        "guarantee": "CREDIT",
    }


async def test_out_of_tree_plugin_serves_a_tenant_over_graphql(
    federation_api: Api, session: AsyncSession
) -> None:
    chosen = await federation_api(
        SET_POLICY,
        {"category": "LENDING", "plugin": "federation_demo", "parameters": {"cap": "150000.00"}},
        roles=(Role.FEDERATION_ADMIN,),
    )
    assert chosen["setTenantPolicy"] == {"__typename": "Tenant"}
    data = await federation_api(TENANT_POLICY)
    by_category = {p["category"]: p for p in data["tenant"]["policy"]}
    assert by_category["LENDING"] == {
        "category": "LENDING",
        "plugin": "federation_demo",
        "pluginVersion": "1.0",
        "parameters": {"cap": "150000.00"},
        "effectiveParameters": {"cap": "150000.00"},
    }
    assert by_category["GRADING"]["plugin"] == "shandong"

    customer_id = await lendable_customer(session, "sd-demo")
    # Above the tenant's cap, below the plugin's default: the tenant's parameter decides.
    above = await federation_api(
        CREATE_LOAN, {"input": loan_input(customer_id, "FED-2025-0001", "150000.01")}
    )
    result = above["createLoan"]
    assert result["__typename"] == "Refused", result
    assert [(r["rule"], r["article"]) for r in result["refusals"]] == [
        ("FEDERATION_CAP", FEDERATION_ARTICLE)
    ]
    at_cap = await federation_api(
        CREATE_LOAN, {"input": loan_input(customer_id, "FED-2025-0002", "150000.00")}
    )
    assert at_cap["createLoan"]["__typename"] == "Loan", at_cap
    assert at_cap["createLoan"]["principal"] == "150000.00"
