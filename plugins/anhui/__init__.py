"""Anhui: five levels split into an assistant level and seven floating bands.

Sources: 农村商业银行客户经理等级管理办法(试行); 农商银行信贷客户经理管理规定 第一章.
The hooks below only delegate; the rules, with their articles, are in
:mod:`plugins.anhui.rules`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

from plugins.anhui import rules
from plugins.anhui.rules import TIERS as TIERS
from server.domain import PolicyCategory
from server.policy import hookimpl
from server.policy.types import (
    AppraisalInput,
    AppraisalOutcome,
    CohortMember,
    IndicatorSpec,
    LendingCap,
    LoanRequest,
    ManagerProfile,
    Params,
    PenaltyEffect,
    PeriodKind,
    PluginInfo,
    Refusal,
    Tier,
    TierMove,
    ViolationCase,
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
        parameters=rules.PARAMETERS,
    )


# --- grading -----------------------------------------------------------------


@hookimpl
def grading_tiers() -> tuple[Tier, ...]:
    return TIERS


@hookimpl
def grading_indicators(period_kind: PeriodKind, params: Params) -> tuple[IndicatorSpec, ...]:
    return rules.indicators(period_kind)


@hookimpl
def grading_cohort_figures(
    period: str, cohort: tuple[CohortMember, ...], params: Params
) -> Mapping[str, Decimal]:
    """None: every aspect is scored on its own 0–100 scale, not against the tenant."""
    return _NO_COHORT_FIGURES


@hookimpl
def grading_unscored_outcome(appraisal: AppraisalInput) -> AppraisalOutcome | None:
    """Every manager is scored on the five aspects, the assistant level included (第六条)."""
    return None


@hookimpl
def grading_appraise(appraisal: AppraisalInput) -> AppraisalOutcome:
    return rules.appraise(appraisal)


@hookimpl
def grading_tier_move(
    manager: ManagerProfile, outcome: AppraisalOutcome, period_kind: PeriodKind, params: Params
) -> TierMove:
    return rules.tier_move(manager, outcome, period_kind, params)


# --- lending -----------------------------------------------------------------


@hookimpl
def lending_cap(manager: ManagerProfile, on: dt.date, params: Params) -> LendingCap:
    return rules.lending_cap(manager)


@hookimpl
def lending_check(request: LoanRequest, params: Params) -> tuple[Refusal, ...]:
    return rules.lending_check(request)


@hookimpl
def lending_rotation_due_on(manager: ManagerProfile, params: Params) -> dt.date | None:
    """The Anhui sources set no rotation period."""
    return None


# --- penalty -----------------------------------------------------------------


@hookimpl
def penalty_effect(case: ViolationCase, params: Params) -> PenaltyEffect:
    return rules.penalty_effect(case, params)
