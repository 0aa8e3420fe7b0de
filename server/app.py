"""The ASGI application: ``create_app(settings)``.

``POST /graphql`` authenticates the bearer token (401 with no data when it is
missing or bad), runs the operation in one transaction confined to the token's
tenant, and commits unless something unexpected failed; then it rolls back and
writes the request's audit rows in a transaction of their own. A request running past
``settings.request_timeout_seconds``, or a statement past PostgreSQL's
``statement_timeout``, is stopped and rolled back (the error code ``TIMEOUT``), its audit
rows kept likewise. ``GET /graphql`` serves GraphiQL (``server.graphiql``), which loads
every file from this server (``/graphiql/static/``); a WebSocket to ``/graphql`` speaks
``graphql-transport-ws`` for subscriptions only (``server.graphql.events.subscriptions``).
``GET /healthz`` checks the database (liveness); ``GET /readyz`` answers 200 only when the
database is reachable and its migrations are at the code's head, else 503 with the reason.
``GET /metrics`` serves Prometheus metrics (``server.observability.metrics``) to loopback
clients, or to the holder of ``RURALCREDIT_METRICS_TOKEN``. Each GraphQL POST is counted
and timed there, and logged in one line (``server.observability.logs.log_request``).

A run that loses a deadlock or a serialisation conflict on PostgreSQL (SQLSTATE
``40P01``/``40001``) is rolled back whole and the request runs again from the start
in a fresh transaction, with a fresh context and audit trail, at most
``server.db.retry.ATTEMPTS`` times in all after a short random back-off; each retry is
logged as a warning; after the last the error stands (``INTERNAL_ERROR``).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from strawberry.schema.exceptions import CannotGetOperationTypeError

from server import clock
from server.auth import principal_from_authorization
from server.db import retry
from server.db.engine import (
    SQLITE_IMMEDIATE,
    create_engine,
    create_sessionmaker,
    is_statement_timeout,
)
from server.db.queries.tenants import resolve_principal
from server.db.writer_queue import WriterQueue
from server.errors import AuthenticationError
from server.exports.report_routes import ReportExports
from server.exports.routes import SCORE_SHEET, Exports
from server.exports.templates import TEMPLATES, Templates
from server.graphiql import graphiql_page, static_app
from server.graphql.context import Context
from server.graphql.errors import is_unexpected, present_error
from server.graphql.events.subscriptions import SubscriptionEndpoint
from server.graphql.limits import QueryLimits
from server.graphql.schema import Schema, build_schema
from server.http_answers import (
    bad_request,
    bounded_body,
    database_busy,
    internal_error,
    is_sqlite_busy,
    timed_out,
    unauthenticated,
)
from server.jobs.backends import InlineJobs, JobBackend
from server.jobs.webhook_delivery import run_webhook_worker
from server.log_redaction import app_logger
from server.observability import requests
from server.observability.metrics import Metrics, metrics_response
from server.observability.readiness import migration_heads, readiness
from server.outbox.hub import EventHub
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.request_ending import after_commit, is_mutation, keep_audit, roll_back
from server.services.webhook_addresses import AddressPolicy, Resolver, system_resolver
from server.settings import Settings
from server.uploads import multipart

log = app_logger("ruralcredit.http")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
FULL_COLLECTION_EVERY = 1000
"""Collections of the middle generation before a full one (Python's default: 10). A full
collection walks every live object: while a page of 10,000 items is being built it takes
0.2–0.3 s, and no other request (nor ``/healthz``) is answered meanwhile; by default one
comes at every quarter of growth of the heap, five times during such a page. Garbage
without cycles is freed at once, as always; cyclic garbage that outlives the young
generations waits longer for a full collection."""


@dataclass(frozen=True)
class _Transient:
    """A run of a request that lost a deadlock or serialisation conflict (rolled back)."""

    sqlstate: str


class App:
    """What one running application holds: settings, engine, schema, plugins."""

    def __init__(
        self,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession] | None = None,
        registry: PolicyRegistry | None = None,
        webhook_resolver: Resolver | None = None,
    ) -> None:
        self.settings = settings
        self.webhook_addresses = AddressPolicy(
            settings.webhook_allowed_networks, webhook_resolver or system_resolver
        )
        self.engine: AsyncEngine | None = None
        if sessionmaker is None:
            self.engine = create_engine(
                settings, statement_timeout_ms=settings.statement_timeout_ms
            )
            sessionmaker = create_sessionmaker(self.engine)
        self.sessionmaker = sessionmaker
        self.registry = registry or PolicyRegistry()
        tracing: tuple[list[Any], list[Middleware]] = ([], [])
        if settings.otel_enabled:
            from server.observability import tracing as otel

            tracing = otel.install(self.engine or sessionmaker.kw.get("bind"))
        self.traced_operations, self.traced_requests = tracing
        self.schema: Schema = build_schema(
            QueryLimits.from_settings(settings), self.traced_operations
        )
        self.hub = EventHub()
        self.writers = (
            WriterQueue(settings.sqlite_busy_timeout_ms / 1000) if settings.is_sqlite else None
        )
        self.jobs: JobBackend = _job_backend(settings, self.sessionmaker, self.registry)
        self.subscriptions = SubscriptionEndpoint(
            self.schema, settings, self.sessionmaker, self.hub
        )
        self.metrics = Metrics()
        self.migration_heads = migration_heads()

    async def graphql(self, request: Request) -> Response:
        if request.method == "GET":
            return await self._graphql(request)
        return await requests.observed(self.metrics, self._graphql(request))

    async def _graphql(self, request: Request) -> Response:
        request_id = request.headers.get("x-request-id", "")
        if not REQUEST_ID.match(request_id):
            request_id = uuid.uuid4().hex
        headers = {"X-Request-ID": request_id}
        if request.method == "GET":
            return graphiql_page(headers)
        current = requests.current()
        current.request_id = request_id
        try:
            principal = principal_from_authorization(
                request.headers.get("authorization"), self.settings
            )
        except AuthenticationError as error:
            return unauthenticated(str(error), headers)
        current.tenant = principal.tenant_id
        media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if multipart.is_multipart(media_type):
            read = await multipart.read_operation(request, self.settings.upload_max_bytes)
            if isinstance(read, multipart.Refused):
                return read.response(headers)
            payload = read
        elif media_type != "application/json":
            # A browser sends text/plain or a form across origins without asking first.
            return bad_request("send the request as application/json", headers, status=415)
        else:
            body = await bounded_body(request)
            if body is None:
                return bad_request("request body too large", headers, status=413)
            try:
                payload = json.loads(body)
            except ValueError:
                return bad_request("request body is not JSON", headers)
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return bad_request("expected a JSON object with a 'query' string", headers)
        variables = payload.get("variables")
        if variables is not None and not isinstance(variables, dict):
            return bad_request("'variables' must be a JSON object", headers)
        operation_name = payload.get("operationName")
        current.operation = requests.operation_name(payload["query"], operation_name)
        if multipart.is_multipart(media_type) and not is_mutation(
            payload["query"], operation_name, self.settings.max_query_tokens
        ):
            return bad_request("a multipart request carries a mutation", headers)

        attempt = 1
        while True:
            last = attempt >= retry.ATTEMPTS
            try:
                outcome = await self._run(
                    principal, payload, variables, operation_name, request_id, headers, last
                )
            except CannotGetOperationTypeError:
                return bad_request(f"operationName {operation_name!r} names no operation", headers)
            except Exception:
                # Never a bare 500: the client gets the request id, the log the cause.
                log.exception("request %s failed unexpectedly", request_id)
                return internal_error(request_id, headers)
            if not isinstance(outcome, _Transient):
                return outcome
            log.warning(
                "request %s: SQLSTATE %s, the request runs again in a new transaction "
                "(attempt %d of %d)",
                request_id,
                outcome.sqlstate,
                attempt + 1,
                retry.ATTEMPTS,
            )
            await retry.back_off(attempt)
            attempt += 1

    async def _run(
        self,
        principal: Principal,
        payload: dict[str, Any],
        variables: dict[str, Any] | None,
        operation_name: object,
        request_id: str,
        headers: dict[str, str],
        last: bool,
    ) -> Response | _Transient:
        """One run of the request in its own transaction; on SQLite a mutation waits for
        its turn among the process's writers first (``server.db.writer_queue``)."""
        run = (principal, payload, variables, operation_name, request_id, headers, last)
        if not (
            self.writers is not None
            and is_mutation(payload["query"], operation_name, self.settings.max_query_tokens)
        ):
            return await self._run_once(*run, immediate=False)
        async with self.writers.turn() as granted:
            if not granted:
                log.warning("database busy; mutation refused (request %s)", request_id)
                return database_busy(headers)
            return await self._run_once(*run, immediate=True)

    async def _run_once(
        self,
        principal: Principal,
        payload: dict[str, Any],
        variables: dict[str, Any] | None,
        operation_name: object,
        request_id: str,
        headers: dict[str, str],
        last: bool,
        *,
        immediate: bool,
    ) -> Response | _Transient:
        """A run that lost a deadlock or a serialisation conflict is rolled back whole, its
        audit rows with it, and reported as ``_Transient`` unless it is the ``last``: then
        it ends as any unexpected error."""
        async with self.sessionmaker() as session:
            if immediate:
                try:
                    await session.connection(execution_options={SQLITE_IMMEDIATE: True})
                except OperationalError:
                    # Another writer held SQLite's one write lock past the busy timeout:
                    # nothing ran, so the client may simply send the mutation again.
                    log.warning("database busy; mutation refused (request %s)", request_id)
                    return database_busy(headers)
            try:
                resolved = await resolve_principal(session, principal)
            except OperationalError as error:
                if not (self.settings.is_sqlite and is_sqlite_busy(error)):
                    raise
                # The first read of a request found SQLite busy past the busy timeout (as
                # after a killed process, while the next one opens the database): nothing
                # ran yet, so this is the same answer as a busy write lock.
                log.warning("database busy; request refused (request %s)", request_id)
                return database_busy(headers)
            if isinstance(resolved, str):
                return unauthenticated(resolved, headers)
            principal = resolved
            context = Context(
                session=session,
                principal=principal,
                settings=self.settings,
                registry=self.registry,
                request_id=request_id,
                sessionmaker=self.sessionmaker,
                webhook_addresses=self.webhook_addresses,
                jobs=self.jobs,
            )
            limit = self.settings.request_timeout_seconds
            try:
                async with asyncio.timeout(limit):
                    result = await self.schema.execute(
                        payload["query"],
                        variable_values=variables,
                        context_value=context,
                        operation_name=operation_name if isinstance(operation_name, str) else None,
                    )
            except TimeoutError:
                await roll_back(session)
                await keep_audit(context, self.sessionmaker, self.settings.is_sqlite)
                log.warning("request %s stopped at the time limit (%s s)", request_id, limit)
                return timed_out(f"the request ran past the time limit of {limit:g} s", headers)
            errors = result.errors or []
            transient = next(
                (
                    state
                    for e in errors
                    if (state := retry.transient_sqlstate(e.original_error)) is not None
                ),
                None,
            )
            if transient is not None and not last:
                await roll_back(session)
                return _Transient(transient)
            if any(is_statement_timeout(e.original_error) for e in errors if e.original_error):
                # The database cancelled a statement: the transaction is lost as a whole.
                await roll_back(session)
                await keep_audit(context, self.sessionmaker, self.settings.is_sqlite)
                log.warning("request %s: a statement ran past statement_timeout", request_id)
                return timed_out(
                    "a database statement ran past the time limit "
                    f"of {self.settings.statement_timeout_ms} ms",
                    headers,
                )
            if any(is_unexpected(e) for e in errors):
                await session.rollback()
                # Nothing of the request stands but its audit rows (server.graphql.audit.trail).
                await context.audit.write_after_rollback(session)
            else:
                try:
                    await context.audit.write_unwritten(session)
                    await session.commit()
                except Exception as error:
                    await session.rollback()
                    state = retry.transient_sqlstate(error)
                    if state is not None and not last:
                        return _Transient(state)
                    await context.audit.write_after_rollback(session)
                    raise
                if self.settings.is_sqlite:
                    # Subscribers look at the outbox again; on PostgreSQL the transaction's
                    # NOTIFY reaches every process, this one included (see server.outbox.hub).
                    self.hub.notify(principal.tenant_id)
                await after_commit(context, request_id)
        response: dict[str, Any] = {}
        if errors:
            response["errors"] = [present_error(e, request_id) for e in errors]
            requests.answered_with(
                *(str((e.get("extensions") or {}).get("code", "ERROR")) for e in response["errors"])
            )
        if result.data is not None or not errors:
            response["data"] = result.data
        return JSONResponse(response, headers=headers)

    async def unexpected(self, request: Request, error: Exception) -> Response:
        """Whatever escapes a route (``/healthz`` with its database gone, a failure outside
        the GraphQL route's own guard): JSON with a request id, never a plain-text 500."""
        request_id = request.headers.get("x-request-id", "")
        if not REQUEST_ID.match(request_id):
            request_id = uuid.uuid4().hex
        log.error(
            "request %s to %s failed unexpectedly",
            request_id,
            request.url.path,
            exc_info=(type(error), error, error.__traceback__),
        )
        return internal_error(request_id, {"X-Request-ID": request_id})

    async def healthz(self, _: Request) -> Response:
        async with self.sessionmaker() as session:
            await session.execute(text("SELECT 1"))
        return JSONResponse({"status": "ok"})

    async def readyz(self, _: Request) -> Response:
        reason = await readiness(self.sessionmaker, self.migration_heads)
        if reason is not None:
            return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
        return JSONResponse({"status": "ok"})

    async def metrics_endpoint(self, request: Request) -> Response:
        bind = self.engine or self.sessionmaker.kw.get("bind")
        return await metrics_response(
            request, self.metrics, self.settings.metrics_token, self.sessionmaker, bind, self.hub
        )

    @contextlib.asynccontextmanager
    async def lifespan(self, _: Starlette) -> AsyncIterator[None]:
        _tune_collector()
        await self.hub.start(self.settings.database_url)
        await self.jobs.start()
        stop = asyncio.Event()
        webhooks = asyncio.create_task(
            run_webhook_worker(self.sessionmaker, stop, addresses=self.webhook_addresses)
        )
        try:
            yield
        finally:
            stop.set()
            await webhooks
            await self.jobs.close()
            await self.hub.close()
            if self.engine is not None:
                await self.engine.dispose()


def _job_backend(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], registry: PolicyRegistry
) -> JobBackend:
    """In the server process on SQLite or ``RURALCREDIT_JOBS=inline``, else the queue."""
    if settings.jobs_inline:
        return InlineJobs(sessionmaker, registry, settings)
    from server.jobs.queue import QueueJobs

    return QueueJobs(sessionmaker, registry, settings)


