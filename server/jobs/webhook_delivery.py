"""Webhook delivery: the outbox pushed to integrators' URLs, signed, retried, in cursor order.

Every event of the kinds an endpoint wants becomes a delivery row for that
endpoint, and :func:`run_webhook_worker` (started with the app) POSTs each one
until the receiver answers 2xx. Because deliveries are rows, a restart loses
nothing: the next pass goes on from the table. What is sent, and how it is
signed, is in :mod:`server.outbox.signing`; registering, rotating and resuming
endpoints are use cases in :mod:`server.services.webhooks`.

Order and retries
    Per endpoint only the oldest undelivered event is ever sent; the next one
    waits until it is delivered, so a receiver sees cursors in order. A failure
    (non-2xx, timeout, connection error) is retried after :func:`backoff`. After
    :data:`~server.services.webhooks.MAX_CONSECUTIVE_FAILURES` failed attempts in
    a row the endpoint is paused, with the reason, until the integrator resumes
    it; its events keep being recorded in the outbox and are delivered after the
    resume.

At least once
    An attempt is first claimed: its ``next_attempt_at`` is moved to the end of a
    lease (timeout plus :data:`LEASE_MARGIN`) in a committed compare-and-set.
    Another worker therefore skips the endpoint while the attempt is in flight,
    and if the process dies mid-request the lease runs out and the event is sent
    again. A receiver may thus see an event twice, never out of order before it
    acknowledged the earlier one; the cursor is the key to deduplicate on.

Where and what
    Requests go out through :func:`~server.jobs.webhook_transport.webhook_client`,
    which resolves the URL's host again for every connection and connects only to
    an address the policy of :mod:`server.services.webhook_addresses` allows; a
    refused address is a failed attempt like any other, and nothing is sent. A
    delivery keeps the receiver's status (``HTTP 500``; a redirect is ``HTTP 302``,
    never followed) or a short cause (``no answer within 10 s``, ``connection
    refused``, ``refused: address not allowed``), never the text of an answer.

Each step (claim, record) is its own short transaction, owned here. No
transaction stays open while a request is in flight: a slow receiver holds no
lock, and on SQLite it does not block the application's writers.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ssl
import uuid
from dataclasses import dataclass

import httpx
from sqlalchemy import insert, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.db import models
from server.domain import WebhookDeliveryStatus, WebhookStatus
from server.ids import uuid7
from server.jobs.webhook_transport import webhook_client
from server.log_redaction import app_logger
from server.outbox.signing import CURSOR_HEADER, SIGNATURE_HEADER, event_body, signature_header
from server.services.webhook_addresses import AddressPolicy, AddressRefused, HostUnresolved
from server.services.webhooks import MAX_CONSECUTIVE_FAILURES

log = app_logger("ruralcredit.webhooks")

USER_AGENT = "ruralcredit-webhooks/1"

#: The wait after the first failed attempt; it doubles after each further failure …
BACKOFF_BASE = dt.timedelta(seconds=2)
#: … up to this (reached after the 12th failure of the same event).
BACKOFF_CAP = dt.timedelta(hours=1)
#: Added to the request timeout to give the lease of an attempt in flight.
LEASE_MARGIN = dt.timedelta(seconds=30)
#: Events looked at per endpoint and pass when creating deliveries (cursors only).
ENQUEUE_BATCH = 500
#: Endpoints whose requests are in flight at the same time.
SEND_CONCURRENCY = 16


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed attempt of an event: 2 s, 4 s, 8 s … 1 h."""
    exponent = max(attempts - 1, 0)
    if exponent > 20:  # far past the cap; spares the multiplication
        return BACKOFF_CAP
    wait: dt.timedelta = BACKOFF_BASE * (1 << exponent)
    return min(wait, BACKOFF_CAP)


@dataclass(frozen=True)
class _Attempt:
    """A claimed delivery, with everything its request needs (no session held)."""

    tenant_id: str
    endpoint_id: uuid.UUID
    delivery_id: uuid.UUID
    cursor: int
    url: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class _Outcome:
    delivered: bool
    status_code: int | None
    error: str | None


