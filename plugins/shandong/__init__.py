"""Shandong: 100-point appraisal of credit customer managers, 一级/二级/三级.

Source: xx农村商业银行股份有限公司信贷客户经理管理办法(草案), under
《山东省农村合作金融机构客户经理管理暂行办法》, articles 6–17. The hooks only
adapt the core's calls; the rules live beside them, one module per part of the
source: :mod:`~plugins.shandong.eligibility` (第六条, 第十三条),
:mod:`~plugins.shandong.basic_quality`, :mod:`~plugins.shandong.economic_indicators`
and :mod:`~plugins.shandong.work_quality` (第十一条(一)–(三)),
:mod:`~plugins.shandong.appraisal` and :mod:`~plugins.shandong.grades`
(第七条–第九条), :mod:`~plugins.shandong.penalties` (第十五条–第十七条).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from plugins.shandong import (
    economic_indicators,
    eligibility,
    grades,
    inputs,
    penalties,
    work_quality,
)
from plugins.shandong.appraisal import appraise, unscored_outcome
from plugins.shandong.parameters import ShandongParameters
from server.policy import (
    AppraisalInput,
    AppraisalOutcome,
    CohortMember,
    FindingSpec,
    IndicatorSpec,
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

NAME = "shandong"
VERSION = "1.1.0"

# 第七条, 第九条: three tiers; here 一级 is the best.
TIERS = grades.TIERS


@hookimpl
def policy_info() -> PluginInfo:
    return PluginInfo(
        name=NAME,
        version=VERSION,
        title="山东省农村合作金融机构信贷客户经理等级评定",
        sources=("xx农村商业银行股份有限公司信贷客户经理管理办法(草案)",),
        categories=frozenset({PolicyCategory.GRADING, PolicyCategory.PENALTY}),
        params=ShandongParameters,
    )


@hookimpl
def grading_tiers() -> tuple[Tier, ...]:
    return TIERS


@hookimpl
def grading_indicators(period: Period) -> tuple[IndicatorSpec, ...]:
    # No parameter changes which inputs the appraisal reads.
    return inputs.indicators(period)


@hookimpl
def grading_findings(period: Period) -> tuple[FindingSpec, ...]:
    # 第十一条(三): the sample inspection of the yearly appraisal; a quarter is not graded.
    return work_quality.finding_specs() if inputs.indicators(period) else ()


@hookimpl
def grading_cohort_figures(
    period: Period, cohort: tuple[CohortMember, ...]
) -> Mapping[str, Decimal]:
    return economic_indicators.cohort_figures(period, cohort)


@hookimpl
def grading_unscored_outcome(appraisal: AppraisalInput) -> AppraisalOutcome | None:
    return unscored_outcome(appraisal)


@hookimpl
def grading_appraise(appraisal: AppraisalInput, params: ShandongParameters) -> AppraisalOutcome:
    return appraise(appraisal, params)


@hookimpl
def grading_tier_move(
    manager: ManagerProfile, outcome: AppraisalOutcome, period: Period
) -> TierMove:
    # The outcome decides the tier; no parameter applies here.
    return grades.tier_move(manager, outcome, period)


@hookimpl
def grading_tier_refusals(manager: ManagerProfile) -> tuple[Refusal, ...]:
    # 第十三条 and 第十六条 decide; the grade asked for is any of the three.
    return eligibility.tier_refusals(manager)


@hookimpl
def penalty_effect(case: ViolationCase) -> PenaltyEffect:
    # 第十五条 and 第十六条 fix every number this hook uses.
    return penalties.penalty(case)
