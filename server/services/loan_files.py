"""Loan-state files from the core system: a CSV or XLSX read into the rows
:func:`server.services.loan_states.apply_loan_states` takes.

The layout (:data:`COLUMNS`): a header row, then one row per loan. Each column is named by
its Chinese or its English header (either per column, any order); an unknown header, a
column named twice (in either language) or a missing ``contract_no`` / ``balance`` refuses
the file. An empty cell keeps what is stored (as a row leaving the field out); an empty
row is skipped.

- CSV: comma-separated. The encoding is ``encoding`` when given; else UTF-8 (with or
  without a byte-order mark), and, when the bytes are not UTF-8, GB18030 (what Excel
  writes in a Chinese locale). Rows are numbered by the file's line (the header is 1).
- XLSX: the workbook's first sheet, read in openpyxl's read-only mode; rows are numbered
  as the sheet numbers them. A number cell is money by its shortest decimal form
  (``repr`` of the float, e.g. ``1234.5``): a cell whose value has more than 2 decimals
  is refused, never rounded. A date cell is a date (a time of day other than 00:00 is
  refused).
- Money is digits with at most 2 decimals (``12345.60``; no sign, no thousands
  separator), read exactly as :class:`~decimal.Decimal`. Dates are ``YYYY-MM-DD``. The
  class is 正常/关注/次级/可疑/损失 or NORMAL/SPECIAL_MENTION/SUBSTANDARD/DOUBTFUL/LOSS.
  A flag is 是/否, Y/N, yes/no, true/false or 1/0.

The file is bounded before it is read whole: at most ``max_bytes`` bytes
(``RURALCREDIT_LOAN_FILE_MAX_BYTES``), an XLSX at most :data:`UNPACKED_RATIO` times that
unpacked, at most ``max_rows`` rows and :data:`MAX_COLUMNS` columns. Every problem names
the row, the column (its header as written) and the rule.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from server.domain import RiskClass
from server.services.loan_states import LoanState

MAX_FILE_BYTES = 128 * 1024 * 1024
"""The largest file read unless the caller says (``Settings.loan_file_max_bytes``)."""
MAX_FILE_ROWS = 1_000_000
"""The most loan rows (the header aside) one file holds unless the caller says
(``Settings.loan_file_max_rows``)."""
MAX_COLUMNS = 64
"""The most columns a file's header may have."""
UNPACKED_RATIO = 20
"""An XLSX unpacks to at most this many times the file-size limit."""
MONEY = re.compile(r"^\d{1,18}(\.\d+)?$")
XLSX_MAGIC = b"PK\x03\x04"
FLAGS = {
    "是": True,
    "否": False,
    "y": True,
    "n": False,
    "yes": True,
    "no": False,
    "true": True,
    "false": False,
    "1": True,
    "0": False,
}
CLASSES = {**{c.value: c for c in RiskClass}, **{c.label: c for c in RiskClass}}


@dataclass(frozen=True)
class Column:
    """A column of the layout: the field of :class:`LoanState` it fills."""

    field: str
    zh: str
    en: str
    kind: str
    meaning: str


COLUMNS = (
    Column("contract_no", "合同编号", "contract_no", "text", "the loan's contract number"),
    Column("balance", "贷款余额", "balance", "money", "the balance on the date"),
    Column("principal_repaid", "已还本金", "principal_repaid", "money", "principal repaid"),
    Column("interest_repaid", "已收利息", "interest_repaid", "money", "interest received"),
    Column("risk_class", "五级分类", "risk_class", "class", "the five-category class"),
    Column("days_overdue", "逾期天数", "days_overdue", "integer", "days overdue"),
    Column("is_extension", "展期", "extension", "flag", "the loan was extended"),
    Column("is_refinancing", "借新还旧", "refinancing", "flag", "the loan was refinanced"),
    Column("written_off_on", "核销日期", "written_off_on", "date", "the write-off's date"),
    Column("written_off_amount", "核销金额", "written_off_amount", "money", "amount written off"),
    Column("writeoff_recovered", "核销后收回", "recovered", "money", "recovered since"),
    Column("closed_on", "结清日期", "closed_on", "date", "the date the loan was repaid"),
)
REQUIRED = ("contract_no", "balance")
_BY_HEADER = {h: c for c in COLUMNS for h in (c.zh, c.en.casefold())}


