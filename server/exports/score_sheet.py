"""An appraisal run's score sheet (考核评分表): the workbook a bank prints, signs and files.

:func:`read_score_sheet` reads, in the caller's scope, the run's appraisals of the
managers under one office (the top of the scope by default), grouped by the manager's
current office, as the reports do (``server.services.reports``); :func:`score_workbook`
lays them out: one sheet per office, a row per manager with each item's score under its
name and article (条款), the total, the tier and the confirmation state, ready to print
(landscape, one page wide, the header row on every page, page numbers, the signature
line of 考核人 and 复核人), and a last sheet of managers by tier with a bar chart.

Items and their articles are those stored with each appraisal, not the plugin's current
ones: a column is one (key, name, article) as stored, so an item whose article changed
between appraisals shows as two columns rather than under the wrong article.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.db.scope import Scope
from server.domain import AppraisalStatus, RunStatus
from server.errors import NotFound
from server.exports.xlsx import SheetNames, attachment, print_landscape, write_decimal
from server.services.common import parse_id
from server.services.reports.portfolio import in_subtree, report_office

MAX_MANAGERS = 10_000
"""The most appraisals one workbook holds. A run has one per manager of the tenant, so
this is a bound on a tenant's size; a larger one is exported an office at a time."""
SCORE_FORMAT = "0.00"
"""Scores are stored with two decimals (``models.base.Score``)."""
DISTRIBUTION_SHEET = "等级分布"
UNGRADED = "未定级"
SIGNATURE_LINE = (
    "考核人（签字）：________________        复核人（签字）：________________        "
    "日期：______年____月____日"
)
FIXED_HEADERS = ("工号", "姓名")
TRAILING_HEADERS = ("总分", "等级", "评定", "确认状态")
HEADER_ROW = 3
"""Rows 1 and 2 name the sheet (title, then run and office); the column headers follow."""


class TooLarge(Exception):
    """The run has more appraisals in the asked subtree than one workbook holds."""


@dataclass(frozen=True)
class ItemColumn:
    """One item of the appraisals, as stored: a column of the sheet."""

    key: str
    name: str
    article: str
    max_points: Decimal | None

    @property
    def header(self) -> str:
        lines = [self.name, self.article]
        if self.max_points is not None:
            lines.append(f"满分 {format(self.max_points.normalize(), 'f')}")
        return "\n".join(lines)


@dataclass(frozen=True)
class ScoreRow:
    """One manager's appraisal in the run."""

    employee_no: str
    name: str
    scores: dict[int, Decimal]
    """Score by index into ``ScoreSheet.columns``; an item the appraisal lacks is absent."""
    total: Decimal | None
    tier_code: str | None
    tier_name: str | None
    tier_rank: int | None
    rating: str | None
    rating_label: str | None
    status: AppraisalStatus

    @property
    def tier(self) -> str:
        if self.tier_code is None:
            return UNGRADED
        return f"{self.tier_name or self.tier_code}（{self.tier_code}）"

    @property
    def rating_text(self) -> str | None:
        if self.rating is None:
            return None
        return f"{self.rating_label or self.rating}（{self.rating}）"

    @property
    def status_text(self) -> str:
        return f"{self.status.label}（{self.status.value}）"


@dataclass(frozen=True)
class OfficeRows:
    """The appraised managers of one office."""

    code: str
    name: str
    rows: list[ScoreRow]


@dataclass(frozen=True)
class TierCount:
    """How many managers the run placed in one tier (code None: not graded)."""

    code: str | None
    name: str
    count: int


@dataclass(frozen=True)
class ScoreSheet:
    """What the workbook shows: a run's appraisals under one office, by office."""

    tenant_name: str
    run_id: uuid.UUID
    period: str
    run_status: RunStatus
    plugin: str
    plugin_version: str
    office_code: str
    office_name: str
    whole_run: bool
    """Whether the sheet covers the whole run (no office asked, the scope the tenant)."""
    columns: list[ItemColumn] = field(default_factory=list)
    offices: list[OfficeRows] = field(default_factory=list)

    @property
    def rows(self) -> Iterable[ScoreRow]:
        return (r for o in self.offices for r in o.rows)

    def distribution(self) -> list[TierCount]:
        """Managers by tier, best tier first, those not graded last."""
        counts: dict[str | None, tuple[int, str, int]] = {}
        for r in self.rows:
            name = UNGRADED if r.tier_code is None else r.tier_name or r.tier_code
            rank, name, n = counts.get(r.tier_code, (r.tier_rank or 0, name, 0))
            counts[r.tier_code] = (rank, name, n + 1)
        ordered = sorted(counts.items(), key=lambda kv: (kv[0] is None, -kv[1][0], kv[0] or ""))
        return [TierCount(code, name, n) for code, (_, name, n) in ordered]

    def file_names(self) -> tuple[str, str]:
        """(ASCII fallback, the name in Chinese) of the download."""
        where = "" if self.whole_run else f"-{self.office_code}"
        ascii_name = f"score-sheet-{self.period}{where}-{self.run_id.hex[:8]}.xlsx"
        office = "" if self.whole_run else f"_{self.office_name}"
        return ascii_name, f"{self.tenant_name}_{self.period}_考核评分表{office}.xlsx"

    @property
    def content_disposition(self) -> str:
        return attachment(*self.file_names())


