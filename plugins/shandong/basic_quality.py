"""Shandong's basic professional quality, 10 points (第十一条(一) 基本业务素质, A1–A5).

Each item is a fixed table over a profile field; an empty field scores 0.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from decimal import Decimal
from typing import TypeVar

from plugins.shandong.items import item
from server.policy import (
    ONE,
    ZERO,
    CreditExamResult,
    Education,
    Explanation,
    ItemScore,
    ProfessionalTitle,
    SystemProficiency,
    fmt,
    zh,
)

A1_POINTS = {
    Education.BACHELOR_OR_HIGHER: Decimal(3),
    Education.JUNIOR_COLLEGE: Decimal(2),
    Education.SECONDARY_OR_BELOW: ONE,
}
A2_POINTS = {
    ProfessionalTitle.INTERMEDIATE_OR_HIGHER: Decimal(2),
    ProfessionalTitle.JUNIOR: ONE,
    ProfessionalTitle.NONE: ZERO,
}
A3_POINTS = {
    CreditExamResult.PASSED: ONE,
    CreditExamResult.EXEMPT: ONE,
    CreditExamResult.FAILED: ZERO,
    CreditExamResult.NOT_TAKEN: ZERO,
}
A5_POINTS = {
    SystemProficiency.PROFICIENT: Decimal(2),
    SystemProficiency.FAIR: ONE,
    SystemProficiency.NONE: ZERO,
}


ProfileCode = TypeVar("ProfileCode", bound=enum.Enum)


def _table_item(
    key: str,
    name: str,
    article: str,
    max_points: Decimal,
    field: str,
    value: ProfileCode | None,
    table: Mapping[ProfileCode, Decimal],
) -> ItemScore:
    """A profile item scored from a fixed table; an empty profile field scores 0."""
    if value is None:
        return item(
            key,
            name,
            article,
            max_points,
            ZERO,
            {field: "none"},
            Explanation(f"{name} 未登记", f"{field} not recorded"),
        )
    return item(
        key,
        name,
        article,
        max_points,
        table[value],
        {field: value.value},
        Explanation(f"{name} {zh(value)}", f"{field} {value.value}"),
    )


def a1_education(education: Education | None) -> ItemScore:
    """A1 学历: 本科及以上 3, 大专 2, 中专/高中及以下 1 (第十一条(一)1)."""
    return _table_item("A1", "学历", "第十一条(一)1", Decimal(3), "education", education, A1_POINTS)


def a2_title(title: ProfessionalTitle | None) -> ItemScore:
    """A2 专业技术职称: 中级及以上 2, 初级 1, 无 0 (第十一条(一)2)."""
    return _table_item(
        "A2", "专业技术职称", "第十一条(一)2", Decimal(2), "professional_title", title, A2_POINTS
    )


def a3_credit_exam(exam: CreditExamResult | None) -> ItemScore:
    """A3 信贷从业资格考试: passed or exempt 1, otherwise 0 (第十一条(一)3)."""
    return _table_item(
        "A3", "信贷从业资格考试", "第十一条(一)3", ONE, "credit_exam", exam, A3_POINTS
    )


def a4_work_years(years: Decimal | None) -> ItemScore:
    """A4 专业工作年限: 3 years or more 2; 1 to under 3 → 1; under 1 → 0 (第十一条(一)4)."""
    key, name, article, top = "A4", "专业工作年限", "第十一条(一)4", Decimal(2)
    if years is None:
        return item(
            key,
            name,
            article,
            top,
            ZERO,
            {"credit_work_years": "none"},
            Explanation(f"{name} 未登记", "years not recorded"),
        )
    if years >= 3:
        points, rule = Decimal(2), Explanation("3年含以上", "3 years or more")
    elif years >= 1:
        points, rule = ONE, Explanation("3年以下1年含以上", "1 to under 3 years")
    else:
        points, rule = ZERO, Explanation("不足1年", "under 1 year")
    return item(
        key,
        name,
        article,
        top,
        points,
        {"credit_work_years": fmt(years)},
        Explanation(f"{name} {fmt(years)} 年：{rule.zh}", f"{fmt(years)}: {rule.en}"),
    )


def a5_system(proficiency: SystemProficiency | None) -> ItemScore:
    """A5 信贷及资产风险管理系统操作: 熟练 2, 较为熟练 1, 不会 0 (第十一条(一)5)."""
    return _table_item(
        "A5",
        "信贷及资产风险管理系统操作",
        "第十一条(一)5",
        Decimal(2),
        "system_proficiency",
        proficiency,
        A5_POINTS,
    )
