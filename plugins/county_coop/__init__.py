"""County credit cooperative: 见习 to 四级 with lending caps, rating, pay and risk money.

Sources: ⅩⅩ县农村信用社客户经理管理办法; XXX省农村信用社信贷客户经理管理暂行办法.
The hooks only adapt the core's calls; the rules live in
:mod:`plugins.county_coop.rules`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

from plugins.county_coop import rules
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
    ParameterSpec,
    Params,
    ParamType,
    PenaltyEffect,
    PeriodKind,
    PluginInfo,
    Refusal,
    Tier,
    TierMove,
    ViolationCase,
)

NAME = "county_coop"
VERSION = "1.0.0"
TIERS = rules.TIERS

NOT_FIXED = "not fixed by the source"

_TIER_NAMES = {tier.code: tier.name for tier in TIERS}


def _ratio(name: str, default: str, description: str, article: str) -> ParameterSpec:
    """A DECIMAL parameter between 0 and 1."""
    return ParameterSpec(
        name=name,
        type=ParamType.DECIMAL,
        default=Decimal(default),
        description=description,
        article=article,
        minimum=Decimal(0),
        maximum=Decimal(1),
    )


def _level_minimum(code: str, default: int) -> ParameterSpec:
    """The lowest level score admitting a level (第三章 gives the formula, not the lines)."""
    return ParameterSpec(
        name=f"level_{code.lower()}_min",
        type=ParamType.DECIMAL,
        default=Decimal(default),
        description=f"Lowest level score (0–100, 以上 includes it) admitting {_TIER_NAMES[code]}",
        article=f"{rules.ARTICLE_LEVEL} (threshold {NOT_FIXED})",
        minimum=Decimal(0),
        maximum=Decimal(100),
    )


def _cap(code: str, default: int | None, fixed: str) -> ParameterSpec:
    """A level's single-loan cap; the source fixes each, the tenant may still change it."""
    return ParameterSpec(
        name=f"cap_{code.lower()}",
        type=ParamType.DECIMAL,
        default=None if default is None else Decimal(default),
        description=(
            f"Largest single loan (yuan, 以内 includes it) a {_TIER_NAMES[code]} may "
            "originate; empty for no cap"
        ),
        article=f"{rules.ARTICLE_CAPS} (the source fixes {fixed})",
        minimum=Decimal(0),
        nullable=True,
    )


PARAMETERS = (
    ParameterSpec(
        name="completion_cap",
        type=ParamType.DECIMAL,
        default=Decimal("1.2"),
        description=(
            "Weighted completion counts up to this ratio in the quantitative score "
            "(100 × min(completion, cap)); the default ends where 优秀 begins (120%)"
        ),
        article=f"{rules.ARTICLE_QUANTITATIVE} (cap {NOT_FIXED})",
        minimum=Decimal(1),
        maximum=Decimal(10),
    ),
    _ratio(
        "credit_management_weight",
        "0.5",
        "Weight of credit management in the qualitative score; daily work takes the rest",
        f"{rules.ARTICLE_QUALITATIVE} (weights {NOT_FIXED}; equal by default)",
    ),
    _level_minimum("CC_1", 60),
    _level_minimum("CC_2", 70),
    _level_minimum("CC_3", 80),
    _level_minimum("CC_4", 90),
    _ratio(
        "npl_ratio_limit",
        "0.05",
        "An NPL ratio of the managed loans above this moves the level down one step",
        f"{rules.ARTICLE_ADJUSTMENT} 管理贷款的质量 (limit {NOT_FIXED})",
    ),
    _ratio(
        "union_cost_ratio",
        "0.04",
        "The union's overall cost ratio (联社综合业务成本比例), subtracted from the loan rate "
        "in the profit; set the union's own figure",
        f"{rules.ARTICLE_PROFIT} (ratio {NOT_FIXED})",
    ),
    _ratio(
        "profit_share_ratio",
        "0.05",
        "Share of the profit the manager made that is paid as profit share (利润分配比例)",
        f"{rules.ARTICLE_PROFIT} (ratio {NOT_FIXED})",
    ),
    _ratio(
        "risk_deposit_ratio",
        "0.30",
        "Share of year-end performance pay and profit share withheld into the risk deposit",
        f"{rules.ARTICLE_RISK_DEPOSIT} (the source fixes 30%)",
    ),
    _cap("CC_TRAINEE", 100_000, "10万以内"),
    _cap("CC_1", 300_000, "30万以内"),
    _cap("CC_2", 1_000_000, "100万以内"),
    _cap("CC_3", 5_000_000, "500万以内"),
    _cap("CC_4", None, "500万元以上, no cap"),
    ParameterSpec(
        name="rotation_years",
        type=ParamType.INTEGER,
        default=3,
        description="Years at the same post after which rotation is due",
        article=f"{rules.ARTICLE_ROTATION} (the source fixes three years)",
        minimum=Decimal(1),
        maximum=Decimal(20),
    ),
    ParameterSpec(
        name="complaints_for_disqualification",
        type=ParamType.INTEGER,
        default=3,
        description=(
            "Confirmed customer complaints in a calendar year (含) that end the "
            "qualification for life"
        ),
        article=f"{rules.ARTICLE_DISQUALIFICATION}(三) (the source fixes 三次(含)以上)",
        minimum=Decimal(1),
        maximum=Decimal(100),
    ),
)


