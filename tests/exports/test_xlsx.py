"""What every workbook of ours needs: valid and unique sheet names, decimals written as
their exact digits, the attachment's file names; and every download route in the table."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook
from python_calamine import CalamineWorkbook
from starlette.routing import Route

from server.app import create_app
from server.exports.xlsx import MAX_SHEET_NAME, SheetNames, attachment, write_decimal
from server.permissions import ENDPOINTS
from server.settings import Settings


@pytest.mark.parametrize(
    ("wanted", "named"),
    [
        ("城关支行", "城关支行"),
        ("a/b\\c?d*e:f[g]h", "a_b_c_d_e_f_g_h"),
        ("'引号'", "引号"),
        ("", "Sheet"),
        ("   ", "Sheet"),
        ("History", "History (2)"),
        ("网" * 40, "网" * MAX_SHEET_NAME),
    ],
)
def test_a_sheet_name_is_made_valid(wanted: str, named: str) -> None:
    assert SheetNames().claim(wanted) == named


def test_sheet_names_are_unique_without_regard_to_case() -> None:
    names = SheetNames()
    long = "网" * 40
    claimed = [names.claim(n) for n in ("Outlet", "OUTLET", "outlet", long, long)]
    assert claimed == ["Outlet", "OUTLET (2)", "outlet (3)", "网" * 31, "网" * 27 + " (2)"]
    assert all(len(n) <= MAX_SHEET_NAME for n in claimed)


@pytest.mark.parametrize("value", ["0.07", "0.56", "81.53", "-12.50", "99999.99", "0", "1E+2"])
def test_a_decimal_is_written_as_its_exact_digits(value: str) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    write_decimal(sheet["A1"], Decimal(value), "0.00")
    out = io.BytesIO()
    book.save(out)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert f'<c r="A1" s="1" t="n"><v>{format(Decimal(value), "f")}</v></c>' in xml
    (read,) = (
        CalamineWorkbook.from_filelike(io.BytesIO(out.getvalue())).get_sheet_by_index(0).to_python()
    )
    assert Decimal(str(read[0])) == Decimal(value)


def test_a_non_finite_decimal_is_refused() -> None:
    sheet = Workbook().active
    assert sheet is not None
    with pytest.raises(ValueError, match="not a finite number"):
        write_decimal(sheet["A1"], Decimal("NaN"), "0.00")


def test_the_attachment_names_the_file_in_ascii_and_in_utf8() -> None:
    header = attachment('score sheet "2026".xlsx', "山东_2026_考核评分表.xlsx")
    assert header == (
        'attachment; filename="score_sheet__2026_.xlsx"; '
        "filename*=UTF-8''%E5%B1%B1%E4%B8%9C_2026_%E8%80%83%E6%A0%B8%E8%AF%84%E5%88%86%E8%A1%A8.xlsx"
    )


def test_every_download_route_has_a_row_and_every_row_a_route(settings: Settings) -> None:
    app = create_app(settings)
    routed = {
        f"{method} {route.path}"
        for route in app.routes
        if isinstance(route, Route) and route.path.startswith("/exports/")
        for method in sorted(route.methods or ())
        if method != "HEAD"
    }
    assert routed == set(ENDPOINTS)
