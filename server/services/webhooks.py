"""Webhooks: integrators' endpoints that receive the outbox, signed, in cursor order.

An integrator registers a URL and receives a secret. From then on every event of
the kinds it wants becomes a delivery row for that endpoint, which the delivery
job (:mod:`server.jobs.webhook_delivery`) sends until the receiver answers 2xx;
after :data:`MAX_CONSECUTIVE_FAILURES` failed attempts in a row the endpoint is
paused until the integrator resumes it. Here are the use cases: register, rotate
the secret, resume, and read endpoints and their deliveries.

A URL is registered only if its host stands for public addresses alone (or for
addresses in a network the operator allows): see :mod:`server.services.webhook_addresses`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from urllib.parse import SplitResult, urlsplit

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import EventKind, WebhookDeliveryStatus, WebhookStatus
from server.errors import NotFound, Problems
from server.ids import uuid7
from server.principal import Principal
from server.services.access import authorize
from server.services.common import parse_id, require_tenant
from server.services.webhook_addresses import AddressPolicy, AddressRefused, HostUnresolved

#: Failed attempts in a row (any event) after which an endpoint is paused. With the
#: delivery job's backoff this is about five hours of an unreachable receiver: long enough
#: to ride out a deployment or an outage, short enough to tell the integrator the same day.
MAX_CONSECUTIVE_FAILURES = 16
MAX_URL_LENGTH = 2000


def _checked_url(url: str, problems: Problems) -> tuple[str, SplitResult | None]:
    """The URL as stored, and its parts if it is a usable http(s) URL."""
    text = url.strip()
    if len(text) > MAX_URL_LENGTH:
        problems.add("url", "TOO_LONG", f"the URL is longer than {MAX_URL_LENGTH} characters")
        return text, None
    if any(c.isspace() for c in text):
        problems.add("url", "URL", "a URL has no spaces")
        return text, None
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises on a port that is not a number in range
    except ValueError:
        problems.add("url", "URL", "not a URL")
        return text, None
    if parts.scheme.lower() not in ("http", "https"):
        problems.add("url", "HTTP_OR_HTTPS", "the URL must start with https:// or http://")
    elif not parts.hostname:
        problems.add("url", "HOST", "the URL needs a host")
    elif parts.username is not None or parts.password is not None:
        # It would be stored and listed in the clear; deliveries are signed instead.
        problems.add("url", "NO_CREDENTIALS", "put no user name or password in the URL")
    else:
        return text, parts
    return text, None


async def _check_host(parts: SplitResult, addresses: AddressPolicy, problems: Problems) -> None:
    """Refuse a host that stands for an address webhooks may not go to, or for none.

    For a name, the message says what kind of address it resolves to, not which one:
    registering is no way to read the server's own DNS.
    """
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    try:
        await addresses.addresses(host, port)
    except HostUnresolved:
        problems.add("url", "HOST_RESOLVES", f"the host {host} does not resolve to an address")
    except AddressRefused as refused:
        problems.add(
            "url",
            "PUBLIC_ADDRESS",
            f"the host {host} stands for a {refused.kind} address; webhooks go to public "
            "addresses only (RURALCREDIT_WEBHOOK_ALLOWED_NETWORKS allows others)",
        )


def _checked_kinds(kinds: Sequence[str] | None, problems: Problems) -> list[str]:
    known = [k.value for k in EventKind]
    if kinds is None:
        return known
    if not kinds:
        problems.add("kinds", "NOT_EMPTY", "name at least one event kind, or omit kinds for all")
    wanted: list[str] = []
    for i, kind in enumerate(kinds):
        if kind not in known:
            problems.add(f"kinds[{i}]", "EVENT_KIND", f"{kind!r} is not one of {', '.join(known)}")
        elif kind not in wanted:
            wanted.append(kind)
    return wanted


async def register_webhook(
    session: AsyncSession,
    actor: Principal,
    *,
    url: str,
    kinds: Sequence[str] | None = None,
    addresses: AddressPolicy,
) -> tuple[models.WebhookEndpoint, str]:
    """A new endpoint and its secret, which the caller sees only now.

    ``addresses`` decides which hosts the URL may name (its host is resolved now, and
    again at every delivery). The endpoint receives events after the tenant's last
    committed cursor: an event still being written has a later cursor (the counter
    row is locked until it commits).
    """
    authorize(actor, "registerWebhook")
    problems = Problems()
    clean_url, parts = _checked_url(url, problems)
    if parts is not None:
        await _check_host(parts, addresses, problems)
    wanted = _checked_kinds(kinds, problems)
    problems.raise_if_any()
    await require_tenant(session, actor.tenant_id)
    last = await session.scalar(
        select(models.EventCounter.last_cursor).where(
            models.EventCounter.tenant_id == actor.tenant_id
        )
    )
    secret = secrets.token_urlsafe(32)
    endpoint = models.WebhookEndpoint(
        tenant_id=actor.tenant_id,
        id=uuid7(),
        url=clean_url,
        secret=secret,
        kinds=wanted,
        status=WebhookStatus.ACTIVE,
        consecutive_failures=0,
        enqueued_through=int(last or 0),
        created_by=actor.user_id,
    )
    session.add(endpoint)
    await session.flush()
    return endpoint, secret


def _own(actor: Principal) -> ColumnElement[bool]:
    """An integrator's own endpoints: those it registered (user ids compare case-insensitively)."""
    w = models.WebhookEndpoint
    return and_(w.tenant_id == actor.tenant_id, func.lower(w.created_by) == actor.user_id.lower())


