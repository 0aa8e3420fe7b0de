"""Each report's workbook read back by calamine equals, cell by cell, the GraphQL answer of
the same report with the same arguments: every figure, the ratio, the totals; with its
chart where it has one, and laid out for printing."""

from __future__ import annotations

from typing import Any

import pytest
from openpyxl.chart import BarChart, LineChart
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import AppraisalStatus, RiskClass, Role
from server.exports import report_routes as routes
from server.exports.reports import OWN_BOOK, TOTAL, UNGRADED, WHOLE_SUBTREE
from server.policy.registry import PolicyRegistry
from tests.conftest import Api
from tests.exports.reports import exact, line, money, notes, opened, ratio, table, url, workbook
from tests.services.reports.book import PERIOD, Book, build_book, build_team
from tests.services.reports.duty_book import END, START, DutyBook, build_duty_book

FIGURES = """count outstandingCount balance nonPerformingBalance nonPerformingRatio
  byRiskClass { riskClass count outstandingCount balance } overdue { count balance }"""
PORTFOLIO = f"""query($office: ID) {{ loanPortfolio(officeId: $office) {{
  office {{ code name }} asOf figures {{ {FIGURES} }}
  byOffice {{ office {{ code name }} subtree figures {{ {FIGURES} }} }} }} }}"""
GRADES = """query($office: ID, $period: Period) { gradeDistribution(officeId: $office,
  period: $period) { total tiers { tier { code rank name } count } } }"""
LEAGUE = """query($office: ID, $period: Period!, $first: Int) { appraisalLeague(period: $period,
  officeId: $office, first: $first) { ranked entries { rank total status tier { code name }
    manager { employeeNo name } office { code name } } } }"""
TREND = """query($from: Date!, $to: Date!, $office: ID) { portfolioTrend(from: $from, to: $to,
  officeId: $office) { points { asOf count balance nonPerformingBalance nonPerformingRatio } } }"""
DUTY_FIGURES = """notices { due onTime late missing } inspections { due done missing
  byFrequency { frequency due done missing } }"""
DUTIES = f"""query($from: Date!, $to: Date!, $office: ID, $first: Int) {{
  dutyCompliance(from: $from, to: $to, officeId: $office, first: $first) {{
    office {{ name }} figures {{ {DUTY_FIGURES} }}
    byOffice {{ office {{ code name }} subtree figures {{ {DUTY_FIGURES} }} }}
    managers byManager {{ manager {{ employeeNo name }} office {{ code name }}
      figures {{ {DUTY_FIGURES} }} }} }} }}"""


@pytest.fixture
async def book(session: AsyncSession, registry: PolicyRegistry) -> Book:
    book = await build_book(session, registry)
    await build_team(session, registry, book)
    await session.commit()
    return book


def _scope(subtree: bool) -> str:
    return WHOLE_SUBTREE if subtree else OWN_BOOK


def _portfolio_lines(report: dict[str, Any], figures: Any) -> list[list[Any]]:
    rows = [
        line(r["office"]["code"], r["office"]["name"], _scope(r["subtree"]), *figures(r["figures"]))
        for r in report["byOffice"]
    ]
    total = line(TOTAL, report["office"]["name"], WHOLE_SUBTREE, *figures(report["figures"]))
    return [*rows, total]


def _book(f: dict[str, Any]) -> list[Any]:
    return [
        f["count"],
        f["outstandingCount"],
        money(f["balance"]),
        money(f["nonPerformingBalance"]),
        ratio(f["nonPerformingRatio"]),
    ]


def _classes(f: dict[str, Any]) -> list[Any]:
    assert [c["riskClass"] for c in f["byRiskClass"]] == [r.value for r in RiskClass]
    return [
        v
        for c in f["byRiskClass"]
        for v in (c["count"], c["outstandingCount"], money(c["balance"]))
    ]


def _buckets(f: dict[str, Any]) -> list[Any]:
    return [v for b in f["overdue"] for v in (b["count"], money(b["balance"]))]


