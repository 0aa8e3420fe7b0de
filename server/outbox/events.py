"""Event rows: cursors, writing an event with its change, and reading events back.

Cursors are strictly increasing per tenant and gap-safe: see
:class:`server.db.models.EventCounter`.

:func:`emit` does not write the row at once: the event waits in the session until
the transaction commits, and just before the commit (after the session's last
flush) the transaction takes its cursors from the tenant's counter row and
inserts its events. The counter row is therefore locked last and only for the
commit itself: concurrent writers of one tenant do not wait for each other's
whole transaction, and no transaction waits for another row while holding the
counter (so the counter is never part of a deadlock). An event emitted inside a
savepoint that is rolled back is dropped with it. A query of the events table in
the same session first writes the waiting events (as an ORM autoflush does), so
a transaction reads its own events.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, event, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.sql import ClauseElement, Executable, TableClause, visitors

from server.db import models
from server.domain import EventKind
from server.errors import BadQueryArgument

EVENTS_CHANNEL = "ruralcredit_events"
"""The PostgreSQL NOTIFY channel that wakes every server process (see server.outbox.hub)."""

MAX_CURSOR = 2**63 - 1
"""The largest cursor a column of BIGINT holds."""
CURSOR_TEXT = re.compile(r"^[0-9]{1,19}$")

PENDING = "ruralcredit_pending_events"
"""The ``Session.info`` key of the events emitted and not yet written."""


def parse_cursor(text: str, field: str = "after") -> int:
    """A cursor a client sent back: ASCII digits, 0 up to ``MAX_CURSOR``."""
    if not CURSOR_TEXT.match(text) or int(text) > MAX_CURSOR:
        raise BadQueryArgument(
            field, f"{field} must be an event cursor: digits 0–9, at most {MAX_CURSOR}"
        )
    return int(text)


@dataclass(frozen=True)
class PendingEvent:
    """An emitted event waiting for its cursor, with the transaction it was emitted in."""

    transaction: SessionTransaction
    tenant_id: str
    kind: EventKind
    subject_id: uuid.UUID
    office_id: uuid.UUID | None
    payload: dict[str, Any]
    occurred_at: dt.datetime


def _pending(session: Session) -> list[PendingEvent]:
    found: list[PendingEvent] = session.info.setdefault(PENDING, [])
    return found


def take_cursors(session: Session, tenant_id: str, count: int) -> int:
    """Take ``count`` cursors for the tenant; the last one taken is returned.

    The counter row stays locked until the transaction ends (see ``EventCounter``).
    """
    counters: Table = models.EventCounter.__table__  # type: ignore[assignment]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(
            postgresql.insert(counters)
            .values(tenant_id=tenant_id, last_cursor=0)
            .on_conflict_do_nothing()
        )
    elif dialect == "sqlite":
        session.execute(
            sqlite.insert(counters)
            .values(tenant_id=tenant_id, last_cursor=0)
            .on_conflict_do_nothing()
        )
    else:  # pragma: no cover - the two databases above are the ones supported
        raise RuntimeError(f"unsupported database {dialect}")
    taken = session.execute(
        update(counters)
        .where(counters.c.tenant_id == tenant_id)
        .values(last_cursor=counters.c.last_cursor + count)
        .returning(counters.c.last_cursor)
    )
    return int(taken.scalar_one())


def write_pending(session: Session) -> list[int]:
    """Number and insert the session's waiting events, oldest first; their cursors.

    Called just before commit (and before a read of the events table); with nothing
    waiting it takes no lock.
    """
    waiting = _pending(session)
    if not waiting:
        return []
    del session.info[PENDING]
    written: list[int] = []
    by_tenant: dict[str, list[PendingEvent]] = {}
    for pending in waiting:
        by_tenant.setdefault(pending.tenant_id, []).append(pending)
    for tenant_id in sorted(by_tenant):
        batch = by_tenant[tenant_id]
        last = take_cursors(session, tenant_id, len(batch))
        rows = [
            event_row(
                tenant_id,
                last - len(batch) + 1 + i,
                p.kind,
                p.subject_id,
                p.office_id,
                p.payload,
                p.occurred_at,
            )
            for i, p in enumerate(batch)
        ]
        session.execute(insert(models.Event), rows)
        written.extend(r["cursor"] for r in rows)
        if session.get_bind().dialect.name == "postgresql":
            # Delivered to every listening server process if, and only when, this commits.
            session.execute(select(func.pg_notify(EVENTS_CHANNEL, tenant_id)))
    return written


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint released: its events wait for the transaction's commit
    if _pending(session):
        # Every other row lock of the transaction first, the counter last.
        session.flush()
        write_pending(session)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    waiting = session.info.get(PENDING)
    if waiting:
        session.info[PENDING] = [p for p in waiting if not _within(p.transaction, previous)]


@event.listens_for(Session, "after_transaction_end")
def _after_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(PENDING, None)


@event.listens_for(Session, "do_orm_execute")
def _before_reading_events(state: ORMExecuteState) -> None:
    if state.session.info.get(PENDING) and _reads_events(state.statement):
        write_pending(state.session)


def _reads_events(statement: Executable) -> bool:
    events_table = models.Event.__table__
    if not isinstance(statement, ClauseElement):
        return False
    # An ORM statement names the table through an annotated copy: compare the original.
    return any(
        element is events_table
        or (isinstance(element, TableClause) and element._deannotate() is events_table)
        for element in visitors.iterate(statement)
    )


def _within(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


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
) -> None:
    """Record an event of the change being made; it is numbered and written at commit
    (or rolled back with the change)."""
    await session.connection()  # the transaction has begun
    sync = session.sync_session
    transaction = sync.get_nested_transaction() or sync.get_transaction()
    assert transaction is not None
    _pending(sync).append(
        PendingEvent(transaction, tenant_id, kind, subject_id, office_id, payload, models.now())
    )


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


async def head_cursors(
    session: AsyncSession, tenant_id: str, kinds: Sequence[EventKind]
) -> dict[EventKind, int]:
    """The newest cursor of each kind (0 for none yet), in one statement of index look-ups."""
    e = models.Event

    def newest(kind: EventKind) -> Any:
        return (
            select(func.max(e.cursor))
            .where(e.tenant_id == tenant_id, e.kind == kind)
            .scalar_subquery()
        )

    row = (await session.execute(select(*(newest(k) for k in kinds)))).one()
    return {kind: int(found or 0) for kind, found in zip(kinds, row, strict=True)}
