"""The template downloads: who gets them, and what they hold (read back by calamine; the
validations by openpyxl)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from server.domain import Role
from server.exports.templates import INSPECTION_FINDINGS, TASK_FIGURES, VIOLATIONS
from server.permissions import ENDPOINTS, MUTATIONS, endpoint_roles
from tests.conftest import Api
from tests.exports.runs import read_back
from tests.uploads.sheets import template

PATHS = {
    TASK_FIGURES: ("uploadTaskFigures", "任务完成考核表"),
    VIOLATIONS: ("uploadViolations", "违规记录"),
    INSPECTION_FINDINGS: ("uploadInspectionFindings", "检查发现"),
}


@pytest.mark.parametrize("path", sorted(PATHS))
def test_each_template_has_the_roles_of_its_upload(path: str) -> None:
    mutation, _ = PATHS[path]
    assert f"GET {path}" in ENDPOINTS
    assert endpoint_roles(f"GET {path}") == MUTATIONS[mutation].roles


@pytest.mark.parametrize("path", sorted(PATHS))
async def test_no_token_is_401_and_another_role_403(api: Api, path: str) -> None:
    assert (await api.client.get(path)).status_code == 401
    response = await api.client.get(
        path, headers={"Authorization": f"Bearer {api.token(roles=(Role.AUDITOR,))}"}
    )
    assert response.status_code == 403, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert response.headers["cache-control"] == "no-store"


async def test_a_malformed_period_is_400(api: Api) -> None:
    token = api.token(roles=(Role.HR,))
    response = await api.client.get(
        f"{TASK_FIGURES}?period=26", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 400, response.text


async def test_the_task_sheet_has_its_columns_lists_and_rules(api: Api) -> None:
    body = await template(api, f"{TASK_FIGURES}?period=2026", api.token(roles=(Role.HR,)))
    sheets = read_back(body)
    assert list(sheets) == ["任务完成考核表", "说明", "代码表"]
    header = sheets["任务完成考核表"][0]
    assert header[:3] == ["工号", "姓名", "考核网点代码"]
    assert "收回贷款利息计划" in header and "收回贷款利息（完成）" in header
    assert len(sheets["任务完成考核表"]) > 2  # the tenant's managers, one a row
    guide = [row[0] for row in sheets["说明"]]
    assert all(h in guide for h in header)

    book = load_workbook(io.BytesIO(body))
    data = book["任务完成考核表"]
    assert data.freeze_panes == "B2"
    assert book["代码表"].sheet_state == "hidden"
    kinds = {str(v.sqref).split(":")[0][0]: v for v in data.data_validations.dataValidation}
    assert kinds["A"].type == "list" and "代码表" in kinds["A"].formula1
    assert kinds["C"].type == "list"
    figure = header.index("收回贷款利息计划")
    letter = chr(ord("A") + figure)
    assert kinds[letter].type == "decimal" and kinds[letter].prompt
    assert all(v.showInputMessage and v.prompt for v in kinds.values())
    assert data.column_dimensions["A"].width >= 10


async def test_the_violation_sheet_lists_the_kinds_and_validates_the_date(api: Api) -> None:
    token = api.token(roles=(Role.BRANCH_HEAD,))
    body = await template(api, VIOLATIONS, token)
    sheets = read_back(body)
    assert sheets["违规记录"][0] == ["工号", "违规类型", "发生日期", "违规事实", "证据材料"]
    codes = sheets["代码表"]
    assert any("以贷收息" in row for row in codes)
    book = load_workbook(io.BytesIO(body))
    types = sorted(v.type for v in book["违规记录"].data_validations.dataValidation)
    assert types == ["date", "list", "list", "textLength", "textLength"]


async def test_the_findings_sheet_lists_the_items_and_codes(api: Api) -> None:
    body = await template(api, f"{INSPECTION_FINDINGS}?period=2026", api.token(roles=(Role.HR,)))
    sheets = read_back(body)
    assert sheets["检查发现"][0][:4] == ["工号", "考核项目", "发现代码", "笔数"]
    flat = {cell for row in sheets["代码表"] for cell in row}
    assert {"C1.4", "MISSING_INSPECTION_REPORT"} <= flat
    book = load_workbook(io.BytesIO(body))
    whole = [v for v in book["检查发现"].data_validations.dataValidation if v.type == "whole"]
    assert [(v.formula1, v.formula2) for v in whole] == [("1", "1000")]
