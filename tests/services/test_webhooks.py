"""Webhook endpoints (``server.services.webhooks``): only an integrator registers one, at a usable
URL whose host stands for public addresses only (or allowed ones), for known event kinds; its
secret is shown once; endpoints stay in their tenant."""

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
from tests.services.test_webhook_addresses import REFUSED, no_lookups
from tests.webhook_receiver import FakeResolver

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


@pytest.mark.parametrize(("url", "kind"), REFUSED)
async def test_a_url_whose_host_is_not_public_is_refused(
    session: AsyncSession, url: str, kind: str
) -> None:
    before = await endpoint_count(session)
    with pytest.raises(InvalidInput) as refused:
        await webhooks.register_webhook(
            session, principal(roles=INTEGRATOR), url=url, addresses=AddressPolicy((), no_lookups)
        )
    [problem] = refused.value.problems
    assert (problem.field, problem.code) == ("url", "PUBLIC_ADDRESS")
    assert f"a {kind} address" in problem.message
    assert await endpoint_count(session) == before


async def test_a_loopback_receiver_needs_the_allow_list(
    session: AsyncSession, webhook_addresses: AddressPolicy
) -> None:
    integrator = principal(roles=INTEGRATOR)
    for url in ("http://127.0.0.1:8201/hooks", "http://[::1]:8201/hooks"):
        with pytest.raises(InvalidInput) as refused:
            await webhooks.register_webhook(session, integrator, url=url, addresses=AddressPolicy())
        assert [(p.field, p.code) for p in refused.value.problems] == [("url", "PUBLIC_ADDRESS")]
        row, _ = await webhooks.register_webhook(
            session, integrator, url=url, addresses=webhook_addresses
        )
        assert row.url == url
    with pytest.raises(InvalidInput):  # the test settings allow 127.0.0.1, not all of 127/8
        await webhooks.register_webhook(
            session, integrator, url="http://127.0.0.2/", addresses=webhook_addresses
        )


async def test_a_host_is_resolved_and_every_address_checked(session: AsyncSession) -> None:
    resolver = FakeResolver(
        {
            "hooks.example.cn": [["93.184.216.34"]],
            "intranet.example.cn": [["93.184.216.34", "10.9.8.7"]],
        }
    )
    addresses = AddressPolicy((), resolver)
    integrator = principal(roles=INTEGRATOR)
    before = await endpoint_count(session)
    with pytest.raises(InvalidInput) as refused:
        await webhooks.register_webhook(
            session, integrator, url="https://intranet.example.cn/rc", addresses=addresses
        )
    [problem] = refused.value.problems
    assert (problem.field, problem.code) == ("url", "PUBLIC_ADDRESS")
    assert "intranet.example.cn" in problem.message and "private" in problem.message
    assert "10.9.8.7" not in problem.message  # registering is no way to read the server's DNS
    with pytest.raises(InvalidInput) as unresolved:
        await webhooks.register_webhook(
            session,
            integrator,
            url="https://nowhere.example.cn/rc",
            kinds=["LOAN_PAID"],
            addresses=addresses,
        )
    assert [(p.field, p.code) for p in unresolved.value.problems] == [
        ("url", "HOST_RESOLVES"),
        ("kinds[0]", "EVENT_KIND"),
    ]
    assert await endpoint_count(session) == before
    row, _ = await webhooks.register_webhook(
        session, integrator, url="https://hooks.example.cn:8443/rc", addresses=addresses
    )
    assert row.url == "https://hooks.example.cn:8443/rc"
    assert resolver.asked == ["intranet.example.cn", "nowhere.example.cn", "hooks.example.cn"]


async def test_a_url_that_is_not_usable_is_not_resolved(session: AsyncSession) -> None:
    resolver = FakeResolver()
    for url in ("ftp://hooks.example.cn/rc", "https://user:pw@hooks.example.cn/rc"):
        with pytest.raises(InvalidInput):
            await webhooks.register_webhook(
                session, principal(roles=INTEGRATOR), url=url, addresses=AddressPolicy((), resolver)
            )
    assert resolver.asked == []
