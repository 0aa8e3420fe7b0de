"""Webhook delivery (the job): events POSTed to a real local receiver that checks each signature,
retried with backoff, in cursor order, at least once, across a restart; the address checked
again at delivery, no redirect followed, no answer kept.

The tests run on committed rows in a tenant of their own (the worker opens its own
transactions, as it does in the server) and remove them afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from server.db import models
from server.db.engine import create_engine
from server.domain import EventKind, Role, WebhookDeliveryStatus
from server.jobs import webhook_delivery
from server.jobs.webhook_delivery import backoff, deliver_due
from server.jobs.webhook_transport import webhook_client
from server.outbox import events, signing
from server.principal import Principal
from server.services import webhooks
from server.services.webhook_addresses import AddressPolicy
from server.settings import Settings
from tests.conftest import LOOPBACK_NETWORKS
from tests.webhook_receiver import FakeResolver, Receiver, verify

GRADE, CLASS = EventKind.GRADE_CHANGED, EventKind.CUSTOMER_CLASS_CHANGED

INTEGRATOR = frozenset({Role.INTEGRATOR})
LOOPBACK_ALLOWED = AddressPolicy(LOOPBACK_NETWORKS, FakeResolver())


def seconds(n: float) -> dt.timedelta:
    return dt.timedelta(seconds=n)


def utc(value: dt.datetime) -> dt.datetime:
    """SQLite gives times back without their zone; they are UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


@pytest.fixture
async def tenant(engine: AsyncEngine) -> AsyncIterator[str]:
    name = f"wh-{uuid.uuid4().hex[:8]}"
    async with engine.begin() as conn:
        await conn.execute(
            insert(models.Tenant).values(tenant_id=name, name="webhook test", province="p")
        )
    try:
        yield name
    finally:
        async with engine.begin() as conn:
            for model in (
                models.WebhookDelivery,
                models.WebhookEndpoint,
                models.Event,
                models.EventCounter,
                models.Tenant,
            ):
                await conn.execute(delete(model).where(model.tenant_id == name))


@pytest.fixture
def maker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def emit(
    maker: async_sessionmaker[AsyncSession], tenant: str, kind: EventKind = GRADE
) -> int:
    async with maker() as s, s.begin():
        await events.emit(s, tenant, kind, uuid.uuid4(), None, {"note": "晋级 to 一级"})
        # Reading the events table writes the waiting event: its cursor is the latest.
        return await events.latest_cursor(s, tenant)


async def register(
    maker: async_sessionmaker[AsyncSession],
    tenant: str,
    url: str,
    kinds: list[str] | None = None,
    addresses: AddressPolicy = LOOPBACK_ALLOWED,
) -> tuple[uuid.UUID, str]:
    async with maker() as s, s.begin():
        integrator = Principal(tenant, "integrator-1", INTEGRATOR)
        row, secret = await webhooks.register_webhook(
            s, integrator, url=url, kinds=kinds, addresses=addresses
        )
        return row.id, secret


async def deliveries(
    maker: async_sessionmaker[AsyncSession], tenant: str, endpoint_id: uuid.UUID
) -> list[models.WebhookDelivery]:
    async with maker() as s:
        rows = await s.execute(
            select(models.WebhookDelivery)
            .where(
                models.WebhookDelivery.tenant_id == tenant,
                models.WebhookDelivery.endpoint_id == endpoint_id,
            )
            .order_by(models.WebhookDelivery.cursor)
        )
        return list(rows.scalars())


async def endpoint(
    maker: async_sessionmaker[AsyncSession], tenant: str, endpoint_id: uuid.UUID
) -> models.WebhookEndpoint:
    async with maker() as s:
        row = await s.get(models.WebhookEndpoint, (tenant, endpoint_id))
        assert row is not None
        return row


async def payload(maker: async_sessionmaker[AsyncSession], tenant: str, cursor: int) -> Any:
    async with maker() as s:
        return await s.scalar(
            select(models.Event.payload).where(
                models.Event.tenant_id == tenant, models.Event.cursor == cursor
            )
        )


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 11)] == [2, 4, 8, 2048]
    assert backoff(12) == backoff(13) == backoff(10_000) == dt.timedelta(hours=1)
    assert backoff(0) == seconds(2)


