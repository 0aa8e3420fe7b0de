"""Loan-state files read into rows (``server.services.loan_files``): CSV in UTF-8, with a
byte-order mark and in GB18030, XLSX; every column in either language; every refusal
naming its row, column and rule; the limits checked before the file is read."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from server.domain import RiskClass
from server.services.loan_files import COLUMNS, LoanFile, read_loan_file
from server.services.loan_states import LoanState

ZH = [c.zh for c in COLUMNS]
EN = [c.en for c in COLUMNS]
FULL = [
    "HT-1",
    "0.00",
    "10000.00",
    "350.5",
    "损失",
    "120",
    "是",
    "否",
    "2026-01-31",
    "2000.00",
    "150.00",
    "",
]
EXPECTED = LoanState(
    "HT-1",
    Decimal("0.00"),
    principal_repaid=Decimal("10000.00"),
    interest_repaid=Decimal("350.50"),
    risk_class=RiskClass.LOSS,
    days_overdue=120,
    is_extension=True,
    is_refinancing=False,
    written_off_on=dt.date(2026, 1, 31),
    written_off_amount=Decimal("2000.00"),
    writeoff_recovered=Decimal("150.00"),
    closed_on=None,
)


def csv_file(tmp_path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    path = tmp_path / "states.csv"
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    path.write_bytes(text.getvalue().encode(encoding))
    return path


def xlsx_file(tmp_path: Path, rows: list[list[Any]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    path = tmp_path / "states.xlsx"
    workbook.save(path)
    return path


def problems(read: LoanFile) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.code) for p in read.problems]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_csv_with_chinese_headers_in_each_encoding(tmp_path: Path, encoding: str) -> None:
    read = read_loan_file(csv_file(tmp_path, [ZH, FULL], encoding))
    assert read.problems == []
    assert (read.states, read.rows, read.read) == ([EXPECTED], [2], 1)


def test_the_encoding_can_be_named(tmp_path: Path) -> None:
    path = csv_file(tmp_path, [ZH, FULL], "gb18030")
    assert read_loan_file(path, encoding="gb18030").states == [EXPECTED]
    wrong = read_loan_file(path, encoding="utf-8")
    assert problems(wrong) == [(0, "", "ENCODING")] and wrong.states == []
    assert problems(read_loan_file(path, encoding="no-such")) == [(0, "", "UNKNOWN_ENCODING")]


def test_english_headers_mixed_with_chinese_in_any_order(tmp_path: Path) -> None:
    header = ["Balance", "合同编号", "risk_class", "recovered", "closed_on", "extension"]
    rows = [
        header,
        ["0.00", "HT-2", "NORMAL", "", "2026-02-01", "N"],
        ["5.00", "HT-3", "", "", "", ""],
    ]
    read = read_loan_file(csv_file(tmp_path, rows))
    assert read.problems == []
    assert read.states == [
        LoanState(
            "HT-2",
            Decimal("0.00"),
            risk_class=RiskClass.NORMAL,
            is_extension=False,
            closed_on=dt.date(2026, 2, 1),
        ),
        LoanState("HT-3", Decimal("5.00")),
    ]
    assert read.headers["writeoff_recovered"] == "recovered"


def test_every_class_in_both_languages(tmp_path: Path) -> None:
    names = ["正常", "关注", "次级", "可疑", "损失", "NORMAL", "special_mention", "SUBSTANDARD"]
    rows = [["合同编号", "贷款余额", "五级分类"]] + [
        [f"C{i}", "1.00", n] for i, n in enumerate(names)
    ]
    read = read_loan_file(csv_file(tmp_path, rows))
    assert [s.risk_class for s in read.states] == [
        RiskClass.NORMAL,
        RiskClass.SPECIAL_MENTION,
        RiskClass.SUBSTANDARD,
        RiskClass.DOUBTFUL,
        RiskClass.LOSS,
        RiskClass.NORMAL,
        RiskClass.SPECIAL_MENTION,
        RiskClass.SUBSTANDARD,
    ]


@pytest.mark.parametrize(
    ("header", "code", "column"),
    [
        (["合同编号", "贷款余额", "余额2"], "UNKNOWN_HEADER", "余额2"),
        (["合同编号", "贷款余额", "balance"], "DUPLICATE_HEADER", "balance"),
        (["合同编号", "contract_no", "贷款余额"], "DUPLICATE_HEADER", "contract_no"),
        (["合同编号", "已还本金"], "MISSING_HEADER", "贷款余额/balance"),
    ],
)
def test_a_bad_header_refuses_the_file(
    tmp_path: Path, header: list[str], code: str, column: str
) -> None:
    read = read_loan_file(csv_file(tmp_path, [header, ["HT-1", "1.00", "2.00"]]))
    assert problems(read) == [(1, column, code)] and read.states == []


@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("贷款余额", "12,000.00", "FORMAT"),
        ("贷款余额", "-5.00", "FORMAT"),
        ("贷款余额", "1.005", "PRECISION"),
        ("贷款余额", "", "REQUIRED"),
        ("已收利息", "1e3", "FORMAT"),
        ("核销日期", "2026/01/31", "FORMAT"),
        ("核销日期", "2026-02-30", "FORMAT"),
        ("五级分类", "良好", "UNKNOWN_CLASS"),
        ("逾期天数", "3.5", "FORMAT"),
        ("展期", "maybe", "FORMAT"),
        ("合同编号", "", "REQUIRED"),
    ],
)
def test_a_bad_cell_names_row_column_and_rule(
    tmp_path: Path, column: str, value: str, code: str
) -> None:
    header = ["合同编号", "贷款余额", "已收利息", "核销日期", "五级分类", "逾期天数", "展期"]
    good = ["HT-1", "1.00", "", "", "", "", ""]
    bad = ["HT-2", "1.00", "", "", "", "", ""]
    bad[header.index(column)] = value
    read = read_loan_file(csv_file(tmp_path, [header, good, bad, ["HT-3", "2.00"]]))
    assert problems(read) == [(3, column, code)]
    assert [s.contract_no for s in read.states] == ["HT-1", "HT-3"] and read.rows == [2, 4]
    assert read.read == 3


def test_a_contract_twice_and_a_value_under_no_header(tmp_path: Path) -> None:
    rows = [["合同编号", "贷款余额", ""], ["HT-1", "1.00"], ["HT-1", "2.00"], ["HT-2", "1.00", "x"]]
    read = read_loan_file(csv_file(tmp_path, rows))
    assert problems(read) == [(3, "合同编号", "DUPLICATE"), (4, "#3", "UNNAMED_COLUMN")]
    assert read.states == [LoanState("HT-1", Decimal("1.00"))]


def test_empty_rows_are_skipped_and_rows_keep_their_line(tmp_path: Path) -> None:
    read = read_loan_file(csv_file(tmp_path, [EN[:2], ["", ""], ["HT-1", "1.00"]]))
    assert read.problems == [] and read.rows == [3] and read.read == 1


def test_a_file_too_large_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = csv_file(tmp_path, [ZH, FULL])
    size = path.stat().st_size
    assert read_loan_file(path, max_bytes=size).states == [EXPECTED]
    read = read_loan_file(path, max_bytes=size - 1)
    assert [(p.row, p.code) for p in read.problems] == [(0, "TOO_LARGE")]
    assert read.states == []


def test_too_many_rows_refuse_the_file(tmp_path: Path) -> None:
    rows = [["合同编号", "贷款余额"]] + [[f"C{i}", "1.00"] for i in range(4)]
    path = csv_file(tmp_path, rows)
    assert len(read_loan_file(path, max_rows=4).states) == 4
    read = read_loan_file(path, max_rows=3)
    assert problems(read) == [(5, "", "TOO_MANY_ROWS")] and read.states == []


def test_an_empty_file_has_no_header(tmp_path: Path) -> None:
    assert problems(read_loan_file(csv_file(tmp_path, []))) == [(1, "", "EMPTY")]


def test_an_xlsx_with_text_number_and_date_cells(tmp_path: Path) -> None:
    row: list[Any] = list(FULL)
    row[1], row[2], row[3] = 0, 10000, 350.5
    row[5] = 120
    row[8] = dt.datetime(2026, 1, 31)
    row[9] = "2000.00"
    row[11] = None
    read = read_loan_file(xlsx_file(tmp_path, [EN, row]))
    assert read.problems == []
    assert read.states == [EXPECTED] and read.rows == [2]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (1 / 3, "PRECISION"),
        (12.345, "PRECISION"),
        (1e17, "FORMAT"),
        (True, "FORMAT"),
        (dt.datetime(2026, 1, 1), "FORMAT"),
    ],
)
def test_an_xlsx_money_cell_is_refused_rather_than_rounded(
    tmp_path: Path, value: Any, code: str
) -> None:
    read = read_loan_file(xlsx_file(tmp_path, [["合同编号", "贷款余额"], ["HT-1", value]]))
    assert problems(read) == [(2, "贷款余额", code)] and read.states == []


def test_an_xlsx_date_with_a_time_and_a_bad_header(tmp_path: Path) -> None:
    rows = [["合同编号", "贷款余额", "结清日期"], ["HT-1", "0.00", dt.datetime(2026, 1, 1, 9, 30)]]
    assert problems(read_loan_file(xlsx_file(tmp_path, rows))) == [(2, "结清日期", "FORMAT")]
    rows = [["合同编号", "贷款余额", "备注"], ["HT-1", "0.00", "x"]]
    assert problems(read_loan_file(xlsx_file(tmp_path, rows))) == [(1, "备注", "UNKNOWN_HEADER")]


def test_xlsx_limits_and_a_broken_workbook(tmp_path: Path) -> None:
    path = xlsx_file(tmp_path, [["合同编号", "贷款余额"]] + [[f"C{i}", "1.00"] for i in range(3)])
    assert problems(read_loan_file(path, max_rows=2)) == [(4, "", "TOO_MANY_ROWS")]
    size = path.stat().st_size
    assert problems(read_loan_file(path, max_bytes=size - 1)) == [(0, "", "TOO_LARGE")]
    # Small on disk, large unpacked: refused before openpyxl reads it.
    assert problems(read_loan_file(path, max_bytes=size)) == []
    bomb = xlsx_file(tmp_path, [["合同编号", "贷款余额", "x" * 10]] + [["a" * 200]] * 20000)
    assert problems(read_loan_file(bomb, max_bytes=bomb.stat().st_size)) == [(0, "", "TOO_LARGE")]
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    assert problems(read_loan_file(broken)) == [(0, "", "NOT_XLSX")]


def test_trailing_empty_headers_are_no_columns_and_too_many_columns_are_refused(
    tmp_path: Path,
) -> None:
    padded = read_loan_file(csv_file(tmp_path, [EN[:2] + [""] * 100, ["HT-1", "1.00"]]))
    assert padded.problems == [] and padded.states == [LoanState("HT-1", Decimal("1.00"))]
    wide = read_loan_file(csv_file(tmp_path, [EN[:2] + ["x"] * 63, ["HT-1", "1.00"]]))
    assert problems(wide) == [(1, "", "TOO_MANY_COLUMNS")]
