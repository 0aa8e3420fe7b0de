"""A scored appraisal run of sd-demo for the export tests, and the workbook read back by a
reader other than the one that wrote it (calamine)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import httpx
from python_calamine import CalamineWorkbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import Role
from tests.conftest import Api
from tests.graphql.appraisal.operations import (
    APPRAISAL_FIELDS,
    PERIOD,
    SD_ACTUALS,
    SD_PLANS,
    record_figures,
    run_as,
)

START = """mutation { runAppraisals(period: "2026") { __typename ... on AppraisalRun { id } } }"""
CONFIRM = f"mutation($id: ID!) {{ confirmAppraisal(id: $id) {{ {APPRAISAL_FIELDS} }} }}"
APPEAL = """mutation($id: ID!) { appealAppraisal(id: $id, reason: "B6 利息数据有误") {
  __typename } }"""
APPRAISALS = """query($p: Period!) {
  appraisals(first: 40, filter: {period: $p}) { totalCount edges { node {
    id status statusLabel total graded rating ratingLabel tier { code name rank }
    manager { employeeNo name office { id code name } }
    items { key name article maxPoints score } } } } }"""
RUN = "query($id: ID!) { appraisalRun(id: $id) { id period status plugin pluginVersion } }"
APPRAISABLE = ("ACTIVE", "PROBATION", "SUSPENDED")


@dataclass(frozen=True)
class ScoredRun:
    id: str
    confirmed: str
    """The employee number of the manager whose appraisal was confirmed."""
    appealed: str
    """The employee number of the manager who appealed theirs."""


async def scored_run(api: Api, session: AsyncSession) -> ScoredRun:
    """A DONE run of sd-demo for ``PERIOD`` with figures for every appraisable manager:
    drafts, one confirmed, one appealed (the manager of each chosen by employee number)."""
    m = models.Manager
    managers = (
        await session.execute(
            select(m)
            .where(m.tenant_id == "sd-demo", m.status.in_(APPRAISABLE))
            .order_by(m.employee_no)
        )
    ).scalars()
    for manager in managers:
        await record_figures(api, str(manager.id), SD_PLANS, SD_ACTUALS, "sd-demo")
    started = (await run_as(api, START, {}, user="hr-1", roles=(Role.HR,)))["runAppraisals"]
    assert started["__typename"] == "AppraisalRun", started
    await api.run_jobs()
    run = (await api(RUN, {"id": started["id"]}, roles=(Role.HR,)))["appraisalRun"]
    assert run["status"] == "DONE", run
    graded = [a for a in await appraisals(api) if a["graded"]]
    assert len(graded) >= 2, graded
    confirmed, appealed = graded[0], graded[1]
    for one in (confirmed, appealed):
        done = await run_as(api, CONFIRM, {"id": one["id"]}, user="hr-2", roles=(Role.HR,))
        assert done["confirmAppraisal"]["status"] == "CONFIRMED", done
    number = appealed["manager"]["employeeNo"]
    appeal = await run_as(
        api, APPEAL, {"id": appealed["id"]}, user="m-1", roles=(Role.MANAGER,), manager=number
    )
    assert appeal["appealAppraisal"]["__typename"] == "Appraisal", appeal
    return ScoredRun(started["id"], confirmed["manager"]["employeeNo"], number)


async def appraisals(api: Api) -> list[dict[str, Any]]:
    """The period's appraisals as GraphQL answers them (every one of them the run's)."""
    data = await api(APPRAISALS, {"p": PERIOD}, roles=(Role.AUDITOR,))
    connection = data["appraisals"]
    assert connection["totalCount"] == len(connection["edges"])
    return [edge["node"] for edge in connection["edges"]]


def score_sheet_url(run_id: str, office: str | None = None) -> str:
    url = f"/exports/appraisal-runs/{run_id}/score-sheet.xlsx"
    return url if office is None else f"{url}?office={office}"


async def download(api: Api, url: str, token: str | None) -> httpx.Response:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return await api.client.get(url, headers=headers)


def read_back(body: bytes) -> dict[str, list[list[Any]]]:
    """Every sheet of the workbook, as calamine reads its cells."""
    book = CalamineWorkbook.from_filelike(io.BytesIO(body))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}
