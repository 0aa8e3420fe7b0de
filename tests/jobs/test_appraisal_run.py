"""The appraisal run job: where the computed indicators' aggregations run; starting a run,
its lease, resuming it."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from server.db import models
from server.db.queries.appraisals import delete_drafts
from server.db.queries.indicators import ManagerFigures
from server.domain import Role, RunStatus
from server.errors import RunInProgress
from server.jobs import run_lease
from server.jobs.appraisal_run import RunOptions, concurrent_aggregations, execute_run, start_run
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.indicators import Aggregation, one_after_another

MANAGER = uuid.UUID(int=1)


def _recording(count: int) -> tuple[list[Aggregation], list[AsyncSession]]:
    """Aggregations that note the session they ran on and return their position."""
    used: list[AsyncSession] = []

    def aggregation(position: int) -> Aggregation:
        async def run(session: AsyncSession) -> ManagerFigures:
            used.append(session)
            return {MANAGER: {"position": Decimal(position)}}

        return run

    return [aggregation(i) for i in range(count)], used


def _positions(results: list[ManagerFigures]) -> list[Decimal]:
    return [figures[MANAGER]["position"] for figures in results]


async def test_in_turn_on_the_callers_session(session: AsyncSession) -> None:
    aggregations, used = _recording(3)
    results = await one_after_another(session, aggregations)
    assert _positions(results) == [0, 1, 2]
    assert used == [session] * 3


async def test_a_single_connection_runs_them_in_turn(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession
) -> None:
    aggregations, used = _recording(3)
    results = await concurrent_aggregations(sessionmaker)(session, aggregations)
    assert _positions(results) == [0, 1, 2]
    assert used == [session] * 3


async def test_an_engine_on_postgresql_gives_each_its_own_session(
    engine: AsyncEngine, session: AsyncSession
) -> None:
    aggregations, used = _recording(3)
    own = async_sessionmaker(engine, expire_on_commit=False)
    results = await concurrent_aggregations(own)(session, aggregations)
    assert _positions(results) == [0, 1, 2]
    if engine.dialect.name == "postgresql":
        assert session not in used
        assert len(set(map(id, used))) == 3
    else:
        assert used == [session] * 3


# --- starting, leasing and resuming a run ----------------------------------------------

HR = Principal("sd-demo", "hr-run", frozenset({Role.HR}))


async def _lease(session: AsyncSession, run_id: uuid.UUID, owner: str, seconds: float) -> None:
    await session.execute(
        update(models.AppraisalRun)
        .where(models.AppraisalRun.tenant_id == "sd-demo", models.AppraisalRun.id == run_id)
        .values(
            status=RunStatus.RUNNING,
            lease_owner=owner,
            lease_until=models.now() + dt.timedelta(seconds=seconds),
        )
    )
    await session.commit()


async def _row(session: AsyncSession, run_id: uuid.UUID) -> models.AppraisalRun:
    row = await session.get(models.AppraisalRun, ("sd-demo", run_id), populate_existing=True)
    assert row is not None
    return row


async def test_a_second_start_of_the_period_names_the_unfinished_run(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    run = await start_run(session, registry, HR, period="2026")
    assert (run.status, run.attempts) == (RunStatus.QUEUED, 0)
    with pytest.raises(RunInProgress) as refused:
        await start_run(session, registry, HR, period="2026")
    assert (refused.value.run_id, refused.value.code, refused.value.field) == (
        run.id,
        "RUN_IN_PROGRESS",
        "period",
    )
    other = await start_run(session, registry, HR, period="2026-Q1")
    assert other.id != run.id


async def test_the_unique_index_refuses_a_second_unfinished_run(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    """What decides between two concurrent starts: the second insert, past the check."""
    run = await start_run(session, registry, HR, period="2026")
    twin = models.AppraisalRun(
        tenant_id="sd-demo",
        period="2026",
        status=RunStatus.RUNNING,
        plugin=run.plugin,
        plugin_version=run.plugin_version,
        started_by="other",
        cohort={},
        problems=[],
    )
    savepoint = await session.begin_nested()
    session.add(twin)
    with pytest.raises(IntegrityError):
        await session.flush()
    await savepoint.rollback()


async def test_a_run_held_by_a_live_lease_is_not_taken(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, registry: PolicyRegistry
) -> None:
    run = await start_run(session, registry, HR, period="2026")
    await _lease(session, run.id, "alive", 60)
    assert await execute_run(sessionmaker, registry, "sd-demo", run.id) is None
    row = await _row(session, run.id)
    assert (row.lease_owner, row.attempts, row.managers_done) == ("alive", 0, 0)


async def test_an_interrupted_run_resumes_and_skips_what_it_drafted(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, registry: PolicyRegistry
) -> None:
    run = await start_run(session, registry, HR, period="2026")
    await session.commit()
    assert await execute_run(sessionmaker, registry, "sd-demo", run.id) is RunStatus.DONE
    a = models.Appraisal
    drafts = {
        row.manager_id: row.id
        for row in (
            await session.execute(select(a).where(a.tenant_id == "sd-demo", a.run_id == run.id))
        ).scalars()
    }
    assert drafts, "the demo tenant has managers placed without figures"
    # As if the worker had died half-way: some drafts written, the lease run out.
    kept, lost = sorted(drafts)[: len(drafts) // 2], sorted(drafts)[len(drafts) // 2 :]
    await delete_drafts(session, "sd-demo", "2026", lost)
    await _lease(session, run.id, "dead", -1)
    assert await execute_run(sessionmaker, registry, "sd-demo", run.id) is RunStatus.DONE
    row = await _row(session, run.id)
    after = {
        r.manager_id: r.id
        for r in (
            await session.execute(select(a).where(a.tenant_id == "sd-demo", a.period == "2026"))
        ).scalars()
    }
    assert set(after) == set(drafts)
    assert all(after[mid] == drafts[mid] for mid in kept)
    assert all(after[mid] != drafts[mid] for mid in lost)
    assert (row.status, row.attempts, row.lease_owner) == (RunStatus.DONE, 2, None)
    assert row.managers_done == len(drafts)
    assert row.managers_done + row.managers_skipped == row.managers_total


async def test_a_run_interrupted_too_often_is_closed(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, registry: PolicyRegistry
) -> None:
    run = await start_run(session, registry, HR, period="2026")
    await session.execute(
        update(models.AppraisalRun)
        .where(models.AppraisalRun.id == run.id)
        .values(attempts=RunOptions().max_attempts)
    )
    await _lease(session, run.id, "dead", -1)
    assert await execute_run(sessionmaker, registry, "sd-demo", run.id) is RunStatus.FAILED
    row = await _row(session, run.id)
    assert row.status is RunStatus.FAILED and row.finished_at is not None
    assert row.problems[-1]["error"] == "INTERRUPTED"
    # Closed, the period may be run again.
    assert (await start_run(session, registry, HR, period="2026")).id != run.id


async def test_a_worker_whose_lease_was_taken_over_stops(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, registry: PolicyRegistry
) -> None:
    """Another worker took the run after this one's lease ran out: this one's next write
    finds the lease not its own, and nothing of that transaction is written."""
    run = await start_run(session, registry, HR, period="2026")
    await session.commit()
    calls = 0
    real = run_lease.progress

    async def taken_over(*args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            async with sessionmaker() as other:
                await _lease(other, run.id, "another", 60)
        await real(*args, **kwargs)

    run_lease.progress = taken_over  # type: ignore[assignment]
    try:
        options = RunOptions(chunk_size=1)
        assert await execute_run(sessionmaker, registry, "sd-demo", run.id, options=options) is None
    finally:
        run_lease.progress = real  # type: ignore[assignment]
    row = await _row(session, run.id)
    assert (row.status, row.lease_owner, row.managers_done) == (RunStatus.RUNNING, "another", 0)
    drafted = await session.scalar(select(func.count()).where(models.Appraisal.run_id == run.id))
    assert drafted == 0