async def test_retries_deliver_every_event_once_in_cursor_order(
    maker: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: Receiver,
    http_client: httpx.AsyncClient,
) -> None:
    earlier = await emit(maker, tenant)
    endpoint_id, secret = await register(maker, tenant, receiver.url)
    receiver.secret = secret
    cursors = [await emit(maker, tenant, kind) for kind in (GRADE, CLASS, GRADE)]
    receiver.plan = [500, 500]
    t0 = models.now()

    assert await deliver_due(maker, client=http_client, now=t0) == 0
    assert await deliver_due(maker, client=http_client, now=t0 + seconds(1.9)) == 0  # not yet due
    assert len(receiver.requests) == 1
    assert await deliver_due(maker, client=http_client, now=t0 + seconds(2)) == 0
    assert len(receiver.requests) == 2
    first, *rest = await deliveries(maker, tenant, endpoint_id)
    assert (first.cursor, first.attempts, first.last_status_code) == (cursors[0], 2, 500)
    assert first.last_error == "HTTP 500"  # the receiver's answer is not kept
    assert utc(first.next_attempt_at) == t0 + seconds(2 + 4)
    assert [(d.cursor, d.attempts) for d in rest] == [(cursors[1], 0), (cursors[2], 0)]
    assert (await endpoint(maker, tenant, endpoint_id)).consecutive_failures == 2

    # The later events wait behind the first: never cursor N+1 before N is delivered.
    assert await deliver_due(maker, client=http_client, now=t0 + seconds(5.9)) == 0
    assert len(receiver.requests) == 2
    for _ in cursors:
        assert await deliver_due(maker, client=http_client, now=t0 + seconds(6)) == 1
    assert await deliver_due(maker, client=http_client, now=t0 + dt.timedelta(days=1)) == 0

    assert [r.cursor for r in receiver.requests] == [cursors[0], cursors[0], *cursors]
    assert all(r.verified for r in receiver.requests)
    assert [r.cursor for r in receiver.accepted] == cursors  # each exactly once, in order
    assert earlier not in [r.cursor for r in receiver.requests]  # before registration
    for request in receiver.accepted:
        stored = await payload(maker, tenant, request.cursor)
        assert request.body == signing.event_body(stored)
        assert json.loads(request.body)["cursor"] == str(request.cursor)
        assert "晋级".encode() in request.body  # UTF-8, not \\u escapes
        assert request.headers["content-type"].startswith("application/json")
        signed_at = int(request.headers["x-ruralcredit-signature"].split(",")[0][2:])
        assert signed_at == int((t0 + seconds(6)).timestamp())
    rows = await deliveries(maker, tenant, endpoint_id)
    assert [(d.status, d.attempts) for d in rows] == [
        (WebhookDeliveryStatus.DELIVERED, 3),
        (WebhookDeliveryStatus.DELIVERED, 1),
        (WebhookDeliveryStatus.DELIVERED, 1),
    ]
    assert all(d.last_status_code == 200 and d.last_error is None for d in rows)
    assert [d.delivered_at and utc(d.delivered_at) for d in rows] == [t0 + seconds(6)] * 3
    hook = await endpoint(maker, tenant, endpoint_id)
    assert (hook.consecutive_failures, hook.enqueued_through) == (0, cursors[-1])


async def test_an_endpoint_gets_the_kinds_it_asked_for(
    maker: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: Receiver,
    http_client: httpx.AsyncClient,
) -> None:
    every_id, secret = await register(maker, tenant, receiver.url + "?all")
    class_id, class_secret = await register(maker, tenant, receiver.url + "?class", [CLASS.value])
    assert class_secret != secret
    cursors = [await emit(maker, tenant, kind) for kind in (GRADE, CLASS, GRADE, CLASS)]
    receiver.secret = secret
    now = models.now()
    for _ in range(4):
        await deliver_due(maker, client=http_client, now=now)
    assert [d.cursor for d in await deliveries(maker, tenant, every_id)] == cursors
    assert [d.cursor for d in await deliveries(maker, tenant, class_id)] == cursors[1::2]
    # Each endpoint signs with its own secret; this receiver knows only the first.
    assert [(r.target, r.cursor) for r in receiver.accepted] == [
        ("/hooks/rc?all", c) for c in cursors
    ]
    [refused] = [r for r in receiver.requests if not r.verified]
    assert (refused.target, refused.cursor, refused.status) == ("/hooks/rc?class", cursors[1], 401)
    assert verify(class_secret, refused.headers, refused.body)
    receiver.secrets.append(class_secret)
    assert await deliver_due(maker, client=http_client, now=now + seconds(2)) == 1
    assert await deliver_due(maker, client=http_client, now=now + seconds(2)) == 1
    assert [r.cursor for r in receiver.accepted if r.target.endswith("class")] == cursors[1::2]
    assert (await endpoint(maker, tenant, class_id)).enqueued_through == cursors[-1]


