"""The download routes: ``GET /exports/appraisal-runs/{id}/score-sheet.xlsx``.

The bearer token is read as ``POST /graphql`` reads it (``server.auth``, then the claims
checked against the tenant, ``server.db.queries.tenants.resolve_principal``): none or a
bad one is 401. The roles come from ``server.permissions.ENDPOINTS`` (a route without a
row there is refused to everyone): a caller with none of them is 403. What it reads is
its scope in SQL (``server.services.access.scope_of``): a run of another tenant, an
unknown id, or an office (``?office=<id>``) outside the scope is 404, as if it did not
exist. Errors are JSON in the GraphQL error shape, as the GraphQL route's own answers
(``server.http_answers``).

The workbook is laid out in a worker thread: it is CPU work proportional to the run
(about a millisecond per manager), which would otherwise hold every other request of the
process for the whole of a large tenant's sheet.
"""

from __future__ import annotations

import asyncio
import re
import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.auth import principal_from_authorization
from server.db.queries.tenants import resolve_principal
from server.domain import Role
from server.errors import AuthenticationError, NotFound
from server.exports.score_sheet import TooLarge, read_score_sheet, score_workbook
from server.exports.xlsx import MEDIA_TYPE
from server.http_answers import unauthenticated
from server.observability import requests
from server.permissions import endpoint_roles
from server.principal import Principal
from server.services.access import scope_of
from server.settings import Settings

SCORE_SHEET = "/exports/appraisal-runs/{id}/score-sheet.xlsx"
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def refused(code: str, message: str, status: int, headers: dict[str, str]) -> Response:
    requests.answered_with(code)
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
        headers=headers,
    )


def download_headers(request: Request) -> dict[str, str]:
    """The headers of every download's answer: its request id (the caller's, if well
    formed), and no caching of what a token reads."""
    request_id = request.headers.get("x-request-id", "")
    if not REQUEST_ID.match(request_id):
        request_id = uuid.uuid4().hex
    return {"X-Request-ID": request_id, "Cache-Control": "no-store"}


async def caller(
    session: AsyncSession,
    request: Request,
    settings: Settings,
    endpoint: str,
    what: str,
    headers: dict[str, str],
) -> tuple[Principal, frozenset[Role]] | Response:
    """Who requests the download ``GET endpoint`` and the roles of its ``ENDPOINTS`` row,
    or the answer refusing them: 401 without a valid token (or claims the tenant does
    not hold), 403 without one of the roles (``what`` names the download)."""
    try:
        principal = principal_from_authorization(request.headers.get("authorization"), settings)
    except AuthenticationError as error:
        return unauthenticated(str(error), headers)
    resolved = await resolve_principal(session, principal)
    if isinstance(resolved, str):
        return unauthenticated(resolved, headers)
    allowed = endpoint_roles(f"GET {endpoint}")
    if resolved.roles.isdisjoint(allowed):
        needed = " or ".join(sorted(r.value for r in allowed)) or "no role"
        return refused("PERMISSION_DENIED", f"{what} needs the role {needed}", 403, headers)
    return resolved, allowed


class Exports:
    """The download endpoints of one application."""

    def __init__(self, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.settings = settings
        self.sessionmaker = sessionmaker

    async def score_sheet(self, request: Request) -> Response:
        """An appraisal run's score sheet (``server.exports.score_sheet``) as .xlsx."""
        headers = download_headers(request)
        async with self.sessionmaker() as session:
            admitted = await caller(
                session, request, self.settings, SCORE_SHEET, "the score sheet", headers
            )
            if isinstance(admitted, Response):
                return admitted
            resolved, allowed = admitted
            office = request.query_params.get("office") or None
            try:
                sheet = await read_score_sheet(
                    session, scope_of(resolved, allowed), request.path_params["id"], office
                )
            except NotFound as missing:
                return refused("NOT_FOUND", str(missing), 404, headers)
            except TooLarge as large:
                return refused("TOO_LARGE", str(large), 413, headers)
        body = await asyncio.to_thread(score_workbook, sheet)
        headers["Content-Disposition"] = sheet.content_disposition
        headers["X-Content-Type-Options"] = "nosniff"
        return Response(body, media_type=MEDIA_TYPE, headers=headers)