async def read_score_sheet(
    session: AsyncSession, scope: Scope, run_id: object, office_id: object | None
) -> ScoreSheet:
    """The run's appraisals under ``office_id`` (default: the top of ``scope``), within
    ``scope``; ``NotFound`` for a run of another tenant, an unknown one, or an office out of
    scope; ``TooLarge`` past ``MAX_MANAGERS`` appraisals."""
    r = models.AppraisalRun
    key = parse_id(run_id, "id", "AppraisalRun")
    run = (
        await session.execute(select(r).where(r.tenant_id == scope.tenant_id, r.id == key))
    ).scalar_one_or_none()
    if run is None:
        raise NotFound("AppraisalRun", run_id, "id")
    office = await report_office(session, scope, office_id)
    tenant_name = await session.scalar(
        select(models.Tenant.name).where(models.Tenant.tenant_id == scope.tenant_id)
    )
    a, m, o = models.Appraisal, models.Manager, models.Office
    in_run = [
        *scope.where(a),
        a.run_id == run.id,
        *in_subtree(scope, office, m),
    ]
    joined = (m.tenant_id == a.tenant_id) & (m.id == a.manager_id)
    found = (
        await session.execute(
            select(a, m.employee_no, m.name, o.code, o.name)
            .join(m, joined)
            .join(o, (o.tenant_id == m.tenant_id) & (o.id == m.office_id))
            .where(*in_run)
            .order_by(o.path, o.code, m.employee_no)
            .limit(MAX_MANAGERS + 1)
        )
    ).all()
    if len(found) > MAX_MANAGERS:
        raise TooLarge(f"more than {MAX_MANAGERS} appraisals; export one office at a time")
    i = models.AppraisalItem
    items = (
        await session.execute(
            select(i)
            .where(
                i.tenant_id == scope.tenant_id,
                i.appraisal_id.in_(select(a.id).join(m, joined).where(*in_run)),
            )
            .order_by(i.appraisal_id, i.position)
        )
    ).scalars()
    by_appraisal: dict[uuid.UUID, list[models.AppraisalItem]] = {}
    for item in items:
        by_appraisal.setdefault(item.appraisal_id, []).append(item)

    columns = _item_columns(by_appraisal.values())
    index = {(c.key, c.name, c.article): n for n, c in enumerate(columns)}
    offices: list[OfficeRows] = []
    for appraisal, employee_no, name, office_code, office_name in found:
        if not offices or offices[-1].code != office_code:
            offices.append(OfficeRows(office_code, office_name, []))
        scores = {
            index[(it.key, it.name, it.article)]: it.score
            for it in by_appraisal.get(appraisal.id, [])
        }
        offices[-1].rows.append(
            ScoreRow(
                employee_no=employee_no,
                name=name,
                scores=scores,
                total=appraisal.total,
                tier_code=appraisal.tier_code,
                tier_name=appraisal.tier_name,
                tier_rank=appraisal.tier_rank,
                rating=appraisal.rating,
                rating_label=appraisal.rating_label,
                status=appraisal.status,
            )
        )
    return ScoreSheet(
        tenant_name=tenant_name or scope.tenant_id,
        run_id=run.id,
        period=run.period,
        run_status=run.status,
        plugin=run.plugin,
        plugin_version=run.plugin_version,
        office_code=office.code,
        office_name=office.name,
        whole_run=office_id is None and scope.whole_tenant,
        columns=columns,
        offices=offices,
    )


def _item_columns(appraisals: Iterable[list[models.AppraisalItem]]) -> list[ItemColumn]:
    """One column per (key, name, article) of the items, in the plugin's order: by the
    lowest position it holds in an appraisal, then as first met."""
    found: dict[tuple[str, str, str], tuple[int, int, ItemColumn]] = {}
    for items in appraisals:
        for item in items:
            identity = (item.key, item.name, item.article)
            first = found.get(identity)
            if first is None or item.position < first[0]:
                met = len(found) if first is None else first[1]
                column = ItemColumn(item.key, item.name, item.article, item.max_points)
                found[identity] = (item.position, met, column)
    return [column for _, _, column in sorted(found.values(), key=lambda f: f[:2])]


_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", start_color="DDDDDD")
_CENTRED = Alignment(horizontal="center", vertical="center", wrap_text=True)


