"""A worked example: a fictional federation's whole policy, one hook of every kind.

Source: 广西农村信用社客户经理管理办法(示例) — made up for this example. Two
grades, a yearly appraisal against the cohort's average balance, a lending cap
per grade, rotation, a customer class and a penalty for serious violations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from server.policy import (
    ONE,
    ZERO,
    AppraisalInput,
    AppraisalOutcome,
    Classification,
    CohortMember,
    CustomerClass,
    CustomerFacts,
    IndicatorSource,
    IndicatorSpec,
    ItemScore,
    LendingCap,
    LoanRequest,
    ManagerProfile,
    ManagerStatus,
    Parameters,
    PenaltyEffect,
    PenaltyKind,
    Period,
    PeriodKind,
    PluginInfo,
    PolicyCategory,
    Refusal,
    RuleHit,
    Tier,
    TierDirection,
    TierMove,
    ViolationCase,
    ViolationKind,
    fmt,
    hookimpl,
    parameter,
    points,
    ratio,
    round_score,
    yuan,
)

NAME = "guangxi"
LEVEL_1 = Tier(code="GX_1", name="一级客户经理", rank=0, external_title="客户经理")
LEVEL_2 = Tier(code="GX_2", name="二级客户经理", rank=1, external_title="高级客户经理")
TIERS = (LEVEL_1, LEVEL_2)
SALES = "sales_score"
BALANCE = "loan_balance"
AVERAGE_BALANCE = "average_loan_balance"
SERIOUS = frozenset({ViolationKind.NOMINEE_LOAN, ViolationKind.LOAN_TO_PAY_INTEREST})


@dataclass(frozen=True)
class GuangxiParameters(Parameters):
    """Every number the source leaves to the tenant, with its default and bounds."""

    promote_at: Decimal = field(
        default=Decimal(80),
        metadata=parameter(
            "Total at or above which the grade is 二级", article="第五条", minimum=0, maximum=100
        ),
    )
    cap_level_1: Decimal | None = field(
        default=Decimal("300000.00"),
        metadata=parameter(
            "Largest single loan of a 一级 manager (yuan); none = no cap",
            article="第八条",
            minimum=0,
        ),
    )
    cap_level_2: Decimal | None = field(
        default=None,
        metadata=parameter(
            "Largest single loan of a 二级 manager (yuan); none = no cap",
            article="第八条",
            minimum=0,
        ),
    )
    rotation_years: int = field(
        default=5,
        metadata=parameter("Years at one post before rotation", article="第九条", minimum=1),
    )


@hookimpl
def policy_info() -> PluginInfo:
    return PluginInfo(
        name=NAME,
        version="1.0.0",
        title="广西客户经理等级管理(示例)",
        sources=("广西农村信用社客户经理管理办法(示例)",),
        categories=frozenset(PolicyCategory),
        params=GuangxiParameters,
    )


# --- grading (第四条–第六条) -----------------------------------------------------------


@hookimpl
def grading_tiers() -> tuple[Tier, ...]:
    return TIERS


@hookimpl
def grading_indicators(period: Period) -> tuple[IndicatorSpec, ...]:
    """第四条: the year reads the recorded sales score and the computed loan balance."""
    if period.kind is not PeriodKind.YEAR:
        return ()
    return (
        IndicatorSpec(
            SALES, "score", "sales score of the year, 0–100 (第四条)", IndicatorSource.RECORDED
        ),
        IndicatorSpec(
            BALANCE, "yuan", "loan balance at year end (第四条)", IndicatorSource.COMPUTED
        ),
    )


@hookimpl
def grading_cohort_figures(cohort: tuple[CohortMember, ...]) -> Mapping[str, Decimal]:
    """第四条: the average loan balance of the active managers."""
    active = [
        m.values.get(BALANCE, ZERO) for m in cohort if m.profile.status is ManagerStatus.ACTIVE
    ]
    return {AVERAGE_BALANCE: round_score(sum(active, ZERO) / len(active)) if active else ZERO}


@hookimpl
def grading_unscored_outcome(appraisal: AppraisalInput) -> AppraisalOutcome | None:
    """第六条: graded once a year; 第三条: not in probation."""
    if appraisal.period.kind is not PeriodKind.YEAR:
        return AppraisalOutcome(
            graded=False,
            explanation=f"{appraisal.period} 不评定等级：等级每年评定一次（第六条）",
            explanation_en=f"{appraisal.period}: graded yearly (第六条)",
        )
    if appraisal.manager.status is ManagerStatus.PROBATION:
        return AppraisalOutcome(
            graded=False,
            explanation="见习期内，不评定等级（第三条）",
            explanation_en="in probation: not graded (第三条)",
        )
    return None


@hookimpl
def grading_appraise(appraisal: AppraisalInput, params: GuangxiParameters) -> AppraisalOutcome:
    """第五条: 60 points of sales, 40 of balance against the average; the total sets the grade."""
    unscored = grading_unscored_outcome(appraisal)
    if unscored is not None:
        return unscored
    sales, balance = appraisal.values[SALES], appraisal.values[BALANCE]
    average = appraisal.cohort.get(AVERAGE_BALANCE, ZERO)
    measured = ratio(balance, average)  # None: no average to compare with, counts as met
    share = ONE if measured is None else min(measured, ONE)
    items = (
        ItemScore(
            key="sales",
            name="销售",
            article="第五条(一)",
            max_points=Decimal(60),
            score=round_score(sales * Decimal("0.6")),
            inputs={SALES: fmt(sales)},
            explanation=f"0.6 × 销售 {fmt(sales)}",
            explanation_en=f"0.6 × {fmt(sales)}",
        ),
        ItemScore(
            key="balance",
            name="管户贷款",
            article="第五条(二)",
            max_points=Decimal(40),
            score=round_score(40 * share),
            inputs={BALANCE: fmt(balance), AVERAGE_BALANCE: fmt(average)},
            explanation=f"40 × 管户贷款 / 平均 {fmt(share)}（最多为 1）",
            explanation_en=f"40 × balance / average {fmt(share)} (at most 1)",
        ),
    )
    total = sum((item.score for item in items), ZERO)
    tier = LEVEL_2 if total >= params.promote_at else LEVEL_1
    return AppraisalOutcome(
        graded=True,
        explanation=f"总分 {points(total)} → {tier.name}（第五条）",
        explanation_en=f"total {fmt(total)} → {tier.name} (第五条)",
        items=items,
        total=total,
        tier=tier,
        rating=tier.code,
        rating_label=tier.name,
    )


@hookimpl
def grading_tier_move(
    manager: ManagerProfile, outcome: AppraisalOutcome, period: Period
) -> TierMove:
    """第六条: the confirmed yearly appraisal sets the grade."""
    held, target = manager.tier, outcome.tier
    if period.kind is not PeriodKind.YEAR or target is None:
        return TierMove(TierDirection.NONE, None, "no grade to set", "第六条")
    if held is None:
        return TierMove(TierDirection.SET, target, f"first grade: {target.name}", "第六条")
    if target.rank == held.rank:
        return TierMove(TierDirection.NONE, None, f"stays {held.name}", "第六条")
    direction = TierDirection.PROMOTION if target.rank > held.rank else TierDirection.DEMOTION
    return TierMove(direction, target, f"{held.name} → {target.name}", "第六条")


# --- classification (第七条): a table of rows, the first that holds decides ---------------


@dataclass(frozen=True)
class ClassRule:
    """One row of 第七条: when ``condition`` holds for the customer, the class is ``effect``."""

    rule: str
    fact: str
    condition: Callable[[CustomerFacts], bool]
    effect: CustomerClass
    article: str


CLASS_RULES = (
    ClassRule(
        "exit.blacklisted",
        "blacklisted",
        lambda f: f.blacklisted,
        CustomerClass.EXIT,
        "第七条(一)",
    ),
    ClassRule(
        "restrict.non_performing",
        "worst_risk_class",
        lambda f: f.worst_risk_class is not None and f.worst_risk_class.non_performing,
        CustomerClass.RESTRICT,
        "第七条(二)",
    ),
    ClassRule(
        "maintain.overdue",
        "max_days_overdue",
        lambda f: f.max_days_overdue > 0,
        CustomerClass.MAINTAIN,
        "第七条(三)",
    ),
)


@hookimpl
def classify_customer(facts: CustomerFacts) -> Classification:
    for row in CLASS_RULES:
        if row.condition(facts):
            hit = RuleHit(row.rule, row.fact, str(getattr(facts, row.fact)), row.article)
            return Classification(row.effect, (hit,))
    return Classification(
        CustomerClass.SUPPORT, (RuleHit("support.sound", "blacklisted", "False", "第七条(四)"),)
    )


@hookimpl
def classification_credit_check(request: LoanRequest) -> tuple[Refusal, ...]:
    """第七条: 退出类 and 限制类 customers get no new credit."""
    held = request.customer_class
    if held is CustomerClass.EXIT or held is CustomerClass.RESTRICT:
        return (Refusal("NO_NEW_CREDIT", "第七条", f"a {held.label} customer gets no new credit"),)
    return ()


# --- lending (第八条, 第九条) --------------------------------------------------------------


@hookimpl
def lending_cap(manager: ManagerProfile, params: GuangxiParameters) -> LendingCap:
    """第八条: the cap of the manager's grade; without 二级 a manager lends as 一级."""
    level_2 = manager.tier is not None and manager.tier.code == LEVEL_2.code
    amount = params.cap_level_2 if level_2 else params.cap_level_1
    grade = "二级" if level_2 else "一级"
    shown = "no cap" if amount is None else f"up to {fmt(amount)} yuan"
    shown_zh = "单笔贷款不设上限" if amount is None else f"单笔贷款 {yuan(amount)}以内"
    return LendingCap(amount, "第八条", f"{grade}：{shown_zh}", f"{grade}: {shown}")