async def _endpoint(
    session: AsyncSession, actor: Principal, webhook_id: object, *, for_update: bool = True
) -> models.WebhookEndpoint:
    """One of the actor's own endpoints; another integrator's is not found."""
    key = parse_id(webhook_id, "webhook_id", "Webhook")
    stmt = select(models.WebhookEndpoint).where(_own(actor), models.WebhookEndpoint.id == key)
    if for_update:
        stmt = stmt.with_for_update()
    endpoint = (await session.execute(stmt)).scalar_one_or_none()
    if endpoint is None:
        raise NotFound("Webhook", webhook_id, "webhook_id")
    return endpoint


async def rotate_webhook_secret(
    session: AsyncSession,
    actor: Principal,
    *,
    webhook_id: str,
    now: dt.datetime | None = None,
) -> tuple[models.WebhookEndpoint, str]:
    """A new secret, in force at once: every delivery from now on is signed with it.

    No old secret stays valid: a secret is rotated because it may have leaked.
    """
    authorize(actor, "rotateWebhookSecret")
    endpoint = await _endpoint(session, actor, webhook_id)
    secret = secrets.token_urlsafe(32)
    endpoint.secret = secret
    endpoint.secret_rotated_at = now or models.now()
    await session.flush()
    return endpoint, secret


async def resume_webhook(
    session: AsyncSession,
    actor: Principal,
    *,
    webhook_id: str,
    now: dt.datetime | None = None,
) -> models.WebhookEndpoint:
    """Deliver again: the failure count starts over and the waiting event is due at once.

    Resuming an active endpoint is harmless (it only retries without waiting).
    """
    authorize(actor, "resumeWebhook")
    endpoint = await _endpoint(session, actor, webhook_id)
    endpoint.status = WebhookStatus.ACTIVE
    endpoint.paused_reason = None
    endpoint.consecutive_failures = 0
    at = now or models.now()
    d = models.WebhookDelivery
    await session.execute(
        update(d)
        .where(
            d.tenant_id == actor.tenant_id,
            d.endpoint_id == endpoint.id,
            d.status == WebhookDeliveryStatus.PENDING,
            d.next_attempt_at > at,
        )
        .values(next_attempt_at=at)
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    return endpoint


async def list_webhooks(session: AsyncSession, actor: Principal) -> list[models.WebhookEndpoint]:
    authorize(actor, "webhooks", "query")
    rows = await session.execute(
        select(models.WebhookEndpoint).where(_own(actor)).order_by(models.WebhookEndpoint.id)
    )
    return list(rows.scalars())


async def list_deliveries(
    session: AsyncSession,
    actor: Principal,
    *,
    webhook_id: str,
    first: int,
) -> list[models.WebhookDelivery]:
    """An endpoint's deliveries, newest event first."""
    authorize(actor, "webhookDeliveries", "query")
    key = (await _endpoint(session, actor, webhook_id, for_update=False)).id
    d = models.WebhookDelivery
    rows = await session.execute(
        select(d)
        .where(d.tenant_id == actor.tenant_id, d.endpoint_id == key)
        .order_by(d.cursor.desc())
        .limit(first)
    )
    return list(rows.scalars())
