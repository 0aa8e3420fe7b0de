"""Shandong's economic indicators, 70 points (第十一条(二) 经济指标, B1–B6).

From the office's signed task-completion sheet; B1 and B2 compare a manager
with the county averages over every manager graded for the year (computed once
per run by :func:`cohort_figures`). A plan of 0 or less counts as met.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from plugins.shandong.eligibility import Standing, eligibility
from plugins.shandong.inputs import (
    CUSTOMERS_CORPORATE,
    CUSTOMERS_NATURAL,
    DEPOSIT_AVERAGE,
    DEPOSITS,
    INTEREST,
    LIMITATION_LOST,
    LOAN_BALANCE,
    NOTICE_COVERAGE,
    NPL_CASH,
    NPL_END,
    NPL_REDUCTION,
    NPL_START,
    NPL_WRITTEN_OFF,
    WRITEOFF,
)
from plugins.shandong.items import item
from plugins.shandong.parameters import ShandongParameters
from server.policy import (
    ONE,
    ZERO,
    CohortMember,
    Explanation,
    ItemScore,
    ManagerCategory,
    Period,
    clamp,
    fmt,
    full_steps,
    percent,
    points,
    ratio,
    round_score,
    yuan,
)

# 第十一条(二): figures the source fixes.
CORPORATE_CUSTOMER_WEIGHT = 20
B1_RANGE = (Decimal(5), Decimal(15))
B2_RANGE = (Decimal(8), Decimal(12))
CORPORATE_BALANCE_BASE = Decimal(50_000_000)
COVERAGE_BASE = Decimal("0.80")
DEPOSIT_STEP = Decimal(50_000)
DEPOSIT_BONUS_MAX = Decimal(5)
CASH_STEP = Decimal(10_000)
WRITEOFF_STEP = Decimal(1_000)
WRITEOFF_BONUS_MAX = ONE

COHORT_GRADED = "graded_managers"
COHORT_AVG_CUSTOMERS = "average_weighted_customers"
COHORT_AVG_BALANCE = "average_loan_balance"


def customer_weight(category: ManagerCategory) -> int:
    """What one corporate loan customer counts as in B1 (第十一条(二)1): 20 for 公司类 managers."""
    return CORPORATE_CUSTOMER_WEIGHT if category is ManagerCategory.CORPORATE else 1


def weighted_customers(category: ManagerCategory, values: Mapping[str, Decimal]) -> Decimal:
    """管贷户数 for B1: natural persons plus corporate customers at the category's weight."""
    natural = values.get(CUSTOMERS_NATURAL, ZERO)
    corporate = values.get(CUSTOMERS_CORPORATE, ZERO)
    return natural + customer_weight(category) * corporate


# 第十一条(二)1, 2 with 第十三条: who receives a grade for the year, and so counts in the averages.
GRADED_STANDINGS = (Standing.SCORED, Standing.PLACED_SD_3)


def _average(total: Decimal, count: int) -> Decimal:
    """The exact mean (never rounded: only item scores are rounded); 0 for no one."""
    return total / count if count else ZERO


def cohort_figures(period: Period, cohort: tuple[CohortMember, ...]) -> dict[str, Decimal]:
    """The county averages B1 and B2 compare with (第十一条(二)1, 2).

    Every manager graded for the year counts, whether scored or placed in 三级
    without scoring (第十三条); probationers, those failing 第六条 and suspended
    or disqualified managers receive no grade and are left out. The averages
    are exact, never rounded (only the item scores are); an empty cohort gives 0
    (the appraisal then scores B1/B2 at 10).
    """
    graded = [
        m for m in cohort if eligibility(m.profile, m.values, period).standing in GRADED_STANDINGS
    ]
    customers = sum((weighted_customers(m.profile.category, m.values) for m in graded), start=ZERO)
    balance = sum((m.values.get(LOAN_BALANCE, ZERO) for m in graded), start=ZERO)
    return {
        COHORT_GRADED: Decimal(len(graded)),
        COHORT_AVG_CUSTOMERS: _average(customers, len(graded)),
        COHORT_AVG_BALANCE: _average(balance, len(graded)),
    }


