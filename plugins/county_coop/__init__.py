"""County credit cooperative: 见习 to 四级 with lending caps, rating, pay and risk money.

Sources: ⅩⅩ县农村信用社客户经理管理办法; XXX省农村信用社信贷客户经理管理暂行办法.
The hooks only adapt the core's calls; the rules live beside them, one module per
part of the sources: :mod:`~plugins.county_coop.levels` (第一章, 第三章),
:mod:`~plugins.county_coop.rating` (第五章二, 第六章二),
:mod:`~plugins.county_coop.adjustment` (第五章三), :mod:`~plugins.county_coop.pay`
(第六章一, 第七章), :mod:`~plugins.county_coop.appraisal` (the yearly appraisal),
:mod:`~plugins.county_coop.lending` (caps, licence, rotation) and
:mod:`~plugins.county_coop.penalties` (省办法 第七条).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

from plugins.county_coop import adjustment, inputs, lending, levels, penalties
from plugins.county_coop.appraisal import appraise, unscored_outcome
from plugins.county_coop.articles import COUNTY_DOC, PROVINCE_DOC
from plugins.county_coop.parameters import CountyParameters
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

NAME = "county_coop"
VERSION = "1.1.0"
TIERS = levels.TIERS


@hookimpl
def policy_info() -> PluginInfo:
    return PluginInfo(
        name=NAME,
        version=VERSION,
        title="县农村信用社客户经理等级与贷款权限",
        sources=(COUNTY_DOC, PROVINCE_DOC),
        categories=frozenset(
            {
                PolicyCategory.GRADING,
                PolicyCategory.LENDING,
                PolicyCategory.PENALTY,
            }
        ),
        params=CountyParameters,
    )


# --- grading -------------------------------------------------------------------


@hookimpl
def grading_tiers() -> tuple[Tier, ...]:
    return TIERS


@hookimpl
def grading_indicators(period: Period) -> tuple[IndicatorSpec, ...]:
    # No parameter changes which inputs the appraisal reads.
    return inputs.indicators(period)


@hookimpl
def grading_cohort_figures() -> Mapping[str, Decimal]:
    # The county appraisal measures each manager against his own plan, never
    # against the cohort, so the run has no tenant-wide figures.
    return MappingProxyType({})


@hookimpl
def grading_unscored_outcome(appraisal: AppraisalInput) -> AppraisalOutcome | None:
    return unscored_outcome(appraisal)


@hookimpl
def grading_appraise(appraisal: AppraisalInput, params: CountyParameters) -> AppraisalOutcome:
    return appraise(appraisal, params)


@hookimpl
def grading_tier_move(
    manager: ManagerProfile, outcome: AppraisalOutcome, period: Period
) -> TierMove:
    # The appraisal's outcome carries the adjusted level; no parameter applies here.
    return adjustment.tier_move(manager, outcome, period)


# --- lending -------------------------------------------------------------------


@hookimpl
def lending_cap(manager: ManagerProfile, params: CountyParameters) -> LendingCap:
    # The cap follows the level alone; the licence on the loan's date is checked by lending_check.
    return lending.lending_cap(manager, params)


@hookimpl
def lending_check(request: LoanRequest, params: CountyParameters) -> tuple[Refusal, ...]:
    return lending.lending_refusals(request, params)


@hookimpl
def lending_rotation_due_on(manager: ManagerProfile, params: CountyParameters) -> dt.date | None:
    return lending.rotation_due_on(manager, params)


# --- penalty -------------------------------------------------------------------


@hookimpl
def penalty_effect(case: ViolationCase, params: CountyParameters) -> PenaltyEffect:
    return penalties.penalty(case, params)