def _transport_failure(error: httpx.HTTPError) -> str:
    """A failed request's cause in a few fixed words: no text of the answer or of the
    operating system's message (which can name internal hosts) is kept."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, ssl.SSLError):
            return "TLS handshake failed"
        cause = cause.__cause__ or cause.__context__
    if isinstance(error, httpx.ConnectError):
        return "connection failed"
    if isinstance(error, httpx.RemoteProtocolError):
        return "not an HTTP answer"
    if isinstance(error, httpx.NetworkError):
        return "connection broken"
    return f"request failed ({type(error).__name__})"


async def _active_endpoints(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> list[tuple[str, uuid.UUID]]:
    e = models.WebhookEndpoint
    async with sessionmaker() as session, session.begin():
        rows = await session.execute(
            select(e.tenant_id, e.id)
            .where(e.status == WebhookStatus.ACTIVE)
            .order_by(e.tenant_id, e.id)
        )
        return [(r.tenant_id, r.id) for r in rows]


async def _enqueue(
    session: AsyncSession, endpoint: models.WebhookEndpoint, at: dt.datetime
) -> None:
    """Create the deliveries of the events after ``enqueued_through`` that it wants.

    Events of other kinds advance the mark too, so they are looked at once. The mark
    moves by compare-and-set: of two workers, one creates the rows, the other none.
    Cursors become visible in order (see ``EventCounter``), so nothing behind the
    mark can appear later.
    """
    e, d, w = models.Event, models.WebhookDelivery, models.WebhookEndpoint
    through = endpoint.enqueued_through
    events = (
        await session.execute(
            select(e.cursor, e.kind)
            .where(e.tenant_id == endpoint.tenant_id, e.cursor > through)
            .order_by(e.cursor)
            .limit(ENQUEUE_BATCH)
        )
    ).all()
    if not events:
        return
    advanced = await session.execute(
        update(w)
        .where(
            w.tenant_id == endpoint.tenant_id,
            w.id == endpoint.id,
            w.enqueued_through == through,
        )
        .values(enqueued_through=events[-1].cursor)
        .returning(w.id)
        .execution_options(synchronize_session=False)
    )
    if advanced.scalar_one_or_none() is None:
        return
    wanted = set(endpoint.kinds)
    rows = [
        {
            "tenant_id": endpoint.tenant_id,
            "id": uuid7(),
            "endpoint_id": endpoint.id,
            "cursor": ev.cursor,
            "status": WebhookDeliveryStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": at,
        }
        for ev in events
        if ev.kind in wanted
    ]
    if rows:
        await session.execute(insert(d), rows)


async def _claim(
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_id: str,
    endpoint_id: uuid.UUID,
    at: dt.datetime,
    lease: dt.timedelta,
) -> _Attempt | None:
    """Enqueue new events, then claim the endpoint's oldest undelivered one if it is due."""
    d = models.WebhookDelivery
    async with sessionmaker() as session, session.begin():
        endpoint = await session.get(models.WebhookEndpoint, (tenant_id, endpoint_id))
        if endpoint is None or endpoint.status != WebhookStatus.ACTIVE:
            return None
        await _enqueue(session, endpoint, at)
        oldest = (
            await session.execute(
                select(d.id, (d.next_attempt_at <= at).label("due"))
                .where(
                    d.tenant_id == tenant_id,
                    d.endpoint_id == endpoint_id,
                    d.status == WebhookDeliveryStatus.PENDING,
                )
                .order_by(d.cursor)
                .limit(1)
            )
        ).one_or_none()
        if oldest is None or not oldest.due:
            return None  # an idle pass writes nothing
        # Compare-and-set: of two workers that read the same row, one claims it.
        claimed = await session.execute(
            update(d)
            .where(
                d.tenant_id == tenant_id,
                d.id == oldest.id,
                d.status == WebhookDeliveryStatus.PENDING,
                d.next_attempt_at <= at,
            )
            .values(next_attempt_at=at + lease)
            .returning(d.cursor)
            .execution_options(synchronize_session=False)
        )
        cursor = claimed.scalar_one_or_none()
        if cursor is None:
            return None  # claimed by another worker meanwhile
        payload = await session.scalar(
            select(models.Event.payload).where(
                models.Event.tenant_id == tenant_id, models.Event.cursor == cursor
            )
        )
        body = event_body(payload or {})
        timestamp = int(at.timestamp())
        return _Attempt(
            tenant_id=tenant_id,
            endpoint_id=endpoint_id,
            delivery_id=oldest.id,
            cursor=cursor,
            url=endpoint.url,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": USER_AGENT,
                SIGNATURE_HEADER: signature_header(endpoint.secret, timestamp, body),
                CURSOR_HEADER: str(cursor),
            },
            body=body,
        )


async def _send(client: httpx.AsyncClient, attempt: _Attempt, request_timeout: float) -> _Outcome:
    """POST one delivery; every failure becomes an outcome, never an exception.

    The answer's body is never read: only its status is kept.
    """
    try:
        async with (
            asyncio.timeout(request_timeout),
            client.stream(
                "POST",
                attempt.url,
                content=attempt.body,
                headers=attempt.headers,
                timeout=request_timeout,
                follow_redirects=False,  # a redirect is the receiver's error, not a new target
            ) as response,
        ):
            if response.is_success:
                return _Outcome(True, response.status_code, None)
            return _Outcome(False, response.status_code, f"HTTP {response.status_code}")
    except AddressRefused:
        return _Outcome(False, None, "refused: address not allowed")
    except HostUnresolved:
        return _Outcome(False, None, "host not found")
    except (TimeoutError, httpx.TimeoutException):
        return _Outcome(False, None, f"no answer within {request_timeout:g} s")
    except httpx.HTTPError as error:
        return _Outcome(False, None, _transport_failure(error))
    except Exception as error:  # e.g. a URL httpx cannot use; one endpoint must not stop others
        log.warning("webhook %s: request failed", attempt.endpoint_id, exc_info=True)
        return _Outcome(False, None, f"request failed ({type(error).__name__})")