@hookimpl
def lending_check(request: LoanRequest, params: GuangxiParameters) -> tuple[Refusal, ...]:
    refusals = []
    if request.manager.status is not ManagerStatus.ACTIVE:
        refusals.append(Refusal("MANAGER_NOT_ACTIVE", "第八条", "only an active manager lends"))
    cap = lending_cap(request.manager, params)
    if cap.amount is not None and request.amount > cap.amount:
        refusals.append(
            Refusal("AMOUNT_OVER_CAP", "第八条", f"{fmt(request.amount)}: {cap.explanation_en}")
        )
    return tuple(refusals)


@hookimpl
def lending_rotation_due_on(manager: ManagerProfile, params: GuangxiParameters) -> dt.date | None:
    """第九条: rotation is due ``rotation_years`` after the post started (29 February: 28th)."""
    started = manager.post_started_on
    if started is None:
        return None
    day = 28 if (started.month, started.day) == (2, 29) else started.day
    return started.replace(year=started.year + params.rotation_years, day=day)


# --- penalty (第十条) ----------------------------------------------------------------------


@hookimpl
def penalty_effect(case: ViolationCase) -> PenaltyEffect:
    """第十条: a serious violation costs a 二级 manager the grade and suspends a 一级 one."""
    if case.kind not in SERIOUS:
        return PenaltyEffect(PenaltyKind.NONE, "第十条", f"{case.kind.label}: no effect here")
    held = case.manager.tier
    if held is not None and held.code == LEVEL_2.code:
        return PenaltyEffect(PenaltyKind.DOWN_ONE_TIER, "第十条", "二级 → 一级", LEVEL_1)
    return PenaltyEffect(PenaltyKind.SUSPEND, "第十条", f"{case.kind.label}: suspended")
