"""Anhui: five levels split into an assistant level and seven floating bands.

Sources: 农村商业银行客户经理等级管理办法(试行); 农商银行信贷客户经理管理规定 第一章.
The hooks below only delegate; the rules, with their articles, live beside them:
:mod:`~plugins.anhui.bands` (第四条, 第五条), :mod:`~plugins.anhui.aspects` and
:mod:`~plugins.anhui.appraisal` (第六条), :mod:`~plugins.anhui.floating` (第七条),
:mod:`~plugins.anhui.lending` (第三条(一)) and :mod:`~plugins.anhui.penalties`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

from plugins.anhui import aspects, bands, floating, lending, penalties
from plugins.anhui.appraisal import appraise
from plugins.anhui.bands import TIERS as TIERS
from plugins.anhui.parameters import AnhuiParameters
from server.policy import (
    AppraisalInput,
    AppraisalOutcome,
    IndicatorSpec,
    LendingCap,
    LoanRequest,
    ManagerProfile,
    PenaltyEffect,
    Period,
    PluginInfo,
    PolicyCategory,
    Refusal,
    Tier,
    TierMove,
    ViolationCase,
    hookimpl,
)

NAME = "anhui"
VERSION = "1.0.0"

_NO_COHORT_FIGURES: Mapping[str, Decimal] = MappingProxyType({})


@hookimpl
def policy_info() -> PluginInfo:
    return PluginInfo(
        name=NAME,
        version=VERSION,
        title="安徽农商银行客户经理等级管理",
        sources=(
            "农村商业银行客户经理等级管理办法(试行)",
            "农商银行信贷客户经理管理规定",
        ),
        categories=frozenset(
            {PolicyCategory.GRADING, PolicyCategory.LENDING, PolicyCategory.PENALTY}
        ),
        params=AnhuiParameters,
    )


# --- grading -----------------------------------------------------------------


@hookimpl
def grading_tiers() -> tuple[Tier, ...]:
    return TIERS


@hookimpl
def grading_indicators(period: Period) -> tuple[IndicatorSpec, ...]:
    return aspects.indicators(period)


@hookimpl
def grading_cohort_figures() -> Mapping[str, Decimal]:
    """None: every aspect is scored on its own 0–100 scale, not against the tenant."""
    return _NO_COHORT_FIGURES


@hookimpl
def grading_unscored_outcome() -> AppraisalOutcome | None:
    """Every manager is scored on the five aspects, the assistant level included (第六条)."""
    return None


@hookimpl
def grading_appraise(appraisal: AppraisalInput, params: AnhuiParameters) -> AppraisalOutcome:
    return appraise(appraisal, params)


@hookimpl
def grading_tier_move(
    manager: ManagerProfile, outcome: AppraisalOutcome, period: Period, params: AnhuiParameters
) -> TierMove:
    return floating.tier_move(manager, outcome, period, params)


@hookimpl
def grading_tier_refusals(manager: ManagerProfile, tier: Tier) -> tuple[Refusal, ...]:
    return bands.tier_refusals(manager, tier)


# --- lending -----------------------------------------------------------------


@hookimpl
def lending_cap(manager: ManagerProfile) -> LendingCap:
    return lending.lending_cap(manager)


@hookimpl
def lending_check(request: LoanRequest) -> tuple[Refusal, ...]:
    return lending.lending_check(request)


@hookimpl
def lending_rotation_due_on() -> dt.date | None:
    """The Anhui sources set no rotation period."""
    return None


# --- penalty -----------------------------------------------------------------


@hookimpl
def penalty_effect(case: ViolationCase, params: AnhuiParameters) -> PenaltyEffect:
    return penalties.penalty_effect(case, params)
