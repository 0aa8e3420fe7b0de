"""A filled-in sheet read back against its :class:`~server.uploads.layouts.Layout`.

The workbook is read in openpyxl's read-only mode, values only. Row 1 is the header: each
header must be one of the layout's (as the template writes it), none twice, every
required one present; a column without a header is ignored. Every later row that is not
empty is read cell by cell; each broken rule is a :class:`CellProblem` naming the sheet,
the row (as Excel numbers it), the column (its header as written) and the rule. A number
cell is read by its shortest decimal form (``repr`` of the float), so ``0.07`` is 0.07;
a date cell is a date (a time of day other than 00:00 is refused).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import load_workbook

from server.uploads.layouts import EARLIEST, MAX_ROWS, Column, Kind, Layout

DATE_TEXT = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


@dataclass(frozen=True)
class CellProblem:
    """One broken rule of an upload: where (row 0 and no column: the file or the sheet as a
    whole) and which rule, with a sentence."""

    sheet: str
    row: int
    column: str
    code: str
    message: str


@dataclass(frozen=True)
class SheetRow:
    """A filled row: its number and its values by column key (empty cells absent)."""

    number: int
    values: dict[str, Any]


@dataclass
class ReadSheet:
    """What was read of a sheet: the rows, the headers as written by key, the problems."""

    layout: Layout
    rows: list[SheetRow] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    problems: list[CellProblem] = field(default_factory=list)

    def refuse(self, row: int, column: str, code: str, message: str) -> None:
        self.problems.append(CellProblem(self.layout.sheet, row, column, code, message))

    def header(self, key: str) -> str:
        return self.headers.get(key) or self.layout.column(key).header


def read_sheet(data: bytes, layout: Layout) -> ReadSheet:
    """The layout's sheet of the workbook ``data``, every cell checked."""
    out = ReadSheet(layout)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as error:
        out.refuse(0, "", "NOT_XLSX", f"not a readable XLSX workbook ({type(error).__name__})")
        return out
    try:
        if layout.sheet not in book.sheetnames:
            out.refuse(0, "", "NO_SHEET", f"the workbook has no sheet named {layout.sheet}")
            return out
        rows = book[layout.sheet].iter_rows(values_only=True)
        header = next(rows, None)
        columns = _header(out, header or ())
        if out.problems:
            return out
        for number, values in enumerate(rows, start=2):
            if all(_blank(v) for v in values):
                continue
            if len(out.rows) >= MAX_ROWS:
                out.refuse(number, "", "TOO_MANY_ROWS", f"a sheet takes at most {MAX_ROWS} rows")
                break
            out.rows.append(_row(out, number, values, columns))
    finally:
        book.close()
    return out


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header(out: ReadSheet, header: tuple[Any, ...]) -> dict[int, Column]:
    by_header = {c.header: c for c in out.layout.columns}
    columns: dict[int, Column] = {}
    for index, value in enumerate(header):
        if _blank(value):
            continue
        text = str(value).strip()
        column = by_header.get(text)
        if column is None:
            out.refuse(1, text, "UNKNOWN_COLUMN", f"the sheet has no column {text}")
        elif column.key in out.headers:
            out.refuse(1, text, "DUPLICATE_COLUMN", f"{text} is a header twice")
        else:
            columns[index] = column
            out.headers[column.key] = text
    for column in out.layout.columns:
        if column.required and column.key not in out.headers:
            out.refuse(1, column.header, "MISSING_COLUMN", f"the column {column.header} is needed")
    return columns


def _row(
    out: ReadSheet, number: int, values: tuple[Any, ...], columns: dict[int, Column]
) -> SheetRow:
    row = SheetRow(number, {})
    for index, column in columns.items():
        value = values[index] if index < len(values) else None
        if _blank(value):
            if column.required:
                out.refuse(number, column.header, "REQUIRED", f"{column.header} is required")
            continue
        try:
            row.values[column.key] = parse_cell(column, value)
        except CellRuleBroken as broken:
            out.refuse(number, column.header, broken.code, broken.message)
    return row


class CellRuleBroken(Exception):
    """A cell's value breaks its column's rule."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def parse_cell(column: Column, value: Any) -> Any:
    """The value of a non-empty cell of ``column``, or :class:`CellRuleBroken`."""
    if column.kind in (Kind.TEXT, Kind.REFERENCE):
        text = _text(value)
        if len(text) > column.max_length:
            raise CellRuleBroken("TOO_LONG", f"at most {column.max_length} characters")
        return text
    if column.kind == Kind.CHOICE:
        text = _text(value)
        if text not in column.choices:
            shown = "、".join(column.labels[:20])
            raise CellRuleBroken("NOT_IN_LIST", f"{text} is not one of: {shown}")
        return column.choices[text]
    if column.kind == Kind.DATE:
        return _date(value)
    return _number(column, value)


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        # An employee number typed as 1001 arrives as the number 1001.0.
        return str(int(value))
    return str(value).strip()


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.time() != dt.time():
            raise CellRuleBroken("DATE", "a date without a time of day")
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, str) and DATE_TEXT.match(value.strip()):
        try:
            day = dt.date.fromisoformat("-".join(p.zfill(2) for p in value.strip().split("-")))
        except ValueError:
            raise CellRuleBroken("DATE", f"{value} is no date") from None
    else:
        raise CellRuleBroken("DATE", "a date, as a date cell or YYYY-MM-DD")
    if day < EARLIEST:
        raise CellRuleBroken("RANGE", f"a date from {EARLIEST.isoformat()} on")
    return day


def _number(column: Column, value: Any) -> Decimal | int:
    if isinstance(value, bool):
        raise CellRuleBroken("NUMBER", "a number")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise CellRuleBroken("NUMBER", "a finite number")
        text = repr(value)
    else:
        text = str(value).strip().replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellRuleBroken("NUMBER", f"{value} is not a number") from None
    if not number.is_finite():
        raise CellRuleBroken("NUMBER", "a finite number")
    exponent = number.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if column.kind == Kind.WHOLE and places:
        raise CellRuleBroken("WHOLE_NUMBER", "a whole number")
    if places > column.decimals:
        raise CellRuleBroken("DECIMALS", f"at most {column.decimals} decimals")
    low, high = column.minimum, column.maximum
    if (low is not None and number < low) or (high is not None and number > high):
        raise CellRuleBroken("RANGE", f"a number from {low} to {high}")
    return int(number) if column.kind == Kind.WHOLE else number
