"""Webhooks over GraphQL: registering (public hosts only), listing, rotating the secret, pausing
and resuming, the deliveries as the client reads them; inside the test's rolled-back
transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.app import create_app
from server.db import models
from server.domain import EventKind, Role
from server.jobs.webhook_delivery import backoff, deliver_due
from server.outbox import events
from server.policy.registry import PolicyRegistry
from server.services.webhooks import MAX_CONSECUTIVE_FAILURES
from server.settings import Settings
from tests.conftest import Api
from tests.webhook_receiver import FakeResolver, Receiver, verify

GRADE = EventKind.GRADE_CHANGED


def seconds(n: float) -> dt.timedelta:
    return dt.timedelta(seconds=n)


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


async def _register(api: Api, url: str, tenant: str = "sd-demo") -> tuple[str, str]:
    data = (await api(REGISTER, {"url": url}, tenant=tenant, roles=(Role.INTEGRATOR,)))[
        "registerWebhook"
    ]
    assert data["__typename"] == "WebhookRegistered", data
    return data["webhook"]["id"], data["secret"]


async def _emit(sessionmaker: async_sessionmaker[AsyncSession], tenant: str = "sd-demo") -> int:
    async with sessionmaker() as s, s.begin():
        await events.emit(s, tenant, GRADE, uuid.uuid4(), None, {"note": "x"})
        # Reading the events table writes the waiting event: its cursor is the latest.
        return await events.latest_cursor(s, tenant)


async def _endpoint_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(models.WebhookEndpoint)) or 0)


async def test_registering_needs_an_integrator_and_a_usable_url(
    api: Api, session: AsyncSession
) -> None:
    before = await _endpoint_count(session)
    refused = await api(REGISTER, {"url": "https://hooks.example.cn/rc"}, roles=(Role.HR,))
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
        result = (await api(REGISTER, {"url": url}, roles=(Role.INTEGRATOR,)))["registerWebhook"]
        assert result["__typename"] == "InvalidInput", url
        assert [(e["field"], e["code"]) for e in result["errors"]] == [("url", code)], url
    kinds = (
        await api(
            REGISTER,
            {"url": "https://hooks.example.cn/rc", "kinds": ["GRADE_CHANGED", "LOAN_PAID"]},
            roles=(Role.INTEGRATOR,),
        )
    )["registerWebhook"]
    assert [(e["field"], e["code"]) for e in kinds["errors"]] == [("kinds[1]", "EVENT_KIND")]
    empty = (
        await api(
            REGISTER, {"url": "https://hooks.example.cn/rc", "kinds": []}, roles=(Role.INTEGRATOR,)
        )
    )["registerWebhook"]
    assert [(e["field"], e["code"]) for e in empty["errors"]] == [("kinds", "NOT_EMPTY")]
    assert await _endpoint_count(session) == before  # nothing written

    made = (
        await api(REGISTER, {"url": "  https://hooks.example.cn/rc  "}, roles=(Role.INTEGRATOR,))
    )["registerWebhook"]
    assert made["__typename"] == "WebhookRegistered"
    assert len(made["secret"]) >= 43  # 32 random bytes
    hook = made["webhook"]
    assert hook["url"] == "https://hooks.example.cn/rc"
    assert hook["kinds"] == ["GRADE_CHANGED", "CUSTOMER_CLASS_CHANGED"]
    assert (hook["status"], hook["consecutiveFailures"]) == ("ACTIVE", 0)
    assert dt.datetime.fromisoformat(hook["createdAt"]).tzinfo is not None
    listed = (await api(WEBHOOKS, roles=(Role.INTEGRATOR,)))["webhooks"]
    assert [w["id"] for w in listed] == [hook["id"]]
    fields = await api('{ __type(name: "Webhook") { fields { name } } }')
    assert "secret" not in {f["name"] for f in fields["__type"]["fields"]}
    denied = await api.post(WEBHOOKS, token=api.token("sd-demo", (Role.HR,)))
    assert denied.json()["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


async def test_webhooks_stay_in_their_tenant(api: Api) -> None:
    webhook_id, _ = await _register(api, "https://hooks.example.cn/rc")
    other = (await api(WEBHOOKS, tenant="ah-demo", roles=(Role.INTEGRATOR,)))["webhooks"]
    assert other == []
    for mutation, name in ((ROTATE, "rotateWebhookSecret"), (RESUME, "resumeWebhook")):
        result = await api(mutation, {"id": webhook_id}, tenant="ah-demo", roles=(Role.INTEGRATOR,))
        assert result[name]["__typename"] == "NotFound"
    for id_ in (webhook_id, "not-an-id"):
        response = await api.post(
            DELIVERIES, {"id": id_}, token=api.token("ah-demo", (Role.INTEGRATOR,))
        )
        error = response.json()["errors"][0]
        assert (error["extensions"]["code"], error["extensions"]["field"]) == (
            "NOT_FOUND",
            "webhookId",
        )
    too_many = await api.post(
        DELIVERIES,
        {"id": webhook_id, "first": 1000},
        token=api.token("sd-demo", (Role.INTEGRATOR,)),
    )
    assert too_many.json()["errors"][0]["extensions"]["field"] == "first"


async def test_rotating_the_secret_changes_the_signature(
    api: Api,
    sessionmaker: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    http_client: httpx.AsyncClient,
) -> None:
    webhook_id, old = await _register(api, receiver.url)
    receiver.secret = old
    await _emit(sessionmaker)
    now = models.now()
    assert await deliver_due(sessionmaker, client=http_client, now=now) == 1
    rotated = (await api(ROTATE, {"id": webhook_id}, roles=(Role.INTEGRATOR,)))[
        "rotateWebhookSecret"
    ]
    new = rotated["secret"]
    assert new != old and rotated["webhook"]["secretRotatedAt"] is not None
    denied = await api(ROTATE, {"id": webhook_id}, roles=(Role.HR,))
    assert denied["rotateWebhookSecret"]["__typename"] == "PermissionDenied"

    await _emit(sessionmaker)
    assert await deliver_due(sessionmaker, client=http_client, now=now) == 0  # still checks the old
    refused = receiver.requests[-1]
    assert refused.status == 401
    assert verify(new, refused.headers, refused.body)
    assert not verify(old, refused.headers, refused.body)
    receiver.secret = new
    assert await deliver_due(sessionmaker, client=http_client, now=now + seconds(2)) == 1
    assert [r.verified for r in receiver.requests] == [True, False, True]


async def test_a_failing_webhook_is_paused_and_resumed(
    api: Api,
    sessionmaker: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    http_client: httpx.AsyncClient,
) -> None:
    webhook_id, secret = await _register(api, receiver.url)
    receiver.secret = secret
    first = await _emit(sessionmaker)
    receiver.plan = [503] * MAX_CONSECUTIVE_FAILURES
    now = models.now()
    for attempt in range(1, MAX_CONSECUTIVE_FAILURES + 1):
        assert await deliver_due(sessionmaker, client=http_client, now=now) == 0
        now += backoff(attempt)
    assert len(receiver.requests) == MAX_CONSECUTIVE_FAILURES
    [paused] = (await api(WEBHOOKS, roles=(Role.INTEGRATOR,)))["webhooks"]
    assert (paused["status"], paused["consecutiveFailures"]) == ("PAUSED", MAX_CONSECUTIVE_FAILURES)
    assert f"{MAX_CONSECUTIVE_FAILURES} failed attempts in a row" in paused["pausedReason"]
    assert paused["pausedReason"].endswith(f"event {first}: HTTP 503")  # not the answer's text

    # Paused: nothing is sent, however long one waits; later events are kept.
    second = await _emit(sessionmaker)
    assert await deliver_due(sessionmaker, client=http_client, now=now + dt.timedelta(days=2)) == 0
    assert len(receiver.requests) == MAX_CONSECUTIVE_FAILURES

    resumed = (await api(RESUME, {"id": webhook_id}, roles=(Role.INTEGRATOR,)))["resumeWebhook"]
    assert resumed == {
        "__typename": "Webhook",
        "status": "ACTIVE",
        "statusLabel": "启用",
        "pausedReason": None,
        "consecutiveFailures": 0,
    }
    later = models.now() + seconds(1)  # resuming makes the waiting event due at once
    assert await deliver_due(sessionmaker, client=http_client, now=later) == 1
    assert await deliver_due(sessionmaker, client=http_client, now=later) == 1
    assert [r.cursor for r in receiver.accepted] == [first, second]

    rows = (await api(DELIVERIES, {"id": webhook_id}, roles=(Role.INTEGRATOR,)))[
        "webhookDeliveries"
    ]
    assert [(r["cursor"], r["status"], r["attempts"]) for r in rows] == [
        (str(second), "DELIVERED", 1),
        (str(first), "DELIVERED", MAX_CONSECUTIVE_FAILURES + 1),
    ]
    assert all(r["lastStatusCode"] == 200 and r["nextAttemptAt"] is None for r in rows)
    assert dt.datetime.fromisoformat(rows[0]["deliveredAt"]).tzinfo is not None
    one = await api(DELIVERIES, {"id": webhook_id, "first": 1}, roles=(Role.INTEGRATOR,))
    assert [r["cursor"] for r in one["webhookDeliveries"]] == [str(second)]


async def test_pending_deliveries_show_the_next_attempt(
    api: Api,
    sessionmaker: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    http_client: httpx.AsyncClient,
) -> None:
    webhook_id, secret = await _register(api, receiver.url)
    receiver.secret = secret
    receiver.plan = [500]
    cursor = await _emit(sessionmaker)
    now = models.now()
    await deliver_due(sessionmaker, client=http_client, now=now)
    [row] = (await api(DELIVERIES, {"id": webhook_id}, roles=(Role.INTEGRATOR,)))[
        "webhookDeliveries"
    ]
    assert (row["cursor"], row["status"], row["attempts"]) == (str(cursor), "PENDING", 1)
    assert (row["lastStatusCode"], row["lastError"]) == (500, "HTTP 500")
    assert dt.datetime.fromisoformat(row["nextAttemptAt"]) == now + seconds(2)
    assert row["deliveredAt"] is None
    [hook] = (await api(WEBHOOKS, roles=(Role.INTEGRATOR,)))["webhooks"]
    assert (hook["status"], hook["consecutiveFailures"]) == ("ACTIVE", 1)


async def test_the_servers_own_addresses_are_refused_without_the_allow_list(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
    session: AsyncSession,
) -> None:
    """The issue's request, to a server with the default settings: nothing is registered,
    so nothing will be sent there."""
    resolver = FakeResolver({"metadata.google.internal": [["169.254.169.254"]]})
    app = create_app(
        replace(settings, webhook_allowed_networks=()),
        sessionmaker=sessionmaker,
        registry=registry,
        webhook_resolver=resolver,
    )
    before = await _endpoint_count(session)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        api = Api(client, settings)
        for url, kind in (
            ("http://127.0.0.1:8201/graphql", "loopback"),
            ("http://[::1]:8201/graphql", "loopback"),
            ("http://0x7f.1:8201/graphql", "loopback"),
            ("http://metadata.google.internal/computeMetadata/v1/", "link-local"),
            ("http://10.0.0.8/", "private"),
        ):
            result = (await api(REGISTER, {"url": url}, roles=(Role.INTEGRATOR,)))[
                "registerWebhook"
            ]
            assert result["__typename"] == "InvalidInput", url
            [error] = result["errors"]
            assert (error["field"], error["code"]) == ("url", "PUBLIC_ADDRESS"), url
            assert f"a {kind} address" in error["message"]
        unknown = (
            await api(REGISTER, {"url": "https://nowhere.example.cn/"}, roles=(Role.INTEGRATOR,))
        )["registerWebhook"]
        assert [(e["field"], e["code"]) for e in unknown["errors"]] == [("url", "HOST_RESOLVES")]
    assert await _endpoint_count(session) == before
    assert resolver.asked == ["metadata.google.internal", "nowhere.example.cn"]
