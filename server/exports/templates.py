"""Template downloads: the workbooks a bank fills in and sends back by an upload mutation.

- ``GET /exports/templates/task-figures.xlsx?period=2026`` — 任务完成考核表, for
  ``uploadTaskFigures`` (the roles of ``recordTaskPlan``);
- ``GET /exports/templates/violations.xlsx`` — 违规记录, for ``uploadViolations`` (the roles
  of ``recordViolation``);
- ``GET /exports/templates/inspection-findings.xlsx?period=2026`` — 检查发现, for
  ``uploadInspectionFindings`` (the roles of ``recordInspectionFindings``).

The token and the roles are checked as for the score sheet (``server.exports.routes``):
401, 403 from the ``ENDPOINTS`` row. The period, where the sheet depends on it, is the
tenant's current year unless given; a malformed one is 400, a tenant without a grading
policy 409. The managers and offices of the caller's scope (read in SQL) fill the
template's lists, and its rows are the managers', one each, ready to be filled in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.db import models
from server.db.scope import Scope
from server.errors import PolicyUnavailable
from server.exports.routes import caller, download_headers, refused
from server.exports.templates_book import Prefill, template_workbook
from server.exports.xlsx import MEDIA_TYPE, attachment
from server.policy import parse_period
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.access import scope_of
from server.services.records import appraisal_reads
from server.services.tenant_settings import tenant_today
from server.settings import Settings
from server.uploads import layouts

TASK_FIGURES = "/exports/templates/task-figures.xlsx"
VIOLATIONS = "/exports/templates/violations.xlsx"
INSPECTION_FINDINGS = "/exports/templates/inspection-findings.xlsx"
MAX_PREFILLED = layouts.MAX_ROWS
"""The most managers a template lists (as many rows as an upload takes)."""


class BadPeriod(Exception):
    """The ``period`` parameter is no period."""


@dataclass(frozen=True)
class Template:
    """One template: its path, its file name, and how its layout is made."""

    path: str
    name: str
    ascii_name: str
    layout: Callable[
        [AsyncSession, PolicyRegistry, Principal, str | None], Awaitable[layouts.Layout]
    ]
    prefill_rows: bool


async def _period(session: AsyncSession, actor: Principal, given: str | None) -> str:
    if given is None:
        return str((await tenant_today(session, actor.tenant_id)).year)
    try:
        parse_period(given)
    except ValueError:
        raise BadPeriod(f"{given!r} is no period (a year 2026 or a quarter 2026-Q3)") from None
    return given


async def _task_figures(
    session: AsyncSession, registry: PolicyRegistry, actor: Principal, period: str | None
) -> layouts.Layout:
    chosen = await _period(session, actor, period)
    return layouts.task_figures(await appraisal_reads(session, registry, actor.tenant_id, chosen))


async def _violations(
    session: AsyncSession, registry: PolicyRegistry, actor: Principal, period: str | None
) -> layouts.Layout:
    return layouts.VIOLATIONS


async def _findings(
    session: AsyncSession, registry: PolicyRegistry, actor: Principal, period: str | None
) -> layouts.Layout:
    chosen = await _period(session, actor, period)
    reads = await appraisal_reads(session, registry, actor.tenant_id, chosen)
    return layouts.inspection_findings(reads)


TEMPLATES = (
    Template(TASK_FIGURES, "任务完成考核表.xlsx", "task-figures.xlsx", _task_figures, True),
    Template(VIOLATIONS, "违规记录.xlsx", "violations.xlsx", _violations, False),
    Template(INSPECTION_FINDINGS, "检查发现.xlsx", "inspection-findings.xlsx", _findings, False),
)


async def scope_prefill(session: AsyncSession, scope: Scope, rows: bool) -> Prefill:
    """The managers and offices ``scope`` reaches, by code."""
    m, o = models.Manager, models.Office
    managers = (
        await session.execute(
            select(m.employee_no, m.name, o.code)
            .join(o, (o.tenant_id == m.tenant_id) & (o.id == m.office_id))
            .where(*scope.where(m))
            .order_by(o.code, m.employee_no)
            .limit(MAX_PREFILLED)
        )
    ).all()
    found = [(no, name, code) for no, name, code in managers]
    offices = (
        await session.execute(
            select(o.code, o.name).where(*scope.where(o)).order_by(o.code).limit(MAX_PREFILLED)
        )
    ).all()
    return Prefill(
        managers=found,
        offices=[(code, name) for code, name in offices],
        rows=[(no, name) for no, name, _ in found] if rows else (),
    )


class Templates:
    """The template endpoints of one application."""

    def __init__(
        self,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        registry: PolicyRegistry,
    ) -> None:
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.registry = registry

    def routes(self, templates: tuple[Template, ...]) -> list[Route]:
        return [Route(t.path, self._endpoint(t), methods=["GET"]) for t in templates]

    def _endpoint(self, template: Template) -> Callable[[Request], Awaitable[Response]]:
        async def download(request: Request) -> Response:
            return await self.download(request, template)

        return download

    async def download(self, request: Request, template: Template) -> Response:
        headers = download_headers(request)
        async with self.sessionmaker() as session:
            admitted = await caller(
                session, request, self.settings, template.path, "the template", headers
            )
            if isinstance(admitted, Response):
                return admitted
            resolved, allowed = admitted
            period = request.query_params.get("period") or None
            try:
                layout = await template.layout(session, self.registry, resolved, period)
            except BadPeriod as bad:
                return refused("BAD_REQUEST", str(bad), 400, headers)
            except PolicyUnavailable as unavailable:
                return refused(unavailable.code, str(unavailable), 409, headers)
            prefill = await scope_prefill(
                session, scope_of(resolved, allowed), template.prefill_rows
            )
        body = await asyncio.to_thread(template_workbook, layout, prefill)
        headers["Content-Disposition"] = attachment(template.ascii_name, template.name)
        headers["X-Content-Type-Options"] = "nosniff"
        return Response(body, media_type=MEDIA_TYPE, headers=headers)
