"""Event rows: cursors, writing an event with its change, and reading events back.

Cursors are strictly increasing per tenant and gap-safe: see
:class:`server.db.models.EventCounter`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import EventKind

EVENTS_CHANNEL = "ruralcredit_events"
"""The PostgreSQL NOTIFY channel that wakes every server process (see server.outbox.hub)."""


async def next_cursor(session: AsyncSession, tenant_id: str) -> int:
    counters: Table = models.EventCounter.__table__  # type: ignore[assignment]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        await session.execute(
            postgresql.insert(counters)
            .values(tenant_id=tenant_id, last_cursor=0)
            .on_conflict_do_nothing()
        )
    elif dialect == "sqlite":
        await session.execute(
            sqlite.insert(counters)
            .values(tenant_id=tenant_id, last_cursor=0)
            .on_conflict_do_nothing()
        )
    else:  # pragma: no cover - the two databases above are the ones supported
        raise RuntimeError(f"unsupported database {dialect}")
    taken = await session.execute(
        update(counters)
        .where(counters.c.tenant_id == tenant_id)
        .values(last_cursor=counters.c.last_cursor + 1)
        .returning(counters.c.last_cursor)
    )
    return int(taken.scalar_one())


def event_row(
    tenant_id: str,
    cursor: int,
    kind: EventKind,
    subject_id: uuid.UUID,
    office_id: uuid.UUID | None,
    payload: dict[str, Any],
    occurred_at: dt.datetime,
) -> dict[str, Any]:
    """An outbox row; the payload is what integrators receive, as sent."""
    return {
        "tenant_id": tenant_id,
        "cursor": cursor,
        "kind": kind,
        "subject_id": subject_id,
        "office_id": office_id,
        "payload": {
            "cursor": str(cursor),
            "kind": kind.value,
            "tenant": tenant_id,
            **payload,
            "occurredAt": occurred_at.isoformat(),
        },
        "occurred_at": occurred_at,
    }


async def emit(
    session: AsyncSession,
    tenant_id: str,
    kind: EventKind,
    subject_id: uuid.UUID,
    office_id: uuid.UUID | None,
    payload: dict[str, Any],
) -> int:
    cursor = await next_cursor(session, tenant_id)
    row = event_row(tenant_id, cursor, kind, subject_id, office_id, payload, models.now())
    await session.execute(insert(models.Event).values(**row))
    if session.get_bind().dialect.name == "postgresql":
        # Delivered to every listening server process if, and only when, this commits.
        await session.execute(select(func.pg_notify(EVENTS_CHANNEL, tenant_id)))
    return cursor


async def events_after(
    session: AsyncSession, tenant_id: str, kind: EventKind, after: int, first: int
) -> list[models.Event]:
    rows = await session.execute(
        select(models.Event)
        .where(
            models.Event.tenant_id == tenant_id,
            models.Event.kind == kind,
            models.Event.cursor > after,
        )
        .order_by(models.Event.cursor)
        .limit(first)
    )
    return list(rows.scalars())


async def all_events_after(
    session: AsyncSession, tenant_id: str, after: int, first: int
) -> list[models.Event]:
    rows = await session.execute(
        select(models.Event)
        .where(models.Event.tenant_id == tenant_id, models.Event.cursor > after)
        .order_by(models.Event.cursor)
        .limit(first)
    )
    return list(rows.scalars())


async def latest_cursor(session: AsyncSession, tenant_id: str) -> int:
    found = await session.scalar(
        select(func.max(models.Event.cursor)).where(models.Event.tenant_id == tenant_id)
    )
    return int(found or 0)
