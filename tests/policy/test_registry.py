"""The registry: a plugin lacking a hook of its category is refused, as are two plugins of one
name; the core calls each hook through a typed call, and an implementation may take fewer
arguments (as pluggy allows)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

import pytest

import plugins.anhui
import plugins.county_coop
import plugins.shandong
import plugins.shanxi_customer_class
from server.errors import DuplicatePlugin, IncompletePlugin, UnknownPlugin
from server.policy import (
    AppraisalInput,
    AppraisalOutcome,
    CohortMember,
    IndicatorSpec,
    LendingCap,
    ManagerProfile,
    Parameters,
    Period,
    PluginInfo,
    PolicyCategory,
    Tier,
    TierDirection,
    TierMove,
    hookimpl,
    parameter,
    testing,
)
from server.policy.hookspecs import HOOKS_BY_CATEGORY
from server.policy.registry import PolicyRegistry
from tests.policy.contract import HOOK_NAMES, NOT_GRADED, YEAR, D, category_of, profile


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


ONLY_TIER = Tier(code="T_1", name="一级", rank=1, external_title="一级")

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
    "grading_tier_refusals": lambda r, n: r.grading(n).tier_refusals(
        testing.manager_profile(), ONLY_TIER, {}
    ),
    "grading_findings": lambda r, n: r.grading(n).findings(YEAR, {}),
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


def test_an_optional_hook_left_out_answers_the_core_default() -> None:
    grading = HOOKS_BY_CATEGORY["GRADING"]
    plugin = _test_plugin("plain_grades", {PolicyCategory.GRADING}, grading)
    registry = PolicyRegistry([plugin])
    assert TYPED_CALLS["grading_tier_refusals"](registry, "plain_grades") == ()
    # Without grading_findings the core does not know the codes: it takes any well-formed one.
    assert TYPED_CALLS["grading_findings"](registry, "plain_grades") is None


def _answering(result: object) -> Callable[[], object]:
    def implementation() -> object:
        return result

    return hookimpl(implementation)


@pytest.mark.parametrize("hook", [h for h in HOOK_NAMES if h != "policy_info"])
def test_implementation_without_arguments_is_called(hook: str) -> None:
    category = category_of(hook)
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


def test_two_plugins_with_one_name_are_refused() -> None:
    original = plugins.shanxi_customer_class
    twin = types.ModuleType("shanxi_twin")
    for name in ("policy_info", "classify_customer", "classification_credit_check"):
        setattr(twin, name, getattr(original, name))
    with pytest.raises(DuplicatePlugin, match="shanxi_customer_class"):
        PolicyRegistry([original, twin])
