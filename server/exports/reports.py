"""The management reports (``server.services.reports``) as workbooks: the figures the
GraphQL fields answer, a sheet per table, ready to print (``server.exports.report_sheets``).

- 贷款质量报表 (``loanPortfolio``): by office — counts, balance, non-performing balance and
  ratio; the five-category classes; the overdue buckets. Each sheet a row per office row
  of the report and the subtree's total.
- 客户经理等级分布表 (``gradeDistribution``): managers by tier and the total, with a bar chart.
- 客户经理考核排名表 (``appraisalLeague``): the ranked rows, and how many are ranked in all.
- 贷款余额及不良率走势表 (``portfolioTrend``): a row per snapshot day, with a line chart.
- 贷后管理职责履行情况表 (``dutyCompliance``): the duties by office and the subtree's total,
  and the first managers by duties missing.

Each function here is CPU only (no I/O): the routes run it in a worker thread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

from server.db import models
from server.domain import RiskClass
from server.exports.report_sheets import Column, Kind, ReportBook, Table, Value
from server.exports.xlsx import attachment
from server.services.reports import duty_compliance as duties
from server.services.reports.appraisals import AppraisalLeague, GradeDistribution
from server.services.reports.portfolio import OVERDUE_BUCKETS, Portfolio, PortfolioReport
from server.services.reports.trend import PortfolioTrend

PORTFOLIO_TITLE = "贷款质量报表"
GRADES_TITLE = "客户经理等级分布表"
LEAGUE_TITLE = "客户经理考核排名表"
TREND_TITLE = "贷款余额及不良率走势表"
DUTIES_TITLE = "贷后管理职责履行情况表"
TOTAL = "合计"
UNGRADED = "未定级"
OWN_BOOK = "本机构（不含下属）"
WHOLE_SUBTREE = "含下属机构"

OFFICE_COLUMNS = (
    Column("机构代码", width=12),
    Column("机构名称", width=20),
    Column("范围", width=18),
)
MANAGER_COLUMNS = (
    Column("工号", width=12),
    Column("姓名", width=10),
    Column("所在机构代码", width=12),
    Column("所在机构", width=20),
)


def office_text(office: models.Office) -> str:
    return f"{office.name}（{office.code}）"


def bucket_label(low: int, high: int | None) -> str:
    """An overdue bucket of ``OVERDUE_BUCKETS`` as the sheet heads it."""
    if high == 0:
        return "未逾期"
    if high is None:
        return f"逾期{low}天及以上"
    return f"逾期{low}–{high}天"


def _file_names(
    tenant: str, slug: str, title: str, office: models.Office, when: str
) -> tuple[str, str]:
    """(ASCII fallback, the name in Chinese) of a report's download."""
    return f"{slug}-{office.code}-{when}.xlsx", f"{tenant}_{title}_{office.name}_{when}.xlsx"


def _office_labels(office: models.Office, subtree: bool) -> list[Value]:
    return [office.code, office.name, WHOLE_SUBTREE if subtree else OWN_BOOK]


# 贷款质量报表 (loanPortfolio)


def portfolio_disposition(tenant: str, r: PortfolioReport) -> str:
    when = r.as_of.isoformat()
    return attachment(*_file_names(tenant, "loan-portfolio", PORTFOLIO_TITLE, r.office, when))


def portfolio_workbook(tenant: str, r: PortfolioReport) -> bytes:
    source = "贷款快照" if r.from_snapshot else "当前贷款"
    subtitle = f"机构：{office_text(r.office)}及下属机构    数据日期：{r.as_of}（{source}）"
    footer = f"{PORTFOLIO_TITLE} {r.as_of}"
    title = f"{tenant} {PORTFOLIO_TITLE}"
    lines = [(_office_labels(row.office, row.subtree), row.portfolio) for row in r.by_office]
    total: tuple[list[Value], Portfolio] = ([TOTAL, r.office.name, WHOLE_SUBTREE], r.total)
    book = ReportBook()
    sheets = (
        ("机构汇总", _book_columns(), _book_figures),
        ("五级分类", _class_columns(), _class_figures),
        ("逾期分布", _bucket_columns(), _bucket_figures),
    )
    for sheet, columns, figures in sheets:
        book.add(
            Table(
                sheet=sheet,
                title=title,
                subtitle=subtitle,
                footer=footer,
                columns=[*OFFICE_COLUMNS, *columns],
                rows=[[*labels, *figures(p)] for labels, p in lines],
                total=[*total[0], *figures(total[1])],
                frozen_columns=len(OFFICE_COLUMNS),
            )
        )
    return book.to_bytes()


def _book_columns() -> list[Column]:
    return [
        Column("贷款笔数", Kind.COUNT, 10),
        Column("有余额笔数", Kind.COUNT, 10),
        Column("贷款余额（元）", Kind.MONEY, 18),
        Column("不良贷款余额（元）", Kind.MONEY, 18),
        Column("不良贷款率", Kind.RATIO, 10),
    ]


