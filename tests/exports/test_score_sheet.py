"""The score sheet download: the workbook read back by a second reader and compared, cell by
cell, with what GraphQL answers for the same run; its print layout and chart."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import Role
from server.exports import score_sheet
from server.exports.score_sheet import DISTRIBUTION_SHEET, HEADER_ROW, UNGRADED
from tests.conftest import Api
from tests.exports.runs import (
    RUN,
    appraisals,
    download,
    read_back,
    score_sheet_url,
    scored_run,
)

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIRST_DATA = HEADER_ROW  # calamine counts rows from 0
TRAILING = ["总分", "等级", "评定", "确认状态"]


def _tier(a: dict[str, Any]) -> str:
    tier = a["tier"]
    return UNGRADED if tier is None else f"{tier['name']}（{tier['code']}）"


def _decimal(cell: object) -> Decimal:
    assert isinstance(cell, int | float) and not isinstance(cell, bool), cell
    return Decimal(str(cell))


def _data_rows(sheet: list[list[Any]]) -> list[list[Any]]:
    """The manager rows: below the header, down to the blank row above the signatures."""
    rows = sheet[FIRST_DATA:]
    return rows[: next(n for n, r in enumerate(rows) if all(c == "" for c in r))]


async def test_the_workbook_is_the_runs_graphql_answer_cell_by_cell(
    api: Api, session: AsyncSession
) -> None:
    run = await scored_run(api, session)
    expected = await appraisals(api)
    head = (await api(RUN, {"id": run.id}, roles=(Role.AUDITOR,)))["appraisalRun"]
    response = await download(api, score_sheet_url(run.id), api.token(roles=(Role.AUDITOR,)))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MEDIA_TYPE
    assert response.headers["cache-control"] == "no-store"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="score-sheet-2026-')
    tenant = (await api("{ tenant { name } }", roles=(Role.AUDITOR,)))["tenant"]["name"]
    encoded = disposition.partition("filename*=UTF-8''")[2]
    assert unquote(encoded) == f"{tenant}_2026_考核评分表.xlsx"

    sheets = read_back(response.content)
    by_office: dict[str, list[dict[str, Any]]] = {}
    for a in expected:
        by_office.setdefault(a["manager"]["office"]["name"], []).append(a)
    assert list(sheets)[-1] == DISTRIBUTION_SHEET
    assert set(sheets) - {DISTRIBUTION_SHEET} == set(by_office)

    seen_statuses = set()
    for office, wanted in by_office.items():
        sheet = sheets[office]
        code = wanted[0]["manager"]["office"]["code"]
        assert sheet[1][0].startswith(f"机构：{office}（{code}）")
        assert head["pluginVersion"] in sheet[1][0] and run.id in sheet[1][0]
        header = sheet[FIRST_DATA - 1]
        assert header[:2] == ["工号", "姓名"] and header[-4:] == TRAILING
        items = header[2:-4]
        rows = {r[0]: r for r in _data_rows(sheet)}
        assert sorted(rows) == sorted(a["manager"]["employeeNo"] for a in wanted)
        for a in wanted:
            row = rows[a["manager"]["employeeNo"]]
            assert row[1] == a["manager"]["name"]
            scored = {}
            for item in a["items"]:
                title = f"{item['name']}\n{item['article']}"
                if item["maxPoints"] is not None:
                    title += f"\n满分 {item['maxPoints']}"
                column = items.index(title)
                scored[column] = item["score"]
                assert _decimal(row[2 + column]) == Decimal(item["score"]), title
            assert all(row[2 + n] == "" for n in range(len(items)) if n not in scored)
            total, tier, rating, status = row[-4:]
            if a["total"] is None:
                assert total == ""
            else:
                assert _decimal(total) == Decimal(a["total"])
            assert tier == _tier(a)
            wanted_rating = "" if a["rating"] is None else f"{a['ratingLabel']}（{a['rating']}）"
            assert rating == wanted_rating
            assert status == f"{a['statusLabel']}（{a['status']}）"
            seen_statuses.add(status)
        signature = sheet[FIRST_DATA + len(rows) + 1][0]
        assert "考核人" in signature and "复核人" in signature
    assert seen_statuses >= {"草稿（DRAFT）", "已确认（CONFIRMED）", "申诉中（APPEALED）"}
    assert any(item["article"] for a in expected for item in a["items"])

    distribution = sheets[DISTRIBUTION_SHEET]
    counted = {
        (r[0], r[1]): int(r[2]) for r in distribution[FIRST_DATA:] if r[0] and r[0] != "合计"
    }
    tiers: dict[tuple[str, str], int] = {}
    for a in expected:
        tier = (UNGRADED, "—") if a["tier"] is None else (a["tier"]["name"], a["tier"]["code"])
        tiers[tier] = tiers.get(tier, 0) + 1
    assert counted == tiers
    ranks = {a["tier"]["code"]: a["tier"]["rank"] for a in expected if a["tier"]}
    order = [code for _, code in counted]
    assert order == sorted(order, key=lambda code: (code == "—", -ranks.get(code, 0)))
    assert distribution[FIRST_DATA + len(tiers)][0] == "合计"
    assert distribution[FIRST_DATA + len(tiers)][2] == len(expected)


async def test_scores_are_numbers_with_a_format_and_the_sheet_is_ready_to_print(
    api: Api, session: AsyncSession
) -> None:
    run = await scored_run(api, session)
    response = await download(api, score_sheet_url(run.id), api.token(roles=(Role.HR,)))
    assert response.status_code == 200, response.text
    book = load_workbook(io.BytesIO(response.content))
    office = book.worksheets[0]
    header = [c.value for c in office[HEADER_ROW]]
    total = office.cell(row=HEADER_ROW + 1, column=header.index("总分") + 1)
    assert total.data_type == "n" and isinstance(total.value, int | float)
    assert total.number_format == "0.00"
    first_item = office.cell(row=HEADER_ROW + 1, column=3)
    assert first_item.data_type == "n" and first_item.number_format == "0.00"
    assert office.page_setup.orientation == "landscape"
    assert office.page_setup.fitToWidth == 1 and office.page_setup.fitToHeight == 0
    assert office.sheet_properties.pageSetUpPr.fitToPage is True
    assert office.print_title_rows == f"$1:${HEADER_ROW}"
    assert office.freeze_panes == f"C{HEADER_ROW + 1}"
    assert office.oddFooter.center.text == "第 &P 页，共 &N 页"
    assert office.column_dimensions["A"].width == 12
    chart_sheet = book[DISTRIBUTION_SHEET]
    charts = chart_sheet._charts
    assert len(charts) == 1
    assert type(charts[0]).__name__ == "BarChart"


async def test_an_office_gives_its_subtree_only(
    api: Api, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = await scored_run(api, session)
    expected = await appraisals(api)
    branch = next(
        a["manager"]["office"] for a in expected if a["manager"]["office"]["code"] == "10600"
    )
    inside = {"10600", "10601", "10602", "10603"}
    below = sum(1 for a in expected if a["manager"]["office"]["code"] in inside)
    # A workbook holding the subtree but not the whole run: the run is refused whole.
    monkeypatch.setattr(score_sheet, "MAX_MANAGERS", below)
    whole = await download(api, score_sheet_url(run.id), api.token(roles=(Role.RISK,)))
    assert whole.status_code == 413, whole.text
    assert whole.json()["errors"][0]["extensions"]["code"] == "TOO_LARGE"
    response = await download(
        api, score_sheet_url(run.id, branch["id"]), api.token(roles=(Role.RISK,))
    )
    assert response.status_code == 200, response.text
    assert "-10600-" in response.headers["content-disposition"]
    sheets = read_back(response.content)
    offices = {a["manager"]["office"]["name"] for a in expected}
    wanted = {
        a["manager"]["office"]["name"] for a in expected if a["manager"]["office"]["code"] in inside
    }
    assert wanted and wanted != offices
    assert set(sheets) - {DISTRIBUTION_SHEET} == wanted
    numbers = {r[0] for name in wanted for r in _data_rows(sheets[name])}
    assert numbers == {
        a["manager"]["employeeNo"] for a in expected if a["manager"]["office"]["code"] in inside
    }
    total = next(r for r in sheets[DISTRIBUTION_SHEET] if r[0] == "合计")
    assert total[2] == len(numbers)
