"""Webhook endpoints (``server.services.webhooks``): only an integrator registers one, at a usable
URL, for known event kinds; its secret is shown once; endpoints stay in their tenant."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import Role, WebhookStatus
from server.errors import InvalidInput, NotFound, PermissionDenied
from server.services import webhooks
from server.services.webhook_addresses import AddressPolicy
from tests.conftest import principal

INTEGRATOR = (Role.INTEGRATOR,)
URL = "https://hooks.example.cn/rc"


async def endpoint_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(models.WebhookEndpoint)) or 0)


async def test_registering_needs_an_integrator(
    session: AsyncSession, webhook_addresses: AddressPolicy
) -> None:
    before = await endpoint_count(session)
    with pytest.raises(PermissionDenied, match="INTEGRATOR"):
        await webhooks.register_webhook(
            session, principal(roles=(Role.HR,)), url=URL, addresses=webhook_addresses
        )
    assert await endpoint_count(session) == before


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://hooks.example.cn/rc", "HTTP_OR_HTTPS"),
        ("hooks.example.cn/rc", "HTTP_OR_HTTPS"),
        ("https://", "HOST"),
        ("https://:8443/rc", "HOST"),
        ("https://hooks.example.cn:99999/rc", "URL"),
        ("https://hooks.exa mple.cn/rc", "URL"),
        ("https://user:pw@hooks.example.cn/rc", "NO_CREDENTIALS"),
        ("https://hooks.example.cn/" + "x" * 2000, "TOO_LONG"),
    ],
)
async def test_a_webhook_needs_a_usable_url(
    session: AsyncSession, webhook_addresses: AddressPolicy, url: str, code: str
) -> None:
    before = await endpoint_count(session)
    with pytest.raises(InvalidInput) as refused:
        await webhooks.register_webhook(
            session, principal(roles=INTEGRATOR), url=url, addresses=webhook_addresses
        )
    assert [(p.field, p.code) for p in refused.value.problems] == [("url", code)]
    assert await endpoint_count(session) == before


@pytest.mark.parametrize(
    ("kinds", "problems"),
    [
        (["GRADE_CHANGED", "LOAN_PAID"], [("kinds[1]", "EVENT_KIND")]),
        ([], [("kinds", "NOT_EMPTY")]),
    ],
)
async def test_a_webhook_asks_for_known_event_kinds(
    session: AsyncSession,
    webhook_addresses: AddressPolicy,
    kinds: list[str],
    problems: list[tuple[str, str]],
) -> None:
    before = await endpoint_count(session)
    with pytest.raises(InvalidInput) as refused:
        await webhooks.register_webhook(
            session, principal(roles=INTEGRATOR), url=URL, kinds=kinds, addresses=webhook_addresses
        )
    assert [(p.field, p.code) for p in refused.value.problems] == problems
    assert await endpoint_count(session) == before


async def test_a_registered_webhook_is_active_for_every_kind_and_listed(
    session: AsyncSession, webhook_addresses: AddressPolicy
) -> None:
    integrator = principal(roles=INTEGRATOR)
    row, secret = await webhooks.register_webhook(
        session, integrator, url=f"  {URL}  ", addresses=webhook_addresses
    )
    assert len(secret) >= 43  # 32 random bytes
    assert row.secret == secret
    assert row.url == URL
    assert row.kinds == ["GRADE_CHANGED", "CUSTOMER_CLASS_CHANGED"]
    assert (row.status, row.consecutive_failures) == (WebhookStatus.ACTIVE, 0)
    assert [w.id for w in await webhooks.list_webhooks(session, integrator)] == [row.id]
    with pytest.raises(PermissionDenied):
        await webhooks.list_webhooks(session, principal(roles=(Role.HR,)))


async def test_webhooks_stay_in_their_tenant(
    session: AsyncSession, webhook_addresses: AddressPolicy
) -> None:
    row, _ = await webhooks.register_webhook(
        session, principal(roles=INTEGRATOR), url=URL, addresses=webhook_addresses
    )
    other = principal("ah-demo", INTEGRATOR)
    assert await webhooks.list_webhooks(session, other) == []
    with pytest.raises(NotFound):
        await webhooks.rotate_webhook_secret(session, other, webhook_id=str(row.id))
    with pytest.raises(NotFound):
        await webhooks.resume_webhook(session, other, webhook_id=str(row.id))
    for id_ in (str(row.id), "not-an-id"):
        with pytest.raises(NotFound) as missing:
            await webhooks.list_deliveries(session, other, webhook_id=id_, first=10)
        assert missing.value.field == "webhook_id"
