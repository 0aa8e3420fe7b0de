"""Prometheus metrics of one application, served at ``GET /metrics``.

Each :class:`Metrics` has a registry of its own (two applications in one process, as in
the tests, do not share counters). Labels never carry tenant or personal data: an
operation's name (bounded, :func:`operation_label`), an outcome (``ok`` or an error
code), a status. Gauges of the database (webhook backlog, appraisal runs by status, the
pool) are read when the metrics are scraped, by two grouped counts.

Who may scrape: with ``RURALCREDIT_METRICS_TOKEN`` set, whoever sends it as a bearer
token; without it, clients on loopback only (:func:`may_scrape`).
"""

from __future__ import annotations

import hmac
import ipaddress
import re
from typing import Any, Protocol

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import Pool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.db import models
from server.domain import RunStatus, WebhookDeliveryStatus

CONTENT_TYPE = CONTENT_TYPE_LATEST
OPERATION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MAX_OPERATION_NAMES = 200
"""Distinct operation names labelled; names seen after these are counted as ``other``."""
OTHER = "other"
ANONYMOUS = "anonymous"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Seconds; the last bucket is the default request time limit."""


class Listeners(Protocol):
    def open_listeners(self) -> int: ...


class Metrics:
    """The counters and gauges of one application."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._names: set[str] = set()
        self.requests = Counter(
            "ruralcredit_graphql_requests",
            "GraphQL requests over HTTP by operation name and outcome (ok or an error code)",
            ("operation", "outcome"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "ruralcredit_graphql_request_duration_seconds",
            "Time to answer a GraphQL request over HTTP, by operation name",
            ("operation",),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "ruralcredit_graphql_errors",
            "Errors in GraphQL answers by code (a request may carry several)",
            ("code",),
            registry=self.registry,
        )
        self.subscriptions = Gauge(
            "ruralcredit_subscriptions_open",
            "Subscriptions open on this process",
            registry=self.registry,
        )
        self.pool_in_use = Gauge(
            "ruralcredit_db_pool_connections_in_use",
            "Database connections checked out of this process's pool",
            registry=self.registry,
        )
        self.webhook_backlog = Gauge(
            "ruralcredit_webhook_deliveries_pending",
            "Webhook deliveries not yet delivered (all tenants)",
            registry=self.registry,
        )
        self.appraisal_runs = Gauge(
            "ruralcredit_appraisal_runs",
            "Appraisal runs by status (all tenants)",
            ("status",),
            registry=self.registry,
        )

    def operation_label(self, name: str | None) -> str:
        """``name`` if it is a plain GraphQL name of at most 64 characters and one of the
        first ``MAX_OPERATION_NAMES`` seen; ``anonymous`` for none; else ``other``."""
        if not name:
            return ANONYMOUS
        if not OPERATION_NAME.match(name):
            return OTHER
        if name not in self._names:
            if len(self._names) >= MAX_OPERATION_NAMES:
                return OTHER
            self._names.add(name)
        return name

    def observe_request(self, operation: str, codes: list[str], seconds: float) -> None:
        """One answered request; ``codes`` are the error codes of its answer (none: ok)."""
        self.requests.labels(operation, codes[0] if codes else "ok").inc()
        self.latency.labels(operation).observe(seconds)
        for code in codes:
            self.errors.labels(code).inc()

    async def scrape(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        pool: Pool | None,
        hub: Listeners,
    ) -> bytes:
        """The text exposition, the database gauges read now."""
        self.subscriptions.set(hub.open_listeners())
        checked_out = getattr(pool, "checkedout", None)
        if callable(checked_out):
            self.pool_in_use.set(checked_out())
        async with sessionmaker() as session:
            d = models.WebhookDelivery
            pending = await session.scalar(
                select(func.count()).select_from(d).where(d.status == WebhookDeliveryStatus.PENDING)
            )
            r = models.AppraisalRun
            rows = (await session.execute(select(r.status, func.count()).group_by(r.status))).all()
        self.webhook_backlog.set(pending or 0)
        counts = {status: count for status, count in rows}
        for status in RunStatus:
            self.appraisal_runs.labels(status.value).set(counts.get(status, 0))
        return generate_latest(self.registry)


def may_scrape(authorization: str | None, client_host: str | None, token: str | None) -> bool:
    """With a token configured, the request must carry it (``Bearer <token>``); without
    one, only a client on loopback may scrape."""
    if token:
        scheme, _, given = (authorization or "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)
    try:
        return client_host is not None and ipaddress.ip_address(client_host).is_loopback
    except ValueError:
        return False


def pool_of(bind: Any) -> Pool | None:
    """The connection pool behind a session maker's bind (an engine or a connection)."""
    if isinstance(bind, AsyncConnection):
        bind = bind.engine
    return bind.pool if isinstance(bind, AsyncEngine) else None


async def metrics_response(
    request: Request,
    metrics: Metrics,
    token: str | None,
    sessionmaker: async_sessionmaker[AsyncSession],
    bind: Any,
    hub: Listeners,
) -> Response:
    """``GET /metrics``: the exposition, or 401/403 to a client that may not scrape."""
    client = request.client.host if request.client else None
    if not may_scrape(request.headers.get("authorization"), client, token):
        if token:
            return JSONResponse(
                {"error": "send the metrics token as a bearer token"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return JSONResponse(
            {"error": "metrics are served to loopback only (or set RURALCREDIT_METRICS_TOKEN)"},
            status_code=403,
        )
    body = await metrics.scrape(sessionmaker, pool_of(bind), hub)
    return Response(body, media_type=CONTENT_TYPE)