def _tune_collector() -> None:
    """Keep the objects of start-up (modules, the schema) out of every later collection,
    and full collections rare (``FULL_COLLECTION_EVERY``)."""
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)


def _browser_boundary(settings: Settings) -> list[Middleware]:
    """CORS for the allow-listed origins only; with none listed, no cross-origin answer."""
    if not settings.cors_origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID"],
            max_age=600,
        )
    ]


def create_app(
    settings: Settings | None = None,
    *,
    sessionmaker: async_sessionmaker[AsyncSession] | None = None,
    registry: PolicyRegistry | None = None,
    webhook_resolver: Resolver | None = None,
) -> Starlette:
    """The application; ``webhook_resolver`` replaces the system's name resolution for
    webhook hosts (tests give fixed answers)."""
    app = App(settings or Settings.from_env(), sessionmaker, registry, webhook_resolver)
    clock.configure(app.settings.business_timezone)
    starlette = Starlette(
        routes=[
            Route("/graphql", app.graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", app.subscriptions),
            Mount("/graphiql/static", app=static_app()),
            Route("/healthz", app.healthz, methods=["GET"]),
            Route("/readyz", app.readyz, methods=["GET"]),
            Route("/metrics", app.metrics_endpoint, methods=["GET"]),
            Route(
                SCORE_SHEET, Exports(app.settings, app.sessionmaker).score_sheet, methods=["GET"]
            ),
            *ReportExports(app.settings, app.sessionmaker).routes(),
            *Templates(app.settings, app.sessionmaker, app.registry).routes(TEMPLATES),
        ],
        lifespan=app.lifespan,
        middleware=[*app.traced_requests, *_browser_boundary(app.settings)],
        exception_handlers={Exception: app.unexpected},
    )
    starlette.state.ruralcredit = app
    return starlette