@dataclass(frozen=True)
class FileProblem:
    """Why a file or a row of it was refused: the row (file line or sheet row; 0 for the
    file as a whole), the column as its header is written, the rule and a sentence."""

    row: int
    column: str
    code: str
    message: str


@dataclass
class LoanFile:
    """The rows read (each with its row number and the headers used) and the problems;
    a row with a problem is not among the states."""

    states: list[LoanState] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    problems: list[FileProblem] = field(default_factory=list)
    read: int = 0
    """Loan rows in the file, refused ones included."""

    def refuse(self, row: int, column: str, code: str, message: str) -> None:
        self.problems.append(FileProblem(row, column, code, message))


class _Bad(Exception):
    def __init__(self, code: str, message: str) -> None:
        self.code, self.message = code, message


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _money(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise _Bad("FORMAT", "money is a number such as 12345.60")
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _Bad("FORMAT", "money is a number such as 12345.60")
        text = repr(value)
        if "e" in text or "E" in text:
            raise _Bad("FORMAT", f"the cell holds {text}; write money as text, e.g. 12345.60")
    else:
        text = str(value).strip()
    if not MONEY.match(text):
        raise _Bad("FORMAT", "money is digits with at most 2 decimals, e.g. 12345.60")
    if "." in text and len(text.split(".")[1].rstrip("0")) > 2:
        raise _Bad("PRECISION", f"{text} has more than 2 decimals")
    try:
        return Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise _Bad("FORMAT", "money is digits with at most 2 decimals") from None


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise _Bad("FORMAT", "a date has no time of day")
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise _Bad("FORMAT", "a date is YYYY-MM-DD, e.g. 2026-11-30")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _Bad("FORMAT", f"{text} is no calendar date") from None


def _integer(value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if not re.fullmatch(r"\d{1,9}", text):
        raise _Bad("FORMAT", "a whole number of days, e.g. 30")
    return int(text)


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    found = FLAGS.get(str(value).strip().casefold())
    if found is None:
        raise _Bad("FORMAT", "a flag is 是/否, Y/N, yes/no, true/false or 1/0")
    return found


def _class(value: Any) -> RiskClass:
    text = str(value).strip()
    found = CLASSES.get(text) or CLASSES.get(text.upper())
    if found is None:
        raise _Bad("UNKNOWN_CLASS", "the class is 正常/关注/次级/可疑/损失 or NORMAL, …, LOSS")
    return found


def _contract(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


PARSERS = {
    "text": _contract,
    "money": _money,
    "date": _date,
    "integer": _integer,
    "flag": _flag,
    "class": _class,
}


def _header(out: LoanFile, cells: Sequence[Any]) -> list[Column | None] | None:
    """The column of each header cell (None: an empty header), or None if refused."""
    cells = list(cells)
    while cells and _text(cells[-1]) is None:
        cells.pop()  # a sheet pads its rows to its widest one
    if len(cells) > MAX_COLUMNS:
        out.refuse(1, "", "TOO_MANY_COLUMNS", f"at most {MAX_COLUMNS} columns")
        return None
    columns: list[Column | None] = []
    for cell in cells:
        name = _text(cell)
        if name is None:
            columns.append(None)
            continue
        column = _BY_HEADER.get(name) or _BY_HEADER.get(name.casefold())
        if column is None:
            out.refuse(1, name, "UNKNOWN_HEADER", "not a column of the loan-state layout")
        elif column.field in out.headers:
            first = out.headers[column.field]
            out.refuse(1, name, "DUPLICATE_HEADER", f"the column is named {first} already")
        else:
            out.headers[column.field] = name
        columns.append(column)
    for required in REQUIRED:
        if required not in out.headers and not out.problems:
            column = next(c for c in COLUMNS if c.field == required)
            out.refuse(1, f"{column.zh}/{column.en}", "MISSING_HEADER", "the column is required")
    return None if out.problems else columns


def _row(out: LoanFile, number: int, columns: list[Column | None], cells: Sequence[Any]) -> None:
    values: dict[str, Any] = {}
    ok = True
    for i, cell in enumerate(cells):
        if _text(cell) is None:
            continue
        column = columns[i] if i < len(columns) else None
        if column is None:
            out.refuse(number, f"#{i + 1}", "UNNAMED_COLUMN", "a value under no header")
            ok = False
            continue
        try:
            values[column.field] = PARSERS[column.kind](cell)
        except _Bad as bad:
            out.refuse(number, out.headers[column.field], bad.code, bad.message)
            ok = False
    for required in REQUIRED:
        if required not in values and out.headers[required] not in {
            p.column for p in out.problems if p.row == number
        }:
            out.refuse(number, out.headers[required], "REQUIRED", "the cell cannot be empty")
            ok = False
    if ok:
        out.states.append(LoanState(**values))
        out.rows.append(number)


def _read(out: LoanFile, records: Iterator[tuple[int, Sequence[Any]]], max_rows: int) -> None:
    columns: list[Column | None] | None = None
    seen: dict[str, int] = {}
    for number, cells in records:
        if columns is None:
            columns = _header(out, cells)
            if columns is None:
                return
            continue
        if all(_text(c) is None for c in cells):
            continue
        out.read += 1
        if out.read > max_rows:
            out.refuse(number, "", "TOO_MANY_ROWS", f"at most {max_rows} rows a file")
            out.states.clear()
            out.rows.clear()
            return
        before = len(out.states)
        _row(out, number, columns, cells)
        if len(out.states) > before:
            contract = out.states[-1].contract_no
            first = seen.setdefault(contract, number)
            if first != number:
                out.states.pop()
                out.rows.pop()
                out.refuse(
                    number,
                    out.headers["contract_no"],
                    "DUPLICATE",
                    f"the contract is in row {first}",
                )
    if columns is None:
        out.refuse(1, "", "EMPTY", "the file has no header row")


def _csv(data: bytes, encoding: str | None) -> Iterator[tuple[int, Sequence[Any]]]:
    if encoding is None:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030")
    else:
        text = data.decode(encoding)
        if text.startswith("\ufeff"):
            text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""))
    for cells in reader:
        yield reader.line_num, cells


def _xlsx(path: Path) -> Iterator[tuple[int, Sequence[Any]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, cells[: MAX_COLUMNS + 1]
    finally:
        workbook.close()


def read_loan_file(
    path: Path,
    *,
    encoding: str | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    max_rows: int = MAX_FILE_ROWS,
) -> LoanFile:
    """The loan states of a CSV or XLSX file (told apart by content: an XLSX is a zip)."""
    out = LoanFile()
    size = path.stat().st_size
    if size > max_bytes:
        out.refuse(0, "", "TOO_LARGE", f"the file has {size} bytes; at most {max_bytes}")
        return out
    with path.open("rb") as stream:
        data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        out.refuse(0, "", "TOO_LARGE", f"the file has more than {max_bytes} bytes")
        return out
    if data.startswith(XLSX_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                unpacked = sum(i.file_size for i in archive.infolist())
            if unpacked > UNPACKED_RATIO * max_bytes:
                out.refuse(0, "", "TOO_LARGE", f"the workbook unpacks to {unpacked} bytes")
                return out
            _read(out, _xlsx(path), max_rows)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
            out.refuse(0, "", "NOT_XLSX", f"not a readable XLSX workbook ({type(error).__name__})")
        return out
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            out.refuse(0, "", "UNKNOWN_ENCODING", f"no encoding named {encoding}")
            return out
    try:
        _read(out, _csv(data, encoding), max_rows)
    except UnicodeDecodeError as error:
        name = encoding or "UTF-8 or GB18030"
        out.refuse(0, "", "ENCODING", f"the file is not {name} (at byte {error.start})")
    except csv.Error as error:
        out.refuse(0, "", "NOT_CSV", f"not a CSV file ({error})")
    return out