async def _record(
    sessionmaker: async_sessionmaker[AsyncSession],
    attempt: _Attempt,
    outcome: _Outcome,
    at: dt.datetime,
) -> None:
    """Write an attempt's outcome; a failure schedules the retry or pauses the endpoint."""
    async with sessionmaker() as session, session.begin():
        # The endpoint first, then the delivery: the order every writer here locks in.
        endpoint = await session.get(
            models.WebhookEndpoint, (attempt.tenant_id, attempt.endpoint_id), with_for_update=True
        )
        delivery = await session.get(
            models.WebhookDelivery, (attempt.tenant_id, attempt.delivery_id), with_for_update=True
        )
        if endpoint is None or delivery is None:
            return
        if delivery.status != WebhookDeliveryStatus.PENDING:
            return  # recorded by another worker whose lease this one outlived
        delivery.attempts += 1
        delivery.last_status_code = outcome.status_code
        delivery.last_error = outcome.error
        if outcome.delivered:
            delivery.status = WebhookDeliveryStatus.DELIVERED
            delivery.delivered_at = at
            endpoint.consecutive_failures = 0
            return
        delivery.next_attempt_at = at + backoff(delivery.attempts)
        endpoint.consecutive_failures += 1
        log.info(
            "webhook %s: event %s failed (attempt %s): %s",
            endpoint.id,
            attempt.cursor,
            delivery.attempts,
            outcome.error,
        )
        if (
            endpoint.status == WebhookStatus.ACTIVE
            and endpoint.consecutive_failures >= MAX_CONSECUTIVE_FAILURES
        ):
            endpoint.status = WebhookStatus.PAUSED
            endpoint.paused_reason = (
                f"paused after {endpoint.consecutive_failures} failed attempts in a row; "
                f"the last, of event {attempt.cursor}: {outcome.error}"
            )
            log.warning(
                "webhook %s of %s paused: %s", endpoint.id, endpoint.tenant_id, outcome.error
            )


def _busy(endpoint_id: uuid.UUID, tenant_id: str, error: OperationalError) -> None:
    """A locked (SQLite: another writer) or unreachable database: the next pass retries."""
    log.warning(
        "webhook %s of %s: database busy or unreachable: %s", endpoint_id, tenant_id, error.orig
    )


async def deliver_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    client: httpx.AsyncClient,
    now: dt.datetime | None = None,
    timeout: float = 10.0,  # noqa: ASYNC109 - bounds each request, not this pass
) -> int:
    """One pass over the active endpoints: each sends its oldest undelivered event if due.

    ``client`` sends the requests: a :func:`~server.jobs.webhook_transport.webhook_client`,
    which checks every address it connects to. ``now`` fixes the clock (tests); by
    default each step reads the time. ``timeout`` bounds a whole request. Endpoints are
    handled in groups whose requests run concurrently; an error with one endpoint is
    logged and the others go on.
    Returns how many deliveries succeeded.
    """
    lease = dt.timedelta(seconds=timeout) + LEASE_MARGIN
    delivered = 0
    endpoints = await _active_endpoints(sessionmaker)
    for start in range(0, len(endpoints), SEND_CONCURRENCY):
        attempts: list[_Attempt] = []
        for tenant_id, endpoint_id in endpoints[start : start + SEND_CONCURRENCY]:
            try:
                claimed = await _claim(
                    sessionmaker, tenant_id, endpoint_id, now or models.now(), lease
                )
            except OperationalError as error:
                _busy(endpoint_id, tenant_id, error)
                continue
            except Exception:
                log.exception("webhook %s of %s: could not prepare", endpoint_id, tenant_id)
                continue
            if claimed is not None:
                attempts.append(claimed)
        outcomes = await asyncio.gather(*(_send(client, a, timeout) for a in attempts))
        for attempt, outcome in zip(attempts, outcomes, strict=True):
            try:
                await _record(sessionmaker, attempt, outcome, now or models.now())
            except OperationalError as error:
                _busy(attempt.endpoint_id, attempt.tenant_id, error)
                continue
            except Exception:
                # The lease runs out and the event is sent again: at least once.
                log.exception(
                    "webhook %s of %s: could not record event %s",
                    attempt.endpoint_id,
                    attempt.tenant_id,
                    attempt.cursor,
                )
                continue
            delivered += outcome.delivered
    return delivered


async def run_webhook_worker(
    sessionmaker: async_sessionmaker[AsyncSession],
    stop: asyncio.Event,
    *,
    addresses: AddressPolicy,
    poll_seconds: float = 1.0,
    request_timeout: float = 10.0,
) -> None:
    """Deliver until ``stop`` is set: at once again while passes deliver (a backlog),
    otherwise every ``poll_seconds``. A failing pass is logged and tried again.
    Requests go only to hosts ``addresses`` allows, checked at every connection."""
    async with webhook_client(addresses) as http:
        while not stop.is_set():
            delivered = 0
            try:
                delivered = await deliver_due(sessionmaker, client=http, timeout=request_timeout)
            except Exception:
                log.exception("webhook delivery pass failed; next try in %s s", poll_seconds)
            if delivered:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), poll_seconds)
