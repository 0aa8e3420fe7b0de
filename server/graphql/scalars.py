"""Scalars: exact decimals as strings, appraisal periods, and bounded dates.

A JSON number is refused for money: binary floats cannot hold every amount in
fen, so the API accepts and returns decimal strings only (``"1234.56"``). Digits
are ASCII only: fullwidth (``１２３``), Arabic-Indic or other Unicode digits are
refused, as is any other character Python's ``Decimal`` would read.

Dates and date-times are bounded to the years ``MIN_YEAR``–``MAX_YEAR`` (1900–2199):
no record of a rural bank lies outside them, and date arithmetic near the ends of
Python's range (year 1 or 9999) overflows — ``duties(asOf: "9999-12-31")`` did.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

MONEY_PATTERN = re.compile(r"^[0-9]{1,16}(\.[0-9]{1,2})?$")
DECIMAL_PATTERN = re.compile(r"^-?[0-9]{1,14}(\.[0-9]{1,4})?$")
PERIOD_PATTERN = re.compile(r"^([0-9]{4})(-Q([1-4]))?$")
MIN_YEAR = 1900
MAX_YEAR = 2199


def _require_string(value: object, scalar: str, example: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(
            f"{scalar} must be a string-encoded decimal such as {example!r}, "
            f"not a JSON {type(value).__name__}"
        )
    return value.strip()


def parse_money(value: object) -> Decimal:
    text = _require_string(value, "Money", "1234.56")
    if text.startswith("-"):
        raise ValueError(f"Money must not be negative: {text!r}")
    if not MONEY_PATTERN.match(text):
        raise ValueError(
            f"Money must be yuan with at most 2 decimal places (e.g. '1234.56'), got {text!r}"
        )
    return Decimal(text)


def serialize_money(value: Decimal) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01'))}"


def parse_decimal(value: object) -> Decimal:
    text = _require_string(value, "Decimal", "12.5")
    if not DECIMAL_PATTERN.match(text):
        raise ValueError(f"Decimal must have at most 4 decimal places (e.g. '-12.5'), got {text!r}")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"Decimal is malformed: {text!r}") from None


def serialize_decimal(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f")


def parse_period(value: object) -> str:
    if not isinstance(value, str) or not PERIOD_PATTERN.match(value.strip()):
        raise ValueError(f"Period must be a year '2025' or a quarter '2025-Q3', got {value!r}")
    text = value.strip()
    year = int(text[:4])
    if not 2000 <= year <= 2100:
        raise ValueError(f"Period year must be between 2000 and 2100, got {year}")
    return text


def _bounded_year(value: dt.date, scalar: str) -> None:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"{scalar} must lie in the years {MIN_YEAR}–{MAX_YEAR}, got {value.year}")


def parse_date(value: object) -> dt.date:
    if not isinstance(value, str) or not value.isascii():
        raise ValueError(f"Date must be an ISO date such as '2025-06-30', got {value!r}")
    try:
        parsed = dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"Date must be an ISO date such as '2025-06-30', got {value!r}") from None
    _bounded_year(parsed, "Date")
    return parsed


def parse_datetime(value: object) -> dt.datetime:
    if not isinstance(value, str) or not value.isascii():
        raise ValueError(
            f"DateTime must be an ISO date-time such as '2025-06-30T08:00:00+08:00', got {value!r}"
        )
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"DateTime must be an ISO date-time such as '2025-06-30T08:00:00+08:00', got {value!r}"
        ) from None
    _bounded_year(parsed.date(), "DateTime")
    return parsed


def _isoformat(value: dt.date) -> str:
    return value.isoformat()


Money = NewType("Money", Decimal)
DecimalValue = NewType("DecimalValue", Decimal)
Period = NewType("Period", str)

SCALAR_MAP: dict[object, ScalarDefinition] = {
    Money: strawberry.scalar(
        name="Money",
        description=(
            "An amount in yuan (元), exact to the fen, encoded as a decimal string "
            'such as "1234.56". Never negative. JSON numbers are refused.'
        ),
        serialize=serialize_money,
        parse_value=parse_money,
    ),
    DecimalValue: strawberry.scalar(
        name="Decimal",
        description=(
            'An exact decimal encoded as a string, up to 4 decimal places, such as "-12.5". '
            "JSON numbers are refused."
        ),
        serialize=serialize_decimal,
        parse_value=parse_decimal,
    ),
    dt.date: strawberry.scalar(
        name="Date",
        description=(
            f'A calendar date, ISO 8601 ("2025-06-30"), in the years {MIN_YEAR}–{MAX_YEAR}.'
        ),
        serialize=_isoformat,
        parse_value=parse_date,
    ),
    dt.datetime: strawberry.scalar(
        name="DateTime",
        description=(
            'A date and time, ISO 8601 with its offset ("2025-06-30T08:00:00+08:00"), '
            f"in the years {MIN_YEAR}–{MAX_YEAR}."
        ),
        serialize=_isoformat,
        parse_value=parse_datetime,
    ),
    Period: strawberry.scalar(
        name="Period",
        description='An appraisal period: a year "2025" or a quarter "2025-Q3".',
        serialize=str,
        parse_value=parse_period,
    ),
}
