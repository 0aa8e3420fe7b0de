"""Who Shandong grades (第三章 上岗条件 第六条; 第十三条, 第十五条, 第十六条).

A disqualified manager holds no grade (第十五条); a suspended one is not
re-appointed (第十六条); a manager still in probation is not graded and one whose
probation ended in the year is 三级 without scoring (第十三条); the post
conditions of 第六条 (上岗培训考试 passed, 年度考评 称职 or better) must hold.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from plugins.shandong.grades import ART_GRADE, ART_PROBATION
from plugins.shandong.inputs import EVALUATION, EXAM_PASSED
from server.policy import (
    ONE,
    ZERO,
    Explanation,
    ManagerProfile,
    ManagerStatus,
    Period,
    Refusal,
    fmt,
)

ART_POST = "第六条"
ART_EXAM = "第六条(一)"
ART_EVALUATION = "第六条(二)"
ART_DISQUALIFIED = "第十五条"
ART_NOT_REAPPOINTED = "第十六条"

# 第六条(二): the yearly evaluation (年度考评) as recorded: 4 优秀, 3 称职, 2 基本称职, 1 不称职.
EVALUATION_LABELS = {4: "优秀", 3: "称职", 2: "基本称职", 1: "不称职"}
EVALUATION_PASS_FROM = 3


class Standing(enum.Enum):
    """Scored, placed in 三级 without scoring (第十三条), or not graded."""

    SCORED = "SCORED"
    PLACED_SD_3 = "PLACED_SD_3"
    REFUSED = "REFUSED"


@dataclass(frozen=True)
class Eligibility:
    """Whether a manager is scored, placed in 三级 without scoring, or not graded, and why."""

    standing: Standing
    article: str
    reason: Explanation
    """Why, in Chinese (``zh``) and English (``en``)."""
    warnings: tuple[str, ...] = ()


def _flag(values: Mapping[str, Decimal], key: str) -> bool | None:
    """A recorded 1/0 flag; ``None`` when absent. Raises ValueError for any other value."""
    value = values.get(key)
    if value is None:
        return None
    if value not in (ZERO, ONE):
        raise ValueError(f"{key} must be 1 or 0, got {fmt(value)}")
    return value == ONE


def _evaluation(values: Mapping[str, Decimal]) -> int | None:
    """The recorded 年度考评 code; ``None`` when absent. Raises ValueError for an unknown code."""
    value = values.get(EVALUATION)
    if value is None:
        return None
    if value != value.to_integral_value() or int(value) not in EVALUATION_LABELS:
        raise ValueError(f"{EVALUATION} must be 4, 3, 2 or 1, got {fmt(value)}")
    return int(value)


def eligibility(
    manager: ManagerProfile,
    values: Mapping[str, Decimal],
    period: Period,
) -> Eligibility:
    """Who is graded for ``period``.

    Checked in this order: a disqualified manager has no grade (第十五条); a
    suspended one is not re-appointed (第十六条); a manager still in probation at
    the period end is not graded (第十三条); the 第六条 conditions (上岗培训考试
    passed, 年度考评 称职 or better) must hold; a manager whose probation ended in
    the year is 三级 for that year without scoring (第十三条).
    """
    if manager.status is ManagerStatus.DISQUALIFIED:
        return Eligibility(
            Standing.REFUSED,
            ART_DISQUALIFIED,
            Explanation(
                "已取消客户经理资格，不持有等级",
                "the manager has lost the customer-manager qualification and holds no grade",
            ),
        )
    if manager.status is ManagerStatus.SUSPENDED:
        return Eligibility(
            Standing.REFUSED,
            ART_NOT_REAPPOINTED,
            Explanation(
                "暂停上岗（不能续聘上岗），不参加等级评定",
                "the manager is suspended (not re-appointed) and is not graded",
            ),
        )
    ends_on = manager.probation_ends_on
    if ends_on is None and manager.status is ManagerStatus.PROBATION:
        return Eligibility(
            Standing.REFUSED,
            ART_PROBATION,
            Explanation(
                "见习期未满（未登记见习期满日期），不参加等级评定",
                "the manager is in probation (见习期未满) with no end date: not graded",
            ),
        )
    if ends_on is not None and ends_on > period.end:
        return Eligibility(
            Standing.REFUSED,
            ART_PROBATION,
            Explanation(
                f"见习期至 {ends_on.isoformat()} 届满，晚于考核期末 {period.end.isoformat()}"
                "（见习期未满），不参加等级评定",
                f"probation ends on {ends_on.isoformat()}, after the period end "
                f"{period.end.isoformat()} (见习期未满); probationers are not graded",
            ),
        )
    warnings: list[str] = []
    try:
        passed = _flag(values, EXAM_PASSED)
        evaluation = _evaluation(values)
    except ValueError as problem:
        return Eligibility(
            Standing.REFUSED,
            ART_POST,
            Explanation(f"登记的上岗条件数据有误：{problem}", str(problem)),
        )
    if passed is None:
        warnings.append(
            f"{EXAM_PASSED} not recorded: the 上岗培训考试 is taken as passed (第六条(一))"
        )
    elif not passed:
        return Eligibility(
            Standing.REFUSED,
            ART_EXAM,
            Explanation(
                "上岗培训考试不合格，不符合上岗条件",
                "the 上岗培训考试 was not passed: the post conditions are not met",
            ),
        )
    if evaluation is None:
        warnings.append(f"{EVALUATION} not recorded: 年度考评 taken as 称职 or better (第六条(二))")
    elif evaluation < EVALUATION_PASS_FROM:
        return Eligibility(
            Standing.REFUSED,
            ART_EVALUATION,
            Explanation(
                f"上年度考评为“{EVALUATION_LABELS[evaluation]}”，低于“称职”，不符合上岗条件",
                f"年度考评 {EVALUATION_LABELS[evaluation]} is below 称职: "
                "the post conditions are not met",
            ),
        )
    if ends_on is not None and period.start <= ends_on:
        return Eligibility(
            Standing.PLACED_SD_3,
            ART_PROBATION,
            Explanation(
                f"见习期于 {ends_on.isoformat()} 届满，在本年度内："
                "本年度按三级客户经理对待，不计分",
                f"probation ended on {ends_on.isoformat()}, within the year: "
                "三级客户经理 for the year, without scoring",
            ),
            tuple(warnings),
        )
    return Eligibility(
        Standing.SCORED, ART_GRADE, Explanation("计分评定", "scored"), tuple(warnings)
    )


def tier_refusals(manager: ManagerProfile) -> tuple[Refusal, ...]:
    """Who may hold a grade set by hand: not a manager in probation (第十三条: 见习期未满人员不参加
    等级评定), nor a suspended one (第十六条: not re-appointed). Any of the three grades is
    otherwise open: 第九条 bands the score, and the person who sets a grade by hand answers for
    it with the reason kept in the history."""
    if manager.status is ManagerStatus.PROBATION:
        return (
            Refusal(
                "IN_PROBATION",
                ART_PROBATION,
                "a manager in probation (见习期未满) is not graded and holds no grade",
            ),
        )
    if manager.status is ManagerStatus.SUSPENDED:
        return (
            Refusal(
                "NOT_REAPPOINTED",
                ART_NOT_REAPPOINTED,
                "a suspended manager is not re-appointed (不能续聘上岗) and is not graded",
            ),
        )
    return ()
