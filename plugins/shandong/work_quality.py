"""Shandong's work quality, 20 points (第十一条(三) 工作质量, C1.1–C6): a table of deductions.

Each item starts at 2 points and loses its findings' deductions, floored at 0
("扣完为止"). A row of :data:`QUALITY_ITEMS` is the source's list for one item:
each finding code with what it costs — per case, once, or the whole item.
Where the source lost the amount ("每笔扣分"), it is the tenant's per-case
deduction (:class:`~plugins.shandong.parameters.ShandongParameters`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from plugins.shandong.items import item as scored_item
from plugins.shandong.parameters import ShandongParameters
from server.policy import (
    ONE,
    ZERO,
    Explanation,
    FindingCount,
    FindingSpec,
    ItemScore,
    clamp,
    fmt,
)


class Rule(enum.Enum):
    """How a finding reduces its item."""

    PER_CASE = "PER_CASE"
    """``points`` (or the item's per-case deduction when None) for every case counted."""
    ONCE = "ONCE"
    """``points`` (or the item's per-case deduction) once, however many cases."""
    ZERO = "ZERO"
    """The item scores 0."""


@dataclass(frozen=True)
class Deduction:
    """One finding code of a work-quality item and what it costs."""

    finding: str
    rule: Rule
    points: Decimal | None = None
    name: str = ""
    """The finding in the source's words (``借款申请书要素不齐``), for the Chinese explanation."""


@dataclass(frozen=True)
class QualityItem:
    """A work-quality item of 2 points and the findings that reduce it."""

    key: str
    name: str
    article: str
    slug: str
    deductions: tuple[Deduction, ...]
    clerk_exempt: bool = False


QUALITY_ITEMS = (
    QualityItem(
        "C1.1",
        "贷款受理",
        "第十一条(三)1(1)",
        "c1_1",
        (
            Deduction("MISSING_ELEMENT", Rule.PER_CASE, name="借款申请书要素不齐"),
            Deduction("NAME_MISMATCH", Rule.ZERO, name="借款人姓名与身份证、名章不符"),
        ),
    ),
    QualityItem(
        "C1.2",
        "贷前调查",
        "第十一条(三)1(2)",
        "c1_2",
        (
            Deduction("MISSING_RATING_FORM", Rule.PER_CASE, name="缺信用等级评定表"),
            Deduction("MISSING_INVESTIGATION_REPORT", Rule.PER_CASE, name="缺贷前调查报告"),
            Deduction("REPORT_MISSING_ELEMENT", Rule.PER_CASE, name="贷前调查报告要素不齐"),
        ),
    ),
    QualityItem(
        "C1.3",
        "贷款发放",
        "第十一条(三)1(3)",
        "c1_3",
        (
            Deduction("MISSING_ELEMENT", Rule.PER_CASE, name="借款借据或借款合同要素不齐"),
            Deduction("MISSING_CONTRACT", Rule.PER_CASE, name="未按规定签定借款主从合同"),
            Deduction(
                "NAME_MISMATCH", Rule.ZERO, name="借款人姓名与身份证、名章、借据、借款主从合同不符"
            ),
            Deduction(
                "COLLATERAL_FORMALITIES_MISSING",
                Rule.ZERO,
                name="未按审批通知书办理抵质押登记、保险、公证",
            ),
        ),
    ),
    QualityItem(
        "C1.4",
        "贷后检查",
        "第十一条(三)1(4)",
        "c1_4",
        (Deduction("MISSING_INSPECTION_REPORT", Rule.PER_CASE, name="缺贷后检查报告"),),
    ),
    QualityItem(
        "C1.5",
        "贷款新规执行",
        "第十一条(三)1(5)",
        "c1_5",
        (
            Deduction("NO_FACE_TO_FACE", Rule.PER_CASE, name="个人贷款未执行面谈面签"),
            Deduction(
                "ENTRUSTED_PAYMENT_NOT_USED",
                Rule.ZERO,
                name="应实行受托支付而未实行且支付审批资料不齐",
            ),
        ),
    ),
    QualityItem(
        "C2",
        "贷款风险五级分类管理",
        "第十一条(三)2",
        "c2",
        (
            Deduction(
                "NUMBERING_INCONSISTENT", Rule.ONCE, name="认定表、台帐及信贷档案目录编号不一致"
            ),
            Deduction("FIRST_PASS_NOT_DISCUSSED", Rule.ONCE, name="初分结果未进行讨论或记录不齐全"),
            Deduction(
                "SMALL_LOAN_MISCLASSIFIED",
                Rule.ONCE,
                ONE,
                name="小额贷款未按矩阵分类程序分类、认定结果不准",
            ),
            Deduction("NO_WORKING_PAPERS", Rule.ONCE, name="大额贷款未按规定撰写工作底稿"),
            Deduction("WORKING_PAPERS_DISAGREE", Rule.ONCE, name="工作底稿内容与认定结果不一致"),
            Deduction("FORMS_INCOMPLETE", Rule.ONCE, name="分类认定表或分类台帐填写不完整、不规范"),
            Deduction("FORMS_NOT_SET_UP", Rule.ONCE, name="分类认定表或分类台帐建立不齐"),
            Deduction("NPL_DEVIATION_OVER_3PCT", Rule.ZERO, name="不良贷款分类偏离度大于3%"),
        ),
    ),
    QualityItem(
        "C3",
        "贷款展期和借新还旧管理",
        "第十一条(三)3",
        "c3",
        (
            Deduction("EXTENSION_NON_COMPLIANT", Rule.PER_CASE, Decimal(2), name="展期不合规"),
            Deduction("REFINANCING_NON_COMPLIANT", Rule.PER_CASE, ONE, name="借新还旧不合规"),
        ),
    ),
    QualityItem(
        "C4",
        "执行利率政策",
        "第十一条(三)4",
        "c4",
        (
            Deduction("RATE_DEVIATION", Rule.PER_CASE, name="贷款利率执行存在偏差"),
            Deduction("UNAUTHORISED_INTEREST_WAIVER", Rule.ZERO, name="擅自减免利息"),
        ),
    ),
    QualityItem(
        "C5",
        "信贷档案管理",
        "第十一条(三)5",
        "c5",
        (
            Deduction("ARCHIVES_NOT_NUMBERED", Rule.ONCE, ONE, name="信贷档案未统一编号"),
            Deduction("MISSING_DOCUMENT", Rule.PER_CASE, name="重要档案资料不齐"),
        ),
        clerk_exempt=True,
    ),
    QualityItem(
        "C6",
        "客户信息管理",
        "第十一条(三)6",
        "c6",
        (Deduction("INCOMPLETE_CUSTOMER_DATA", Rule.PER_CASE, name="客户信息要素不齐全"),),
        clerk_exempt=True,
    ),
)
QUALITY_POINTS = Decimal(2)

_COSTS = {
    Rule.PER_CASE: "per case",
    Rule.ONCE: "once",
}


def _cost(rule: Deduction) -> str:
    if rule.rule is Rule.ZERO:
        return "the item scores 0"
    points = "the per-case deduction" if rule.points is None else f"{fmt(rule.points)} points"
    return f"− {points} {_COSTS[rule.rule]}"


def finding_specs() -> tuple[FindingSpec, ...]:
    """Every finding code of every work-quality item, with what it costs (C1.1–C6)."""
    return tuple(
        FindingSpec(
            item=item.key,
            finding=rule.finding,
            description=f"{item.name} ({item.article}): {_cost(rule)}",
        )
        for item in QUALITY_ITEMS
        for rule in item.deductions
    )


def finding_counts(findings: tuple[FindingCount, ...]) -> dict[tuple[str, str], int]:
    """Counts per (item, finding code), summed over repeated records."""
    counts: dict[tuple[str, str], int] = {}
    for f in findings:
        counts[(f.item, f.finding)] = counts.get((f.item, f.finding), 0) + f.count
    return counts


def quality_item(
    item: QualityItem,
    counts: Mapping[tuple[str, str], int],
    params: ShandongParameters,
    office_has_credit_clerk: bool,
) -> ItemScore:
    """A work-quality item: 2 points less its deductions, floored at 0 ("扣完为止")."""
    found = {
        rule.finding: counts[(item.key, rule.finding)]
        for rule in item.deductions
        if (item.key, rule.finding) in counts
    }
    inputs = {rule.finding: str(found.get(rule.finding, 0)) for rule in item.deductions}
    d = params.deduction(item.slug)
    if any(rule.points is None for rule in item.deductions):
        inputs["deduction_per_case"] = fmt(d)

    def scored(raw: Decimal, explanation: Explanation) -> ItemScore:
        return scored_item(
            item.key, item.name, item.article, QUALITY_POINTS, raw, inputs, explanation
        )

    if item.clerk_exempt and office_has_credit_clerk:
        inputs["office_has_credit_clerk"] = "true"
        return scored(
            QUALITY_POINTS,
            Explanation(
                "设有信贷内勤岗：本项目不考核，计满分",
                "the office has a 信贷内勤 post: not assessed, full score",
            ),
        )
    zeroing = [r for r in item.deductions if r.rule is Rule.ZERO and r.finding in found]
    if zeroing:
        return scored(
            ZERO,
            Explanation(
                f"{'、'.join(r.name for r in zeroing)}：本项不得分",
                f"{', '.join(r.finding for r in zeroing)}: the item scores 0",
            ),
        )
    total = ZERO
    parts: list[Explanation] = []
    for rule in item.deductions:
        n = found.get(rule.finding)
        if n is None:
            continue
        points = d if rule.points is None else rule.points
        if rule.rule is Rule.PER_CASE:
            total += points * n
            parts.append(
                Explanation(
                    f"{rule.name} {n} 笔 × {fmt(points)} 分", f"{rule.finding} {n} × {fmt(points)}"
                )
            )
        else:
            total += points
            parts.append(
                Explanation(
                    f"{rule.name} 扣 {fmt(points)} 分", f"{rule.finding} once {fmt(points)}"
                )
            )
    if not parts:
        return scored(QUALITY_POINTS, Explanation("未发现问题", "no findings"))
    listed = Explanation.join(parts)
    return scored(
        clamp(QUALITY_POINTS - total, ZERO),
        Explanation(
            f"2 − （{listed.zh}）= 2 − {fmt(total)}，扣完为止",
            f"2 − ({listed.en}) = 2 − {fmt(total)}, floored at 0",
        ),
    )


def unknown_findings(findings: tuple[FindingCount, ...]) -> tuple[str, ...]:
    """Warnings for findings this policy does not score: a typo must not pass unseen."""
    items = {item.key for item in QUALITY_ITEMS}
    known = {(item.key, rule.finding) for item in QUALITY_ITEMS for rule in item.deductions}
    warnings = []
    for item, code in sorted({(f.item, f.finding) for f in findings} - known):
        what = "a finding code of that item" if item in items else "a work-quality item"
        warnings.append(f"finding {code} on item {item} is not {what} of this policy: not scored")
    return tuple(warnings)