def _against_average(
    standard: Decimal, actual: Decimal, base: Decimal | None, bounds: tuple[Decimal, Decimal]
) -> tuple[Decimal, Explanation]:
    """``standard × actual / base`` clamped to ``bounds``; no usable base scores ``standard``."""
    share = None if base is None else ratio(actual, base)
    if share is None:
        return standard, Explanation(
            "无可比较的基数（无参评客户经理或基数为 0）：计标准分",
            "no base to compare with (no scored managers or base 0): standard score",
        )
    raw = standard * share
    low, high = fmt(bounds[0]), fmt(bounds[1])
    formula = f"{fmt(standard)} × {fmt(actual)} / {fmt(base)} = {fmt(round_score(raw))}"
    return clamp(raw, *bounds), Explanation(
        f"{formula}，限于 {low} 至 {high} 分之间", f"{formula}, kept within [{low}, {high}]"
    )


def b1_customers(
    category: ManagerCategory,
    natural: Decimal,
    corporate: Decimal,
    average: Decimal | None,
) -> ItemScore:
    """B1 管护贷款客户数量: ``10 × N / county average``, within [5, 15] (第十一条(二)1).

    N is 管贷户数: every loan customer counts 1, except that a 公司类 manager's
    corporate customers count 20 each.
    """
    weight = customer_weight(category)
    count = natural + weight * corporate
    score, how = _against_average(Decimal(10), count, average, B1_RANGE)
    n = f"{fmt(natural)} + {weight} × {fmt(corporate)} = {fmt(count)}"
    return item(
        "B1",
        "管护贷款客户数量",
        "第十一条(二)1",
        B1_RANGE[1],
        score,
        {
            "category": category.value,
            CUSTOMERS_NATURAL: fmt(natural),
            CUSTOMERS_CORPORATE: fmt(corporate),
            "corporate_weight": str(weight),
            "weighted_customers": fmt(count),
            COHORT_AVG_CUSTOMERS: fmt(average),
        },
        Explanation(f"管贷户数 {n} 户；{how.zh}", f"N = {n}; {how.en}"),
    )


def b2_balance(category: ManagerCategory, balance: Decimal, average: Decimal | None) -> ItemScore:
    """B2 管护贷款规模: ``10 × balance / base``, within [8, 12] (第十一条(二)2).

    The base is the county average, or 50,000,000 for a 公司类 manager.
    """
    corporate = category is ManagerCategory.CORPORATE
    base = CORPORATE_BALANCE_BASE if corporate else average
    score, how = _against_average(Decimal(10), balance, base, B2_RANGE)
    if corporate:
        base_name = Explanation("以 5000万元 为基数", "against the corporate base 50,000,000")
    else:
        base_name = Explanation("与全县平均管贷规模相比", "against the county average")
    return item(
        "B2",
        "管护贷款规模",
        "第十一条(二)2",
        B2_RANGE[1],
        score,
        {
            "category": category.value,
            LOAN_BALANCE: fmt(balance),
            "base": fmt(base),
        },
        Explanation(
            f"管贷规模 {yuan(balance)}，{base_name.zh}：{how.zh}",
            f"balance {base_name.en}: {how.en}",
        ),
    )


