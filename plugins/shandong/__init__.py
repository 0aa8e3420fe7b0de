"""Shandong: 100-point appraisal of credit customer managers, 一级/二级/三级.

Source: xx农村商业银行股份有限公司信贷客户经理管理办法(草案), under
《山东省农村合作金融机构客户经理管理暂行办法》, articles 6–17. The hooks only
adapt the core's calls; the rules live in :mod:`plugins.shandong.rules`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from plugins.shandong import rules
from server.domain import PolicyCategory
from server.policy import hookimpl
from server.policy.types import (
    AppraisalInput,
    AppraisalOutcome,
    CohortMember,
    IndicatorSpec,
    ManagerProfile,
    ParameterSpec,
    Params,
    ParamType,
    PenaltyEffect,
    PeriodKind,
    PluginInfo,
    Tier,
    TierMove,
    ViolationCase,
)

NAME = "shandong"
VERSION = "1.0.0"

# 第七条, 第九条: three tiers; here 一级 is the best (defined with the rules that band them).
TIERS = rules.TIERS

_LOST = "the amount is lost in the source text (每笔扣分); not fixed by the source"

_OVERRIDE_ITEMS = {
    "c1_1": ("C1.1 贷款受理", "第十一条(三)1(1)"),
    "c1_2": ("C1.2 贷前调查", "第十一条(三)1(2)"),
    "c1_3": ("C1.3 贷款发放", "第十一条(三)1(3)"),
    "c1_4": ("C1.4 贷后检查", "第十一条(三)1(4)"),
    "c1_5": ("C1.5 贷款新规执行", "第十一条(三)1(5)"),
    "c2": ("C2 贷款风险五级分类管理", "第十一条(三)2"),
    "c4": ("C4 执行利率政策", "第十一条(三)4"),
    "c5": ("C5 信贷档案管理", "第十一条(三)5"),
    "c6": ("C6 客户信息管理", "第十一条(三)6"),
}

PARAMETERS = (
    ParameterSpec(
        name="deduction_per_case",
        type=ParamType.DECIMAL,
        default=Decimal("0.5"),
        description=(
            "Points deducted per defective case (per kind in C2) in the work-quality items "
            "C1.1–C1.5, C2, C4, C5 and C6, unless the item's own deduction_<item> is set"
        ),
        article=f"第十一条(三) ({_LOST})",
        minimum=Decimal(0),
        maximum=Decimal(2),
    ),
    *(
        ParameterSpec(
            name=f"deduction_{slug}",
            type=ParamType.DECIMAL,
            default=None,
            description=f"Per-case deduction for {item}; none = deduction_per_case",
            article=f"{article} ({_LOST})",
            minimum=Decimal(0),
            maximum=Decimal(2),
            nullable=True,
        )
        for slug, (item, article) in _OVERRIDE_ITEMS.items()
    ),
    ParameterSpec(
        name="deposit_bonus_per_step",
        type=ParamType.DECIMAL,
        default=Decimal("0.5"),
        description=(
            "B4 bonus points for each full 50,000 yuan by which the year's monthly-average "
            "deposit balance exceeds the annual plan (bonus at most 5)"
        ),
        article="第十一条(二)4 (points per 5万元 lost in the source; not fixed by the source)",
        minimum=Decimal(0),
        maximum=Decimal(5),
    ),
    ParameterSpec(
        name="cash_bonus_per_step",
        type=ParamType.DECIMAL,
        default=Decimal("0.1"),
        description=(
            "B5.2 bonus points for each full 10,000 yuan of NPL cash recovered over plan "
            "(item at most 2)"
        ),
        article="第十一条(二)5(2) (points per 1万元 lost in the source; not fixed by the source)",
        minimum=Decimal(0),
        maximum=Decimal(1),
    ),
    ParameterSpec(
        name="writeoff_bonus_per_step",
        type=ParamType.DECIMAL,
        default=Decimal("0.1"),
        description=(
            "B5.4 bonus points for each full 1,000 yuan of written-off / replaced loans "
            "recovered over plan (bonus at most 1)"
        ),
        article="第十一条(二)5(4) (points per 1000元 lost in the source; not fixed by the source)",
        minimum=Decimal(0),
        maximum=Decimal(1),
    ),
    ParameterSpec(
        name="interest_cap",
        type=ParamType.DECIMAL,
        default=None,
        description=(
            "Highest score of B6 (20 × interest recovered / plan); none = no cap, "
            "the actual ratio as the source says"
        ),
        article="第十一条(二)6 (the source sets no cap: a cap is not fixed by the source)",
        minimum=Decimal(20),
        nullable=True,
    ),
)


@hookimpl
def policy_info() -> PluginInfo:
    return PluginInfo(
        name=NAME,
        version=VERSION,
        title="山东省农村合作金融机构信贷客户经理等级评定",
        sources=("xx农村商业银行股份有限公司信贷客户经理管理办法(草案)",),
        categories=frozenset({PolicyCategory.GRADING, PolicyCategory.PENALTY}),
        parameters=PARAMETERS,
    )


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
    return rules.cohort_figures(period, cohort)


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
    return rules.tier_move(manager, outcome, period_kind)


@hookimpl
def penalty_effect(case: ViolationCase, params: Params) -> PenaltyEffect:
    # 第十五条 and 第十六条 fix every number this hook uses.
    return rules.penalty(case)
