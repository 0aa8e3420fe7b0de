"""Webhooks: events POSTed to a real local receiver that checks each signature,
retried with backoff, in cursor order, at least once, across a restart.

Delivery tests run on committed rows in a tenant of their own (the worker opens its
own transactions, as it does in the server) and remove them afterwards; the API
tests run inside the test's rolled-back transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from server.app import create_app
from server.db import models
from server.db.engine import create_engine
from server.domain import EventKind, Role, WebhookDeliveryStatus
from server.jobs import webhook_delivery
from server.jobs.webhook_delivery import backoff, deliver_due
from server.outbox import events, signing
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services import webhooks
from server.services.webhooks import MAX_CONSECUTIVE_FAILURES
from server.settings import Settings
from tests.conftest import Api

INTEGRATOR = frozenset({Role.INTEGRATOR})
GRADE, CLASS = EventKind.GRADE_CHANGED, EventKind.CUSTOMER_CLASS_CHANGED


def seconds(n: float) -> dt.timedelta:
    return dt.timedelta(seconds=n)


def utc(value: dt.datetime) -> dt.datetime:
    """SQLite gives times back without their zone; they are UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# --- the receiver --------------------------------------------------------------------


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What an integrator does: recompute HMAC-SHA256 over "<t>." + body and compare."""
    fields = dict(part.split("=", 1) for part in headers["x-ruralcredit-signature"].split(","))
    expected = hmac.new(
        secret.encode(), fields["t"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


@dataclass
class Request:
    target: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    status: int | None  # None: no answer was given

    @property
    def cursor(self) -> int:
        return int(self.headers["x-ruralcredit-event-cursor"])


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that refuses (401) a request it cannot verify.

    ``plan`` says how to answer the next requests: a status code, or "hang" to give
    no answer until the client goes away; then 200.
    """

    secret: str = ""
    secrets: list[str] = field(default_factory=list)  # further secrets it accepts
    plan: list[int | str] = field(default_factory=list)
    delay: float = 0.0
    requests: list[Request] = field(default_factory=list)
    hanging: asyncio.Event = field(default_factory=asyncio.Event)
    url: str = ""

    @property
    def accepted(self) -> list[Request]:
        return [r for r in self.requests if r.status == 200]

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            headers = {}
            for line in head[1:]:
                if line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            step = self.plan.pop(0) if self.plan else 200
            target = head[0].split(" ")[1]
            verified = any(verify(k, headers, body) for k in [self.secret, *self.secrets])
            if step == "hang":
                self.requests.append(Request(target, headers, body, verified, None))
                self.hanging.set()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(reader.read(), 10)
                return
            await asyncio.sleep(self.delay)
            status = int(step) if verified else 401
            self.requests.append(Request(target, headers, body, verified, status))
            text = b"receiver says no" if status != 200 else b""
            writer.write(
                f"HTTP/1.1 {status} X\r\nContent-Length: {len(text)}\r\n"
                "Connection: close\r\n\r\n".encode()
                + text
            )
            await writer.drain()
        finally:
            writer.close()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    server = await asyncio.start_server(r.handle, "127.0.0.1", 0)
    r.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hooks/rc"
    try:
        yield r
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False) as c:  # no proxy between us and 127.0.0.1
        yield c


# --- committed rows in a tenant of their own -----------------------------------------


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
        return await events.emit(s, tenant, kind, uuid.uuid4(), None, {"note": "晋级 to 一级"})


async def register(
    maker: async_sessionmaker[AsyncSession],
    tenant: str,
    url: str,
    kinds: list[str] | None = None,
) -> tuple[uuid.UUID, str]:
    async with maker() as s, s.begin():
        integrator = Principal(tenant, "integrator-1", INTEGRATOR)
        row, secret = await webhooks.register_webhook(s, integrator, url=url, kinds=kinds)
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


# --- signing and backoff ---------------------------------------------------------------


def test_signature_covers_timestamp_and_body() -> None:
    body = signing.event_body({"cursor": "7", "kind": "GRADE_CHANGED", "note": "晋级"})
    assert body == '{"cursor":"7","kind":"GRADE_CHANGED","note":"晋级"}'.encode()
    header = signing.signature_header("s3cret", 1_767_225_600, body)
    assert header == "t=1767225600,v1=" + signing.sign("s3cret", 1_767_225_600, body)
    expected = hmac.new(b"s3cret", b"1767225600." + body, hashlib.sha256).hexdigest()
    assert signing.sign("s3cret", 1_767_225_600, body) == expected
    headers = {"x-ruralcredit-signature": header}
    assert verify("s3cret", headers, body)
    assert not verify("wrong", headers, body)
    assert not verify("s3cret", headers, body.replace("晋级".encode(), "降级".encode()))
    later = {"x-ruralcredit-signature": header.replace("t=1767225600", "t=1767229200")}
    assert not verify("s3cret", later, body)


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 11)] == [2, 4, 8, 2048]
    assert backoff(12) == backoff(13) == backoff(10_000) == dt.timedelta(hours=1)
    assert backoff(0) == seconds(2)