def b3_coverage(households: int | None, rated: int | None) -> ItemScore:
    """B3 建档评级授信面: coverage ≥ 80% → 10, else ``10 × coverage / 0.80`` (第十一条(二)3).

    A jurisdiction with no households has nothing to rate: it counts as full
    coverage (as a plan of 0 counts as met).
    """
    key, name, article, top = "B3", "建档评级授信面", "第十一条(二)3", Decimal(10)
    inputs = {"jurisdiction_households": fmt(households), "rated_households": fmt(rated)}
    if households is None or rated is None:
        return item(
            key,
            name,
            article,
            top,
            ZERO,
            inputs,
            Explanation("管辖区户数未登记", "households not recorded"),
        )
    if households <= 0:
        return item(
            key,
            name,
            article,
            top,
            top,
            inputs,
            Explanation("管辖区无农户：计满分", "no households in the jurisdiction: full score"),
        )
    coverage = Decimal(rated) / Decimal(households)
    share = f"{rated}/{households}"
    if coverage >= COVERAGE_BASE:
        return item(
            key,
            name,
            article,
            top,
            top,
            inputs,
            Explanation(f"授信面 {share} ≥ 80%", f"coverage {share} ≥ 80%"),
        )
    return item(
        key,
        name,
        article,
        top,
        top * coverage / COVERAGE_BASE,
        inputs,
        Explanation(
            f"授信面 {share} < 80%：10 × 授信面 / 80%",
            f"coverage {share} < 80%: 10 × coverage / 0.80",
        ),
    )


def _completion(
    standard: Decimal, actual: Decimal, plan: Decimal, what: str
) -> tuple[Decimal, Explanation]:
    """``standard × actual / plan`` for an unmet plan (floored at 0); a met plan: ``standard``.
    ``what`` names the figure in Chinese (``净增``)."""
    share = ratio(actual, plan)
    if share is None:
        return standard, Explanation(
            f"计划 {yuan(plan)} ≤ 0，视为完成", f"plan {fmt(plan)} ≤ 0 counts as met"
        )
    if actual >= plan:
        return standard, Explanation(
            f"{what} {yuan(actual)} ≥ 计划 {yuan(plan)}", f"{fmt(actual)} ≥ plan {fmt(plan)}"
        )
    return standard * clamp(share, ZERO), Explanation(
        f"{what} {yuan(actual)} 未完成计划 {yuan(plan)}：按比例 "
        f"{fmt(standard)} × {fmt(actual)} / {fmt(plan)}",
        f"{fmt(standard)} × {fmt(actual)} / {fmt(plan)}",
    )


def b4_deposits(
    net_increase: Decimal,
    plan: Decimal,
    monthly_average: Decimal | None,
    params: ShandongParameters,
) -> ItemScore:
    """B4 组织资金: net increase against plan, 10; bonus up to +5 (第十一条(二)4).

    The bonus is ``deposit_bonus_per_step`` for each full 50,000 by which the
    year's monthly-average balance exceeds the annual plan; a plan of 0 or less
    gets no bonus (nothing to exceed).
    """
    base, how = _completion(Decimal(10), net_increase, plan, "组织资金净增")
    bonus = ZERO
    if plan > ZERO and monthly_average is not None:
        steps = full_steps(monthly_average - plan, DEPOSIT_STEP)
        bonus = min(DEPOSIT_BONUS_MAX, steps * params.deposit_bonus_per_step)
        per_step = fmt(params.deposit_bonus_per_step)
        how = how.then(
            Explanation(
                f"月平均余额 {yuan(monthly_average)}：超计划 {steps} 个 5万元 × {per_step} 分 "
                f"= +{points(bonus)}（最多加 5 分）",
                f"monthly average {fmt(monthly_average)}: {steps} full 50,000 over plan × "
                f"{per_step} = +{fmt(bonus)} (at most +5)",
            ),
            "；",
            "; ",
        )
    return item(
        "B4",
        "组织资金",
        "第十一条(二)4",
        Decimal(10) + DEPOSIT_BONUS_MAX,
        base + bonus,
        {
            DEPOSITS: fmt(net_increase),
            f"{DEPOSITS}_plan": fmt(plan),
            DEPOSIT_AVERAGE: fmt(monthly_average),
            "deposit_bonus_per_step": fmt(params.deposit_bonus_per_step),
        },
        how,
    )


