"""What the policy tests share: the in-tree plugins, the hook specifications, realistic inputs."""

from __future__ import annotations

import inspect
import re
import types
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import plugins.anhui
import plugins.county_coop
import plugins.shandong
import plugins.shanxi_customer_class
from server.policy import (
    AppraisalOutcome,
    CustomerClass,
    LoanRequest,
    ManagerProfile,
    Params,
    PolicyCategory,
    Refusal,
    Tier,
    hookspecs,
    parse_period,
    testing,
)
from server.policy.hookspecs import HOOKS_BY_CATEGORY, OPTIONAL_HOOKS_BY_CATEGORY
from server.policy.parameters import defaults
from server.policy.registry import PolicyRegistry

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


def category_of(hook: str) -> PolicyCategory | None:
    for by_category in (HOOKS_BY_CATEGORY, OPTIONAL_HOOKS_BY_CATEGORY):
        for category, hooks in by_category.items():
            if hook in hooks:
                return PolicyCategory(category)
    return None


def implementers(hook: str) -> list[str]:
    """The in-tree plugins that serve ``hook``'s category (all for policy_info); for an
    optional hook, those without it are called too and answer the core's default."""
    category = category_of(hook)
    if category is None:
        return sorted(IN_TREE)
    return sorted(name for name, served in EXPECTED_CATEGORIES.items() if category in served)


def own_tiers(registry: PolicyRegistry, name: str) -> tuple[Tier, ...]:
    tiers = registry.grading(name).tiers()
    assert tiers, f"{name} has no tiers"
    return tiers


def params_of(registry: PolicyRegistry, name: str) -> Params:
    return defaults(registry.info(name))


def profile(tier: Tier | None, **changes: Any) -> ManagerProfile:
    """An active retail manager, past probation, qualified, licensed, with ``tier``."""
    return testing.manager_profile(tier=tier, **changes)


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


YEAR = parse_period("2025")
NOT_GRADED = AppraisalOutcome(graded=False, explanation="not graded (第一条)")
