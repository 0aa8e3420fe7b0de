"""The county cooperative's pay and risk money: profit share (第六章一), risk deposit (第七章).

Every amount is exact to the fen (half-up).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from plugins.county_coop.articles import ARTICLE_PROFIT, ARTICLE_RISK_DEPOSIT
from plugins.county_coop.inputs import LOAN_RATE, LOANS_ISSUED, YEAR_END_PAY
from plugins.county_coop.parameters import CountyParameters
from server.policy import CENT, ZERO, ManagerProfile, ManagerStatus, MoneyLine, fmt, yuan

RISK_DEPOSIT_ACCOUNT = "RISK_DEPOSIT"
# 第七章 终止信贷工作次月停止扣收: a manager who left the post or lost the
# qualification does no credit work any more.
CREDIT_WORK_ENDED = frozenset({ManagerStatus.LEFT, ManagerStatus.DISQUALIFIED})


def money(amount: Decimal) -> Decimal:
    """An amount in yuan, exact to the fen (half-up)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def pay_lines(
    values: Mapping[str, Decimal], manager: ManagerProfile, params: CountyParameters
) -> tuple[tuple[MoneyLine, ...], tuple[str, ...]]:
    """Profit, profit share and the risk-deposit withholding, with any warnings.

    Profit = loans issued × (average loan rate − the union's overall cost ratio);
    profit share = profit × profit_share_ratio, nothing when the profit is not
    positive (the share is pay, a loss is not charged back through it). The
    risk deposit withholds risk_deposit_ratio of year-end performance pay plus
    profit share; every amount is rounded half-up to the fen.
    """
    warnings: list[str] = []
    loans, rate, cost = values[LOANS_ISSUED], values[LOAN_RATE], params.union_cost_ratio
    profit = money(loans * (rate - cost))
    share = money(max(profit, ZERO) * params.profit_share_ratio)
    if profit < ZERO:
        warnings.append(f"profit {profit} is negative: no profit share ({ARTICLE_PROFIT})")
    lines = [
        MoneyLine(
            key="profit",
            name="客户经理创造利润",
            amount=profit,
            article=ARTICLE_PROFIT,
            explanation=(
                f"贷款发放额 {yuan(loans)} × （平均贷款利率 {fmt(rate)} − "
                f"联社综合成本率 {fmt(cost)}）= {profit} 元"
            ),
            explanation_en=(
                f"loans issued {fmt(loans)} × (average loan rate {fmt(rate)} − "
                f"union cost ratio {fmt(cost)}) = {profit}"
            ),
        ),
        MoneyLine(
            key="profit_share",
            name="利润分成",
            amount=share,
            article=ARTICLE_PROFIT,
            explanation=(
                f"利润 {profit} 元 × 利润分成比例 {fmt(params.profit_share_ratio)} = {share} 元"
                if profit > ZERO
                else f"利润 {profit} 元不为正：无利润分成"
            ),
            explanation_en=(
                f"profit {profit} × profit_share_ratio {fmt(params.profit_share_ratio)} = {share}"
                if profit > ZERO
                else f"profit {profit} is not positive: no profit share"
            ),
        ),
    ]
    if manager.status in CREDIT_WORK_ENDED:
        warnings.append(
            f"manager status {manager.status.value}: credit work ended, so the year-end "
            f"risk-deposit withholding stops ({ARTICLE_RISK_DEPOSIT} 终止信贷工作次月停止扣收)"
        )
        return tuple(lines), tuple(warnings)
    pay = values[YEAR_END_PAY]
    base = max(pay + share, ZERO)
    withheld = money(base * params.risk_deposit_ratio)
    lines.append(
        MoneyLine(
            key="risk_deposit",
            name="风险保证金扣收",
            amount=withheld,
            article=ARTICLE_RISK_DEPOSIT,
            explanation=(
                f"（年终绩效工资 {yuan(pay)} + 利润分成 {share} 元）× "
                f"风险保证金扣收比例 {fmt(params.risk_deposit_ratio)} = {withheld} 元，"
                "存入本人风险保证金账户"
            ),
            explanation_en=(
                f"(year-end performance pay {fmt(pay)} + profit share {share}) × "
                f"risk_deposit_ratio {fmt(params.risk_deposit_ratio)} = {withheld}, "
                "into the manager's own risk-deposit account"
            ),
            account=RISK_DEPOSIT_ACCOUNT,
        )
    )
    return tuple(lines), tuple(warnings)
