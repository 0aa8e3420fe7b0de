"""The report downloads: each management report's GraphQL field as a ``GET`` of an .xlsx.

======================================  =====================  ==============================
path                                    GraphQL field          query parameters
======================================  =====================  ==============================
/exports/reports/loan-portfolio.xlsx    ``loanPortfolio``      officeId, asOf
/exports/reports/grade-distribution...  ``gradeDistribution``  officeId, period
/exports/reports/appraisal-league.xlsx  ``appraisalLeague``    period (required), officeId,
                                                               first (default 20)
/exports/reports/portfolio-trend.xlsx   ``portfolioTrend``     from, to (required), officeId
/exports/reports/duty-compliance.xlsx   ``dutyCompliance``     from, to (required), officeId,
                                                               first (default 20)
======================================  =====================  ==============================

Each is answered as the score sheet is (``server.exports.routes``): the bearer token read
as GraphQL reads it (401), the roles of the endpoint's row in ``server.permissions.ENDPOINTS``
— those of its GraphQL field — (403), the caller's scope in SQL (an office outside it is
404, as if it did not exist). The parameters are the field's arguments, read by the
schema's own scalar parsers and handed to the same service function, so the same bounds
hold; a parameter that is malformed, missing, repeated or unknown, or one the service
refuses, is 400 naming it (``BAD_USER_INPUT``, ``field``), as GraphQL names a bad argument.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.db import models
from server.db.scope import Scope
from server.errors import BadQueryArgument, NotFound
from server.exports import reports as sheets
from server.exports.routes import caller, download_headers
from server.exports.xlsx import MEDIA_TYPE
from server.graphql.scalars import parse_date, parse_period
from server.observability import requests
from server.services.access import scope_of
from server.services.reports.appraisals import appraisal_league, grade_distribution
from server.services.reports.duty_compliance import duty_compliance
from server.services.reports.portfolio import loan_portfolio
from server.services.reports.trend import portfolio_trend
from server.services.tenant_settings import tenant_today
from server.settings import Settings

LOAN_PORTFOLIO = "/exports/reports/loan-portfolio.xlsx"
GRADE_DISTRIBUTION = "/exports/reports/grade-distribution.xlsx"
APPRAISAL_LEAGUE = "/exports/reports/appraisal-league.xlsx"
PORTFOLIO_TREND = "/exports/reports/portfolio-trend.xlsx"
DUTY_COMPLIANCE = "/exports/reports/duty-compliance.xlsx"
DEFAULT_FIRST = 20
"""``first`` when not given, as the GraphQL fields' default."""
_INT = re.compile(r"^-?[0-9]+$")
_INT_BOUND = 2**31
"""GraphQL's ``Int`` is a signed 32-bit integer."""

Built = tuple[Callable[[], bytes], str]
"""A report read: the workbook to lay out (in a worker thread) and its Content-Disposition."""


class BadParameter(Exception):
    """A query parameter that is not one of the download's, or not of its type."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


def _office_id(name: str, text: str) -> str:
    return text


def _date(name: str, text: str) -> object:
    try:
        return parse_date(text)
    except ValueError as error:
        raise BadParameter(name, f"{name}: {error}") from None


def _period(name: str, text: str) -> object:
    try:
        return parse_period(text)
    except ValueError as error:
        raise BadParameter(name, f"{name}: {error}") from None


def _int(name: str, text: str) -> object:
    if not _INT.match(text) or not -_INT_BOUND <= int(text) < _INT_BOUND:
        raise BadParameter(name, f"{name} must be a 32-bit integer, got {text!r}")
    return int(text)


@dataclass(frozen=True)
class Parameter:
    """One query parameter: its parser (the GraphQL argument's scalar), and its value when
    absent — ``required`` if it has none."""

    parse: Callable[[str, str], object]
    default: object = None
    required: bool = False


OFFICE = Parameter(_office_id)
FIRST = Parameter(_int, default=DEFAULT_FIRST)
FROM_TO = {"from": Parameter(_date, required=True), "to": Parameter(_date, required=True)}


def read_parameters(request: Request, accepted: Mapping[str, Parameter]) -> dict[str, Any]:
    """The download's arguments from the query string, each parsed; ``BadParameter`` for the
    first that is unknown, repeated, malformed or missing. An empty optional parameter is
    absent, as the score sheet's ``office``."""
    query = request.query_params
    for name in query:
        if name not in accepted:
            known = ", ".join(accepted) or "none"
            raise BadParameter(name, f"unknown parameter {name}; this download takes {known}")
        if len(query.getlist(name)) > 1:
            raise BadParameter(name, f"{name} is given more than once")
    out: dict[str, Any] = {}
    for name, parameter in accepted.items():
        text = query.get(name, "")
        if text:
            out[name] = parameter.parse(name, text)
        elif parameter.required:
            raise BadParameter(name, f"{name} is required")
        else:
            out[name] = parameter.default
    return out


def _error(code: str, message: str, status: int, headers: dict[str, str], **more: str) -> Response:
    requests.answered_with(code)
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code, **more}}]},
        status_code=status,
        headers=headers,
    )


