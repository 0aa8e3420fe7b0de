"""Scalars: exact decimals as strings, and appraisal periods.

A JSON number is refused for money: binary floats cannot hold every amount in
fen, so the API accepts and returns decimal strings only (``"1234.56"``).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

MONEY_PATTERN = re.compile(r"^\d{1,16}(\.\d{1,2})?$")
DECIMAL_PATTERN = re.compile(r"^-?\d{1,14}(\.\d{1,4})?$")
PERIOD_PATTERN = re.compile(r"^(\d{4})(-Q([1-4]))?$")


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
    Period: strawberry.scalar(
        name="Period",
        description='An appraisal period: a year "2025" or a quarter "2025-Q3".',
        serialize=str,
        parse_value=parse_period,
    ),
}