def _book_figures(p: Portfolio) -> list[Value]:
    return [p.count, p.outstanding, p.balance, p.non_performing_balance, p.non_performing_ratio]


def _class_columns() -> list[Column]:
    return [
        column
        for risk in RiskClass
        for column in (
            Column(f"{risk.label}\n笔数", Kind.COUNT, 8),
            Column(f"{risk.label}\n有余额笔数", Kind.COUNT, 10),
            Column(f"{risk.label}\n余额（元）", Kind.MONEY, 16),
        )
    ]


def _class_figures(p: Portfolio) -> list[Value]:
    return [
        value
        for risk in RiskClass
        for value in (
            p.by_risk_class[risk].count,
            p.by_risk_class[risk].outstanding,
            p.by_risk_class[risk].balance,
        )
    ]


def _bucket_columns() -> list[Column]:
    return [
        column
        for low, high in OVERDUE_BUCKETS
        for column in (
            Column(f"{bucket_label(low, high)}\n笔数", Kind.COUNT, 10),
            Column(f"{bucket_label(low, high)}\n余额（元）", Kind.MONEY, 16),
        )
    ]


def _bucket_figures(p: Portfolio) -> list[Value]:
    return [value for b in p.by_bucket.values() for value in (b.count, b.balance)]


# 客户经理等级分布表 (gradeDistribution)


def grades_disposition(tenant: str, r: GradeDistribution) -> str:
    when = r.period or "current"
    return attachment(*_file_names(tenant, "grade-distribution", GRADES_TITLE, r.office, when))


def grades_workbook(tenant: str, r: GradeDistribution) -> bytes:
    basis = "当前等级" if r.period is None else f"{r.period} 期已确认考核的等级"
    table = Table(
        sheet="等级分布",
        title=f"{tenant} {GRADES_TITLE}",
        subtitle=f"机构：{office_text(r.office)}及下属机构    口径：{basis}",
        footer=f"{GRADES_TITLE} {r.period or '当前'}",
        columns=[
            Column("等级", width=22),
            Column("等级代码", width=12),
            Column("等级序位", Kind.COUNT, 10),
            Column("人数", Kind.COUNT, 10),
        ],
        rows=[
            # A tier is shown only with both its code and its rank (as the schema's Tier).
            [t.name or t.code, t.code, t.rank, t.count]
            if t.code is not None and t.rank is not None
            else [UNGRADED, None, None, t.count]
            for t in r.tiers
        ],
        total=[TOTAL, None, None, r.total],
    )
    book = ReportBook()
    ws = book.add(table)
    if r.tiers:
        chart = BarChart()
        chart.type = "col"
        chart.title = "客户经理等级分布"
        chart.y_axis.title = "人数"
        chart.x_axis.title = "等级"
        chart.legend = None
        last = table.first_row + len(r.tiers) - 1
        data = Reference(ws, min_col=4, min_row=table.first_row - 1, max_row=last)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=table.first_row, max_row=last))
        chart.height, chart.width = 8, 16
        ws.add_chart(chart, "F3")
    return book.to_bytes()


# 客户经理考核排名表 (appraisalLeague)


def league_disposition(tenant: str, r: AppraisalLeague) -> str:
    return attachment(*_file_names(tenant, "appraisal-league", LEAGUE_TITLE, r.office, r.period))


def league_workbook(tenant: str, r: AppraisalLeague) -> bytes:
    rows: list[list[Value]] = []
    for line in r.rows:
        a = line.appraisal
        graded = a.tier_code is not None and a.tier_rank is not None
        rows.append(
            [
                line.rank,
                line.manager.employee_no,
                line.manager.name,
                line.office.code,
                line.office.name,
                a.total,
                (a.tier_name or a.tier_code) if graded else UNGRADED,
                a.tier_code if graded else None,
                a.status.label,
            ]
        )
    table = Table(
        sheet="考核排名",
        title=f"{tenant} {LEAGUE_TITLE}",
        subtitle=f"机构：{office_text(r.office)}及下属机构    考核期：{r.period}",
        footer=f"{LEAGUE_TITLE} {r.period}",
        columns=[
            Column("名次", Kind.COUNT, 8),
            *MANAGER_COLUMNS,
            Column("总分", Kind.SCORE, 10),
            Column("等级", width=16),
            Column("等级代码", width=12),
            Column("考核状态", width=10),
        ],
        rows=rows,
        notes=[("参与排名人数", r.ranked), ("本表列出", len(r.rows))],
        frozen_columns=3,
    )
    book = ReportBook()
    book.add(table)
    return book.to_bytes()


# 贷款余额及不良率走势表 (portfolioTrend)