# --- delivery ---------------------------------------------------------------------


async def test_retries_deliver_every_event_once_in_cursor_order(
    maker: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: Receiver,
    client: httpx.AsyncClient,
) -> None:
    earlier = await emit(maker, tenant)
    endpoint_id, secret = await register(maker, tenant, receiver.url)
    receiver.secret = secret
    cursors = [await emit(maker, tenant, kind) for kind in (GRADE, CLASS, GRADE)]
    receiver.plan = [500, 500]
    t0 = models.now()

    assert await deliver_due(maker, client=client, now=t0) == 0
    assert await deliver_due(maker, client=client, now=t0 + seconds(1.9)) == 0  # not yet due
    assert len(receiver.requests) == 1
    assert await deliver_due(maker, client=client, now=t0 + seconds(2)) == 0
    assert len(receiver.requests) == 2
    first, *rest = await deliveries(maker, tenant, endpoint_id)
    assert (first.cursor, first.attempts, first.last_status_code) == (cursors[0], 2, 500)
    assert first.last_error == "HTTP 500: receiver says no"
    assert utc(first.next_attempt_at) == t0 + seconds(2 + 4)
    assert [(d.cursor, d.attempts) for d in rest] == [(cursors[1], 0), (cursors[2], 0)]
    assert (await endpoint(maker, tenant, endpoint_id)).consecutive_failures == 2

    # The later events wait behind the first: never cursor N+1 before N is delivered.
    assert await deliver_due(maker, client=client, now=t0 + seconds(5.9)) == 0
    assert len(receiver.requests) == 2
    for _ in cursors:
        assert await deliver_due(maker, client=client, now=t0 + seconds(6)) == 1
    assert await deliver_due(maker, client=client, now=t0 + dt.timedelta(days=1)) == 0

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
    client: httpx.AsyncClient,
) -> None:
    every_id, secret = await register(maker, tenant, receiver.url + "?all")
    class_id, class_secret = await register(maker, tenant, receiver.url + "?class", [CLASS.value])
    assert class_secret != secret
    cursors = [await emit(maker, tenant, kind) for kind in (GRADE, CLASS, GRADE, CLASS)]
    receiver.secret = secret
    now = models.now()
    for _ in range(4):
        await deliver_due(maker, client=client, now=now)
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
    assert await deliver_due(maker, client=client, now=now + seconds(2)) == 1
    assert await deliver_due(maker, client=client, now=now + seconds(2)) == 1
    assert [r.cursor for r in receiver.accepted if r.target.endswith("class")] == cursors[1::2]
    assert (await endpoint(maker, tenant, class_id)).enqueued_through == cursors[-1]


async def test_timeouts_and_unreachable_receivers_are_failures(
    maker: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: Receiver,
    client: httpx.AsyncClient,
) -> None:
    hanging_id, secret = await register(maker, tenant, receiver.url)
    receiver.secret = secret
    unreachable_id, _ = await register(maker, tenant, "http://127.0.0.1:1/nobody-listens")
    cursor = await emit(maker, tenant)
    receiver.plan = ["hang"]
    t0 = models.now()

    assert await deliver_due(maker, client=client, now=t0, timeout=0.3) == 0
    [timed_out] = await deliveries(maker, tenant, hanging_id)
    assert (timed_out.attempts, timed_out.last_status_code) == (1, None)
    assert timed_out.last_error == "no answer within 0.3 s"
    assert utc(timed_out.next_attempt_at) == t0 + seconds(2)
    [refused] = await deliveries(maker, tenant, unreachable_id)
    assert refused.attempts == 1 and refused.last_error and "Connect" in refused.last_error
    assert (await endpoint(maker, tenant, unreachable_id)).consecutive_failures == 1

    assert await deliver_due(maker, client=client, now=t0 + seconds(2), timeout=0.3) == 1
    assert [(r.cursor, r.status) for r in receiver.requests] == [(cursor, None), (cursor, 200)]
    [done] = await deliveries(maker, tenant, hanging_id)
    assert (done.status, done.attempts) == (WebhookDeliveryStatus.DELIVERED, 2)


