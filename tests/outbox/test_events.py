"""The outbox: every grade and class change has its event, numbered by a per-tenant cursor that
becomes visible in order, so readers can resume after it without gaps."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from server.db import models
from server.domain import EventKind
from server.outbox import events


async def test_demo_history_has_its_events(session: AsyncSession) -> None:
    for tenant in ("sd-demo", "sx-demo"):
        tiers = await session.scalar(
            select(func.count())
            .select_from(models.ManagerTierChange)
            .where(models.ManagerTierChange.tenant_id == tenant)
        )
        classes = await session.scalar(
            select(func.count())
            .select_from(models.CustomerClassChange)
            .where(models.CustomerClassChange.tenant_id == tenant)
        )
        cursors = list(
            (
                await session.execute(
                    select(models.Event.cursor)
                    .where(models.Event.tenant_id == tenant)
                    .order_by(models.Event.cursor)
                )
            ).scalars()
        )
        assert cursors == list(range(1, int(tiers or 0) + int(classes or 0) + 1))
        counter = await session.get(models.EventCounter, tenant)
        assert counter is not None and counter.last_cursor == len(cursors)


async def test_cursors_become_visible_in_order(engine: AsyncEngine) -> None:
    """A writer holding cursor N makes the next writer wait: a reader never sees N+1
    before N (gap-safe), and a rolled-back cursor is given out again."""
    tenant = f"gap-{uuid.uuid4().hex[:8]}"
    async with engine.begin() as conn:
        await conn.execute(insert(models.Tenant).values(tenant_id=tenant, name="t", province="p"))
    log: list[tuple[str, Any]] = []
    first_holds = asyncio.Event()

    async def writer(name: str, hold: float, commit: bool = True) -> None:
        async with AsyncSession(engine) as session:
            async with session.begin():
                cursor = await events.emit(
                    session, tenant, EventKind.GRADE_CHANGED, uuid.uuid4(), None, {"w": name}
                )
                log.append((name, cursor))
                first_holds.set()
                await asyncio.sleep(hold)
                if not commit:
                    await session.rollback()
                    log.append((name, "rolled back"))
                    return
            log.append((name, "committed"))

    async def visible() -> list[int]:
        async with AsyncSession(engine) as session:
            rows = await session.execute(
                select(models.Event.cursor).where(models.Event.tenant_id == tenant)
            )
            return sorted(rows.scalars())

    try:
        aborted = asyncio.create_task(writer("A", 0.3, commit=False))
        await first_holds.wait()
        later = asyncio.create_task(writer("B", 0.3))
        await asyncio.sleep(0.15)
        assert ("B", 1) not in log and ("B", 2) not in log  # B waits for A to end
        assert await visible() == []
        await aborted
        third = asyncio.create_task(writer("C", 0))
        await later
        await third
        assert ("A", 1) in log
        # A's cursor was given out again, to whichever of B and C got the counter first;
        # the other took 2 only after that one had committed.
        winners = [name for name, cursor in log if cursor == 1 and name != "A"]
        assert len(winners) == 1
        first_name = winners[0]
        second_name = "C" if first_name == "B" else "B"
        assert (second_name, 2) in log
        assert log.index((first_name, "committed")) < log.index((second_name, 2))
        assert await visible() == [1, 2]
    finally:
        async with engine.begin() as conn:
            await conn.execute(delete(models.Event).where(models.Event.tenant_id == tenant))
            await conn.execute(
                delete(models.EventCounter).where(models.EventCounter.tenant_id == tenant)
            )
            await conn.execute(delete(models.Tenant).where(models.Tenant.tenant_id == tenant))
