"""Types of events: a grade or class change as integrators receive it, and webhooks.

A webhook's secret appears only in ``WebhookRegistered``, the answer of the two
mutations that issue one; no query returns it.
"""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON

from server.db import models
from server.graphql.enums import WebhookDeliveryStatus, WebhookStatus
from server.graphql.events.data import EventData, event_data
from server.services.webhooks import MAX_CONSECUTIVE_FAILURES


@strawberry.type(description="A grade or customer-class change, as integrators receive it.")
class ChangeEvent:
    cursor: str = strawberry.field(description="Strictly increasing per tenant; resume after it.")
    kind: str
    occurred_at: dt.datetime
    payload: JSON = strawberry.field(
        description="The event as webhook receivers get it.", deprecation_reason="use data"
    )
    data: EventData = strawberry.field(
        description="The payload typed: GradeChangedData or CustomerClassChangedData, by kind."
    )

    @classmethod
    def from_row(cls, r: models.Event) -> ChangeEvent:
        return cls(
            cursor=str(r.cursor),
            kind=r.kind.value,
            occurred_at=r.occurred_at,
            payload=JSON(r.payload),
            data=event_data(r.kind, r.payload),
        )


@strawberry.type(description="Events after a cursor, oldest first.")
class EventPage:
    events: list[ChangeEvent]
    latest_cursor: str | None = strawberry.field(
        description="The cursor to store and resume after (the last event's, or the one given)."
    )
    has_more: bool


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
        description=f"Failed attempts in a row; at {MAX_CONSECUTIVE_FAILURES} "
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
            created_at=r.created_at,
            secret_rotated_at=r.secret_rotated_at,
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
    last_error: str | None = strawberry.field(
        description="What went wrong the last time: the HTTP status (HTTP 503) or a short "
        "cause (no answer, connection refused, refused: address not allowed); never the "
        "receiver's answer."
    )
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
            next_attempt_at=r.next_attempt_at if pending else None,
            last_error=r.last_error,
            last_status_code=r.last_status_code,
            delivered_at=r.delivered_at,
        )