Read = Callable[[AsyncSession, Scope, str, dict[str, Any]], Awaitable[Built]]


class ReportExports:
    """The report downloads of one application."""

    def __init__(self, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.settings = settings
        self.sessionmaker = sessionmaker

    def routes(self) -> list[Route]:
        downloads: list[tuple[str, Mapping[str, Parameter], Read]] = [
            (LOAN_PORTFOLIO, {"officeId": OFFICE, "asOf": Parameter(_date)}, _portfolio),
            (GRADE_DISTRIBUTION, {"officeId": OFFICE, "period": Parameter(_period)}, _grades),
            (
                APPRAISAL_LEAGUE,
                {"period": Parameter(_period, required=True), "officeId": OFFICE, "first": FIRST},
                _league,
            ),
            (PORTFOLIO_TREND, {**FROM_TO, "officeId": OFFICE}, _trend),
            (DUTY_COMPLIANCE, {**FROM_TO, "officeId": OFFICE, "first": FIRST}, _duties),
        ]
        return [
            Route(path, partial(self.download, path, accepted, read), methods=["GET"], name=path)
            for path, accepted, read in downloads
        ]

    async def download(
        self, path: str, accepted: Mapping[str, Parameter], read: Read, request: Request
    ) -> Response:
        """The report of ``path`` read by ``read`` with the request's parameters, as .xlsx."""
        headers = download_headers(request)
        async with self.sessionmaker() as session:
            admitted = await caller(session, request, self.settings, path, "this report", headers)
            if isinstance(admitted, Response):
                return admitted
            resolved, allowed = admitted
            try:
                arguments = read_parameters(request, accepted)
                scope = scope_of(resolved, allowed)
                tenant = await session.scalar(
                    select(models.Tenant.name).where(models.Tenant.tenant_id == scope.tenant_id)
                )
                build, disposition = await read(
                    session, scope, tenant or scope.tenant_id, arguments
                )
            except BadParameter as bad:
                return _error("BAD_USER_INPUT", bad.message, 400, headers, field=bad.name)
            except BadQueryArgument as bad:
                return _error("BAD_USER_INPUT", bad.message, 400, headers, field=bad.field)
            except NotFound as missing:
                field = {"field": missing.field} if missing.field else {}
                return _error("NOT_FOUND", str(missing), 404, headers, **field)
        body = await asyncio.to_thread(build)
        headers["Content-Disposition"] = disposition
        headers["X-Content-Type-Options"] = "nosniff"
        return Response(body, media_type=MEDIA_TYPE, headers=headers)


async def _portfolio(
    session: AsyncSession, scope: Scope, tenant: str, args: dict[str, Any]
) -> Built:
    report = await loan_portfolio(
        session,
        scope,
        office_id=args["officeId"],
        as_of=args["asOf"],
        today=await tenant_today(session, scope.tenant_id),
    )
    return (
        partial(sheets.portfolio_workbook, tenant, report),
        sheets.portfolio_disposition(tenant, report),
    )


async def _grades(session: AsyncSession, scope: Scope, tenant: str, args: dict[str, Any]) -> Built:
    report = await grade_distribution(
        session, scope, office_id=args["officeId"], period=args["period"]
    )
    return (
        partial(sheets.grades_workbook, tenant, report),
        sheets.grades_disposition(tenant, report),
    )


async def _league(session: AsyncSession, scope: Scope, tenant: str, args: dict[str, Any]) -> Built:
    report = await appraisal_league(
        session, scope, period=args["period"], office_id=args["officeId"], first=args["first"]
    )
    return (
        partial(sheets.league_workbook, tenant, report),
        sheets.league_disposition(tenant, report),
    )


async def _trend(session: AsyncSession, scope: Scope, tenant: str, args: dict[str, Any]) -> Built:
    start, end = args["from"], args["to"]
    report = await portfolio_trend(session, scope, office_id=args["officeId"], start=start, end=end)
    return (
        partial(sheets.trend_workbook, tenant, report, start, end),
        sheets.trend_disposition(tenant, report, start, end),
    )


async def _duties(session: AsyncSession, scope: Scope, tenant: str, args: dict[str, Any]) -> Built:
    report = await duty_compliance(
        session,
        scope,
        office_id=args["officeId"],
        start=args["from"],
        end=args["to"],
        first=args["first"],
        today=await tenant_today(session, scope.tenant_id),
    )
    return (
        partial(sheets.duties_workbook, tenant, report),
        sheets.duties_disposition(tenant, report),
    )
