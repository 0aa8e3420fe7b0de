"""A template workbook laid out from a :class:`~server.uploads.layouts.Layout`.

The data sheet first: the header row (frozen, bold, filled), a width per column, and on
every column Excel's data validation over the rows an upload takes — a list for the
codes and the enumerations, a whole-number or decimal range for the figures, a date
range, a text length — each with its input message (the column's rule) and an error
message. Then "说明": a row per column with its rule, whether it is required and the
values it takes. Last the hidden "代码表", the lists the validations point at: the
managers and offices of the caller's scope, the enumerations' labels.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from server.uploads.layouts import (
    EARLIEST,
    MANAGERS_LIST,
    MAX_ROWS,
    OFFICES_LIST,
    Column,
    Kind,
    Layout,
)

GUIDE_SHEET = "说明"
CODES_SHEET = "代码表"
PROMPT_LIMIT = 255
"""Excel shows at most 255 characters of an input message (and 32 of its title)."""
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


@dataclass(frozen=True)
class Prefill:
    """What the template offers of the caller's scope: managers (工号, 姓名, 网点代码) and
    offices (代码, 名称); ``rows`` pre-fills the data sheet's first columns."""

    managers: Sequence[tuple[str, str, str]]
    offices: Sequence[tuple[str, str]]
    rows: Sequence[Sequence[str]] = ()


def template_workbook(layout: Layout, prefill: Prefill) -> bytes:
    """The template as .xlsx bytes."""
    book = Workbook()
    data = book.active
    assert data is not None
    data.title = layout.sheet
    guide = book.create_sheet(GUIDE_SHEET)
    codes = book.create_sheet(CODES_SHEET)
    lists = _code_lists(codes, layout, prefill)
    codes.sheet_state = "hidden"
    _data_sheet(data, layout, prefill, lists)
    _guide(guide, layout, lists)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _code_lists(sheet: Worksheet, layout: Layout, prefill: Prefill) -> dict[str, str]:
    """Write each list into a column of the code sheet; its range by list name."""
    columns: list[tuple[str, str, list[Sequence[str]]]] = [
        (MANAGERS_LIST, "工号", [list(m) for m in prefill.managers]),
        (OFFICES_LIST, "网点代码", [list(o) for o in prefill.offices]),
    ]
    for column in layout.columns:
        if column.kind == Kind.CHOICE and column.choices:
            columns.append((column.key, column.header, [[label] for label in column.labels]))
    ranges: dict[str, str] = {}
    at = 1
    for name, header, values in columns:
        width = max((len(v) for v in values), default=1)
        for offset, title in enumerate([header, "名称", "网点"][:width]):
            sheet.cell(1, at + offset, title).font = Font(bold=True)
        for row, value in enumerate(values, start=2):
            for offset, text in enumerate(value):
                sheet.cell(row, at + offset, text)
        letter = get_column_letter(at)
        last = max(len(values) + 1, 2)
        ranges[name] = f"{quote_sheetname(CODES_SHEET)}!${letter}$2:${letter}${last}"
        at += width + 1
    return ranges


def _validation(column: Column, lists: dict[str, str]) -> DataValidation | None:
    name = column.list_name or (column.key if column.kind == Kind.CHOICE else None)
    if name is not None and name in lists:
        found = DataValidation(type="list", formula1=f"={lists[name]}", allow_blank=True)
        found.error = "请从下拉列表选择，或填写列表中的代码"
        return found
    if column.kind in (Kind.DECIMAL, Kind.WHOLE):
        found = DataValidation(
            type="whole" if column.kind == Kind.WHOLE else "decimal",
            operator="between",
            formula1=str(column.minimum),
            formula2=str(column.maximum),
            allow_blank=True,
        )
        found.error = f"请填写 {column.minimum} 至 {column.maximum} 之间的数"
        return found
    if column.kind == Kind.DATE:
        found = DataValidation(
            type="date",
            operator="greaterThanOrEqual",
            formula1=f"DATE({EARLIEST.year},{EARLIEST.month},{EARLIEST.day})",
            allow_blank=True,
        )
        found.error = f"请填写 {EARLIEST.isoformat()} 以后的日期"
        return found
    if column.kind in (Kind.TEXT, Kind.REFERENCE):
        found = DataValidation(
            type="textLength",
            operator="lessThanOrEqual",
            formula1=str(column.max_length),
            allow_blank=True,
        )
        found.error = f"至多 {column.max_length} 个字符"
        return found
    return None


def _data_sheet(sheet: Worksheet, layout: Layout, prefill: Prefill, lists: dict[str, str]) -> None:
    for index, column in enumerate(layout.columns, start=1):
        cell = sheet.cell(1, index, column.header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(column.width, len(column.header) * 2 + 2)
        validation = _validation(column, lists)
        if validation is None:
            continue
        validation.promptTitle = column.header[:32]
        validation.prompt = (("必填。" if column.required else "") + column.rule)[:PROMPT_LIMIT]
        validation.errorTitle = column.header[:32]
        validation.showInputMessage = True
        validation.showErrorMessage = True
        validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
        sheet.add_data_validation(validation)
        if column.kind == Kind.DATE:
            for row in range(2, MAX_ROWS + 2):
                sheet.cell(row, index).number_format = "yyyy-mm-dd"
    for number, values in enumerate(prefill.rows, start=2):
        for index, value in enumerate(values, start=1):
            sheet.cell(number, index, value)
    sheet.freeze_panes = "B2"
    sheet.row_dimensions[1].height = 36


def _guide(sheet: Worksheet, layout: Layout, lists: dict[str, str]) -> None:
    sheet.cell(1, 1, layout.title).font = Font(bold=True, size=14)
    sheet.cell(2, 1, f"每行：{layout.row_meaning}。第一行为表头，请勿修改；空行不读。")
    sheet.cell(
        3, 1, f"每次上传至多 {MAX_ROWS} 行；任一单元格不符合规则则整表不写入，并逐格列出问题。"
    )
    for index, title in enumerate(("列", "必填", "类型", "规则", "可填的值"), start=1):
        sheet.cell(5, index, title).font = Font(bold=True)
    kinds = {
        Kind.TEXT: "文本",
        Kind.REFERENCE: "代码",
        Kind.CHOICE: "列表",
        Kind.DECIMAL: "数值",
        Kind.WHOLE: "整数",
        Kind.DATE: "日期",
    }
    for row, column in enumerate(layout.columns, start=6):
        values = "、".join(column.labels) if column.kind == Kind.CHOICE else ""
        if column.list_name in lists:
            values = f"见下拉列表（{CODES_SHEET}）"
        cells = (column.header, "是" if column.required else "否", kinds[column.kind])
        for index, text in enumerate((*cells, column.rule, values), start=1):
            sheet.cell(row, index, text).alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDE", (22, 6, 8, 60, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A6"