def b5_1_npl_reduction(
    npl_start: Decimal, npl_end: Decimal, written_off: Decimal, plan: Decimal
) -> ItemScore:
    """B5.1 不良贷款净降: ``4 × min(1, reduction / plan)`` (第十一条(二)5(1)).

    Reduction = NPL balance at year start − at year end − written off: 呆账核销
    does not count. Over-fulfilment earns nothing; a rise scores 0.
    """
    reduction = npl_start - npl_end - written_off
    score, how = _completion(Decimal(4), reduction, plan, "净降")
    return item(
        "B5.1",
        "不良贷款净降",
        "第十一条(二)5(1)",
        Decimal(4),
        score,
        {
            NPL_START: fmt(npl_start),
            NPL_END: fmt(npl_end),
            NPL_WRITTEN_OFF: fmt(written_off),
            NPL_REDUCTION: fmt(reduction),
            f"{NPL_REDUCTION}_plan": fmt(plan),
        },
        Explanation(
            f"年初不良 {yuan(npl_start)} − 年末不良 {yuan(npl_end)} − 呆账核销 "
            f"{yuan(written_off)} = {yuan(reduction)}；{how.zh}",
            f"reduction {fmt(npl_start)} − {fmt(npl_end)} − written off {fmt(written_off)} "
            f"= {fmt(reduction)}; {how.en}",
        ),
    )


def _met_with_bonus(
    actual: Decimal,
    plan: Decimal,
    step: Decimal,
    per_step: Decimal,
    bonus_max: Decimal,
    what: str,
) -> tuple[Decimal, Explanation]:
    """1 for a met plan plus ``per_step`` for each full ``step`` over it (at most ``bonus_max``);
    ``actual / plan`` for an unmet one; a plan of 0 or less is met, without bonus."""
    if plan <= ZERO or actual < plan:
        return _completion(ONE, actual, plan, what)
    steps = full_steps(actual - plan, step)
    bonus = min(bonus_max, steps * per_step)
    return ONE + bonus, Explanation(
        f"{what} {yuan(actual)} ≥ 计划 {yuan(plan)}：1 + 超 {steps} 个 {yuan(step)} × "
        f"{fmt(per_step)} 分 = 1 + {fmt(bonus)}（最多加 {points(bonus_max)}）",
        f"{fmt(actual)} ≥ plan {fmt(plan)}: 1 + {steps} full {fmt(step)} over × "
        f"{fmt(per_step)} = 1 + {fmt(bonus)} (bonus at most {fmt(bonus_max)})",
    )


def b5_2_cash(actual: Decimal, plan: Decimal, params: ShandongParameters) -> ItemScore:
    """B5.2 不良贷款现金清收: met → 1 + bonus per full 10,000 over, at most 2 (第十一条(二)5(2))."""
    score, how = _met_with_bonus(
        actual, plan, CASH_STEP, params.cash_bonus_per_step, ONE, "现金清收"
    )
    return item(
        "B5.2",
        "不良贷款现金清收",
        "第十一条(二)5(2)",
        Decimal(2),
        score,
        {
            NPL_CASH: fmt(actual),
            f"{NPL_CASH}_plan": fmt(plan),
            "cash_bonus_per_step": fmt(params.cash_bonus_per_step),
        },
        how,
    )


def b5_3_npl_control(npl_start: Decimal, npl_end: Decimal) -> ItemScore:
    """B5.3 管辖区不良贷款控制: year-end NPL below year start → 1, else 0; both 0 → 1
    (第十一条(二)5(3))."""
    start, end = fmt(npl_start), fmt(npl_end)
    if npl_start == ZERO and npl_end == ZERO:
        score, how = ONE, Explanation("年初、年末均无不良贷款", "no NPL at year start or end")
    elif npl_end < npl_start:
        score, how = (
            ONE,
            Explanation(
                f"不良贷款余额由 {yuan(npl_start)} 降至 {yuan(npl_end)}",
                f"NPL fell from {start} to {end}",
            ),
        )
    else:
        score, how = (
            ZERO,
            Explanation(
                f"不良贷款余额不降反升：{yuan(npl_start)} → {yuan(npl_end)}",
                f"NPL did not fall: {start} → {end}",
            ),
        )
    return item(
        "B5.3",
        "管辖区不良贷款控制",
        "第十一条(二)5(3)",
        ONE,
        score,
        {NPL_START: start, NPL_END: end},
        how,
    )


