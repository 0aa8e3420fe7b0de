"""The request context's reads: a large result is made into objects a part at a time, and
comes back whole and in order."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.db import models
from server.graphql import context as context_module
from server.graphql.context import Context
from server.policy.registry import PolicyRegistry
from server.settings import Settings

from ..conftest import principal


@pytest.mark.parametrize("partition", [7, 200, 100_000])
async def test_scalars_returns_every_row_in_order_whatever_the_partition(
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    registry: PolicyRegistry,
    monkeypatch: pytest.MonkeyPatch,
    partition: int,
) -> None:
    monkeypatch.setattr(context_module, "PARTITION_ROWS", partition)
    context = Context(session, principal(), settings, registry, "test", sessionmaker)
    statement = (
        select(models.Loan).where(models.Loan.tenant_id == "sd-demo").order_by(models.Loan.id)
    )
    expected = [loan.id for loan in (await session.execute(statement)).scalars()]
    assert len(expected) > 200  # the suite's demo tenant: more loans than one partition
    assert [loan.id for loan in await context.scalars(statement)] == expected


async def test_scalars_lets_other_tasks_run_between_partitions(
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    registry: PolicyRegistry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A task that counts how often it runs while a read of 480 rows, 10 at a time, goes on
    runs at least once per partition."""
    monkeypatch.setattr(context_module, "PARTITION_ROWS", 10)
    context = Context(session, principal(), settings, registry, "test", sessionmaker)
    statement = select(models.Loan).where(models.Loan.tenant_id == "sd-demo")
    turns = 0
    done = False

    async def other() -> None:
        nonlocal turns
        while not done:
            turns += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(other())
    rows = await context.scalars(statement)
    done = True
    await task
    assert turns >= len(rows) // 10
