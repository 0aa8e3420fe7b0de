"""The layout every report workbook shares: a sheet is one table under a title row (the
report's name) and a subtitle row (office, period or day), its column headers in row 3,
a row per figure line, a bold total line, then any notes — laid out as the score sheet is
(``server.exports.score_sheet``): landscape, one page wide, the title and header rows on
every page, panes frozen below the header, page numbers in the footer.

Money, ratios and scores are written as the exact decimals they are
(``server.exports.xlsx.write_decimal``), never through a float.
"""

from __future__ import annotations

import datetime as dt
import enum
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from server.exports.xlsx import SheetNames, print_landscape, write_decimal

Value = str | int | Decimal | dt.date | None
HEADER_ROW = 3
"""Rows 1 and 2 name the report (title, then office and period); the column headers follow."""
NONE_MARK = "—"
"""What a cell shows where GraphQL answers null (no ratio without a balance, no tier)."""
CENT = Decimal("0.01")
"""Money is shown as the schema shows it (``Money``): exact to the fen."""


class Kind(enum.Enum):
    """What a column holds, and so how its cells are written and shown."""

    TEXT = "@"
    COUNT = "#,##0"
    MONEY = "#,##0.00"
    RATIO = "0.00%"
    SCORE = "0.00"
    DATE = "yyyy-mm-dd"


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = Kind.TEXT
    width: float = 12


@dataclass(frozen=True)
class Table:
    """One sheet of a report workbook."""

    sheet: str
    title: str
    subtitle: str
    footer: str
    """The footer's left part: the report and its day or period, on every printed page."""
    columns: Sequence[Column]
    rows: Sequence[Sequence[Value]]
    total: Sequence[Value] | None = None
    """The bold 合计 line under the rows (the figures of the whole subtree), if any."""
    notes: Sequence[tuple[str, Value]] = field(default_factory=tuple)
    """(label, value) lines under the table: counts that are not a column's."""
    frozen_columns: int = 1
    """The leading columns kept in view when scrolling right (the row's labels)."""

    @property
    def first_row(self) -> int:
        return HEADER_ROW + 1

    @property
    def last_row(self) -> int:
        """The last row of figures, the total line included."""
        return HEADER_ROW + len(self.rows) + (self.total is not None)


_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", start_color="DDDDDD")
_CENTRED = Alignment(horizontal="center", vertical="center", wrap_text=True)


class ReportBook:
    """A workbook being laid out: its sheets, named as Excel accepts."""

    def __init__(self) -> None:
        self.book = Workbook()
        self.names = SheetNames()
        first = self.book.active
        assert first is not None
        self.book.remove(first)

    def add(self, table: Table) -> Worksheet:
        ws: Worksheet = self.book.create_sheet(self.names.claim(table.sheet))
        width = len(table.columns)
        _title(ws, table, width)
        for n, column in enumerate(table.columns, start=1):
            cell = ws.cell(row=HEADER_ROW, column=n, value=column.header)
            cell.font = Font(bold=True)
            cell.alignment = _CENTRED
            cell.fill = _HEADER_FILL
            cell.border = _BOX
            ws.column_dimensions[get_column_letter(n)].width = column.width
        lines = max(c.header.count("\n") + 1 for c in table.columns)
        ws.row_dimensions[HEADER_ROW].height = 15 * lines + 3
        row = HEADER_ROW
        for values in table.rows:
            row += 1
            _line(ws, row, table.columns, values, bold=False)
        if table.total is not None:
            row += 1
            _line(ws, row, table.columns, table.total, bold=True)
        if table.notes:
            row += 1
        for label, value in table.notes:
            row += 1
            ws.cell(row=row, column=1, value=label).font = Font(bold=True)
            _write(ws.cell(row=row, column=2), Kind.COUNT, value)
        ws.freeze_panes = f"{get_column_letter(table.frozen_columns + 1)}{HEADER_ROW + 1}"
        _print_setup(ws, table, row, width)
        return ws

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.book.save(out)
        return out.getvalue()


def _title(ws: Worksheet, table: Table, width: int) -> None:
    last = get_column_letter(max(width, 1))
    ws["A1"] = table.title
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws["A2"] = table.subtitle
    if width > 1:
        ws.merge_cells(f"A1:{last}1")
        ws.merge_cells(f"A2:{last}2")


def _line(
    ws: Worksheet, row: int, columns: Sequence[Column], values: Sequence[Value], *, bold: bool
) -> None:
    if len(values) != len(columns):
        raise ValueError(f"row {row}: {len(values)} values for {len(columns)} columns")
    for n, (column, value) in enumerate(zip(columns, values, strict=True), start=1):
        cell = ws.cell(row=row, column=n)
        _write(cell, column.kind, value)
        cell.border = _BOX
        if bold:
            cell.font = Font(bold=True)


def _write(cell: Cell | MergedCell, kind: Kind, value: Value) -> None:
    if not isinstance(cell, Cell):
        raise TypeError(f"{cell.coordinate} is merged into another cell")
    if value is None:
        cell.value = NONE_MARK
        cell.alignment = Alignment(horizontal="center")
    elif isinstance(value, Decimal):
        shown = value.quantize(CENT) if kind is Kind.MONEY else value
        write_decimal(cell, shown, kind.value)
    elif isinstance(value, bool) or not isinstance(value, int | str | dt.date):
        raise TypeError(f"{cell.coordinate}: cannot write {value!r}")
    else:
        cell.value = value
        if kind is not Kind.TEXT:
            cell.number_format = kind.value


def _print_setup(ws: Worksheet, table: Table, last_row: int, width: int) -> None:
    print_landscape(
        ws, title_rows=HEADER_ROW, last_row=last_row, width=max(width, 2), footer=table.footer
    )