def b5_4_writeoff(actual: Decimal, plan: Decimal, params: ShandongParameters) -> ItemScore:
    """B5.4 表外已核销、已置换贷款清收: met → 1 + bonus per full 1,000 over, at most +1
    (第十一条(二)5(4))."""
    score, how = _met_with_bonus(
        actual,
        plan,
        WRITEOFF_STEP,
        params.writeoff_bonus_per_step,
        WRITEOFF_BONUS_MAX,
        "清收",
    )
    return item(
        "B5.4",
        "表外已核销、已置换贷款清收",
        "第十一条(二)5(4)",
        ONE + WRITEOFF_BONUS_MAX,
        score,
        {
            WRITEOFF: fmt(actual),
            f"{WRITEOFF}_plan": fmt(plan),
            "writeoff_bonus_per_step": fmt(params.writeoff_bonus_per_step),
        },
        how,
    )


def b5_5_notices(coverage: Decimal, limitation_lost: Decimal) -> ItemScore:
    """B5.5 到逾期贷款催收: ``2 × coverage`` (100% → 2); 0 when any NPL newly lost its
    litigation limitation period this year (第十一条(二)5(5))."""
    if limitation_lost > ZERO:
        score, how = (
            ZERO,
            Explanation(
                f"管辖区 {fmt(limitation_lost)} 笔不良贷款当年新丧失诉讼时效：本项不得分",
                f"{fmt(limitation_lost)} NPL newly lost the limitation period",
            ),
        )
    elif coverage >= ONE:
        score, how = Decimal(2), Explanation("催收通知发送面 100%", "notice coverage 100%")
    else:
        score, how = (
            Decimal(2) * clamp(coverage, ZERO),
            Explanation(f"2 × 催收通知发送面 {percent(coverage)}", f"2 × coverage {fmt(coverage)}"),
        )
    return item(
        "B5.5",
        "到逾期贷款催收",
        "第十一条(二)5(5)",
        Decimal(2),
        score,
        {NOTICE_COVERAGE: fmt(coverage), LIMITATION_LOST: fmt(limitation_lost)},
        how,
    )


def b6_interest(actual: Decimal, plan: Decimal, params: ShandongParameters) -> ItemScore:
    """B6 收回贷款利息: ``20 × actual / plan``, the actual ratio, over 20 when over plan
    (第十一条(二)6); ``interest_cap`` (none by default) caps it."""
    share = ratio(actual, plan)
    if share is None:
        raw = Decimal(20)
        how = Explanation(f"计划 {yuan(plan)} ≤ 0，视为完成", f"plan {fmt(plan)} ≤ 0 counts as met")
    else:
        raw = Decimal(20) * clamp(share, ZERO)
        shown = fmt(round_score(raw))
        how = Explanation(
            f"收回利息 20 × {yuan(actual)} / 计划 {yuan(plan)} = {shown}",
            f"20 × {fmt(actual)} / {fmt(plan)} = {shown}",
        )
    cap = params.interest_cap
    if cap is not None and raw > cap:
        raw = cap
        how = Explanation(f"{how.zh}，封顶 {points(cap)}", f"{how.en}, capped at {fmt(cap)}")
    return item(
        "B6",
        "收回贷款利息",
        "第十一条(二)6",
        cap,
        raw,
        {INTEREST: fmt(actual), f"{INTEREST}_plan": fmt(plan), "interest_cap": fmt(cap)},
        how,
    )
