"""Shandong's penalties: 第十五条 as a table of causes, with 第十六条 and 第十七条 beside it.

第十五条 lists the causes ("存在下列行为之一的") for which a confirmed violation moves
the manager down one tier at once (一级→二级, 二级→三级), a 三级 manager instead
losing the customer-manager and credit qualifications. Each row of :data:`CAUSES`
is one case: when its condition holds, its effect applies, by its article, for
its reason; the first row that holds decides. 第十六条 (the yearly training exam
failed: not re-appointed) and 第十七条 (every other kind: the bank's disciplinary
rules) are the first and the last row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from plugins.shandong.grades import TIERS
from server.policy import PenaltyEffect, PenaltyKind, ViolationCase, ViolationKind

# 第十五条(一), (三): the age bound and the yearly count the source fixes.
EXAM_AGE_LIMIT = 50
YEARLY_COUNT_TRIGGER = 3

# 第十五条(二): the four breaches in the business a manager handles.
CREDIT_BREACHES = frozenset(
    {
        ViolationKind.LOAN_TO_PAY_INTEREST,
        ViolationKind.NOMINEE_LOAN,
        ViolationKind.CROSS_COMMUNITY_LOAN,
        ViolationKind.CREDIT_TO_BANNED_CUSTOMER,
    }
)
# 第十五条(三): counted within a calendar year, each kind on its own.
COUNTED_KINDS = frozenset({ViolationKind.AUDIT_NOTICE, ViolationKind.CUSTOMER_COMPLAINT})


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Whole years of age on ``day`` (a 29 February birthday falls on 1 March)."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)


def down_one_tier(case: ViolationCase, article: str, cause: str) -> PenaltyEffect:
    """一级→二级, 二级→三级; a 三级 manager loses the qualifications (第十五条).

    A manager with no tier is treated as 三级 (第十三条 treats a manager newly
    out of probation as 三级): the violation disqualifies.
    """
    tiers = case.tiers or TIERS
    current = case.manager.tier
    if current is None:
        return PenaltyEffect(
            PenaltyKind.DISQUALIFY,
            article,
            f"{cause}; the manager holds no tier and is treated as 三级 (第十三条): "
            "loses the customer-manager and credit qualifications",
        )
    lower = [t for t in tiers if t.rank < current.rank]
    if not lower:
        return PenaltyEffect(
            PenaltyKind.DISQUALIFY,
            article,
            f"{cause}; a {current.name} loses the customer-manager and credit qualifications",
        )
    to_tier = max(lower, key=lambda t: t.rank)
    return PenaltyEffect(
        PenaltyKind.DOWN_ONE_TIER,
        article,
        f"{cause}; down one tier from {current.name} to {to_tier.name}",
        to_tier,
    )


def _age(case: ViolationCase) -> int:
    return age_on(case.manager.birth_date, case.occurred_on)


@dataclass(frozen=True)
class Cause:
    """One row of the table: when ``condition`` holds, ``effect`` applies by ``article``.

    ``DOWN_ONE_TIER`` is 第十五条's effect: down one tier, or the loss of the
    qualifications for a 三级 manager (:func:`down_one_tier`).
    """

    article: str
    condition: Callable[[ViolationCase], bool]
    effect: PenaltyKind
    reason: Callable[[ViolationCase], str]


CAUSES = (
    Cause(
        "第十六条",
        lambda case: case.kind is ViolationKind.TRAINING_EXAM_FAILED,
        PenaltyKind.SUSPEND,
        lambda case: "failed the yearly training exam: not re-appointed until it is passed",
    ),
    Cause(
        "第十五条(一)",
        lambda case: case.kind is ViolationKind.EXAM_FAILED and _age(case) < EXAM_AGE_LIMIT,
        PenaltyKind.DOWN_ONE_TIER,
        lambda case: f"failed the qualification exam aged {_age(case)}",
    ),
    Cause(
        "第十五条(一)",
        lambda case: case.kind is ViolationKind.EXAM_FAILED,
        PenaltyKind.NONE,
        lambda case: (
            f"aged {_age(case)} on {case.occurred_on.isoformat()}: the exam rule applies under 50"
        ),
    ),
    Cause(
        "第十五条(二)",
        lambda case: case.kind in CREDIT_BREACHES,
        PenaltyKind.DOWN_ONE_TIER,
        lambda case: case.kind.label,
    ),
    Cause(
        "第十五条(三)",
        lambda case: (
            case.kind in COUNTED_KINDS
            and case.confirmed_same_kind_this_year == YEARLY_COUNT_TRIGGER
        ),
        PenaltyKind.DOWN_ONE_TIER,
        lambda case: f"third {case.kind.label} this calendar year",
    ),
    Cause(
        "第十五条(三)",
        lambda case: (
            case.kind in COUNTED_KINDS and case.confirmed_same_kind_this_year < YEARLY_COUNT_TRIGGER
        ),
        PenaltyKind.NONE,
        lambda case: (
            f"{case.kind.label} {case.confirmed_same_kind_this_year} of 3 this calendar year: "
            "no effect yet"
        ),
    ),
    Cause(
        "第十五条(三)",
        lambda case: case.kind in COUNTED_KINDS,
        PenaltyKind.NONE,
        lambda case: (
            f"{case.kind.label} {case.confirmed_same_kind_this_year} this calendar year: "
            "the downgrade was made at the third; head office may act again as OTHER "
            "(第十五条(四))"
        ),
    ),
    Cause(
        "第十五条(四)",
        lambda case: case.kind is ViolationKind.OTHER,
        PenaltyKind.DOWN_ONE_TIER,
        lambda case: "cause decided by head office (reason recorded)",
    ),
    Cause(
        "第十七条",
        lambda case: True,
        PenaltyKind.NONE,
        lambda case: (
            f"{case.kind.label} is not a 第十五条 cause: handled under the bank's disciplinary "
            "rules; head office may still move the tier as OTHER (第十五条(四))"
        ),
    ),
)
"""第十六条, 第十五条(一)–(四), 第十七条, in the order they are tried."""


def cause_of(case: ViolationCase) -> Cause:
    """The first row of :data:`CAUSES` that holds for the case (the last holds for any)."""
    return next(cause for cause in CAUSES if cause.condition(case))


def penalty(case: ViolationCase) -> PenaltyEffect:
    """The effect of a confirmed violation (第十五条, 第十六条; other kinds: 第十七条)."""
    cause = cause_of(case)
    if cause.effect is PenaltyKind.DOWN_ONE_TIER:
        return down_one_tier(case, cause.article, cause.reason(case))
    return PenaltyEffect(cause.effect, cause.article, cause.reason(case))
