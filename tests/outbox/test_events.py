"""The outbox: every grade and class change has its event, numbered by a per-tenant cursor that
becomes visible in order, so readers can resume after it without gaps."""

from __future__ import annotations

import asyncio
import contextlib
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


async def _new_tenant(engine: AsyncEngine, prefix: str) -> str:
    tenant = f"{prefix}-{uuid.uuid4().hex[:8]}"
    async with engine.begin() as conn:
        await conn.execute(insert(models.Tenant).values(tenant_id=tenant, name="t", province="p"))
    return tenant


async def _drop_tenant(engine: AsyncEngine, tenant: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(delete(models.Event).where(models.Event.tenant_id == tenant))
        await conn.execute(
            delete(models.EventCounter).where(models.EventCounter.tenant_id == tenant)
        )
        await conn.execute(delete(models.Tenant).where(models.Tenant.tenant_id == tenant))


async def _visible(engine: AsyncEngine, tenant: str) -> list[tuple[int, Any]]:
    async with AsyncSession(engine) as session:
        rows = await session.execute(
            select(models.Event.cursor, models.Event.payload)
            .where(models.Event.tenant_id == tenant)
            .order_by(models.Event.cursor)
        )
        return [(r.cursor, r.payload["w"]) for r in rows]


async def _emit(session: AsyncSession, tenant: str, name: str) -> None:
    await events.emit(session, tenant, EventKind.GRADE_CHANGED, uuid.uuid4(), None, {"w": name})


async def test_writers_do_not_wait_for_each_others_transactions(engine: AsyncEngine) -> None:
    """The cursor is taken at commit: a writer still inside its transaction does not hold
    back another writer of the tenant, and events are numbered in commit order."""
    tenant = await _new_tenant(engine, "busy")
    a_emitted = asyncio.Event()
    b_committed = asyncio.Event()
    try:

        async def slow() -> None:
            async with AsyncSession(engine) as session, session.begin():
                await _emit(session, tenant, "A")
                a_emitted.set()
                await asyncio.wait_for(b_committed.wait(), 10)

        async def quick() -> None:
            await a_emitted.wait()
            async with AsyncSession(engine) as session, session.begin():
                await _emit(session, tenant, "B")
            b_committed.set()

        await asyncio.gather(slow(), quick())
        assert await _visible(engine, tenant) == [(1, "B"), (2, "A")]
    finally:
        await _drop_tenant(engine, tenant)


async def test_cursors_become_visible_in_order(engine: AsyncEngine) -> None:
    """A transaction that has taken cursor N makes the next one's commit wait: a reader
    never sees N+1 before N (gap-safe), and a rolled-back cursor is given out again."""
    tenant = await _new_tenant(engine, "gap")
    log: list[tuple[str, Any]] = []
    first_holds = asyncio.Event()

    async def holder() -> None:
        async with AsyncSession(engine) as session, session.begin():
            await _emit(session, tenant, "A")
            # Reading the events table writes the waiting event: the cursor is taken.
            seen = await _visible_in(session, tenant)
            log.append(("A", seen))
            first_holds.set()
            await asyncio.sleep(0.3)
            await session.rollback()
            log.append(("A", "rolled back"))

    async def committer() -> None:
        await first_holds.wait()
        async with AsyncSession(engine) as session:
            async with session.begin():
                await _emit(session, tenant, "B")
            log.append(("B", "committed"))

    try:
        await asyncio.gather(holder(), committer())
        assert log == [("A", [1]), ("A", "rolled back"), ("B", "committed")]
        assert await _visible(engine, tenant) == [(1, "B")]
    finally:
        await _drop_tenant(engine, tenant)


async def _visible_in(session: AsyncSession, tenant: str) -> list[int]:
    rows = await session.execute(
        select(models.Event.cursor).where(models.Event.tenant_id == tenant)
    )
    return sorted(rows.scalars())


async def test_a_rolled_back_savepoint_drops_its_events(engine: AsyncEngine) -> None:
    tenant = await _new_tenant(engine, "sp")
    try:
        async with AsyncSession(engine) as session, session.begin():
            await _emit(session, tenant, "kept")
            with contextlib.suppress(RuntimeError):
                async with session.begin_nested():
                    await _emit(session, tenant, "dropped")
                    async with session.begin_nested():
                        await _emit(session, tenant, "inner")
                    raise RuntimeError("refused")
            async with session.begin_nested():
                await _emit(session, tenant, "released")
        assert await _visible(engine, tenant) == [(1, "kept"), (2, "released")]
    finally:
        await _drop_tenant(engine, tenant)


async def test_a_rolled_back_transaction_writes_no_events(engine: AsyncEngine) -> None:
    tenant = await _new_tenant(engine, "rb")
    try:
        async with AsyncSession(engine) as session:
            async with session.begin():
                await _emit(session, tenant, "gone")
                await session.rollback()
            async with session.begin():
                await _emit(session, tenant, "next")
        async with AsyncSession(engine) as session:
            await session.connection()
            await _emit(session, tenant, "closed without commit")
        assert await _visible(engine, tenant) == [(1, "next")]
    finally:
        await _drop_tenant(engine, tenant)


async def test_a_transaction_reads_its_own_events(engine: AsyncEngine) -> None:
    tenant = await _new_tenant(engine, "own")
    try:
        async with AsyncSession(engine) as session, session.begin():
            await _emit(session, tenant, "one")
            await _emit(session, tenant, "two")
            assert await events.latest_cursor(session, tenant) == 2
            await _emit(session, tenant, "three")
            # An ORM query of the rows themselves (an annotated table) sees them too.
            rows = await session.scalars(
                select(models.Event).where(models.Event.tenant_id == tenant)
            )
            assert sorted(e.cursor for e in rows) == [1, 2, 3]
        found = await _visible(engine, tenant)
        assert found == [(1, "one"), (2, "two"), (3, "three")]
        async with AsyncSession(engine) as session:
            rows = await events.all_events_after(session, tenant, 0, 10)
        assert [e.payload["cursor"] for e in rows] == ["1", "2", "3"]
    finally:
        await _drop_tenant(engine, tenant)