async def test_deliveries_are_rows_a_restart_goes_on_from(
    maker: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: Receiver,
    client: httpx.AsyncClient,
    settings: Settings,
) -> None:
    endpoint_id, secret = await register(maker, tenant, receiver.url)
    receiver.secret = secret
    cursors = [await emit(maker, tenant) for _ in range(3)]
    receiver.plan = [200, 500, 200, "hang"]
    t0 = models.now()
    assert await deliver_due(maker, client=client, now=t0) == 1
    assert await deliver_due(maker, client=client, now=t0) == 0  # the second fails

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
        assert await deliver_due(fresh, client=client, now=t0 + seconds(1)) == 0  # backoff kept
        assert await deliver_due(fresh, client=client, now=t0 + seconds(2)) == 1
        # The process dies while the third event is in flight.
        in_flight = asyncio.create_task(
            deliver_due(fresh, client=client, now=t0 + seconds(3), timeout=60)
        )
        await asyncio.wait_for(receiver.hanging.wait(), 5)
        in_flight.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await in_flight

    async def after_the_lease(fresh: async_sessionmaker[AsyncSession]) -> None:
        # Leased while in flight: not sent again until the lease (60 s + margin) ends.
        lease_end = t0 + seconds(3 + 60) + webhook_delivery.LEASE_MARGIN
        assert await deliver_due(fresh, client=client, now=lease_end - seconds(1)) == 0
        assert len(receiver.requests) == 4
        assert await deliver_due(fresh, client=client, now=lease_end) == 1
        assert await deliver_due(fresh, client=client, now=lease_end) == 0

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
    client: httpx.AsyncClient,
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
            await asyncio.gather(*(deliver_due(maker, client=client, now=now) for _ in range(3)))
            if len(receiver.accepted) == len(cursors):
                break
    assert [r.cursor for r in receiver.requests] == cursors
    assert [d.attempts for d in await deliveries(maker, tenant, endpoint_id)] == [1] * len(cursors)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_the_worker_runs_until_stopped_and_survives_errors(
    maker: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: Receiver,
    client: httpx.AsyncClient,
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
            webhook_delivery.run_webhook_worker(maker, stop, poll_seconds=0.02, client=client)
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


# --- the API (inside the test's transaction) ------------------------------------------


@pytest.fixture
async def gql(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
) -> AsyncIterator[Api]:
    app = create_app(settings, sessionmaker=sessionmaker, registry=registry)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield Api(c, settings)


REGISTER = """mutation($url: String!, $kinds: [String!]) { registerWebhook(url: $url, kinds: $kinds) {
  __typename
  ... on WebhookRegistered { secret webhook { id url kinds status consecutiveFailures createdAt } }
  ... on InvalidInput { errors { field code message } }
  ... on UserError { code message }
} }"""
ROTATE = """mutation($id: ID!) { rotateWebhookSecret(id: $id) { __typename
  ... on WebhookRegistered { secret webhook { id secretRotatedAt } } ... on UserError { code } } }"""
RESUME = """mutation($id: ID!) { resumeWebhook(id: $id) { __typename
  ... on Webhook { status statusLabel pausedReason consecutiveFailures } ... on UserError { code } } }"""
WEBHOOKS = "{ webhooks { id url kinds status pausedReason consecutiveFailures } }"
DELIVERIES = """query($id: ID!, $first: Int) { webhookDeliveries(webhookId: $id, first: $first) {
  cursor status attempts nextAttemptAt lastError lastStatusCode deliveredAt } }"""


async def _register(gql: Api, url: str, tenant: str = "sd-demo") -> tuple[str, str]:
    data = (await gql(REGISTER, {"url": url}, tenant=tenant, roles=(Role.INTEGRATOR,)))[
        "registerWebhook"
    ]
    assert data["__typename"] == "WebhookRegistered", data
    return data["webhook"]["id"], data["secret"]


async def _emit(sessionmaker: async_sessionmaker[AsyncSession], tenant: str = "sd-demo") -> int:
    async with sessionmaker() as s, s.begin():
        return await events.emit(s, tenant, GRADE, uuid.uuid4(), None, {"note": "x"})


async def _endpoint_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(models.WebhookEndpoint)) or 0)