async def test_timeouts_and_unreachable_receivers_are_failures(
    maker: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: Receiver,
    http_client: httpx.AsyncClient,
) -> None:
    hanging_id, secret = await register(maker, tenant, receiver.url)
    receiver.secret = secret
    unreachable_id, _ = await register(maker, tenant, "http://127.0.0.1:1/nobody-listens")
    cursor = await emit(maker, tenant)
    receiver.plan = ["hang"]
    t0 = models.now()

    assert await deliver_due(maker, client=http_client, now=t0, timeout=0.3) == 0
    [timed_out] = await deliveries(maker, tenant, hanging_id)
    assert (timed_out.attempts, timed_out.last_status_code) == (1, None)
    assert timed_out.last_error == "no answer within 0.3 s"
    assert utc(timed_out.next_attempt_at) == t0 + seconds(2)
    [refused] = await deliveries(maker, tenant, unreachable_id)
    assert (refused.attempts, refused.last_error) == (1, "connection refused")
    assert (await endpoint(maker, tenant, unreachable_id)).consecutive_failures == 1

    assert await deliver_due(maker, client=http_client, now=t0 + seconds(2), timeout=0.3) == 1
    assert [(r.cursor, r.status) for r in receiver.requests] == [(cursor, None), (cursor, 200)]
    [done] = await deliveries(maker, tenant, hanging_id)
    assert (done.status, done.attempts) == (WebhookDeliveryStatus.DELIVERED, 2)


async def test_deliveries_are_rows_a_restart_goes_on_from(
    maker: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: Receiver,
    http_client: httpx.AsyncClient,
    settings: Settings,
) -> None:
    endpoint_id, secret = await register(maker, tenant, receiver.url)
    receiver.secret = secret
    cursors = [await emit(maker, tenant) for _ in range(3)]
    receiver.plan = [200, 500, 200, "hang"]
    t0 = models.now()
    assert await deliver_due(maker, client=http_client, now=t0) == 1
    assert await deliver_due(maker, client=http_client, now=t0) == 0  # the second fails

    async def restarted(
        work: Callable[[async_sessionmaker[AsyncSession]], Awaitable[None]],
    ) -> None:
        """Run ``work`` as a new process would: its own engine, nothing kept in memory."""
        engine = create_engine(settings)
        try:
            await work(async_sessionmaker(engine, expire_on_commit=False))
        finally:
            await engine.dispose()

    async def retry_then_die(fresh: async_sessionmaker[AsyncSession]) -> None:
        assert (
            await deliver_due(fresh, client=http_client, now=t0 + seconds(1)) == 0
        )  # backoff kept
        assert await deliver_due(fresh, client=http_client, now=t0 + seconds(2)) == 1
        # The process dies while the third event is in flight.
        in_flight = asyncio.create_task(
            deliver_due(fresh, client=http_client, now=t0 + seconds(3), timeout=60)
        )
        await asyncio.wait_for(receiver.hanging.wait(), 5)
        in_flight.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await in_flight

    async def after_the_lease(fresh: async_sessionmaker[AsyncSession]) -> None:
        # Leased while in flight: not sent again until the lease (60 s + margin) ends.
        lease_end = t0 + seconds(3 + 60) + webhook_delivery.LEASE_MARGIN
        assert await deliver_due(fresh, client=http_client, now=lease_end - seconds(1)) == 0
        assert len(receiver.requests) == 4
        assert await deliver_due(fresh, client=http_client, now=lease_end) == 1
        assert await deliver_due(fresh, client=http_client, now=lease_end) == 0

    await restarted(retry_then_die)
    await restarted(after_the_lease)

    expected = [cursors[0], cursors[1], cursors[1], cursors[2], cursors[2]]
    assert [r.cursor for r in receiver.requests] == expected
    assert [r.cursor for r in receiver.accepted] == cursors
    rows = await deliveries(maker, tenant, endpoint_id)
    assert all(d.status == WebhookDeliveryStatus.DELIVERED for d in rows)
    # An attempt that never came back is not counted; the event was sent again (at least once).
    assert [d.attempts for d in rows] == [1, 2, 1]


