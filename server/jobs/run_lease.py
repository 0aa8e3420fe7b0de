"""An appraisal run's lease: which worker executes it, and for how long.

A worker takes a run (``claim``) when it is QUEUED, or RUNNING with its lease run out
(its worker died); it renews the lease while it works (``keep_lease``, and every write of
progress), and each write holds only while the lease is still its own (``progress``:
else ``LeaseLost``, and the transaction with the chunk's drafts is rolled back). The run's
row, not the job queue, decides who executes a run, on every backend.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from server.db import models
from server.db.engine import SQLITE_IMMEDIATE
from server.domain import RunStatus

CHUNK = 500
"""Managers appraised and written per transaction, unless the settings say otherwise."""
log = logging.getLogger("ruralcredit.jobs.appraisal_run")


@dataclass(frozen=True)
class RunOptions:
    """How a run executes (``RURALCREDIT_RUN_*`` settings, README)."""

    lease_seconds: float = 30.0
    """How long a worker's hold on a run lasts unless renewed (every third of it); a run
    whose lease ran out was interrupted and is taken up again."""
    chunk_size: int = CHUNK
    chunk_pause_seconds: float = 0.0
    """A pause after each chunk, leaving the database to other work during the day."""
    max_attempts: int = 5
    """Takes of a run (the first included) before an interrupted run is closed as FAILED."""

    @classmethod
    def from_settings(cls, settings: Any) -> RunOptions:
        return cls(
            lease_seconds=settings.run_lease_seconds,
            chunk_size=settings.run_chunk_size,
            chunk_pause_seconds=settings.run_chunk_pause_ms / 1000,
            max_attempts=settings.run_max_attempts,
        )


class LeaseLost(Exception):
    """Another worker took the run over (this one's lease ran out): stop, write nothing."""


@contextlib.asynccontextmanager
async def writing(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session in a transaction that writes: on SQLite it takes the write lock at its
    start (waiting within the busy timeout), so that it never fails half-way for a lock."""
    async with sessionmaker() as session, session.begin():
        bind = sessionmaker.kw.get("bind")
        if isinstance(bind, AsyncEngine) and bind.dialect.name == "sqlite":
            await session.connection(execution_options={SQLITE_IMMEDIATE: True})
        yield session


def session_dialect(sessionmaker: async_sessionmaker[AsyncSession]) -> str:
    bind = sessionmaker.kw.get("bind")
    return str(bind.dialect.name) if bind is not None else ""


async def claim(
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_id: str,
    run_id: uuid.UUID,
    owner: str,
    options: RunOptions,
) -> models.AppraisalRun | None:
    """Take the run: QUEUED, or RUNNING with its lease run out. ``None``: not ours."""
    r = models.AppraisalRun
    now = models.now()
    async with writing(sessionmaker) as session:
        result = await session.execute(
            update(r)
            .where(
                r.tenant_id == tenant_id,
                r.id == run_id,
                or_(
                    r.status == RunStatus.QUEUED,
                    and_(
                        r.status == RunStatus.RUNNING,
                        or_(r.lease_until.is_(None), r.lease_until < now),
                    ),
                ),
            )
            .values(
                status=RunStatus.RUNNING,
                lease_owner=owner,
                lease_until=now + dt.timedelta(seconds=options.lease_seconds),
                attempts=r.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if _rowcount(result) != 1:
            return None
        run = await session.get(models.AppraisalRun, (tenant_id, run_id), populate_existing=True)
        assert run is not None
        session.expunge(run)
        return run


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


async def progress(
    session: AsyncSession,
    run: models.AppraisalRun,
    owner: str,
    options: RunOptions,
    **values: Any,
) -> None:
    """Write the run's progress (renewing the lease) if the lease is still this worker's;
    else ``LeaseLost`` rolls the transaction back, the chunk's drafts with it."""
    r = models.AppraisalRun
    values.setdefault("lease_until", models.now() + dt.timedelta(seconds=options.lease_seconds))
    result = await session.execute(
        update(r)
        .where(
            r.tenant_id == run.tenant_id,
            r.id == run.id,
            r.lease_owner == owner,
            r.status == RunStatus.RUNNING,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(result) != 1:
        raise LeaseLost


async def finish(
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_id: str,
    run_id: uuid.UUID,
    owner: str,
    status: RunStatus,
    *,
    problems: list[dict[str, Any]],
) -> None:
    r = models.AppraisalRun
    async with writing(sessionmaker) as session:
        await session.execute(
            update(r)
            .where(r.tenant_id == tenant_id, r.id == run_id, r.lease_owner == owner)
            .values(
                status=status,
                finished_at=models.now(),
                problems=problems,
                lease_owner=None,
                lease_until=None,
            )
            .execution_options(synchronize_session=False)
        )


async def release(
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_id: str,
    run_id: uuid.UUID,
    owner: str,
) -> None:
    """Give the run back to the queue (QUEUED), to be taken again at once."""
    r = models.AppraisalRun
    async with writing(sessionmaker) as session:
        await session.execute(
            update(r)
            .where(r.tenant_id == tenant_id, r.id == run_id, r.lease_owner == owner)
            .values(status=RunStatus.QUEUED, lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )


async def keep_lease(
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_id: str,
    run_id: uuid.UUID,
    owner: str,
    options: RunOptions,
    lost: asyncio.Event,
) -> None:
    """Renew the lease every third of its length while the run works (a long load of the
    inputs included); once it is another's, say so."""
    r = models.AppraisalRun
    while True:
        await asyncio.sleep(options.lease_seconds / 3)
        try:
            async with writing(sessionmaker) as session:
                result = await session.execute(
                    update(r)
                    .where(
                        r.tenant_id == tenant_id,
                        r.id == run_id,
                        r.lease_owner == owner,
                        r.status == RunStatus.RUNNING,
                    )
                    .values(lease_until=models.now() + dt.timedelta(seconds=options.lease_seconds))
                    .execution_options(synchronize_session=False)
                )
        except Exception:
            log.exception("run %s: the lease could not be renewed; trying again", run_id)
            continue
        if _rowcount(result) != 1:
            lost.set()
            return


async def interrupted_runs(
    session: AsyncSession, tenant_id: str | None = None, *, now: dt.datetime | None = None
) -> list[tuple[str, uuid.UUID]]:
    """Runs to hand to a worker: QUEUED ones, and RUNNING ones whose lease ran out (their
    worker died). Of every tenant unless one is named."""
    r = models.AppraisalRun
    now = now or models.now()
    stmt = select(r.tenant_id, r.id).where(
        or_(
            r.status == RunStatus.QUEUED,
            and_(
                r.status == RunStatus.RUNNING,
                or_(r.lease_until.is_(None), r.lease_until < now),
            ),
        )
    )
    if tenant_id is not None:
        stmt = stmt.where(r.tenant_id == tenant_id)
    return [(t, i) for t, i in (await session.execute(stmt.order_by(r.started_at))).all()]