def trend_disposition(tenant: str, r: PortfolioTrend, start: dt.date, end: dt.date) -> str:
    when = f"{start}_{end}"
    return attachment(*_file_names(tenant, "portfolio-trend", TREND_TITLE, r.office, when))


def trend_workbook(tenant: str, r: PortfolioTrend, start: dt.date, end: dt.date) -> bytes:
    table = Table(
        sheet="余额走势",
        title=f"{tenant} {TREND_TITLE}",
        subtitle=f"机构：{office_text(r.office)}及下属机构    期间：{start} 至 {end}（贷款快照日）",
        footer=f"{TREND_TITLE} {start} 至 {end}",
        columns=[
            Column("快照日期", Kind.DATE, 12),
            Column("贷款笔数", Kind.COUNT, 10),
            Column("贷款余额（元）", Kind.MONEY, 18),
            Column("不良贷款余额（元）", Kind.MONEY, 18),
            Column("不良贷款率", Kind.RATIO, 10),
        ],
        rows=[
            [p.as_of, p.count, p.balance, p.non_performing_balance, p.non_performing_ratio]
            for p in r.points
        ],
    )
    book = ReportBook()
    ws = book.add(table)
    if r.points:
        _trend_chart(ws, table, len(r.points))
    return book.to_bytes()


def _trend_chart(ws: Worksheet, table: Table, points: int) -> None:
    chart = LineChart()
    chart.title = "贷款余额与不良贷款余额"
    chart.y_axis.title = "元"
    chart.x_axis.title = "快照日期"
    chart.x_axis.number_format = "yyyy-mm-dd"
    last = table.first_row + points - 1
    data = Reference(ws, min_col=3, max_col=4, min_row=table.first_row - 1, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=table.first_row, max_row=last))
    chart.height, chart.width = 9, 20
    ws.add_chart(chart, "G3")


# 贷后管理职责履行情况表 (dutyCompliance)


def duties_disposition(tenant: str, r: duties.DutyCompliance) -> str:
    when = f"{r.start}_{r.end}"
    return attachment(*_file_names(tenant, "duty-compliance", DUTIES_TITLE, r.office, when))


def duties_workbook(tenant: str, r: duties.DutyCompliance) -> bytes:
    title = f"{tenant} {DUTIES_TITLE}"
    period = f"期间：{r.start} 至 {r.end}"
    footer = f"{DUTIES_TITLE} {r.start} 至 {r.end}"
    book = ReportBook()
    book.add(
        Table(
            sheet="按机构",
            title=title,
            subtitle=f"机构：{office_text(r.office)}及下属机构    {period}",
            footer=footer,
            columns=[*OFFICE_COLUMNS, *_duty_columns()],
            rows=[
                [*_office_labels(row.office, row.subtree), *_duty_figures(row.figures)]
                for row in r.by_office
            ],
            total=[TOTAL, r.office.name, WHOLE_SUBTREE, *_duty_figures(r.total)],
            frozen_columns=len(OFFICE_COLUMNS),
        )
    )
    book.add(
        Table(
            sheet="按客户经理",
            title=title,
            subtitle=f"机构：{office_text(r.office)}及下属机构    {period}    按未履行职责数排序",
            footer=footer,
            columns=[*MANAGER_COLUMNS, *_duty_columns()],
            rows=[
                [
                    row.manager.employee_no,
                    row.manager.name,
                    row.office.code,
                    row.office.name,
                    *_duty_figures(row.figures),
                ]
                for row in r.by_manager
            ],
            notes=[("有应履职责的客户经理", r.managers), ("本表列出", len(r.by_manager))],
            frozen_columns=2,
        )
    )
    return book.to_bytes()


def _duty_columns() -> Sequence[Column]:
    notice = (
        "催收通知书\n应送达",
        "催收通知书\n按时送达",
        "催收通知书\n逾期送达",
        "催收通知书\n未送达",
    )
    inspection = ("贷后检查\n应检查", "贷后检查\n已检查", "贷后检查\n未检查")
    by_frequency = [
        f"{frequency.label}（{months}个月）\n{what}"
        for frequency, months in duties.INSPECTION_MONTHS.items()
        for what in ("应检查", "已检查", "未检查")
    ]
    return [Column(header, Kind.COUNT, 11) for header in (*notice, *inspection, *by_frequency)]


def _duty_figures(f: duties.DutyFigures) -> list[Value]:
    n, i = f.notices, f.inspections
    return [
        n.due,
        n.on_time,
        n.late,
        n.missing,
        i.due,
        i.done,
        i.missing,
        *(
            value
            for frequency in duties.INSPECTION_MONTHS
            for value in (
                f.by_frequency[frequency].due,
                f.by_frequency[frequency].done,
                f.by_frequency[frequency].missing,
            )
        ),
    ]
