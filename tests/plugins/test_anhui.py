"""The ``anhui`` policy: five-aspect appraisal, floating bands, qualification ceiling,
assistants and loans, serious violations (spec: policies/anhui.md)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import plugins.anhui
from plugins.anhui.articles import ART_ASSISTANT
from plugins.anhui.aspects import ASPECTS
from plugins.anhui.bands import qualification_ceiling
from plugins.anhui.parameters import AnhuiParameters
from server.policy import (
    COMPUTED_INDICATORS,
    AppraisalInput,
    AppraisalOutcome,
    IndicatorSource,
    LoanProduct,
    LoanRequest,
    ManagerProfile,
    Params,
    PenaltyEffect,
    PenaltyKind,
    PeriodKind,
    PolicyCategory,
    PriorAppraisal,
    Tier,
    TierDirection,
    TierMove,
    TierMoveFlag,
    ViolationCase,
    ViolationKind,
    bilingual_problem,
    parse_period,
    untranslated,
)
from server.policy.parameters import resolve
from server.policy.testing import (
    appraisal_input,
    cohort,
    loan_request,
    manager_profile,
    registry,
    violation_case,
)

REGISTRY = registry(plugins.anhui)
INFO = REGISTRY.info("anhui")
PARAMS = AnhuiParameters()
GRADING = REGISTRY.grading("anhui")
LENDING = REGISTRY.lending("anhui")
BY_CODE = {t.code: t for t in plugins.anhui.TIERS}

ASPECT_KEYS = (
    "performance_score",
    "ethics_score",
    "basic_management_score",
    "credit_operation_score",
    "service_quality_score",
)


def penalty(case: ViolationCase, with_params: Params = PARAMS) -> PenaltyEffect:
    return REGISTRY.penalty("anhui").effect(case, with_params)


def params(**raw: Any) -> AnhuiParameters:
    return AnhuiParameters.of(raw)


def unchecked(**raw: str) -> AnhuiParameters:
    """Parameters made without any check (as the dataclass allows)."""
    return dataclasses.replace(PARAMS, **{k: D(v) for k, v in raw.items()})


def tier(code: str | None) -> Tier | None:
    return None if code is None else BY_CODE[code]


def manager(code: str | None = "AH_MID_1", qualification: str | None = "中级") -> ManagerProfile:
    return dataclasses.replace(
        manager_profile(manager_id="m-1", employee_no="AH001", birth_date=dt.date(1988, 6, 1)),
        tier=tier(code),
        qualification_level=qualification,
    )


def uniform(score: str) -> dict[str, D]:
    return dict.fromkeys(ASPECT_KEYS, D(score))


def scores(*values: str) -> dict[str, D]:
    return {k: D(v) for k, v in zip(ASPECT_KEYS, values, strict=True)}


def appraisal(
    values: Mapping[str, D],
    *,
    period: str = "2025",
    who: ManagerProfile | None = None,
    prior: tuple[PriorAppraisal, ...] = (),
    with_params: Params = PARAMS,
) -> AppraisalInput:
    return appraisal_input(
        period, manager=who or manager(), values=values, prior=prior, params=with_params
    )


def appraise(a: AppraisalInput) -> AppraisalOutcome:
    outcome = GRADING.appraise(a)
    assert isinstance(outcome, AppraisalOutcome)
    return outcome


def quarters(**totals: str | None) -> tuple[PriorAppraisal, ...]:
    """``q2025_1="80"`` → a confirmed 2025-Q1 appraisal with total 80."""
    prior = []
    for name, total in totals.items():
        year, quarter = name[1:].split("_")
        prior.append(
            PriorAppraisal(f"{year}-Q{quarter}", None if total is None else D(total), None)
        )
    return tuple(prior)


def graded_outcome(total: str) -> AppraisalOutcome:
    return AppraisalOutcome(graded=True, explanation="", total=D(total))


def move(
    total: str,
    code: str | None,
    qualification: str | None,
    kind: PeriodKind = PeriodKind.YEAR,
    with_params: Params = PARAMS,
) -> TierMove:
    period = parse_period("2025" if kind is PeriodKind.YEAR else "2025-Q1")
    result = GRADING.tier_move(
        manager(code, qualification), graded_outcome(total), period, with_params
    )
    assert isinstance(result, TierMove)
    return result


# --- identity and parameters ----------------------------------------------------


def test_plugin_identity_and_categories() -> None:
    assert INFO.name == plugins.anhui.NAME == "anhui"
    assert INFO.version == plugins.anhui.VERSION == "1.0.0"
    assert INFO.categories == frozenset(
        {PolicyCategory.GRADING, PolicyCategory.LENDING, PolicyCategory.PENALTY}
    )


@pytest.mark.parametrize(
    ("name", "default"),
    [
        ("performance_weight", D(60)),
        ("ethics_weight", D(10)),
        ("basic_management_weight", D(10)),
        ("credit_operation_weight", D(10)),
        ("service_quality_weight", D(10)),
        ("quarterly_weight", D("0.4")),
        ("promote_at", D(90)),
        ("demote_below", D(60)),
        ("violation_downgrade", True),
    ],
)
def test_parameter_defaults(name: str, default: object) -> None:
    assert PARAMS[name] == default


def test_every_parameter_is_documented() -> None:
    assert len(INFO.parameters) == 9
    for spec in INFO.parameters:
        assert spec.article.strip()
        assert spec.description.strip()


def test_each_aspect_is_weighed_by_its_declared_parameter() -> None:
    assert [a.weight_param for a in ASPECTS] == list(AnhuiParameters.names()[:5])
    assert PARAMS.weights == (D(60), D(10), D(10), D(10), D(10))


@pytest.mark.parametrize(
    ("name", "raw", "accepted"),
    [
        ("quarterly_weight", "0", True),
        ("quarterly_weight", "1", True),
        ("quarterly_weight", "1.01", False),
        ("quarterly_weight", "-0.01", False),
        ("promote_at", "100", True),
        ("promote_at", "100.01", False),
        ("demote_below", "-1", False),
        ("performance_weight", "100", True),
        ("performance_weight", "100.5", False),
        ("ethics_weight", "-0.5", False),
        ("violation_downgrade", False, True),
        ("violation_downgrade", "yes", False),
    ],
)
def test_parameter_bounds(name: str, raw: object, accepted: bool) -> None:
    _, problems = resolve(INFO, {name: raw})
    own = [p for p in problems if p.code == "PARAMETER_RANGE"]
    assert (own == []) is accepted
    assert all(p.field == f"parameters.{name}" for p in own)


WEIGHTS = [a.weight_param for a in ASPECTS]


@pytest.mark.parametrize(
    ("performance", "ethics", "problem"),
    [
        ("60", "10", False),  # the defaults: 100
        ("60", "9.99", True),  # 99.99
        ("60", "10.01", True),  # 100.01
        ("90", "10", True),  # 130: the case
        ("59.5", "10.5", False),  # 100 in halves
    ],
)
def test_a_parameter_set_whose_weights_do_not_sum_to_100_is_refused(
    performance: str, ethics: str, problem: bool
) -> None:
    _, problems = resolve(INFO, {"performance_weight": performance, "ethics_weight": ethics})
    if not problem:
        assert problems == []
        return
    # One problem per weight, each naming its parameter and the rule.
    assert sorted(p.field for p in problems) == sorted(f"parameters.{w}" for w in WEIGHTS)
    assert {p.code for p in problems} == {"WEIGHTS_SUM_TO_100"}
    assert "not 100" in problems[0].message


@pytest.mark.parametrize(
    ("promote_at", "demote_below", "problem"),
    [
        ("70", "69.99", False),
        ("70", "70", False),  # equal: at 70 up, below 70 down — no score does both
        ("70", "70.01", True),
        ("50", "60", True),
    ],
)
def test_a_parameter_set_with_demote_below_above_promote_at_is_refused(
    promote_at: str, demote_below: str, problem: bool
) -> None:
    _, problems = resolve(INFO, {"promote_at": promote_at, "demote_below": demote_below})
    if not problem:
        assert problems == []
        return
    assert sorted(p.field for p in problems) == ["parameters.demote_below", "parameters.promote_at"]
    assert {p.code for p in problems} == {"DEMOTE_NOT_ABOVE_PROMOTE"}
    with pytest.raises(ValueError, match="above promote_at"):
        params(promote_at=promote_at, demote_below=demote_below)


def test_both_set_rules_are_reported_together() -> None:
    _, problems = resolve(INFO, {"performance_weight": "90", "demote_below": "95"})
    assert {p.code for p in problems} == {"WEIGHTS_SUM_TO_100", "DEMOTE_NOT_ABOVE_PROMOTE"}


def test_the_defaults_are_a_consistent_set() -> None:
    assert PARAMS.set_problems() == ()


# --- tiers and indicators --------------------------------------------------------


def test_tiers_ascending_by_rank() -> None:
    tiers = GRADING.tiers()
    assert [t.code for t in tiers] == [
        "AH_ASSISTANT",
        "AH_JUNIOR_1",
        "AH_JUNIOR_2",
        "AH_MID_1",
        "AH_MID_2",
        "AH_SENIOR_1",
        "AH_SENIOR_2",
        "AH_PRINCIPAL",
    ]
    assert [t.rank for t in tiers] == list(range(8))


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (PeriodKind.QUARTER, {k: IndicatorSource.RECORDED for k in ASPECT_KEYS}),
        (
            PeriodKind.YEAR,
            {
                **{k: IndicatorSource.RECORDED for k in ASPECT_KEYS},
                "qualification_level": IndicatorSource.PROFILE,
            },
        ),
    ],
)
def test_indicators(kind: PeriodKind, expected: dict[str, IndicatorSource]) -> None:
    period = parse_period("2025" if kind is PeriodKind.YEAR else "2025-Q1")
    specs = GRADING.indicators(period, PARAMS)
    assert {s.key: s.source for s in specs} == expected
    for spec in specs:
        assert spec.required is (spec.key != "qualification_level")
        assert spec.source is not IndicatorSource.COMPUTED or spec.key in COMPUTED_INDICATORS
        assert spec.unit
        assert spec.description


@pytest.mark.parametrize("size", [0, 3])
def test_no_cohort_figures(size: int) -> None:
    members = cohort(*[uniform("80")] * size)
    assert dict(GRADING.cohort_figures(parse_period("2025"), members, PARAMS)) == {}


# --- quarterly appraisal (第六条) ---------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "item", "expected"),
    [
        ("performance_score", "85", "performance", D("51.00")),
        ("performance_score", "89.99", "performance", D("53.99")),
        ("performance_score", "100", "performance", D("60.00")),
        ("performance_score", "0.01", "performance", D("0.01")),
        ("ethics_score", "85", "ethics", D("8.50")),
        ("ethics_score", "89.99", "ethics", D("9.00")),
        ("ethics_score", "0.05", "ethics", D("0.01")),
        ("ethics_score", "0.04", "ethics", D("0.00")),
        ("basic_management_score", "72.5", "basic_management", D("7.25")),
        ("credit_operation_score", "66.66", "credit_operation", D("6.67")),
        ("service_quality_score", "100", "service_quality", D("10.00")),
    ],
)
def test_aspect_contribution(key: str, value: str, item: str, expected: D) -> None:
    values = {**uniform("0"), key: D(value)}
    outcome = appraise(appraisal(values, period="2025-Q2"))
    by_key = {i.key: i for i in outcome.items}
    assert by_key[item].score == expected
    assert outcome.total == expected


def test_quarterly_items_weights_and_total() -> None:
    outcome = appraise(appraisal(scores("80", "90", "70", "100", "60"), period="2025-Q3"))
    assert outcome.graded
    assert [(i.key, i.max_points, i.score) for i in outcome.items] == [
        ("performance", D("60.00"), D("48.00")),
        ("ethics", D("10.00"), D("9.00")),
        ("basic_management", D("10.00"), D("7.00")),
        ("credit_operation", D("10.00"), D("10.00")),
        ("service_quality", D("10.00"), D("6.00")),
    ]
    assert outcome.total == D("80.00")


@pytest.mark.parametrize(
    ("score", "total"),
    [("59.99", D("59.99")), ("60", D("60.00")), ("89.99", D("89.99")), ("90", D("90.00"))],
)
def test_quarterly_moves_no_band(score: str, total: D) -> None:
    who = manager("AH_JUNIOR_1", "高级")
    outcome = appraise(appraisal(uniform(score), period="2025-Q1", who=who))
    assert outcome.total == total
    assert outcome.tier == who.tier
    assert outcome.rating is None
    result = move(score, "AH_JUNIOR_1", "高级", kind=PeriodKind.QUARTER)
    assert result.direction is TierDirection.NONE
    assert result.to_tier is None


# --- refusals ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "graded"),
    [
        ("performance_score", "-0.01", False),
        ("performance_score", "0", True),
        ("performance_score", "100", True),
        ("performance_score", "100.01", False),
        ("ethics_score", "101", False),
        ("basic_management_score", "-5", False),
        ("credit_operation_score", "NaN", False),
        ("service_quality_score", "Infinity", False),
    ],
)
@pytest.mark.parametrize("period", ["2025-Q4", "2025"])
def test_aspect_score_range(key: str, value: str, graded: bool, period: str) -> None:
    outcome = appraise(appraisal({**uniform("75"), key: D(value)}, period=period))
    assert outcome.graded is graded
    if not graded:
        assert key in outcome.explanation
        assert "第六条" in outcome.explanation
        assert outcome.items == ()
        assert outcome.total is None


def test_missing_aspect_refused() -> None:
    values = uniform("75")
    del values["ethics_score"]
    outcome = appraise(appraisal(values))
    assert not outcome.graded
    assert "ethics_score" in outcome.explanation


@pytest.mark.parametrize(
    ("overrides", "graded", "mentions"),
    [
        ({"performance_weight": "70"}, False, "110"),
        ({"performance_weight": "50"}, False, "90"),
        ({"performance_weight": "59.99"}, False, "99.99"),
        ({"performance_weight": "40", "ethics_weight": "30"}, True, ""),
        (
            {
                "performance_weight": "100",
                **dict.fromkeys(
                    [
                        "ethics_weight",
                        "basic_management_weight",
                        "credit_operation_weight",
                        "service_quality_weight",
                    ],
                    "0",
                ),
            },
            True,
            "",
        ),
    ],
)
def test_weights_must_sum_to_100(overrides: dict[str, str], graded: bool, mentions: str) -> None:
    # Built without the set check, as a set stored before it was made: appraising refuses it.
    chosen = unchecked(**overrides)
    outcome = appraise(appraisal(uniform("80"), period="2025-Q1", with_params=chosen))
    assert outcome.graded is graded
    if graded:
        weights = {i.key: i.max_points for i in outcome.items}
        assert weights["performance"] == D(str(chosen["performance_weight"])).quantize(D("0.01"))
        assert outcome.total == D("80.00")
    else:
        assert mentions in outcome.explanation
        assert "第六条" in outcome.explanation
        assert move("95", "AH_MID_1", "中级", with_params=chosen).direction is TierDirection.NONE


@pytest.mark.parametrize(
    ("promote_at", "demote_below", "graded"),
    [("50", "60", False), ("75", "75", True), ("60", "59.99", True)],
)
def test_thresholds_must_not_cross(promote_at: str, demote_below: str, graded: bool) -> None:
    chosen = unchecked(promote_at=promote_at, demote_below=demote_below)
    assert appraise(appraisal(uniform("55"), with_params=chosen)).graded is graded


# --- annual appraisal and the blend ------------------------------------------------


@pytest.mark.parametrize(
    ("prior", "score", "overrides", "total", "blend", "warned"),
    [
        # No quarterly appraisal: the comprehensive total alone.
        ((), "85", {}, D("85.00"), None, "no confirmed quarterly"),
        # 0.4 × mean(80, 90) + 0.6 × 70 = 34 + 42 = 76: +6 on 70.
        (quarters(q2025_1="80", q2025_2="90"), "70", {}, D("76.00"), D("6.00"), "2 of 4"),
        # All four quarters: no warning about missing quarters.
        (
            quarters(q2025_1="100", q2025_2="100", q2025_3="100", q2025_4="100"),
            "50",
            {},
            D("70.00"),
            D("20.00"),
            None,
        ),
        # Mean 80.666…: 0.4 × mean + 0.6 × 80 = 80.2666… → 80.27.
        (
            quarters(q2025_1="80", q2025_2="81", q2025_3="81"),
            "80",
            {},
            D("80.27"),
            D("0.27"),
            "3 of 4",
        ),
        # Other years and ungraded quarters do not count: 0.4 × 60 + 0.6 × 90.
        (
            (
                *quarters(q2024_4="100", q2025_1=None, q2025_2="60"),
                PriorAppraisal("2024", D(100), "KEEP"),
            ),
            "90",
            {},
            D("78.00"),
            D("-12.00"),
            "1 of 4",
        ),
        ((PriorAppraisal("2024", D(100), "KEEP"),), "90", {}, D("90.00"), None, "no confirmed"),
        (quarters(q2025_1="100"), "70", {"quarterly_weight": "0"}, D("70.00"), D("0.00"), "1 of 4"),
        (
            quarters(q2025_1="100"),
            "0",
            {"quarterly_weight": "1"},
            D("100.00"),
            D("100.00"),
            "1 of 4",
        ),
        # Rounded once: 0.25 × 95 + 0.75 × 85 = 87.50 exactly.
        (
            quarters(q2025_1="95"),
            "85",
            {"quarterly_weight": "0.25"},
            D("87.50"),
            D("2.50"),
            "1 of 4",
        ),
        # 0.4 × 89.985 + 0.6 × 90 = 89.994 → 89.99.
        (quarters(q2025_1="89.99", q2025_2="89.98"), "90", {}, D("89.99"), D("-0.01"), "2 of 4"),
    ],
)
def test_annual_blend(
    prior: tuple[PriorAppraisal, ...],
    score: str,
    overrides: dict[str, str],
    total: D,
    blend: D | None,
    warned: str | None,
) -> None:
    outcome = appraise(appraisal(uniform(score), prior=prior, with_params=params(**overrides)))
    assert outcome.graded
    assert outcome.total == total
    assert outcome.total == sum(i.score for i in outcome.items)
    by_key = {i.key: i for i in outcome.items}
    assert [i.key for i in outcome.items][:5] == [
        "performance",
        "ethics",
        "basic_management",
        "credit_operation",
        "service_quality",
    ]
    if blend is None:
        assert "quarterly_blend" not in by_key
    else:
        assert by_key["quarterly_blend"].score == blend
    if warned is None:
        assert outcome.warnings == ()
    else:
        assert any(warned in w for w in outcome.warnings)


def test_annual_items_show_the_blend() -> None:
    outcome = appraise(appraisal(uniform("70"), prior=quarters(q2025_2="90", q2025_1="80")))
    by_key = {i.key: i for i in outcome.items}
    assert by_key["performance"].max_points == D("60.00")
    assert by_key["performance"].score == D("42.00")
    assert by_key["ethics"].score == D("7.00")
    blend = by_key["quarterly_blend"]
    assert blend.max_points is None
    assert blend.inputs == {
        "2025-Q1": "80",
        "2025-Q2": "90",
        "quarterly_weight": "0.4",
        "comprehensive_total": "70",
    }
    assert blend.explanation == (
        "年度得分 = 0.4 × 2 个已确认季度总分的平均 85 分（2025-Q1 80 分，2025-Q2 90 分）"
        "+ 0.6 × 综合得分 70 分 = 76 分；综合得分加 6 分"
    )
    assert "0.4 × mean 85" in blend.explanation_en
    assert "0.6 × comprehensive total 70 = 76" in blend.explanation_en


@pytest.mark.parametrize(
    ("prior", "score", "total", "rating", "after"),
    [
        # 0.4 × mean(95, 100) + 0.6 × 85 = 39 + 51.
        (quarters(q2025_1="95", q2025_2="100"), "85", D("90.00"), "PROMOTE", "AH_MID_2"),
        # 0.4 × mean(95, 99.95) + 0.6 × 85 = 38.99 + 51.
        (quarters(q2025_1="95", q2025_2="99.95"), "85", D("89.99"), "KEEP", "AH_MID_1"),
        # 0.4 × 75 + 0.6 × 50 = 30 + 30.
        (quarters(q2025_1="75"), "50", D("60.00"), "KEEP", "AH_MID_1"),
        # 0.4 × mean(74.97, 74.98) + 0.6 × 50 = 29.99 + 30.
        (quarters(q2025_1="74.97", q2025_2="74.98"), "50", D("59.99"), "DEMOTE", "AH_JUNIOR_2"),
    ],
)
def test_blended_score_boundaries(
    prior: tuple[PriorAppraisal, ...], score: str, total: D, rating: str, after: str
) -> None:
    outcome = appraise(appraisal(uniform(score), prior=prior))
    assert outcome.total == total
    assert outcome.rating == rating
    assert outcome.tier == tier(after)


@pytest.mark.parametrize(
    ("score", "rating", "label"),
    [
        ("59.99", "DEMOTE", "降低一档"),
        ("60", "KEEP", "保持级档"),
        ("89.99", "KEEP", "保持级档"),
        ("90", "PROMOTE", "晋升一档"),
    ],
)
def test_annual_rating(score: str, rating: str, label: str) -> None:
    outcome = appraise(appraisal(uniform(score)))
    assert outcome.total == D(score).quantize(D("0.01"))
    assert (outcome.rating, outcome.rating_label) == (rating, label)


# --- qualification ceiling (第五条) --------------------------------------------------


@pytest.mark.parametrize(
    ("level", "ceiling"),
    [
        (None, "AH_ASSISTANT"),
        ("", "AH_ASSISTANT"),
        ("  ", "AH_ASSISTANT"),
        ("初级", "AH_JUNIOR_2"),
        ("中级", "AH_MID_2"),
        ("高级", "AH_SENIOR_2"),
        ("资深", "AH_PRINCIPAL"),
        (" 高级 ", "AH_SENIOR_2"),
        ("JUNIOR", "AH_JUNIOR_2"),
        ("mid", "AH_MID_2"),
        ("Senior", "AH_SENIOR_2"),
        ("PRINCIPAL", "AH_PRINCIPAL"),
        ("中級", None),
        ("四级", None),
    ],
)
def test_qualification_ceiling(level: str | None, ceiling: str | None) -> None:
    assert qualification_ceiling(level) == tier(ceiling)


@pytest.mark.parametrize(
    ("qualification", "proposed", "rule"),
    [
        ("初级", "AH_JUNIOR_2", None),
        ("初级", "AH_MID_1", "ABOVE_QUALIFICATION_CEILING"),
        ("初级", "AH_PRINCIPAL", "ABOVE_QUALIFICATION_CEILING"),
        ("中级", "AH_MID_2", None),
        ("中级", "AH_SENIOR_1", "ABOVE_QUALIFICATION_CEILING"),
        ("资深", "AH_PRINCIPAL", None),
        (None, "AH_ASSISTANT", None),
        (None, "AH_JUNIOR_1", "ABOVE_QUALIFICATION_CEILING"),
        ("中級", "AH_ASSISTANT", "QUALIFICATION_UNRECOGNISED"),
    ],
)
def test_a_band_set_by_hand_keeps_to_the_qualification_ceiling(
    qualification: str | None, proposed: str, rule: str | None
) -> None:
    """第五条: a band set by hand is never above the top band of the qualification level."""
    refusals = GRADING.tier_refusals(
        manager("AH_JUNIOR_1", qualification), BY_CODE[proposed], PARAMS
    )
    assert [r.rule for r in refusals] == ([] if rule is None else [rule])
    assert all(r.article == "农商银行信贷客户经理管理规定 第五条" for r in refusals)


def test_unknown_qualification_refuses_the_annual_appraisal_only() -> None:
    who = manager("AH_MID_1", "中级经理")
    annual = appraise(appraisal(uniform("95"), who=who))
    assert not annual.graded
    assert "第五条" in annual.explanation
    assert "中级经理" in annual.explanation
    assert appraise(appraisal(uniform("95"), period="2025-Q1", who=who)).graded
    result = move("95", "AH_MID_1", "中级经理")
    assert result.direction is TierDirection.NONE
    assert result.flags == (TierMoveFlag.QUALIFICATION_UNRECOGNISED,)


# --- floating bands (第七条) ---------------------------------------------------------

BLOCKED = TierMoveFlag.PROMOTION_BLOCKED_BY_QUALIFICATION
DISMISSAL = TierMoveFlag.DISMISSAL_REVIEW
ABOVE = TierMoveFlag.ABOVE_QUALIFICATION_CEILING


@pytest.mark.parametrize(
    ("total", "held", "qualification", "direction", "to", "flags"),
    [
        # Thresholds: 90 promotes, 89.99 and 60 keep, 59.99 demotes.
        ("90", "AH_MID_1", "中级", TierDirection.PROMOTION, "AH_MID_2", ()),
        ("89.99", "AH_MID_1", "中级", TierDirection.NONE, None, ()),
        ("60", "AH_MID_1", "中级", TierDirection.NONE, None, ()),
        ("59.99", "AH_MID_1", "中级", TierDirection.DEMOTION, "AH_JUNIOR_2", ()),
        ("100", "AH_JUNIOR_1", "初级", TierDirection.PROMOTION, "AH_JUNIOR_2", ()),
        ("0", "AH_SENIOR_1", "资深", TierDirection.DEMOTION, "AH_MID_2", ()),
        # Promotion across a level needs the higher qualification.
        ("90", "AH_JUNIOR_2", "中级", TierDirection.PROMOTION, "AH_MID_1", ()),
        ("90", "AH_JUNIOR_2", "初级", TierDirection.NONE, None, (BLOCKED,)),
        ("90", "AH_MID_2", "中级", TierDirection.NONE, None, (BLOCKED,)),
        ("90", "AH_SENIOR_2", "高级", TierDirection.NONE, None, (BLOCKED,)),
        ("90", "AH_SENIOR_2", "资深", TierDirection.PROMOTION, "AH_PRINCIPAL", ()),
        ("90", "AH_ASSISTANT", None, TierDirection.NONE, None, (BLOCKED,)),
        ("90", "AH_ASSISTANT", "初级", TierDirection.PROMOTION, "AH_JUNIOR_1", ()),
        ("89.99", "AH_ASSISTANT", "初级", TierDirection.NONE, None, ()),
        # The top band cannot go higher; no blocked promotion to report.
        ("95", "AH_PRINCIPAL", "资深", TierDirection.NONE, None, ()),
        # An assistant is not demoted but referred for dismissal review.
        ("59.99", "AH_ASSISTANT", None, TierDirection.NONE, None, (DISMISSAL,)),
        ("60", "AH_ASSISTANT", None, TierDirection.NONE, None, ()),
        ("59.99", "AH_JUNIOR_1", "初级", TierDirection.DEMOTION, "AH_ASSISTANT", ()),
        # A band above the qualification falls to the ceiling.
        ("75", "AH_SENIOR_1", "中级", TierDirection.DEMOTION, "AH_MID_2", (ABOVE,)),
        ("90", "AH_SENIOR_1", "中级", TierDirection.DEMOTION, "AH_MID_2", (BLOCKED, ABOVE)),
        ("59.99", "AH_SENIOR_2", "初级", TierDirection.DEMOTION, "AH_JUNIOR_2", (ABOVE,)),
        ("59.99", "AH_SENIOR_1", "中级", TierDirection.DEMOTION, "AH_MID_2", (ABOVE,)),
        ("75", "AH_JUNIOR_1", None, TierDirection.DEMOTION, "AH_ASSISTANT", (ABOVE,)),
        # English qualification codes.
        ("90", "AH_SENIOR_1", "SENIOR", TierDirection.PROMOTION, "AH_SENIOR_2", ()),
        # No band yet: the first band is the assistant level.
        ("75", None, None, TierDirection.SET, "AH_ASSISTANT", ()),
        ("95", None, "高级", TierDirection.SET, "AH_ASSISTANT", ()),
        ("59.99", None, None, TierDirection.SET, "AH_ASSISTANT", (DISMISSAL,)),
    ],
)
def test_annual_tier_move(
    total: str,
    held: str | None,
    qualification: str | None,
    direction: TierDirection,
    to: str | None,
    flags: tuple[str, ...],
) -> None:
    result = move(total, held, qualification)
    assert result.direction is direction
    assert result.to_tier == tier(to)
    assert result.flags == flags
    assert result.reason
    assert result.article.endswith(("第五条", "第七条"))


@pytest.mark.parametrize(
    ("total", "held", "qualification", "article"),
    [
        ("90", "AH_MID_1", "中级", "第七条"),
        ("59.99", "AH_MID_1", "中级", "第七条"),
        ("90", "AH_MID_2", "中级", "第五条"),
        ("75", "AH_SENIOR_1", "中级", "第五条"),
    ],
)
def test_move_names_the_deciding_article(
    total: str, held: str, qualification: str, article: str
) -> None:
    assert move(total, held, qualification).article.endswith(article)


@pytest.mark.parametrize(
    ("overrides", "total", "direction"),
    [
        ({"promote_at": "85"}, "85", TierDirection.PROMOTION),
        ({"promote_at": "85"}, "84.99", TierDirection.NONE),
        ({"demote_below": "70"}, "69.99", TierDirection.DEMOTION),
        ({"demote_below": "70"}, "70", TierDirection.NONE),
    ],
)
def test_thresholds_are_parameters(
    overrides: dict[str, str], total: str, direction: TierDirection
) -> None:
    assert move(total, "AH_MID_1", "中级", with_params=params(**overrides)).direction is direction


def test_ungraded_outcome_moves_nothing() -> None:
    result = GRADING.tier_move(
        manager(),
        AppraisalOutcome(graded=False, explanation="refused"),
        parse_period("2025"),
        PARAMS,
    )
    assert result.direction is TierDirection.NONE


@pytest.mark.parametrize(
    ("held", "qualification", "score", "expected"),
    [
        ("AH_MID_1", "中级", "90", "AH_MID_2"),
        ("AH_MID_1", "中级", "75", "AH_MID_1"),
        ("AH_MID_1", "中级", "59.99", "AH_JUNIOR_2"),
        ("AH_MID_2", "中级", "95", "AH_MID_2"),
        ("AH_SENIOR_2", "初级", "80", "AH_JUNIOR_2"),
        ("AH_ASSISTANT", None, "30", "AH_ASSISTANT"),
        (None, None, "80", "AH_ASSISTANT"),
    ],
)
def test_annual_outcome_tier_is_the_tier_after_confirmation(
    held: str | None, qualification: str | None, score: str, expected: str
) -> None:
    who = manager(held, qualification)
    outcome = appraise(appraisal(uniform(score), who=who))
    assert outcome.tier == tier(expected)
    confirmed = GRADING.tier_move(who, outcome, parse_period("2025"), PARAMS)
    after = who.tier if confirmed.direction is TierDirection.NONE else confirmed.to_tier
    assert after == outcome.tier
    if confirmed.flags:
        assert any(confirmed.flags[0] in w for w in outcome.warnings)


# --- lending ----------------------------------------------------------------------


def loan(held: str | None, amount: str = "1000000.00") -> LoanRequest:
    return loan_request(
        manager=manager(held, "资深"),
        customer_id="c-1",
        product=LoanProduct.FARMER_MICRO_CREDIT,
        amount=D(amount),
        issued_on=dt.date(2025, 5, 1),
        exposure_now=D(0),
    )


@pytest.mark.parametrize(
    ("held", "cap"),
    [
        (None, D("0.00")),
        ("AH_ASSISTANT", D("0.00")),
        ("AH_JUNIOR_1", None),
        ("AH_MID_2", None),
        ("AH_PRINCIPAL", None),
    ],
)
def test_lending_cap(held: str | None, cap: D | None) -> None:
    result = LENDING.cap(manager(held, None), dt.date(2025, 5, 1), PARAMS)
    assert result.amount == cap
    assert result.article
    assert result.explanation


@pytest.mark.parametrize(
    ("held", "amount", "refused"),
    [
        (None, "0.01", True),
        ("AH_ASSISTANT", "0.01", True),
        ("AH_ASSISTANT", "300000.00", True),
        ("AH_JUNIOR_1", "0.01", False),
        ("AH_JUNIOR_1", "300000000.00", False),
        ("AH_PRINCIPAL", "300000000.00", False),
    ],
)
def test_assistant_cannot_own_loans(held: str | None, amount: str, refused: bool) -> None:
    refusals = LENDING.check(loan(held, amount), PARAMS)
    if refused:
        assert [r.rule for r in refusals] == ["ASSISTANT_CANNOT_OWN_LOANS"]
        assert refusals[0].article == ART_ASSISTANT
        assert refusals[0].message
    else:
        assert refusals == ()


@pytest.mark.parametrize("held", [None, "AH_MID_1"])
def test_no_rotation(held: str | None) -> None:
    assert LENDING.rotation_due_on(manager(held), PARAMS) is None


# --- penalties --------------------------------------------------------------------

SERIOUS = {
    ViolationKind.LOAN_TO_PAY_INTEREST,
    ViolationKind.NOMINEE_LOAN,
    ViolationKind.CROSS_COMMUNITY_LOAN,
    ViolationKind.CREDIT_TO_BANNED_CUSTOMER,
    ViolationKind.TEN_KINDS_OF_PERSON,
    ViolationKind.LOSS_BY_MISCONDUCT,
    ViolationKind.FALSIFICATION,
}


def violation(
    kind: ViolationKind, held: str | None, tiers: tuple[Tier, ...] = plugins.anhui.TIERS
) -> ViolationCase:
    return violation_case(
        kind=kind, occurred_on=dt.date(2025, 4, 1), manager=manager(held), tiers=tiers
    )


@pytest.mark.parametrize("kind", list(ViolationKind))
def test_serious_violations_move_down_one_band(kind: ViolationKind) -> None:
    effect = penalty(violation(kind, "AH_MID_2"))
    assert effect.article
    assert effect.reason
    if kind in SERIOUS:
        assert effect.effect is PenaltyKind.DOWN_ONE_TIER
        assert effect.to_tier == tier("AH_MID_1")
    else:
        assert effect.effect is PenaltyKind.NONE
        assert effect.to_tier is None


@pytest.mark.parametrize(
    ("held", "effect", "to"),
    [
        ("AH_PRINCIPAL", PenaltyKind.DOWN_ONE_TIER, "AH_SENIOR_2"),
        ("AH_SENIOR_1", PenaltyKind.DOWN_ONE_TIER, "AH_MID_2"),
        ("AH_JUNIOR_1", PenaltyKind.DOWN_ONE_TIER, "AH_ASSISTANT"),
        ("AH_ASSISTANT", PenaltyKind.NONE, None),
        (None, PenaltyKind.NONE, None),
    ],
)
def test_violation_by_band(held: str | None, effect: PenaltyKind, to: str | None) -> None:
    result = penalty(violation(ViolationKind.NOMINEE_LOAN, held))
    assert result.effect is effect
    assert result.to_tier == tier(to)
    if effect is PenaltyKind.NONE:
        assert TierMoveFlag.DISMISSAL_REVIEW in result.reason


def test_violation_without_tiers_in_the_case_uses_the_policy_tiers() -> None:
    case = violation(ViolationKind.FALSIFICATION, "AH_MID_1", tiers=())
    assert penalty(case).to_tier == tier("AH_JUNIOR_2")


@pytest.mark.parametrize(
    ("switch", "effect"), [(True, PenaltyKind.DOWN_ONE_TIER), (False, PenaltyKind.NONE)]
)
def test_violation_downgrade_switch(switch: bool, effect: PenaltyKind) -> None:
    case = violation(ViolationKind.LOAN_TO_PAY_INTEREST, "AH_MID_1")
    result = penalty(case, params(violation_downgrade=switch))
    assert result.effect is effect


# --- every result explains itself; same input, same outcome -------------------------


@pytest.mark.parametrize(
    "a",
    [
        appraisal(scores("81.5", "92", "77", "64.25", "99"), period="2025-Q2"),
        appraisal(scores("81.5", "92", "77", "64.25", "99")),
        appraisal(uniform("88"), prior=quarters(q2025_1="91", q2025_2="79.5", q2025_4="88")),
    ],
)
def test_items_explained_and_deterministic(a: AppraisalInput) -> None:
    first = appraise(a)
    assert first.graded
    assert first.explanation
    assert first.items
    for item in first.items:
        assert item.article.strip()
        assert item.explanation.strip()
        assert item.inputs
        if item.max_points is not None:
            assert D(0) <= item.score <= item.max_points
    assert appraise(a) == first


# --- properties (hypothesis) --------------------------------------------------------

ASPECT_SCORE = st.decimals(min_value=0, max_value=100, places=2)
QUALIFICATIONS = (None, "初级", "中级", "高级", "资深")


@st.composite
def weights(draw: st.DrawFn) -> AnhuiParameters:
    """Five weights in whole percent that sum to 100, and a quarterly share."""
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=4, max_size=4)))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    raw = {name: str(part) for name, part in zip(WEIGHTS, parts, strict=True)}
    raw["quarterly_weight"] = str(draw(st.decimals(min_value=0, max_value=1, places=2)))
    return params(**raw)


@settings(max_examples=150, deadline=None)
@given(
    weights(),
    st.lists(ASPECT_SCORE, min_size=5, max_size=5),
    st.lists(st.one_of(st.none(), ASPECT_SCORE), max_size=4),
    st.sampled_from(["2025", "2025-Q2"]),
)
def test_property_the_total_is_the_sum_of_the_items(
    chosen: AnhuiParameters, aspect_scores: list[D], quarterly: list[D | None], period: str
) -> None:
    prior = quarters(
        **{f"q2025_{n}": None if t is None else str(t) for n, t in enumerate(quarterly, 1)}
    )
    outcome = appraise(
        appraisal(
            dict(zip(ASPECT_KEYS, aspect_scores, strict=True)),
            period=period,
            prior=prior,
            with_params=chosen,
        )
    )
    assert outcome.graded and outcome.total is not None
    assert outcome.total == sum((i.score for i in outcome.items), D(0))
    assert D(0) <= outcome.total <= D(100)


@settings(deadline=None)
@given(
    st.decimals(min_value=0, max_value=100, places=2),
    st.decimals(min_value=0, max_value=100, places=2),
    st.sampled_from([t.code for t in plugins.anhui.TIERS]),
    st.sampled_from(QUALIFICATIONS),
)
def test_property_a_higher_annual_score_never_gives_a_lower_band(
    a: D, b: D, held: str, qualification: str | None
) -> None:
    low, high = sorted((a, b))
    after_low = move(str(low), held, qualification)
    after_high = move(str(high), held, qualification)

    def rank(result: TierMove) -> int:
        return (result.to_tier or BY_CODE[held]).rank

    assert rank(after_low) <= rank(after_high)


# --- explanations: Chinese, with the English beside them ---------------------------------

VARIED: dict[str, AppraisalInput] = {
    "a quarter": appraisal(uniform("70"), period="2025-Q2"),
    "a year without quarters": appraisal(scores("82", "95", "78", "80", "88")),
    "a year with two quarters": appraisal(
        scores("82", "95", "78", "80", "88"), prior=quarters(q2025_1="80", q2025_2="90")
    ),
    "promotion": appraisal(uniform("95"), who=manager("AH_MID_1", "高级")),
    "promotion blocked by the qualification": appraisal(
        uniform("95"), who=manager("AH_MID_2", "中级")
    ),
    "demotion": appraisal(uniform("50"), who=manager("AH_SENIOR_1", "资深")),
    "an assistant below the line": appraisal(uniform("50"), who=manager("AH_ASSISTANT", None)),
    "no band yet": appraisal(uniform("75"), who=manager(None, None)),
    "above the qualification": appraisal(uniform("75"), who=manager("AH_SENIOR_2", "初级")),
    "an aspect missing": appraisal({"ethics_score": D(90)}),
    "an aspect out of range": appraisal({**uniform("80"), "ethics_score": D(101)}),
    "an unknown qualification": appraisal(uniform("80"), who=manager("AH_MID_1", "中级经理")),
}


@pytest.mark.parametrize("case", list(VARIED))
def test_every_explanation_is_chinese_with_the_english_beside_it(case: str) -> None:
    assert untranslated(appraise(VARIED[case])) == []


def test_explanations_in_chinese() -> None:
    quarter = appraise(VARIED["a quarter"])
    assert [i.explanation for i in quarter.items] == [
        "业绩指标 70 分 × 权重 60% = 42 分",
        "职业道德 70 分 × 权重 10% = 7 分",
        "基础管理工作 70 分 × 权重 10% = 7 分",
        "信贷操作及管理 70 分 × 权重 10% = 7 分",
        "服务质量 70 分 × 权重 10% = 7 分",
    ]
    assert quarter.items[0].explanation_en == "业绩指标 70 × weight 60% = 42"
    assert quarter.explanation == (
        "2025-Q2 季度考核：总分 70 分（满分 100 分）；按季记录和通报，不调整级档"
        "（农商银行信贷客户经理管理规定 第六条）"
    )
    blocked = appraise(VARIED["promotion blocked by the qualification"])
    assert blocked.explanation == (
        "2025 年度考核：年度得分 95 分（综合得分 95 分）；晋升一档：仍为中级二档"
        "（资格所限未能晋升）（农商银行信贷客户经理管理规定 第五条）"
    )
    assert blocked.explanation_en.startswith("annual appraisal 2025: score 95 (comprehensive")
    up = appraise(VARIED["promotion"])
    assert up.explanation.endswith(
        "晋升一档：中级一档 → 中级二档（农商银行信贷客户经理管理规定 第七条）"
    )
    first = appraise(VARIED["no band yet"])
    assert "首次定档：助理客户经理（入门级档）" in first.explanation
    missing = appraise(VARIED["an aspect missing"])
    assert missing.explanation.startswith("无法考核：未登记 performance_score, ")


@pytest.mark.parametrize(
    ("held", "explanation"),
    [
        (
            "AH_ASSISTANT",
            "助理客户经理：助理客户经理尚未独立分管客户，不得作为贷款的管户客户经理发放贷款",
        ),
        (None, "未定级档：助理客户经理尚未独立分管客户，不得作为贷款的管户客户经理发放贷款"),
        ("AH_MID_1", "中级一档：本政策不设单笔贷款上限"),
    ],
)
def test_lending_cap_explained_in_chinese(held: str | None, explanation: str) -> None:
    cap = LENDING.cap(manager(held), dt.date(2025, 6, 2), PARAMS)
    assert cap.explanation == explanation
    assert bilingual_problem(cap.explanation, cap.explanation_en) is None