async def test_registering_needs_an_integrator_and_a_usable_url(
    gql: Api, session: AsyncSession
) -> None:
    before = await _endpoint_count(session)
    refused = await gql(REGISTER, {"url": "https://hooks.example.cn/rc"}, roles=(Role.HR,))
    assert refused["registerWebhook"]["__typename"] == "PermissionDenied"
    assert "INTEGRATOR" in refused["registerWebhook"]["message"]
    bad = {
        "ftp://hooks.example.cn/rc": "HTTP_OR_HTTPS",
        "hooks.example.cn/rc": "HTTP_OR_HTTPS",
        "https://": "HOST",
        "https://:8443/rc": "HOST",
        "https://hooks.example.cn:99999/rc": "URL",
        "https://hooks.exa mple.cn/rc": "URL",
        "https://user:pw@hooks.example.cn/rc": "NO_CREDENTIALS",
        "https://hooks.example.cn/" + "x" * 2000: "TOO_LONG",
    }
    for url, code in bad.items():
        result = (await gql(REGISTER, {"url": url}, roles=(Role.INTEGRATOR,)))["registerWebhook"]
        assert result["__typename"] == "InvalidInput", url
        assert [(e["field"], e["code"]) for e in result["errors"]] == [("url", code)], url
    kinds = (
        await gql(
            REGISTER,
            {"url": "https://hooks.example.cn/rc", "kinds": ["GRADE_CHANGED", "LOAN_PAID"]},
            roles=(Role.INTEGRATOR,),
        )
    )["registerWebhook"]
    assert [(e["field"], e["code"]) for e in kinds["errors"]] == [("kinds[1]", "EVENT_KIND")]
    empty = (
        await gql(
            REGISTER, {"url": "https://hooks.example.cn/rc", "kinds": []}, roles=(Role.INTEGRATOR,)
        )
    )["registerWebhook"]
    assert [(e["field"], e["code"]) for e in empty["errors"]] == [("kinds", "NOT_EMPTY")]
    assert await _endpoint_count(session) == before  # nothing written

    made = (
        await gql(REGISTER, {"url": "  https://hooks.example.cn/rc  "}, roles=(Role.INTEGRATOR,))
    )["registerWebhook"]
    assert made["__typename"] == "WebhookRegistered"
    assert len(made["secret"]) >= 43  # 32 random bytes
    hook = made["webhook"]
    assert hook["url"] == "https://hooks.example.cn/rc"
    assert hook["kinds"] == ["GRADE_CHANGED", "CUSTOMER_CLASS_CHANGED"]
    assert (hook["status"], hook["consecutiveFailures"]) == ("ACTIVE", 0)
    assert dt.datetime.fromisoformat(hook["createdAt"]).tzinfo is not None
    listed = (await gql(WEBHOOKS, roles=(Role.INTEGRATOR,)))["webhooks"]
    assert [w["id"] for w in listed] == [hook["id"]]
    fields = await gql('{ __type(name: "Webhook") { fields { name } } }')
    assert "secret" not in {f["name"] for f in fields["__type"]["fields"]}
    denied = await gql.post(WEBHOOKS, token=gql.token("sd-demo", (Role.HR,)))
    assert denied.json()["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


async def test_webhooks_stay_in_their_tenant(gql: Api) -> None:
    webhook_id, _ = await _register(gql, "https://hooks.example.cn/rc")
    other = (await gql(WEBHOOKS, tenant="ah-demo", roles=(Role.INTEGRATOR,)))["webhooks"]
    assert other == []
    for mutation, name in ((ROTATE, "rotateWebhookSecret"), (RESUME, "resumeWebhook")):
        result = await gql(mutation, {"id": webhook_id}, tenant="ah-demo", roles=(Role.INTEGRATOR,))
        assert result[name]["__typename"] == "NotFound"
    for id_ in (webhook_id, "not-an-id"):
        response = await gql.post(
            DELIVERIES, {"id": id_}, token=gql.token("ah-demo", (Role.INTEGRATOR,))
        )
        error = response.json()["errors"][0]
        assert (error["extensions"]["code"], error["extensions"]["field"]) == (
            "NOT_FOUND",
            "webhookId",
        )
    too_many = await gql.post(
        DELIVERIES,
        {"id": webhook_id, "first": 1000},
        token=gql.token("sd-demo", (Role.INTEGRATOR,)),
    )
    assert too_many.json()["errors"][0]["extensions"]["field"] == "first"


async def test_rotating_the_secret_changes_the_signature(
    gql: Api,
    sessionmaker: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    client: httpx.AsyncClient,
) -> None:
    webhook_id, old = await _register(gql, receiver.url)
    receiver.secret = old
    await _emit(sessionmaker)
    now = models.now()
    assert await deliver_due(sessionmaker, client=client, now=now) == 1
    rotated = (await gql(ROTATE, {"id": webhook_id}, roles=(Role.INTEGRATOR,)))[
        "rotateWebhookSecret"
    ]
    new = rotated["secret"]
    assert new != old and rotated["webhook"]["secretRotatedAt"] is not None
    denied = await gql(ROTATE, {"id": webhook_id}, roles=(Role.HR,))
    assert denied["rotateWebhookSecret"]["__typename"] == "PermissionDenied"

    await _emit(sessionmaker)
    assert await deliver_due(sessionmaker, client=client, now=now) == 0  # still checks the old
    refused = receiver.requests[-1]
    assert refused.status == 401
    assert verify(new, refused.headers, refused.body)
    assert not verify(old, refused.headers, refused.body)
    receiver.secret = new
    assert await deliver_due(sessionmaker, client=client, now=now + seconds(2)) == 1
    assert [r.verified for r in receiver.requests] == [True, False, True]


async def test_a_failing_webhook_is_paused_and_resumed(
    gql: Api,
    sessionmaker: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    client: httpx.AsyncClient,
) -> None:
    webhook_id, secret = await _register(gql, receiver.url)
    receiver.secret = secret
    first = await _emit(sessionmaker)
    receiver.plan = [503] * MAX_CONSECUTIVE_FAILURES
    now = models.now()
    for attempt in range(1, MAX_CONSECUTIVE_FAILURES + 1):
        assert await deliver_due(sessionmaker, client=client, now=now) == 0
        now += backoff(attempt)
    assert len(receiver.requests) == MAX_CONSECUTIVE_FAILURES
    [paused] = (await gql(WEBHOOKS, roles=(Role.INTEGRATOR,)))["webhooks"]
    assert (paused["status"], paused["consecutiveFailures"]) == ("PAUSED", MAX_CONSECUTIVE_FAILURES)
    assert f"{MAX_CONSECUTIVE_FAILURES} failed attempts in a row" in paused["pausedReason"]
    assert f"event {first}: HTTP 503" in paused["pausedReason"]

    # Paused: nothing is sent, however long one waits; later events are kept.
    second = await _emit(sessionmaker)
    assert await deliver_due(sessionmaker, client=client, now=now + dt.timedelta(days=2)) == 0
    assert len(receiver.requests) == MAX_CONSECUTIVE_FAILURES

    resumed = (await gql(RESUME, {"id": webhook_id}, roles=(Role.INTEGRATOR,)))["resumeWebhook"]
    assert resumed == {
        "__typename": "Webhook",
        "status": "ACTIVE",
        "statusLabel": "启用",
        "pausedReason": None,
        "consecutiveFailures": 0,
    }
    later = models.now() + seconds(1)  # resuming makes the waiting event due at once
    assert await deliver_due(sessionmaker, client=client, now=later) == 1
    assert await deliver_due(sessionmaker, client=client, now=later) == 1
    assert [r.cursor for r in receiver.accepted] == [first, second]

    rows = (await gql(DELIVERIES, {"id": webhook_id}, roles=(Role.INTEGRATOR,)))[
        "webhookDeliveries"
    ]
    assert [(r["cursor"], r["status"], r["attempts"]) for r in rows] == [
        (str(second), "DELIVERED", 1),
        (str(first), "DELIVERED", MAX_CONSECUTIVE_FAILURES + 1),
    ]
    assert all(r["lastStatusCode"] == 200 and r["nextAttemptAt"] is None for r in rows)
    assert dt.datetime.fromisoformat(rows[0]["deliveredAt"]).tzinfo is not None
    one = await gql(DELIVERIES, {"id": webhook_id, "first": 1}, roles=(Role.INTEGRATOR,))
    assert [r["cursor"] for r in one["webhookDeliveries"]] == [str(second)]


async def test_pending_deliveries_show_the_next_attempt(
    gql: Api,
    sessionmaker: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    client: httpx.AsyncClient,
) -> None:
    webhook_id, secret = await _register(gql, receiver.url)
    receiver.secret = secret
    receiver.plan = [500]
    cursor = await _emit(sessionmaker)
    now = models.now()
    await deliver_due(sessionmaker, client=client, now=now)
    [row] = (await gql(DELIVERIES, {"id": webhook_id}, roles=(Role.INTEGRATOR,)))[
        "webhookDeliveries"
    ]
    assert (row["cursor"], row["status"], row["attempts"]) == (str(cursor), "PENDING", 1)
    assert (row["lastStatusCode"], row["lastError"]) == (500, "HTTP 500: receiver says no")
    assert dt.datetime.fromisoformat(row["nextAttemptAt"]) == now + seconds(2)
    assert row["deliveredAt"] is None
    [hook] = (await gql(WEBHOOKS, roles=(Role.INTEGRATOR,)))["webhooks"]
    assert (hook["status"], hook["consecutiveFailures"]) == ("ACTIVE", 1)