@hookimpl
def policy_info() -> PluginInfo:
    return PluginInfo(
        name=NAME,
        version=VERSION,
        title="县农村信用社客户经理等级与贷款权限",
        sources=(rules.COUNTY_DOC, rules.PROVINCE_DOC),
        categories=frozenset(
            {
                PolicyCategory.GRADING,
                PolicyCategory.LENDING,
                PolicyCategory.PENALTY,
            }
        ),
        parameters=PARAMETERS,
    )


# --- grading -------------------------------------------------------------------


@hookimpl
def grading_tiers() -> tuple[Tier, ...]:
    return TIERS


@hookimpl
def grading_indicators(period_kind: PeriodKind, params: Params) -> tuple[IndicatorSpec, ...]:
    # No parameter changes which inputs the appraisal reads.
    return rules.indicators(period_kind)


@hookimpl
def grading_cohort_figures(
    period: str, cohort: tuple[CohortMember, ...], params: Params
) -> Mapping[str, Decimal]:
    # The county appraisal measures each manager against his own plan, never
    # against the cohort, so the run has no tenant-wide figures.
    return MappingProxyType({})


@hookimpl
def grading_unscored_outcome(appraisal: AppraisalInput) -> AppraisalOutcome | None:
    return rules.unscored_outcome(appraisal)


@hookimpl
def grading_appraise(appraisal: AppraisalInput) -> AppraisalOutcome:
    return rules.appraise(appraisal)


@hookimpl
def grading_tier_move(
    manager: ManagerProfile, outcome: AppraisalOutcome, period_kind: PeriodKind, params: Params
) -> TierMove:
    # The appraisal's outcome carries the adjusted level; no parameter applies here.
    return rules.tier_move(manager, outcome, period_kind)


# --- lending -------------------------------------------------------------------


@hookimpl
def lending_cap(manager: ManagerProfile, on: dt.date, params: Params) -> LendingCap:
    # The cap follows the level alone; the licence on ``on`` is checked by lending_check.
    return rules.lending_cap(manager, rules.Settings.from_params(params))


@hookimpl
def lending_check(request: LoanRequest, params: Params) -> tuple[Refusal, ...]:
    return rules.lending_refusals(request, rules.Settings.from_params(params))


@hookimpl
def lending_rotation_due_on(manager: ManagerProfile, params: Params) -> dt.date | None:
    return rules.rotation_due_on(manager, rules.Settings.from_params(params))


# --- penalty -------------------------------------------------------------------


@hookimpl
def penalty_effect(case: ViolationCase, params: Params) -> PenaltyEffect:
    return rules.penalty(case, rules.Settings.from_params(params))