@pytest.mark.parametrize("where", ["branch", "outlet", "top"])
async def test_the_portfolio_workbook_is_the_graphql_answer(
    api: Api, book: Book, where: str
) -> None:
    office = None if where == "top" else str(getattr(book, where).id)
    report = (await api(PORTFOLIO, {"office": office}, roles=(Role.RISK,)))["loanPortfolio"]
    sheets, body = await workbook(api, url(routes.LOAN_PORTFOLIO, officeId=office))
    assert list(sheets) == ["机构汇总", "五级分类", "逾期分布"]
    for name, figures, width in (
        ("机构汇总", _book, 8),
        ("五级分类", _classes, 3 + 3 * len(RiskClass)),
        ("逾期分布", _buckets, 3 + 2 * 6),
    ):
        rows = sheets[name]
        assert rows[0][0].endswith(" 贷款质量报表")
        office_text = f"{report['office']['name']}（{report['office']['code']}）"
        assert office_text in rows[1][0] and report["asOf"] in rows[1][0]
        expected = _portfolio_lines(report, figures)
        assert table(rows, width) == [[exact(v) for v in r] for r in expected], name
        assert len(rows[2]) == width
    total = table(sheets["机构汇总"], 8)[-1]
    assert total[3] == report["figures"]["count"] and total[5] == money(
        report["figures"]["balance"]
    )
    if where == "outlet":
        # The spread outlet: every class and bucket holds loans, the ratio is not null.
        assert total[7] != "—" and total[7] == ratio(report["figures"]["nonPerformingRatio"])
    ws = opened(body)["机构汇总"]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.freeze_panes == "D4" and "&P" in ws.oddFooter.center.text
    assert ws.print_title_rows == "$1:$3"


@pytest.mark.parametrize("period", [None, PERIOD])
async def test_the_grade_workbook_is_the_graphql_answer_with_a_bar_chart(
    api: Api, book: Book, period: str | None
) -> None:
    variables = {"office": str(book.outlet.id), "period": period}
    report = (await api(GRADES, variables, roles=(Role.HR,)))["gradeDistribution"]
    address = url(routes.GRADE_DISTRIBUTION, officeId=str(book.outlet.id), period=period)
    sheets, body = await workbook(api, address, roles=(Role.HR,))
    rows = sheets["等级分布"]
    expected = [
        line(t["tier"]["name"], t["tier"]["code"], t["tier"]["rank"], t["count"])
        if t["tier"]
        else line(UNGRADED, "—", "—", t["count"])
        for t in report["tiers"]
    ]
    assert len(expected) >= 2
    if period is not None:
        assert any(t["tier"] is None for t in report["tiers"])
    assert table(rows, 4) == [*expected, line(TOTAL, "—", "—", report["total"])]
    assert (period or "当前等级") in rows[1][0]
    [chart] = opened(body)["等级分布"]._charts
    assert isinstance(chart, BarChart)


async def test_the_league_workbook_is_the_graphql_answer(api: Api, book: Book) -> None:
    variables = {"office": str(book.branch.id), "period": PERIOD, "first": 4}
    report = (await api(LEAGUE, variables, roles=(Role.AUDITOR,)))["appraisalLeague"]
    address = url(routes.APPRAISAL_LEAGUE, officeId=str(book.branch.id), period=PERIOD, first=4)
    sheets, _ = await workbook(api, address, roles=(Role.AUDITOR,))
    rows = sheets["考核排名"]
    expected = [
        line(
            e["rank"],
            e["manager"]["employeeNo"],
            e["manager"]["name"],
            e["office"]["code"],
            e["office"]["name"],
            money(e["total"]),
            e["tier"]["name"] if e["tier"] else UNGRADED,
            e["tier"]["code"] if e["tier"] else "—",
            AppraisalStatus(e["status"]).label,
        )
        for e in report["entries"]
    ]
    assert len(expected) == 4 and report["ranked"] > 4
    assert [e["rank"] for e in report["entries"]][1:3] == [2, 2]
    assert table(rows, 9) == expected
    assert notes(rows) == {"参与排名人数": report["ranked"], "本表列出": 4}
    assert PERIOD in rows[1][0]


