"""The outbox: every grade and customer-class change writes its event in the same
transaction as the change (core.md, Events).

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
from server.domain import CustomerClass, EventKind, TierChangeCause
from server.policy.types import Tier

EVENTS_CHANNEL = "ruralcredit_events"
"""The PostgreSQL NOTIFY channel that wakes every server process (see services.hub)."""


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


def _tier_json(code: str | None, name: str | None, rank: int | None) -> dict[str, Any] | None:
    if code is None:
        return None
    return {"code": code, "name": name, "rank": rank}


def grade_payload(
    *,
    manager_id: uuid.UUID,
    employee_no: str,
    name: str,
    office_id: uuid.UUID,
    from_tier: tuple[str | None, str | None, int | None],
    to_tier: Tier,
    cause: TierChangeCause,
    effective_on: dt.date,
    reason: str | None = None,
    appraisal_id: uuid.UUID | None = None,
    violation_id: uuid.UUID | None = None,
    plugin: str | None = None,
    plugin_version: str | None = None,
) -> dict[str, Any]:
    return {
        "manager": {"id": str(manager_id), "employeeNo": employee_no, "name": name},
        "office": {"id": str(office_id)},
        "from": _tier_json(*from_tier),
        "to": _tier_json(to_tier.code, to_tier.name, to_tier.rank),
        "direction": direction(from_tier[2], to_tier.rank),
        "cause": cause.value,
        "appraisalId": str(appraisal_id) if appraisal_id else None,
        "violationId": str(violation_id) if violation_id else None,
        "reason": reason,
        "plugin": plugin,
        "pluginVersion": plugin_version,
        "effectiveOn": effective_on.isoformat(),
    }


def class_payload(
    *,
    customer_id: uuid.UUID,
    name: str,
    office_id: uuid.UUID,
    from_class: CustomerClass | None,
    to_class: CustomerClass,
    rules: list[Any],
    plugin: str,
    plugin_version: str,
) -> dict[str, Any]:
    return {
        "customer": {"id": str(customer_id), "name": name},
        "office": {"id": str(office_id)},
        "from": from_class.value if from_class else None,
        "to": to_class.value,
        "rules": rules,
        "plugin": plugin,
        "pluginVersion": plugin_version,
    }


def direction(from_rank: int | None, to_rank: int) -> str:
    if from_rank is None:
        return "SET"
    if to_rank > from_rank:
        return "UP"
    return "DOWN" if to_rank < from_rank else "SAME"


async def change_tier(
    session: AsyncSession,
    manager: models.Manager,
    to_tier: Tier,
    *,
    cause: TierChangeCause,
    recorded_by: str,
    reason: str | None = None,
    appraisal_id: uuid.UUID | None = None,
    violation_id: uuid.UUID | None = None,
    plugin: str | None = None,
    plugin_version: str | None = None,
    effective_on: dt.date | None = None,
) -> models.ManagerTierChange:
    """Move a manager to a tier: the history entry and the grade-change event, together."""
    effective = effective_on or dt.date.today()
    change = models.ManagerTierChange(
        tenant_id=manager.tenant_id,
        manager_id=manager.id,
        from_code=manager.tier_code,
        from_rank=manager.tier_rank,
        from_name=manager.tier_name,
        to_code=to_tier.code,
        to_rank=to_tier.rank,
        to_name=to_tier.name,
        cause=cause,
        appraisal_id=appraisal_id,
        violation_id=violation_id,
        reason=reason,
        plugin=plugin,
        plugin_version=plugin_version,
        effective_on=effective,
        recorded_by=recorded_by,
    )
    session.add(change)
    await emit(
        session,
        manager.tenant_id,
        EventKind.GRADE_CHANGED,
        manager.id,
        manager.office_id,
        grade_payload(
            manager_id=manager.id,
            employee_no=manager.employee_no,
            name=manager.name,
            office_id=manager.office_id,
            from_tier=(manager.tier_code, manager.tier_name, manager.tier_rank),
            to_tier=to_tier,
            cause=cause,
            effective_on=effective,
            reason=reason,
            appraisal_id=appraisal_id,
            violation_id=violation_id,
            plugin=plugin,
            plugin_version=plugin_version,
        ),
    )
    manager.tier_code, manager.tier_rank, manager.tier_name = (
        to_tier.code,
        to_tier.rank,
        to_tier.name,
    )
    await session.flush()
    return change


async def class_changed(
    session: AsyncSession,
    customer: models.Customer,
    change: models.CustomerClassChange,
    from_class: CustomerClass | None,
) -> int:
    return await emit(
        session,
        customer.tenant_id,
        EventKind.CUSTOMER_CLASS_CHANGED,
        customer.id,
        customer.office_id,
        class_payload(
            customer_id=customer.id,
            name=customer.name,
            office_id=customer.office_id,
            from_class=from_class,
            to_class=change.to_class,
            rules=change.rules,
            plugin=change.plugin,
            plugin_version=change.plugin_version,
        ),
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


async def latest_cursor(session: AsyncSession, tenant_id: str) -> int:
    found = await session.scalar(
        select(func.max(models.Event.cursor)).where(models.Event.tenant_id == tenant_id)
    )
    return int(found or 0)


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
