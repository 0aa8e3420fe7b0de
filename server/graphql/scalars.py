"""Scalars: exact decimals as strings, appraisal periods, and bounded dates.

A JSON number is refused for money: binary floats cannot hold every amount in
fen, so the API accepts and returns decimal strings only (``"1234.56"``). Digits
are ASCII only: fullwidth (``１２３``), Arabic-Indic or other Unicode digits are
refused, as is any other character Python's ``Decimal`` would read.

Dates and date-times are bounded to the years ``MIN_YEAR``–``MAX_YEAR`` (1900–2199):
no record of a rural bank lies outside them, and date arithmetic near the ends of
Python's range (year 1 or 9999) overflows — ``duties(asOf: "9999-12-31")`` did.

Each scalar's exact format is in its description and in ``docs/scalars.md``, which
its ``@specifiedBy`` names (``Date`` and ``DateTime`` name RFC 3339, whose forms
they print).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import NewType

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types.scalar import ScalarDefinition

from server.uploads.multipart import UploadedFile

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
    if parsed.utcoffset() is None:
        raise ValueError(
            f"DateTime must carry its offset from UTC, such as '2025-06-30T08:00:00+08:00' "
            f"or '…Z', got {value!r}"
        )
    _bounded_year(parsed.date(), "DateTime")
    return parsed


def _isoformat(value: dt.date) -> str:
    return value.isoformat()


def parse_upload(value: object) -> UploadedFile:
    """The file a multipart request put in the variable; anything else (a value sent in
    JSON) is refused as an invalid variable."""
    if not isinstance(value, UploadedFile):
        raise ValueError("an Upload is the file of a GraphQL multipart request")
    return value


def _no_output(value: object) -> object:
    raise ValueError("an Upload is input only")


Money = NewType("Money", Decimal)
DecimalValue = NewType("DecimalValue", Decimal)
Period = NewType("Period", str)

SCALARS_DOC = "docs/scalars.md"
"""The page that specifies the scalars (``@specifiedBy``), relative to the repository."""
RFC_3339_DATES = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"

SCALAR_MAP: dict[object, ScalarDefinition] = {
    Money: strawberry.scalar(
        name="Money",
        description=(
            "An amount in yuan (元), exact to the fen, as a JSON string: input matches "
            f"`{MONEY_PATTERN.pattern}` (ASCII digits, no sign, no exponent, no separators); "
            'output always has 2 decimal places, "1234.50". Never negative. JSON numbers '
            f"are refused. See {SCALARS_DOC}#money."
        ),
        specified_by_url=f"{SCALARS_DOC}#money",
        serialize=serialize_money,
        parse_value=parse_money,
    ),
    DecimalValue: strawberry.scalar(
        name="Decimal",
        description=(
            "An exact decimal as a JSON string: input matches "
            f"`{DECIMAL_PATTERN.pattern}` (ASCII digits, up to 4 decimal places); output is "
            'the shortest exact form without trailing zeros or exponent, "-12.5". '
            f"JSON numbers are refused. See {SCALARS_DOC}#decimal."
        ),
        specified_by_url=f"{SCALARS_DOC}#decimal",
        serialize=serialize_decimal,
        parse_value=parse_decimal,
    ),
    dt.date: strawberry.scalar(
        name="Date",
        description=(
            'A calendar date as a JSON string, RFC 3339 full-date "YYYY-MM-DD" ("2025-06-30"), '
            f"in the years {MIN_YEAR}–{MAX_YEAR}. Input in another ISO 8601 form Python "
            f"reads is accepted, not promised. See {SCALARS_DOC}#date."
        ),
        specified_by_url=RFC_3339_DATES,
        serialize=_isoformat,
        parse_value=parse_date,
    ),
    dt.datetime: strawberry.scalar(
        name="DateTime",
        description=(
            "An instant as a JSON string, RFC 3339 date-time with its offset "
            '("2025-06-30T08:00:00+08:00"); the timestamps the server records come out '
            'in UTC, "+00:00", with microseconds when not zero; in the years '
            f"{MIN_YEAR}–{MAX_YEAR}. An input without its offset is refused. "
            f"See {SCALARS_DOC}#datetime."
        ),
        specified_by_url=RFC_3339_DATES,
        serialize=_isoformat,
        parse_value=parse_datetime,
    ),
    Upload: strawberry.scalar(
        name="Upload",
        description=(
            "A file sent with the operation as a GraphQL multipart request (an XLSX "
            "workbook, at most RURALCREDIT_UPLOAD_MAX_BYTES); the variable is null in "
            f"`operations` and `map` names it. Never in a JSON body. See {SCALARS_DOC}#upload."
        ),
        specified_by_url=f"{SCALARS_DOC}#upload",
        serialize=_no_output,
        parse_value=parse_upload,
    ),
    Period: strawberry.scalar(
        name="Period",
        description=(
            f"An appraisal period as a JSON string matching `{PERIOD_PATTERN.pattern}`: "
            'a year "2025" or a quarter "2025-Q3", the year in 2000–2100. '
            f"See {SCALARS_DOC}#period."
        ),
        specified_by_url=f"{SCALARS_DOC}#period",
        serialize=str,
        parse_value=parse_period,
    ),
}