async def test_the_trend_workbook_is_the_graphql_answer_with_a_line_chart(
    api: Api, book: Book
) -> None:
    days = ("2025-11-30", "2025-12-31")
    for day in days:
        taken = await api(
            f'mutation {{ takeLoanSnapshot(asOf: "{day}") {{ __typename }} }}', roles=(Role.HR,)
        )
        assert taken["takeLoanSnapshot"]["__typename"] == "LoanSnapshotTaken"
    variables = {"from": "2025-11-01", "to": days[1], "office": str(book.branch.id)}
    report = (await api(TREND, variables, roles=(Role.RISK,)))["portfolioTrend"]
    address = url(
        routes.PORTFOLIO_TREND,
        officeId=str(book.branch.id),
        **{"from": "2025-11-01", "to": days[1]},
    )
    sheets, body = await workbook(api, address)
    rows = sheets["余额走势"]
    expected = [
        [
            exact(p["asOf"]),
            *line(
                p["count"],
                money(p["balance"]),
                money(p["nonPerformingBalance"]),
                ratio(p["nonPerformingRatio"]),
            ),
        ]
        for p in report["points"]
    ]
    assert len(expected) == 2
    assert [[str(v) if i == 0 else v for i, v in enumerate(r)] for r in table(rows, 5)] == expected
    assert "2025-11-01" in rows[1][0] and days[1] in rows[1][0]
    [chart] = opened(body)["余额走势"]._charts
    assert isinstance(chart, LineChart)


def _duties(f: dict[str, Any]) -> list[Any]:
    n, i = f["notices"], f["inspections"]
    assert [x["frequency"] for x in i["byFrequency"]] == ["QUARTERLY", "HALF_YEARLY", "YEARLY"]
    return [
        n["due"],
        n["onTime"],
        n["late"],
        n["missing"],
        i["due"],
        i["done"],
        i["missing"],
        *(v for x in i["byFrequency"] for v in (x["due"], x["done"], x["missing"])),
    ]


async def test_the_duty_workbook_is_the_graphql_answer(
    api: Api, session: AsyncSession, registry: PolicyRegistry
) -> None:
    duty_book: DutyBook = await build_duty_book(session, registry)
    await session.commit()
    arguments = {"from": START.isoformat(), "to": END.isoformat()}
    office = str(duty_book.branch.id)
    variables = {**arguments, "office": office, "first": 3}
    report = (await api(DUTIES, variables, roles=(Role.RISK,)))["dutyCompliance"]
    sheets, _ = await workbook(
        api, url(routes.DUTY_COMPLIANCE, officeId=office, first=3, **arguments)
    )
    assert list(sheets) == ["按机构", "按客户经理"]
    offices = [
        line(r["office"]["code"], r["office"]["name"], _scope(r["subtree"]), *_duties(r["figures"]))
        for r in report["byOffice"]
    ]
    total = line(TOTAL, report["office"]["name"], WHOLE_SUBTREE, *_duties(report["figures"]))
    assert table(sheets["按机构"], 19) == [*offices, total]
    assert report["figures"]["notices"]["due"] > 0
    managers = [
        line(
            r["manager"]["employeeNo"],
            r["manager"]["name"],
            r["office"]["code"],
            r["office"]["name"],
            *_duties(r["figures"]),
        )
        for r in report["byManager"]
    ]
    by_manager = sheets["按客户经理"]
    assert table(by_manager, 20) == managers and len(managers) == 3
    assert notes(by_manager) == {"有应履职责的客户经理": report["managers"], "本表列出": 3}
    assert report["managers"] > 3
    assert "（3个月）" in by_manager[2][11]