async def test_concurrent_workers_keep_order_and_send_nothing_twice(
    maker: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: Receiver,
    http_client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Three passes at once, as three server processes would run them: one creates the
    deliveries and one claims each attempt (on SQLite the others find the database
    locked and leave it to the next pass)."""
    endpoint_id, secret = await register(maker, tenant, receiver.url)
    receiver.secret = secret
    receiver.delay = 0.05
    cursors = [await emit(maker, tenant, kind) for kind in (GRADE, CLASS) * 3]
    now = models.now()
    with caplog.at_level(logging.WARNING, logger="ruralcredit.webhooks"):
        for _ in range(30):
            await asyncio.gather(
                *(deliver_due(maker, client=http_client, now=now) for _ in range(3))
            )
            if len(receiver.accepted) == len(cursors):
                break
    assert [r.cursor for r in receiver.requests] == cursors
    assert [d.attempts for d in await deliveries(maker, tenant, endpoint_id)] == [1] * len(cursors)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_the_worker_runs_until_stopped_and_survives_errors(
    maker: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    good_id, secret = await register(maker, tenant, receiver.url)
    broken_id, _ = await register(maker, tenant, receiver.url + "?broken")
    receiver.secret = secret
    cursors = [await emit(maker, tenant) for _ in range(3)]
    real_active, real_claim = webhook_delivery._active_endpoints, webhook_delivery._claim
    passes = 0

    async def flaky_active(sm: async_sessionmaker[AsyncSession]) -> list[tuple[str, uuid.UUID]]:
        nonlocal passes
        passes += 1
        if passes == 1:
            raise OSError("database unreachable")
        return [e for e in await real_active(sm) if e[0] == tenant]

    async def failing_claim(
        sm: async_sessionmaker[AsyncSession], tenant_id: str, endpoint_id: uuid.UUID, *a: Any
    ) -> Any:
        if endpoint_id == broken_id:
            raise RuntimeError("this endpoint's row is unreadable")
        return await real_claim(sm, tenant_id, endpoint_id, *a)

    monkeypatch.setattr(webhook_delivery, "_active_endpoints", flaky_active)
    monkeypatch.setattr(webhook_delivery, "_claim", failing_claim)
    stop = asyncio.Event()
    with caplog.at_level(logging.ERROR, logger="ruralcredit.webhooks"):
        worker = asyncio.create_task(
            webhook_delivery.run_webhook_worker(
                maker, stop, addresses=LOOPBACK_ALLOWED, poll_seconds=0.02
            )
        )
        for _ in range(500):
            if len(receiver.accepted) == len(cursors):
                break
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(worker, 5)
    assert [r.cursor for r in receiver.accepted] == cursors
    messages = [r.getMessage() for r in caplog.records]
    assert any("pass failed" in m for m in messages)
    assert any(str(broken_id) in m and "could not prepare" in m for m in messages)
    assert all(
        d.status == WebhookDeliveryStatus.DELIVERED
        for d in await deliveries(maker, tenant, good_id)
    )


async def test_an_address_refused_at_delivery_is_a_failure_and_nothing_is_sent(
    maker: async_sessionmaker[AsyncSession], tenant: str, receiver: Receiver
) -> None:
    """Registered while the allow-list named loopback; delivered by a worker whose settings
    no longer do: the address is checked again, and refused."""
    endpoint_id, secret = await register(maker, tenant, receiver.url)
    receiver.secret = secret
    cursor = await emit(maker, tenant)
    t0 = models.now()
    async with webhook_client(AddressPolicy((), FakeResolver())) as public_only:
        assert await deliver_due(maker, client=public_only, now=t0) == 0
        assert await deliver_due(maker, client=public_only, now=t0 + seconds(2)) == 0
    assert (receiver.requests, receiver.connections) == ([], 0)
    [refused] = await deliveries(maker, tenant, endpoint_id)
    assert (refused.cursor, refused.attempts, refused.last_status_code) == (cursor, 2, None)
    assert refused.last_error == "refused: address not allowed"
    assert utc(refused.next_attempt_at) == t0 + seconds(2 + 4)
    assert (await endpoint(maker, tenant, endpoint_id)).consecutive_failures == 2


async def test_a_name_that_turns_to_loopback_is_refused_at_delivery(
    maker: async_sessionmaker[AsyncSession], tenant: str, receiver: Receiver
) -> None:
    """DNS rebinding: public when registered (that address is never contacted), 127.0.0.1
    when the delivery connects."""
    resolver = FakeResolver({"rebind.example": [["93.184.216.34"], ["127.0.0.1"]]})
    public_only = AddressPolicy((), resolver)
    url = f"http://rebind.example:{urlsplit(receiver.url).port}/hooks/rc"
    endpoint_id, _ = await register(maker, tenant, url, addresses=public_only)
    await emit(maker, tenant)
    async with webhook_client(public_only) as client:
        assert await deliver_due(maker, client=client, now=models.now()) == 0
    assert resolver.asked == ["rebind.example", "rebind.example"]
    assert (receiver.requests, receiver.connections) == ([], 0)
    [refused] = await deliveries(maker, tenant, endpoint_id)
    assert (refused.last_status_code, refused.last_error) == (None, "refused: address not allowed")


async def test_a_delivery_connects_to_the_address_it_checked(
    maker: async_sessionmaker[AsyncSession], tenant: str, receiver: Receiver
) -> None:
    """The name is resolved by the policy's resolver only (no DNS server knows it); the
    request still names the host."""
    resolver = FakeResolver({"receiver.example": [["127.0.0.1"]]})
    addresses = AddressPolicy(LOOPBACK_NETWORKS, resolver)
    port = urlsplit(receiver.url).port
    endpoint_id, secret = await register(
        maker, tenant, f"http://receiver.example:{port}/hooks/rc", addresses=addresses
    )
    receiver.secret = secret
    cursor = await emit(maker, tenant)
    async with webhook_client(addresses) as client:
        assert await deliver_due(maker, client=client, now=models.now()) == 1
    [request] = receiver.accepted
    assert (request.cursor, request.headers["host"]) == (cursor, f"receiver.example:{port}")
    assert resolver.asked == ["receiver.example", "receiver.example"]  # registered, connected
    [done] = await deliveries(maker, tenant, endpoint_id)
    assert done.status == WebhookDeliveryStatus.DELIVERED


async def test_a_redirect_is_a_failure_and_is_not_followed(
    maker: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: Receiver,
    http_client: httpx.AsyncClient,
) -> None:
    endpoint_id, secret = await register(maker, tenant, receiver.url)
    receiver.secret = secret
    cursor = await emit(maker, tenant)
    receiver.plan = [302, 307]
    t0 = models.now()
    assert await deliver_due(maker, client=http_client, now=t0) == 0
    assert await deliver_due(maker, client=http_client, now=t0 + seconds(2)) == 0
    [redirected] = await deliveries(maker, tenant, endpoint_id)
    assert (redirected.attempts, redirected.last_status_code) == (2, 307)
    assert redirected.last_error == "HTTP 307"
    assert await deliver_due(maker, client=http_client, now=t0 + seconds(6)) == 1
    assert [(r.target, r.cursor, r.status) for r in receiver.requests] == [
        ("/hooks/rc", cursor, 302),
        ("/hooks/rc", cursor, 307),
        ("/hooks/rc", cursor, 200),
    ]  # never /hooks/rc/moved, where the answers pointed


async def test_a_failure_is_logged_with_its_cause_only(
    maker: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: Receiver,
    http_client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    endpoint_id, secret = await register(maker, tenant, receiver.url)
    receiver.secret = secret
    cursor = await emit(maker, tenant)
    receiver.plan = [500]
    with caplog.at_level(logging.DEBUG, logger="ruralcredit.webhooks"):
        assert await deliver_due(maker, client=http_client, now=models.now()) == 0
    [record] = [r for r in caplog.records if r.name == "ruralcredit.webhooks"]
    assert (
        record.getMessage() == f"webhook {endpoint_id}: event {cursor} failed (attempt 1): HTTP 500"
    )
