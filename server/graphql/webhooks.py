"""Webhooks in the API: an integrator registers URLs, rotates their secrets, resumes
paused ones, and reads what was delivered (``server/services/webhooks.py``).

``WebhookQuery`` and ``WebhookMutation`` are merged into the root types by the
schema. A secret appears only in ``WebhookRegistered``, the answer of the two
mutations that issue one; no query returns it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from server import domain
from server.db import models
from server.domain import WebhookDeliveryStatus, WebhookStatus
from server.graphql.errors import ErrorType, run_mutation
from server.graphql.pagination import page_args
from server.graphql.types import Ctx
from server.services import webhooks

strawberry.enum(domain.WebhookStatus, description="Whether a webhook receives deliveries.")
strawberry.enum(domain.WebhookDeliveryStatus, description="Whether an event reached a webhook.")


DELIVERIES_PAGE = 50


def _utc(value: dt.datetime) -> dt.datetime:
    """SQLite gives back naive times; every stored time is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _utc_or_none(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else _utc(value)


@strawberry.type(
    description="A URL that receives the tenant's events as signed POST requests "
    "(header X-RuralCredit-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 over "
    '"<t>." + body>), in cursor order, retried until it answers 2xx.'
)
class Webhook:
    id: strawberry.ID
    url: str
    kinds: list[str] = strawberry.field(description="The event kinds it receives.")
    status: WebhookStatus
    paused_reason: str | None = strawberry.field(
        description="Why delivery stopped; resumeWebhook starts it again."
    )
    consecutive_failures: int = strawberry.field(
        description=f"Failed attempts in a row; at {webhooks.MAX_CONSECUTIVE_FAILURES} "
        "the webhook is paused."
    )
    created_at: dt.datetime
    secret_rotated_at: dt.datetime | None
    _row: strawberry.Private[models.WebhookEndpoint]

    @classmethod
    def from_row(cls, r: models.WebhookEndpoint) -> Webhook:
        return cls(
            id=strawberry.ID(str(r.id)),
            url=r.url,
            kinds=[str(k) for k in r.kinds],
            status=r.status,
            paused_reason=r.paused_reason,
            consecutive_failures=r.consecutive_failures,
            created_at=_utc(r.created_at),
            secret_rotated_at=_utc_or_none(r.secret_rotated_at),
            _row=r,
        )

    @strawberry.field
    def status_label(self) -> str:
        return self._row.status.label


@strawberry.type(description="A webhook and its signing secret, shown this once: store it now.")
class WebhookRegistered:
    webhook: Webhook
    secret: str


@strawberry.type(description="One event's delivery to a webhook.")
class WebhookDelivery:
    cursor: str = strawberry.field(description="The event's cursor.")
    status: WebhookDeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime | None = strawberry.field(
        description="When it is tried next (while undelivered)."
    )
    last_error: str | None = strawberry.field(description="What went wrong the last time.")
    last_status_code: int | None = strawberry.field(
        description="The HTTP status of the last attempt, if the receiver answered."
    )
    delivered_at: dt.datetime | None

    @classmethod
    def from_row(cls, r: models.WebhookDelivery) -> WebhookDelivery:
        pending = r.status == WebhookDeliveryStatus.PENDING
        return cls(
            cursor=str(r.cursor),
            status=r.status,
            attempts=r.attempts,
            next_attempt_at=_utc(r.next_attempt_at) if pending else None,
            last_error=r.last_error,
            last_status_code=r.last_status_code,
            delivered_at=_utc_or_none(r.delivered_at),
        )


RegisterWebhookResult = Annotated[
    WebhookRegistered | ErrorType,
    strawberry.union("RegisterWebhookResult"),
]
RotateWebhookSecretResult = Annotated[
    WebhookRegistered | ErrorType,
    strawberry.union("RotateWebhookSecretResult"),
]
ResumeWebhookResult = Annotated[
    Webhook | ErrorType,
    strawberry.union("ResumeWebhookResult"),
]


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="The tenant's webhooks, oldest first (role INTEGRATOR).")
    async def webhooks(self, info: Ctx) -> list[Webhook]:
        ctx = info.context
        async with ctx.db_lock:
            rows = await webhooks.list_webhooks(ctx.session, ctx.tenant_id, ctx.principal.roles)
        return [Webhook.from_row(r) for r in rows]

    @strawberry.field(description="A webhook's deliveries, newest event first (role INTEGRATOR).")
    async def webhook_deliveries(
        self, info: Ctx, webhook_id: strawberry.ID, first: int | None = DELIVERIES_PAGE
    ) -> list[WebhookDelivery]:
        ctx = info.context
        args = page_args(ctx, DELIVERIES_PAGE if first is None else first, None)
        async with ctx.db_lock:
            rows = await webhooks.list_deliveries(
                ctx.session,
                ctx.tenant_id,
                ctx.principal.roles,
                webhook_id=str(webhook_id),
                first=args.first,
            )
        return [WebhookDelivery.from_row(r) for r in rows]


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(
        description="Register a URL (http or https) for the tenant's events, of the kinds "
        "given (all by default), from now on; the answer holds the signing secret, shown "
        "only this once. Role INTEGRATOR."
    )
    async def register_webhook(
        self, info: Ctx, url: str, kinds: list[str] | None = None
    ) -> RegisterWebhookResult:
        ctx = info.context

        async def work() -> WebhookRegistered:
            row, secret = await webhooks.register_webhook(
                ctx.session,
                ctx.tenant_id,
                ctx.principal.user_id,
                ctx.principal.roles,
                url=url,
                kinds=kinds,
            )
            return WebhookRegistered(webhook=Webhook.from_row(row), secret=secret)

        return await run_mutation(ctx, work)

    @strawberry.mutation(
        description="Replace a webhook's secret; deliveries are signed with the new one at "
        "once and the old one stops working. Role INTEGRATOR."
    )
    async def rotate_webhook_secret(
        self, info: Ctx, id: strawberry.ID
    ) -> RotateWebhookSecretResult:
        ctx = info.context

        async def work() -> WebhookRegistered:
            row, secret = await webhooks.rotate_webhook_secret(
                ctx.session, ctx.tenant_id, ctx.principal.roles, webhook_id=str(id)
            )
            return WebhookRegistered(webhook=Webhook.from_row(row), secret=secret)

        return await run_mutation(ctx, work)

    @strawberry.mutation(
        description="Start delivering to a paused webhook again, beginning with the event "
        "it stopped at. Role INTEGRATOR."
    )
    async def resume_webhook(self, info: Ctx, id: strawberry.ID) -> ResumeWebhookResult:
        ctx = info.context

        async def work() -> Webhook:
            row = await webhooks.resume_webhook(
                ctx.session, ctx.tenant_id, ctx.principal.roles, webhook_id=str(id)
            )
            return Webhook.from_row(row)

        return await run_mutation(ctx, work)
