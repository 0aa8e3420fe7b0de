"""The plugin API's own pieces: periods, parameter declarations, key formats, the builders."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

import server.policy
from server.policy import (
    Parameters,
    ParameterSpec,
    ParamType,
    PeriodKind,
    PluginInfo,
    PolicyCategory,
    is_finding_code,
    is_indicator_key,
    is_item_key,
    parameter,
    parse_period,
    testing,
)
from server.policy.parameters import defaults, resolve, to_json
from server.services.appraisal import inputs, sheets

D = Decimal

# --- periods ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "first", "last"),
    [
        ("2025", PeriodKind.YEAR, dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
        ("2025-Q1", PeriodKind.QUARTER, dt.date(2025, 1, 1), dt.date(2025, 3, 31)),
        ("2024-Q1", PeriodKind.QUARTER, dt.date(2024, 1, 1), dt.date(2024, 3, 31)),
        ("2024-Q2", PeriodKind.QUARTER, dt.date(2024, 4, 1), dt.date(2024, 6, 30)),
        ("2025-Q3", PeriodKind.QUARTER, dt.date(2025, 7, 1), dt.date(2025, 9, 30)),
        ("2025-Q4", PeriodKind.QUARTER, dt.date(2025, 10, 1), dt.date(2025, 12, 31)),
    ],
)
def test_period_dates(text: str, kind: PeriodKind, first: dt.date, last: dt.date) -> None:
    period = parse_period(text)
    assert (period.text, period.kind, period.year, period.start, period.end) == (
        text,
        kind,
        first.year,
        first,
        last,
    )
    assert str(period) == text
    assert period.day_before_start == first - dt.timedelta(days=1)


@pytest.mark.parametrize("text", ["2025-Q5", "2025-Q0", "25", "2025Q1", "2025-q1", " 2025", ""])
def test_period_rejects_other_text(text: str) -> None:
    with pytest.raises(ValueError, match="a year '2025' or a quarter '2025-Q3'"):
        parse_period(text)


def test_the_services_read_the_same_period() -> None:
    assert inputs.parse_period is parse_period
    assert sheets.Period is server.policy.Period


# --- parameter declarations -----------------------------------------------------------------


class Mode(enum.StrEnum):
    """A choice for the declaration below."""

    STRICT = "STRICT"
    LENIENT = "LENIENT"


@dataclass(frozen=True)
class Declared(Parameters):
    """One parameter of each kind."""

    ratio: Decimal = field(
        default=D("0.5"), metadata=parameter("a ratio", article="第一条", minimum=0, maximum=1)
    )
    cap: Decimal | None = field(
        default=None, metadata=parameter("a cap; none = no cap", article="第二条", minimum=20)
    )
    years: int = field(default=3, metadata=parameter("years", article="第三条", minimum=1))
    switch: bool = field(default=True, metadata=parameter("on or off", article="第四条"))
    mode: Mode = field(default=Mode.STRICT, metadata=parameter("how", article="第五条"))


def test_the_declaration_gives_the_specs() -> None:
    assert Declared.specs() == (
        ParameterSpec("ratio", ParamType.DECIMAL, D("0.5"), "a ratio", "第一条", D(0), D(1)),
        ParameterSpec(
            "cap", ParamType.DECIMAL, None, "a cap; none = no cap", "第二条", D(20), nullable=True
        ),
        ParameterSpec("years", ParamType.INTEGER, 3, "years", "第三条", D(1)),
        ParameterSpec("switch", ParamType.BOOLEAN, True, "on or off", "第四条"),
        ParameterSpec(
            "mode", ParamType.CHOICE, "STRICT", "how", "第五条", choices=("STRICT", "LENIENT")
        ),
    )
    info = PluginInfo("p", "1.0.0", "t", ("s",), frozenset({PolicyCategory.LENDING}), Declared)
    assert info.parameters == Declared.specs()
    assert defaults(info) == Declared()


def test_the_declaration_gives_a_typed_validated_object() -> None:
    info = PluginInfo("p", "1.0.0", "t", ("s",), frozenset({PolicyCategory.LENDING}), Declared)
    resolved, problems = resolve(info, {"ratio": "0.25", "years": 5, "mode": "LENIENT"})
    assert problems == []
    assert resolved == Declared(ratio=D("0.25"), years=5, mode=Mode.LENIENT)
    assert isinstance(resolved, Declared) and resolved.mode is Mode.LENIENT
    assert dict(resolved) == {
        "ratio": D("0.25"),
        "cap": None,
        "years": 5,
        "switch": True,
        "mode": Mode.LENIENT,
    }
    assert to_json(resolved) == {
        "ratio": "0.25",
        "cap": None,
        "years": 5,
        "switch": True,
        "mode": "LENIENT",
    }
    assert Declared.of(to_json(resolved)) == resolved
    assert Declared.of(resolved) is resolved


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"ratio": "1.01"}, "ratio must be at most 1"),
        ({"cap": "19"}, "cap must be at least 20"),
        ({"years": "2.5"}, "years must be a whole number"),
        ({"switch": "yes"}, "switch must be true or false"),
        ({"mode": "SOFT"}, "mode must be one of STRICT, LENIENT"),
        ({"ratio": None}, "ratio may not be null"),
        ({"ratio": 0.5}, "ratio must be a decimal string or an integer"),
        ({"other": 1}, "Declared has no parameter other"),
    ],
)
def test_a_value_that_does_not_fit_is_refused(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Declared.of(raw)


def test_an_unusable_declaration_is_a_type_error() -> None:
    @dataclass(frozen=True)
    class Undescribed(Parameters):
        """A field without parameter metadata."""

        level: int = 3

    @dataclass(frozen=True)
    class NotNullable(Parameters):
        """A default of None for a type that does not admit it."""

        cap: Decimal = field(default=None, metadata=parameter("cap", article="第一条"))

    @dataclass(frozen=True)
    class OutOfBounds(Parameters):
        """A default outside its own bounds."""

        ratio: Decimal = field(default=D(2), metadata=parameter("r", article="第一条", maximum=1))

    @dataclass(frozen=True)
    class Shadowing(Parameters):
        """A parameter named like a mapping method."""

        items: int = field(default=1, metadata=parameter("n", article="第一条"))

    @dataclass(frozen=True)
    class Floating(Parameters):
        """A float, which is not exact."""

        ratio: float = field(default=0.5, metadata=parameter("r", article="第一条"))

    for declaration, problem in [
        (Undescribed, "no parameter"),
        (NotNullable, "admit None"),
        (OutOfBounds, "outside its bounds"),
        (Shadowing, "taken by the Parameters interface"),
        (Floating, "Decimal, int, bool or StrEnum"),
    ]:
        with pytest.raises(TypeError, match=problem):
            declaration.specs()


# --- key formats ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (is_indicator_key, ["loan_balance", "b5", "a" * 60], ["Loan", "5b", "a-b", "a" * 61, ""]),
        (is_item_key, ["C1.4", "B5.2", "A1", "x" * 20], ["C1 4", "C-1", "x" * 21, ""]),
        (
            is_finding_code,
            ["MISSING_INSPECTION_REPORT", "C2", "A" * 60],
            ["missing", "2C", "A-B", "A" * 61, ""],
        ),
    ],
)
def test_key_formats(check: object, good: list[str], bad: list[str]) -> None:
    assert callable(check)
    assert all(check(key) for key in good)
    assert not any(check(key) for key in bad)


# --- the builders ---------------------------------------------------------------------------


def test_builders_take_keyword_overrides() -> None:
    manager = testing.manager_profile(employee_no="E9")
    assert manager.employee_no == "E9" and manager.tier is None
    appraisal = testing.appraisal_input("2025-Q2", manager=manager, values={"x": D(1)})
    assert appraisal.period == parse_period("2025-Q2")
    assert appraisal.manager is manager and appraisal.values == {"x": D(1)}
    members = testing.cohort({"x": D(1)}, {"x": D(2)})
    assert [m.profile.manager_id for m in members] == ["M-1", "M-2"]
    assert testing.loan_request(amount=D(7)).amount == D(7)
    assert testing.customer_facts(blacklisted=True).blacklisted
    assert (
        testing.violation_case(confirmed_same_kind_this_year=3).confirmed_same_kind_this_year == 3
    )


def test_the_api_lists_what_it_exports() -> None:
    exported = set(server.policy.__all__)
    assert len(exported) == len(server.policy.__all__)
    assert all(hasattr(server.policy, name) for name in exported)
    assert {"hookimpl", "Parameters", "parameter", "Period", "TierMoveFlag"} <= exported