def score_workbook(sheet: ScoreSheet) -> bytes:
    """The workbook of ``sheet``, as the bytes of an .xlsx file (CPU only: no I/O)."""
    book = Workbook()
    names = SheetNames()
    distribution_name = names.claim(DISTRIBUTION_SHEET)
    first = book.active
    assert first is not None
    book.remove(first)
    for office in sheet.offices:
        ws = book.create_sheet(names.claim(office.name, fallback=office.code))
        _office_sheet(ws, sheet, office)
    _distribution_sheet(book.create_sheet(distribution_name), sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _title(ws: Worksheet, sheet: ScoreSheet, subject: str, width: int) -> None:
    last = get_column_letter(width)
    ws["A1"] = f"{sheet.tenant_name} {sheet.period} 客户经理考核评分表"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.merge_cells(f"A1:{last}1")
    ws["A2"] = (
        f"{subject}    考核办法：{sheet.plugin} {sheet.plugin_version}    "
        f"批次：{sheet.run_id}（{sheet.run_status.label}）"
    )
    ws.merge_cells(f"A2:{last}2")


def _print_setup(ws: Worksheet, sheet: ScoreSheet, last_row: int, width: int) -> None:
    print_landscape(
        ws,
        title_rows=HEADER_ROW,
        last_row=last_row,
        width=width,
        footer=f"{sheet.period} 批次 {sheet.run_id.hex[:8]}",
    )


def _header(ws: Worksheet, headers: list[str]) -> None:
    for n, text in enumerate(headers, start=1):
        cell = ws.cell(row=HEADER_ROW, column=n, value=text)
        cell.font = Font(bold=True)
        cell.alignment = _CENTRED
        cell.fill = _HEADER_FILL
        cell.border = _BOX
    lines = max(text.count("\n") + 1 for text in headers)
    ws.row_dimensions[HEADER_ROW].height = 15 * lines + 3


def _office_sheet(ws: Worksheet, sheet: ScoreSheet, office: OfficeRows) -> None:
    headers = [*FIXED_HEADERS, *(c.header for c in sheet.columns), *TRAILING_HEADERS]
    width = len(headers)
    _title(ws, sheet, f"机构：{office.name}（{office.code}）", width)
    _header(ws, headers)
    items = len(sheet.columns)
    row = HEADER_ROW
    for r in office.rows:
        row += 1
        ws.cell(row=row, column=1, value=r.employee_no)
        ws.cell(row=row, column=2, value=r.name)
        for n, score in r.scores.items():
            write_decimal(ws.cell(row=row, column=3 + n), score, SCORE_FORMAT)
        total = ws.cell(row=row, column=3 + items)
        if r.total is not None:
            write_decimal(total, r.total, SCORE_FORMAT)
        ws.cell(row=row, column=4 + items, value=r.tier)
        ws.cell(row=row, column=5 + items, value=r.rating_text)
        ws.cell(row=row, column=6 + items, value=r.status_text)
        for column in range(1, width + 1):
            ws.cell(row=row, column=column).border = _BOX
    signature = row + 2
    ws.cell(row=signature, column=1, value=SIGNATURE_LINE)
    ws.merge_cells(start_row=signature, start_column=1, end_row=signature, end_column=width)
    ws.row_dimensions[signature].height = 30
    ws.cell(row=signature, column=1).alignment = Alignment(vertical="bottom")
    ws.freeze_panes = f"C{HEADER_ROW + 1}"
    widths = [12, 10, *([14] * items), 10, 18, 12, 14]
    for n, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(n)].width = w
    _print_setup(ws, sheet, signature, width)


def _distribution_sheet(ws: Worksheet, sheet: ScoreSheet) -> None:
    headers = ["等级", "等级代码", "人数"]
    scope = "全行" if sheet.whole_run else f"{sheet.office_name}（{sheet.office_code}）及下属机构"
    _title(ws, sheet, f"等级分布：{scope}", len(headers))
    _header(ws, headers)
    counts = sheet.distribution()
    row = HEADER_ROW
    for tier in counts:
        row += 1
        ws.cell(row=row, column=1, value=tier.name)
        ws.cell(row=row, column=2, value=tier.code or "—")
        ws.cell(row=row, column=3, value=tier.count).number_format = "0"
    row += 1
    ws.cell(row=row, column=1, value="合计").font = Font(bold=True)
    total = ws.cell(row=row, column=3, value=sum(t.count for t in counts))
    total.number_format = "0"
    total.font = Font(bold=True)
    for r in range(HEADER_ROW + 1, row + 1):
        for c in range(1, len(headers) + 1):
            ws.cell(row=r, column=c).border = _BOX
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    for letter, w in zip("ABC", (22, 12, 10), strict=True):
        ws.column_dimensions[letter].width = w
    if counts:
        chart = BarChart()
        chart.type = "col"
        chart.title = "客户经理等级分布"
        chart.y_axis.title = "人数"
        chart.x_axis.title = "等级"
        chart.legend = None
        last = HEADER_ROW + len(counts)
        data = Reference(ws, min_col=3, min_row=HEADER_ROW, max_row=last)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=HEADER_ROW + 1, max_row=last))
        chart.height, chart.width = 8, 16
        ws.add_chart(chart, "E3")
    _print_setup(ws, sheet, row, len(headers))
