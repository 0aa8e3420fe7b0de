"""The outbox and its delivery: events, the per-tenant cursor counter, webhooks."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from server import domain
from server.db.models.base import (
    Base,
    Json,
    TenantId,
    created_column,
    enum_column,
    id_column,
)


class Event(Base):
    """The outbox: one row per grade or class change, written with the change."""

    __tablename__ = "events"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    cursor: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[domain.EventKind] = mapped_column(enum_column(domain.EventKind, "kind"))
    subject_id: Mapped[uuid.UUID]
    office_id: Mapped[uuid.UUID | None]
    payload: Mapped[dict[str, Any]] = mapped_column(Json)
    occurred_at: Mapped[dt.datetime] = created_column()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "cursor"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.tenant_id"]),
        Index(None, "tenant_id", "kind", "cursor"),
    )


class EventCounter(Base):
    """The last event cursor handed out per tenant.

    Taking cursors updates this row, whose lock is held until the transaction
    ends: a transaction with cursor N+1 cannot commit before the one holding N has
    ended, so cursors become visible in order and a reader that resumes after N
    never misses an event committed later with a smaller number. A rolled-back
    transaction gives its cursors back. The row is taken as late as possible —
    just before the commit, after every other write of the transaction (see
    ``server.outbox.events``) — so it is held only for the commit itself.
    """

    __tablename__ = "event_counters"
    tenant_id: Mapped[str] = mapped_column(TenantId, primary_key=True)
    last_cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    __table_args__ = (ForeignKeyConstraint(["tenant_id"], ["tenants.tenant_id"]),)


class WebhookEndpoint(Base):
    """An integrator's URL that receives the tenant's events, signed with its secret.

    The secret is kept in the clear because every delivery is signed with it; the
    API shows it only when it is issued (registration, rotation). Deliveries are
    created for events after ``enqueued_through``, which starts at the tenant's
    last cursor when the endpoint is registered: an endpoint receives what happens
    from then on (the event queries serve the history).
    """

    __tablename__ = "webhook_endpoints"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = id_column()
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    # The EventKind values wanted.
    kinds: Mapped[list[Any]] = mapped_column(Json, default=list)
    status: Mapped[domain.WebhookStatus] = mapped_column(
        enum_column(domain.WebhookStatus, "status")
    )
    paused_reason: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    enqueued_through: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = created_column()
    secret_rotated_at: Mapped[dt.datetime | None]
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.tenant_id"]),
    )


class WebhookDelivery(Base):
    """One event to send to one endpoint: sent in cursor order, retried until delivered."""

    __tablename__ = "webhook_deliveries"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = id_column()
    endpoint_id: Mapped[uuid.UUID]
    cursor: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[domain.WebhookDeliveryStatus] = mapped_column(
        enum_column(domain.WebhookDeliveryStatus, "status")
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the next attempt may start; while one is in flight, the end of its lease.
    next_attempt_at: Mapped[dt.datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    delivered_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = created_column()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(
            ["tenant_id", "endpoint_id"],
            ["webhook_endpoints.tenant_id", "webhook_endpoints.id"],
        ),
        ForeignKeyConstraint(["tenant_id", "cursor"], ["events.tenant_id", "events.cursor"]),
        UniqueConstraint("tenant_id", "endpoint_id", "cursor"),
        Index(None, "tenant_id", "endpoint_id", "status", "cursor"),
    )
