"""The county cooperative's lending rules: caps by level (第一章), licence and rotation.

The caps are 第一章's (以内 includes the bound); the licence (上岗证, "一年一认定")
and the three-year rotation ("三年一轮换") are the province's (第三条, 第六条, 第八条).
"""

from __future__ import annotations

import datetime as dt

from plugins.county_coop.articles import (
    ARTICLE_CAPS,
    ARTICLE_IN_POST,
    ARTICLE_LICENCE,
)
from plugins.county_coop.levels import LOWEST, tier_at
from plugins.county_coop.parameters import CountyParameters
from plugins.county_coop.pay import CREDIT_WORK_ENDED
from server.policy import (
    LendingCap,
    LoanRequest,
    ManagerProfile,
    ManagerStatus,
    Refusal,
    fmt,
    yuan,
)


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later; 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def lending_cap(manager: ManagerProfile, params: CountyParameters) -> LendingCap:
    """The largest single loan of the manager's level (第一章, 以内 includes the bound).

    A manager not graded yet lends as a 见习客户经理, the lowest level.
    """
    tier = LOWEST if manager.tier is None else tier_at(manager.tier.rank)
    amount = params.caps[tier.rank]
    who = f"not graded yet, lends as {LOWEST.name}" if manager.tier is None else tier.name
    limit = "no cap" if amount is None else f"single loans up to {fmt(amount)} yuan (以内)"
    who_zh = f"尚未定级，按{LOWEST.name}" if manager.tier is None else tier.name
    limit_zh = "单笔贷款不设上限" if amount is None else f"单笔贷款 {yuan(amount)}以内"
    return LendingCap(
        amount=amount,
        article=ARTICLE_CAPS,
        explanation=f"{who_zh}：{limit_zh}",
        explanation_en=f"{who}: {limit}",
    )


def lending_refusals(request: LoanRequest, params: CountyParameters) -> tuple[Refusal, ...]:
    """Status, licence and cap, each refusal with its article."""
    manager = request.manager
    refusals: list[Refusal] = []
    if manager.status is not ManagerStatus.ACTIVE:
        refusals.append(
            Refusal(
                "MANAGER_NOT_ACTIVE",
                ARTICLE_IN_POST,
                f"the manager is {manager.status.value}, not ACTIVE: no new loans",
            )
        )
    until = manager.licence_valid_until
    if until is None or until < request.issued_on:
        shown = "never issued" if until is None else f"valid until {until.isoformat()}"
        refusals.append(
            Refusal(
                "LICENCE_NOT_VALID",
                ARTICLE_LICENCE,
                f"the licence (上岗证) is not valid on {request.issued_on.isoformat()} "
                f"({shown}): it is confirmed once a year, a lapsed licence means no new loans",
            )
        )
    cap = lending_cap(manager, params)
    if cap.amount is not None and request.amount > cap.amount:
        refusals.append(
            Refusal(
                "AMOUNT_OVER_CAP",
                ARTICLE_CAPS,
                f"amount {fmt(request.amount)} exceeds the cap {fmt(cap.amount)} "
                f"({cap.explanation_en})",
            )
        )
    return tuple(refusals)


def rotation_due_on(manager: ManagerProfile, params: CountyParameters) -> dt.date | None:
    """任职三年期满后, 实行岗位轮换: the post's start plus rotation_years.

    No date without a post start, nor for a manager whose credit work ended.
    """
    if manager.post_started_on is None or manager.status in CREDIT_WORK_ENDED:
        return None
    return add_years(manager.post_started_on, params.rotation_years)
