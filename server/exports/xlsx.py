"""What every workbook we write needs: sheet names Excel accepts, decimals written as the
exact numbers they are, and the download's file name."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import quote

from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.header_footer import HeaderFooterItem
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_SHEET_NAME = 31
"""Excel refuses a longer sheet name."""
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_RESERVED = frozenset({"history"})
"""Excel keeps the name "History" for itself (change tracking)."""


class SheetNames:
    """Names for the sheets of one workbook: valid for Excel and unique within it (Excel
    compares sheet names without regard to case)."""

    def __init__(self) -> None:
        self._taken: set[str] = set(_RESERVED)

    def claim(self, wanted: str, fallback: str = "Sheet") -> str:
        """``wanted`` made valid (forbidden characters replaced, no apostrophe at either end,
        at most 31 characters) and, if taken, numbered: "name (2)"."""
        base = _NOT_IN_SHEET_NAMES.sub("_", wanted).strip().strip("'").strip()
        base = base[:MAX_SHEET_NAME].rstrip("'") or fallback
        name, number = base, 1
        while name.casefold() in self._taken:
            number += 1
            suffix = f" ({number})"
            name = base[: MAX_SHEET_NAME - len(suffix)].rstrip("'") + suffix
        self._taken.add(name.casefold())
        return name


def write_decimal(cell: Cell | MergedCell, value: Decimal, number_format: str) -> None:
    """Write ``value`` as a number cell holding its exact decimal text.

    openpyxl writes every number through ``"%.16g"`` of a float, so 0.07 would reach the
    file as 0.07000000000000001; the cell is typed a number and given the decimal's own
    digits instead, which Excel reads as it reads a typed-in 0.07."""
    if not isinstance(cell, Cell):
        raise TypeError(f"{cell.coordinate} is merged into another cell")
    if not value.is_finite():
        raise ValueError(f"not a finite number: {value}")
    cell.value = format(value, "f")
    cell.data_type = "n"
    cell.number_format = number_format


def attachment(ascii_name: str, name: str) -> str:
    """A Content-Disposition value: ``ascii_name`` for old clients (RFC 6266), ``name`` in
    UTF-8 for the others (RFC 5987 ``filename*``)."""
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", ascii_name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def print_landscape(
    ws: Worksheet, *, title_rows: int, last_row: int, width: int, footer: str
) -> None:
    """Every workbook's print layout: A4 landscape, one page wide, the rows up to
    ``title_rows`` repeated on each page, the sheet's name above and ``footer`` and the page
    numbers below."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = f"1:{title_rows}"
    ws.print_area = f"A1:{get_column_letter(width)}{last_row}"
    header, bottom = HeaderFooterItem(), HeaderFooterItem()
    header.center.text = "&A"
    bottom.left.text = footer
    bottom.center.text = "第 &P 页，共 &N 页"
    ws.oddHeader, ws.oddFooter = header, bottom
