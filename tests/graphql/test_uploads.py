"""Uploads of filled-in templates over GraphQL multipart requests: written through the
single mutations' services, all or nothing, every problem named by sheet, row, column and
rule; and the requests refused before anything runs."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import Role
from server.exports.templates import INSPECTION_FINDINGS, TASK_FIGURES, VIOLATIONS
from tests.conftest import Api
from tests.graphql.audit.rows import rows_of, someone
from tests.uploads.sheets import (
    UPLOAD_FINDINGS,
    UPLOAD_TASK_FIGURES,
    UPLOAD_VIOLATIONS,
    fill,
    template,
    upload,
    uploaded,
)

VIOLATION_COUNT = "query { violations(first: 100) { totalCount } }"


async def _managers(session: AsyncSession, count: int = 2) -> list[models.Manager]:
    m = models.Manager
    rows = await session.execute(
        select(m).where(m.tenant_id == "sd-demo").order_by(m.employee_no).limit(count)
    )
    return list(rows.scalars())


async def test_a_filled_task_sheet_is_written_as_plans_and_actuals(
    api: Api, session: AsyncSession
) -> None:
    token = api.token(roles=(Role.HR,), user="hr-upload")
    body = await template(api, f"{TASK_FIGURES}?period=2026", token)
    first, second = await _managers(session)
    rows = [
        {"工号": first.employee_no, "收回贷款利息计划": 300000, "收回贷款利息（完成）": 310000.5},
        {"工号": second.employee_no, "不良贷款现金清收额计划": "12000.25"},
    ]
    result = await uploaded(
        api, UPLOAD_TASK_FIGURES, {"p": "2026"}, fill(body, "任务完成考核表", rows), token
    )
    assert result == {"__typename": "SheetUploaded", "rows": 2, "records": 3, "problems": []}
    plans = await session.execute(
        select(models.TaskPlan.manager_id, models.TaskPlan.indicator, models.TaskPlan.plan).where(
            models.TaskPlan.tenant_id == "sd-demo", models.TaskPlan.period == "2026"
        )
    )
    assert sorted((str(m), k, Decimal(v)) for m, k, v in plans.all()) == sorted(
        [
            (str(first.id), "interest_recovered", Decimal("300000")),
            (str(second.id), "npl_cash_recovered", Decimal("12000.25")),
        ]
    )
    actual = await session.scalar(
        select(models.IndicatorValue.value).where(
            models.IndicatorValue.manager_id == first.id,
            models.IndicatorValue.indicator == "interest_recovered",
        )
    )
    assert actual == Decimal("310000.5")


async def test_a_violation_sheet_is_written_and_read_back(api: Api, session: AsyncSession) -> None:
    head = api.token(roles=(Role.BRANCH_HEAD,), user="head-upload")
    body = await template(api, VIOLATIONS, head)
    before = (await api(VIOLATION_COUNT, roles=(Role.RISK,)))["violations"]["totalCount"]
    first, second = await _managers(session)
    rows = [
        {
            "工号": first.employee_no,
            "违规类型": "以贷收息",
            "发生日期": dt.date(2026, 1, 5),
            "违规事实": "以贷收息一笔",
        },
        {
            "工号": second.employee_no,
            "违规类型": "OTHER",
            "发生日期": "2026-02-01",
            "违规事实": "其他",
            "证据材料": "稽核通报 3 号",
        },
    ]
    result = await uploaded(api, UPLOAD_VIOLATIONS, {}, fill(body, "违规记录", rows), head)
    assert (result["rows"], result["records"], result["problems"]) == (2, 2, [])
    after = (await api(VIOLATION_COUNT, roles=(Role.RISK,)))["violations"]["totalCount"]
    assert after == before + 2


async def test_errors_in_several_cells_write_nothing_and_each_is_named(
    api: Api, session: AsyncSession
) -> None:
    head = api.token(roles=(Role.BRANCH_HEAD,), user="head-upload")
    body = await template(api, VIOLATIONS, head)
    (first,) = await _managers(session, 1)
    count = select(func.count()).select_from(models.Violation)
    before = await session.scalar(count)
    rows = [
        {
            "工号": first.employee_no,
            "违规类型": "以贷收息",
            "发生日期": dt.date(2026, 1, 5),
            "违规事实": "一笔对的",
        },
        {
            "工号": first.employee_no,
            "违规类型": "迟到",
            "发生日期": "2026-13-01",
            "违规事实": "类型与日期不对",
        },
        {"工号": "NO-SUCH", "违规类型": "其他", "发生日期": dt.date(2026, 1, 5)},
        {
            "工号": first.employee_no,
            "违规类型": "其他",
            "发生日期": dt.date(2999, 1, 1),
            "违规事实": "日期在将来",
        },
    ]
    result = await uploaded(api, UPLOAD_VIOLATIONS, {}, fill(body, "违规记录", rows), head)
    assert (result["rows"], result["records"]) == (0, 0)
    found = {(p["sheet"], p["row"], p["column"], p["code"]) for p in result["problems"]}
    assert found == {
        ("违规记录", 3, "违规类型", "NOT_IN_LIST"),
        ("违规记录", 3, "发生日期", "DATE"),
        ("违规记录", 4, "违规事实", "REQUIRED"),
        ("违规记录", 4, "工号", "UNKNOWN_CODE"),
    }
    assert await session.scalar(count) == before
    # The cells right, the service's own rule refuses the date ahead: still nothing written.
    rows = [rows[0], rows[3]]
    result = await uploaded(api, UPLOAD_VIOLATIONS, {}, fill(body, "违规记录", rows), head)
    assert [(p["row"], p["column"], p["code"]) for p in result["problems"]] == [
        (3, "发生日期", "NOT_IN_FUTURE")
    ]
    assert await session.scalar(count) == before
    # Each refused sheet is audited as refused, though answered as data.
    audited = await rows_of(session, "head-upload")
    assert [(r.operation, r.outcome) for r in audited][-2:] == [
        ("uploadViolations", "INVALID_INPUT"),
        ("uploadViolations", "INVALID_INPUT"),
    ]


async def test_an_accepted_sheet_is_audited_as_ok(api: Api, session: AsyncSession) -> None:
    user = someone("uploader")
    head = api.token(roles=(Role.BRANCH_HEAD,), user=user)
    body = await template(api, VIOLATIONS, head)
    (first,) = await _managers(session, 1)
    row = {
        "工号": first.employee_no,
        "违规类型": "以贷收息",
        "发生日期": dt.date(2026, 1, 5),
        "违规事实": "审计行",
    }
    result = await uploaded(api, UPLOAD_VIOLATIONS, {}, fill(body, "违规记录", [row]), head)
    assert (result["rows"], result["problems"]) == (1, [])
    audited = await rows_of(session, user)
    assert [(r.operation, r.outcome) for r in audited] == [("uploadViolations", "OK")]


async def test_a_findings_sheet_is_written(api: Api, session: AsyncSession) -> None:
    token = api.token(roles=(Role.HR,), user="hr-upload")
    body = await template(api, f"{INSPECTION_FINDINGS}?period=2026", token)
    first, second = await _managers(session)
    rows = [
        {
            "工号": first.employee_no,
            "考核项目": "C1.4",
            "发现代码": "MISSING_INSPECTION_REPORT",
            "笔数": 2,
        },
        {"工号": second.employee_no, "考核项目": "C5", "发现代码": "MISSING_DOCUMENT"},
        {"工号": second.employee_no, "考核项目": "C5", "发现代码": "NO_SUCH_CODE"},
    ]
    filled = fill(body, "检查发现", rows)
    refused = await uploaded(api, UPLOAD_FINDINGS, {"p": "2026"}, filled, token)
    assert [(p["row"], p["column"], p["code"]) for p in refused["problems"]] == [
        (4, "发现代码", "NOT_IN_LIST")
    ]
    result = await uploaded(
        api, UPLOAD_FINDINGS, {"p": "2026"}, fill(body, "检查发现", rows[:2]), token
    )
    assert (result["rows"], result["records"], result["problems"]) == (2, 2, [])
    stored = await session.execute(
        select(models.InspectionFinding.item, models.InspectionFinding.count).where(
            models.InspectionFinding.tenant_id == "sd-demo",
            models.InspectionFinding.recorded_by == "hr-upload",
        )
    )
    assert sorted(stored.all()) == [("C1.4", 2), ("C5", 1)]


async def test_a_role_the_single_mutation_refuses_is_refused(api: Api) -> None:
    head = api.token(roles=(Role.BRANCH_HEAD,))
    body = await template(api, VIOLATIONS, head)
    auditor = api.token(roles=(Role.AUDITOR,))
    result = await uploaded(api, UPLOAD_VIOLATIONS, {}, body, auditor)
    assert result["__typename"] == "PermissionDenied"


def _code(response: object) -> str:
    code: str = response.json()["errors"][0]["extensions"]["code"]  # type: ignore[attr-defined]
    return code


async def test_a_body_past_the_limit_is_413(api: Api) -> None:
    big = b"PK\x03\x04" + b"\0" * (api.settings.upload_max_bytes + 1)
    response = await upload(api, UPLOAD_VIOLATIONS, {}, big, api.token(roles=(Role.BRANCH_HEAD,)))
    assert response.status_code == 413, response.text
    assert _code(response) == "UPLOAD_TOO_LARGE"


async def test_what_is_no_xlsx_is_415(api: Api) -> None:
    token = api.token(roles=(Role.BRANCH_HEAD,))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("readme.txt", "not a workbook")
    for content in (b"\xe5\xb7\xa5\xe5\x8f\xb7,x\n1,2\n", archive.getvalue()):
        response = await upload(api, UPLOAD_VIOLATIONS, {}, content, token, filename="a.xlsx")
        assert response.status_code == 415, response.text
        assert _code(response) == "NOT_XLSX"


async def test_a_workbook_unpacking_past_the_limit_is_413(api: Api) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<x/>")
        z.writestr("xl/workbook.xml", b"\0" * (21 * api.settings.upload_max_bytes))
    response = await upload(
        api, UPLOAD_VIOLATIONS, {}, archive.getvalue(), api.token(roles=(Role.BRANCH_HEAD,))
    )
    assert response.status_code == 413, response.text
    assert _code(response) == "UPLOAD_TOO_LARGE"


async def test_malformed_multipart_requests_are_refused(api: Api) -> None:
    token = api.token(roles=(Role.BRANCH_HEAD,))
    body = await template(api, VIOLATIONS, token)
    query = await upload(api, "query($f: Upload) { viewer { userId } }", {}, body, token)
    assert query.status_code == 400, query.text
    response = await api.client.post(
        "/graphql",
        data={"operations": '{"query": "mutation { x }", "variables": {}}', "map": "{}"},
        files={"0": ("a.xlsx", body)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400, response.text
    assert (await api.client.post("/graphql", files={"0": ("a.xlsx", body)})).status_code == 401


async def test_a_figure_out_of_its_range_or_precision_refuses_the_sheet(
    api: Api, session: AsyncSession
) -> None:
    token = api.token(roles=(Role.HR,), user="hr-upload")
    body = await template(api, f"{TASK_FIGURES}?period=2026", token)
    first, second = await _managers(session)
    plans = select(func.count()).select_from(models.TaskPlan)
    before = await session.scalar(plans)
    rows = [
        {"工号": first.employee_no, "收回贷款利息计划": -1},
        {"工号": second.employee_no, "不良贷款现金清收额计划": "12000.255"},
    ]
    result = await uploaded(
        api, UPLOAD_TASK_FIGURES, {"p": "2026"}, fill(body, "任务完成考核表", rows), token
    )
    assert (result["rows"], result["records"]) == (0, 0)
    found = {(p["column"], p["code"]) for p in result["problems"]}
    assert {column for column, _ in found} == {"收回贷款利息计划", "不良贷款现金清收额计划"}
    assert ("收回贷款利息计划", "RANGE") in found, found
    assert len({p["row"] for p in result["problems"]}) == 2
    assert await session.scalar(plans) == before
