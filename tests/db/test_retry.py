"""Work that owns its transaction runs again, in a fresh one, after a deadlock or a
serialisation failure — a bounded number of times, each retry logged."""

from __future__ import annotations

import logging
import uuid

import pytest
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from server.db import models, retry


class Orig(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


def lost(sqlstate: str) -> DBAPIError:
    return DBAPIError("UPDATE ...", None, Orig(sqlstate))


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (lost("40P01"), "40P01"),
        (lost("40001"), "40001"),
        (lost("23505"), None),
        (ValueError("x"), None),
        (None, None),
    ],
)
def test_transient_sqlstate(error: BaseException | None, expected: str | None) -> None:
    assert retry.transient_sqlstate(error) == expected


def test_a_transient_cause_is_found_through_the_chain() -> None:
    outer = RuntimeError("resolver failed")
    outer.__cause__ = lost("40P01")
    assert retry.transient_sqlstate(outer) == "40P01"


async def _tenants(engine: AsyncEngine, tenant: str) -> int:
    async with AsyncSession(engine) as session:
        found = await session.scalar(
            select(func.count()).select_from(models.Tenant).where(models.Tenant.tenant_id == tenant)
        )
    return int(found or 0)


async def test_work_runs_again_in_a_fresh_transaction(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    """The first run writes and then loses: its row is rolled back, the second run's stays."""
    runs: list[int] = []
    tenant = f"retry-{uuid.uuid4().hex[:8]}"

    async def work(session: AsyncSession) -> int:
        runs.append(len(runs) + 1)
        await session.execute(
            insert(models.Tenant).values(tenant_id=tenant, name="重试", province="测试")
        )
        if len(runs) == 1:
            raise lost("40P01")
        return len(runs)

    caplog.set_level(logging.WARNING, logger="ruralcredit")
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        assert await retry.in_transaction(sessions, work, what="test work") == 2
        assert await _tenants(engine, tenant) == 1
        assert [r.getMessage() for r in caplog.records if r.name == "ruralcredit.db"] == [
            "test work: SQLSTATE 40P01, run again (attempt 2 of 3)"
        ]
    finally:
        async with sessions() as session, session.begin():
            await session.execute(delete(models.Tenant).where(models.Tenant.tenant_id == tenant))


async def test_after_the_last_attempt_the_error_stands(engine: AsyncEngine) -> None:
    runs: list[int] = []

    async def work(_session: AsyncSession) -> None:
        runs.append(1)
        raise lost("40001")

    sessions = async_sessionmaker(engine, expire_on_commit=False)
    with pytest.raises(DBAPIError):
        await retry.in_transaction(sessions, work, what="doomed")
    assert len(runs) == retry.ATTEMPTS


async def test_other_errors_are_not_retried(engine: AsyncEngine) -> None:
    runs: list[int] = []

    async def work(_session: AsyncSession) -> None:
        runs.append(1)
        raise lost("23505")

    with pytest.raises(DBAPIError):
        await retry.in_transaction(async_sessionmaker(engine), work, what="unique")
    assert runs == [1]
