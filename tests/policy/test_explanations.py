"""Explanations in two languages: the builder, the Chinese formatters, the bilingual check,
and the English field every result may leave out."""

from __future__ import annotations

from decimal import Decimal

import pytest

from server.policy import (
    AppraisalOutcome,
    Education,
    Explanation,
    ItemScore,
    LendingCap,
    MoneyLine,
    PeriodKind,
    RiskClass,
    bilingual_problem,
    percent,
    points,
    untranslated,
    yuan,
    zh,
)

D = Decimal


def test_then_and_join_build_both_languages_side_by_side() -> None:
    head = Explanation("学历 本科及以上", "education BACHELOR_OR_HIGHER")
    assert head.then(Explanation("→ 3 分", "→ 3")) == Explanation(
        "学历 本科及以上 → 3 分", "education BACHELOR_OR_HIGHER → 3"
    )
    assert head.then(Explanation("b", "B"), "：", ": ") == Explanation(
        "学历 本科及以上：b", "education BACHELOR_OR_HIGHER: B"
    )
    parts = [Explanation("甲 1 笔", "A 1"), Explanation("乙 2 笔", "B 2")]
    assert Explanation.join(parts) == Explanation("甲 1 笔；乙 2 笔", "A 1; B 2")
    assert Explanation.join(parts, "且", " and ") == Explanation("甲 1 笔且乙 2 笔", "A 1 and B 2")
    assert Explanation.join([]) == Explanation("", "")


def test_zh_names_an_enumeration_value_by_its_label() -> None:
    assert zh(Education.BACHELOR_OR_HIGHER) == "本科及以上"
    assert zh(RiskClass.SUBSTANDARD) == "次级"
    assert zh(PeriodKind.YEAR) == "YEAR", "a value without a label keeps its value"
    assert zh(None) == "未登记"
    assert zh(None, "无") == "无"


@pytest.mark.parametrize(
    ("value", "shown"),
    [(D(3), "3 分"), (D("12.00"), "12 分"), (D("1.20"), "1.20 分"), (7, "7 分"), (None, "none 分")],
)
def test_points_as_a_chinese_explanation_writes_them(value: Decimal | None, shown: str) -> None:
    assert points(value) == shown


def test_yuan_and_percent() -> None:
    assert yuan(D(50_000)) == "50000 元"
    assert yuan(D("1234.50")) == "1234.50 元"
    assert percent(D("0.8")) == "80%"
    assert percent(D("0.125")) == "12.5%"
    assert percent(D(1)) == "100%"
    assert percent(None) == "none"


@pytest.mark.parametrize(
    ("chinese", "english", "problem"),
    [
        ("学历 本科及以上 → 3 分", "education BACHELOR_OR_HIGHER → 3", None),
        ("收回利息 20 × 1 / 计划 1 = 20 → 20 分", "20 × 1 / 1 = 20 → 20", None),
        ("见习期未满，不参加等级评定（第十三条）", "in probation (见习期未满) (第十三条)", None),
        ("education BACHELOR_OR_HIGHER → 3", "education BACHELOR_OR_HIGHER → 3", "not Chinese"),
        ("", "x", "not Chinese"),
        ("学历 本科及以上 → 3 分", "", "no English beside"),
        ("学历 本科及以上 → 3 分", "  ", "no English beside"),
        ("学历 本科及以上 → 3 分", "学历：本科及以上", "Chinese punctuation"),
        ("学历 本科", "学历 本科 → 3", "not less Chinese"),
    ],
)
def test_bilingual_problem(chinese: str, english: str, problem: str | None) -> None:
    found = bilingual_problem(chinese, english)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def item(key: str, explanation: str, explanation_en: str = "") -> ItemScore:
    return ItemScore(key, "学历", "第一条", D(3), D(3), {}, explanation, explanation_en)


def test_untranslated_names_every_explanation_that_is_not_bilingual() -> None:
    good = AppraisalOutcome(
        graded=True,
        explanation="总分 3 分",
        explanation_en="total 3",
        items=(item("A1", "学历 本科及以上 → 3 分", "education → 3"),),
        pay=(MoneyLine("p", "利润", D(1), "第一条", "利润 1 元", explanation_en="profit 1"),),
    )
    assert untranslated(good) == []
    bad = AppraisalOutcome(
        graded=True,
        explanation="total 3",
        items=(item("A1", "学历 → 3 分"), item("A2", "title → 2", "title → 2")),
        pay=(MoneyLine("p", "利润", D(1), "第一条", "利润 1 元"),),
    )
    assert [p.split(":")[0] for p in untranslated(bad)] == [
        "outcome",
        "item A1",
        "item A2",
        "pay p",
    ]


def test_a_result_that_gives_only_explanation_still_works() -> None:
    """Plugins written before explanation_en: the English is simply empty."""
    assert item("A1", "education → 3").explanation_en == ""
    assert AppraisalOutcome(False, "no (第三条)").explanation_en == ""
    assert MoneyLine("p", "利润", D(1), "第一条", "profit 1").explanation_en == ""
    assert LendingCap(None, "第二条", "no cap").explanation_en == ""
