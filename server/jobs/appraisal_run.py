"""The appraisal run: every appraisable manager of a tenant for one period, as a job.

``start_run`` records the run (QUEUED) in the caller's transaction — the request's —
refusing a second unfinished run of the same tenant and period (``RunInProgress``; the
partial unique index ``uq_appraisal_runs_active`` decides between concurrent starts).
Once that transaction is committed the run is handed to the job backend
(``server.jobs.backends``), which calls ``execute_run`` in a worker or in the server.

``execute_run`` owns its transactions, short ones: it takes the run's lease (a run QUEUED,
or RUNNING with its lease run out: interrupted), renews it while it works, loads the
inputs once (the computed indicators' aggregations at the same time on connections of
their own on PostgreSQL), then appraises and writes drafts in chunks, each chunk's drafts
and the run's progress in one transaction that holds only while the lease is still its
own. A resumed run skips the managers it already drafted, so at the end there is one
draft per manager. A domain error fails the run (status FAILED, with the error); an
unexpected one gives the lease back, and the backend tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from server.db import models
from server.db.engine import SQLITE_IMMEDIATE
from server.db.queries.appraisals import confirmed_managers, delete_drafts
from server.db.queries.indicators import ManagerFigures
from server.domain import AppraisalStatus, RunStatus
from server.errors import DomainError, MissingInputs, RunInProgress
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.access import authorize
from server.services.appraisal.drafts import appraise_manager, write_drafts
from server.services.appraisal.inputs import grading_selection, prepare
from server.services.appraisal.stored import to_json
from server.services.indicators import Aggregation, AggregationRunner, one_after_another
from server.services.separation import OWN_RECORD

CHUNK = 500
"""Managers appraised and written per transaction, unless the settings say otherwise."""
ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)
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


@dataclass
class RunTimings:
    """Where a batch run spent its time, in seconds."""

    sql: float = 0.0
    """Loading inputs: SQL aggregation and recorded figures (with the cohort figures)."""
    plugin: float = 0.0
    """Building each manager's input and calling the plugin."""
    write: float = 0.0
    """Storing drafts, items and progress."""


def concurrent_aggregations(sessionmaker: async_sessionmaker[AsyncSession]) -> AggregationRunner:
    """Run the aggregations at the same time, each on a connection of its own, on PostgreSQL
    (each scans the book once; the server has cores to spare). A sessionmaker bound to a
    single connection (as in tests), SQLite or a single aggregation run in turn instead."""

    async def run(
        session: AsyncSession, aggregations: Sequence[Aggregation]
    ) -> list[ManagerFigures]:
        parallel = (
            isinstance(sessionmaker.kw.get("bind"), AsyncEngine)
            and session.get_bind().dialect.name == "postgresql"
            and len(aggregations) > 1
        )
        if not parallel:
            return await one_after_another(session, aggregations)

        async def on_own_connection(aggregation: Aggregation) -> ManagerFigures:
            async with sessionmaker() as own, own.begin():
                return await aggregation(own)

        return list(await asyncio.gather(*(on_own_connection(a) for a in aggregations)))

    return run


async def start_run(
    session: AsyncSession, registry: PolicyRegistry, actor: Principal, *, period: str
) -> models.AppraisalRun:
    """Record a QUEUED run of the actor's tenant for ``period`` in the caller's transaction.

    Refused with ``RunInProgress`` (naming the unfinished run) while another run of the
    tenant and period is queued or running; of two starts at the same time, the unique
    index lets one insert through and the other, waiting for it, finds its run."""
    authorize(actor, "runAppraisals")
    tenant_id = actor.tenant_id
    chosen = await grading_selection(session, registry, tenant_id)
    active = await active_run(session, tenant_id, period)
    if active is not None:
        raise RunInProgress(active.id, period)
    run = models.AppraisalRun(
        tenant_id=tenant_id,
        period=period,
        status=RunStatus.QUEUED,
        plugin=chosen.plugin,
        plugin_version=chosen.version,
        started_by=actor.user_id,
        started_by_manager=actor.manager,
        managers_total=0,
        managers_done=0,
        managers_skipped=0,
        cohort={},
        problems=[],
        attempts=0,
    )
    try:
        async with session.begin_nested():
            session.add(run)
            await session.flush()
    except IntegrityError:
        active = await active_run(session, tenant_id, period)
        if active is None:
            raise
        raise RunInProgress(active.id, period) from None
    return run


async def active_run(
    session: AsyncSession, tenant_id: str, period: str
) -> models.AppraisalRun | None:
    """The tenant's queued or running run of the period, if one."""
    r = models.AppraisalRun
    row: models.AppraisalRun | None = await session.scalar(
        select(r).where(r.tenant_id == tenant_id, r.period == period, r.status.in_(ACTIVE))
    )
    return row


@contextlib.asynccontextmanager
async def writing(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session in a transaction that writes: on SQLite it takes the write lock at its
    start (waiting within the busy timeout), so that it never fails half-way for a lock."""
    async with sessionmaker() as session, session.begin():
        bind = sessionmaker.kw.get("bind")
        if isinstance(bind, AsyncEngine) and bind.dialect.name == "sqlite":
            await session.connection(execution_options={SQLITE_IMMEDIATE: True})
        yield session


async def run_appraisals(
    sessionmaker: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
    actor: Principal,
    *,
    period: str,
    today: dt.date | None = None,
    timings: RunTimings | None = None,
    options: RunOptions | None = None,
) -> uuid.UUID:
    """Start a run and execute it here and now (the command line's ``appraise``, benches):
    the same two steps as ``runAppraisals`` and its job, without a queue."""
    async with writing(sessionmaker) as session:
        run = await start_run(session, registry, actor, period=period)
        run_id = run.id
    await execute_run(
        sessionmaker,
        registry,
        actor.tenant_id,
        run_id,
        today=today,
        timings=timings,
        options=options,
        actor=actor,
    )
    return run_id


async def execute_run(
    sessionmaker: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
    tenant_id: str,
    run_id: uuid.UUID,
    *,
    today: dt.date | None = None,
    timings: RunTimings | None = None,
    options: RunOptions | None = None,
    actor: Principal | None = None,
) -> RunStatus | None:
    """Execute (or resume) a run; the job function of every backend.

    Returns the run's final status, or ``None`` when the run is not this call's to execute
    (finished, or held by another worker's live lease). Idempotent and restartable: a run
    replaces the drafts of the period, never touches confirmed appraisals (nor those under
    appeal), and once interrupted skips, when taken up again, the managers it drafted. A
    manager with missing inputs is skipped and listed in the run's problems; so is the
    own manager record of whoever started the run (nobody appraises themselves: another HR
    person runs ``runAppraisal`` for it), which still counts in the tenant-wide figures.
    The one who started the run is recorded as who computed its drafts."""
    options = options or RunOptions()
    timings = timings if timings is not None else RunTimings()
    owner = uuid.uuid4().hex
    run = await _claim(sessionmaker, tenant_id, run_id, owner, options)
    if run is None:
        return None
    if run.attempts > options.max_attempts:
        await _finish(
            sessionmaker,
            tenant_id,
            run_id,
            owner,
            RunStatus.FAILED,
            problems=[
                *run.problems,
                {
                    "error": "INTERRUPTED",
                    "message": f"interrupted {run.attempts - 1} times; start the run again",
                },
            ],
        )
        return RunStatus.FAILED
    starter = actor or Principal(
        tenant_id, run.started_by, frozenset(), manager=run.started_by_manager
    )
    lost = asyncio.Event()
    keeper = asyncio.create_task(_keep_lease(sessionmaker, tenant_id, run_id, owner, options, lost))
    try:
        await _work(sessionmaker, registry, run, owner, starter, today, timings, options, lost)
    except LeaseLost:
        log.warning("run %s: taken over by another worker; this one stops", run_id)
        return None
    except DomainError as error:
        await _finish(
            sessionmaker,
            tenant_id,
            run_id,
            owner,
            RunStatus.FAILED,
            problems=[{"error": error.code, "message": error.message}],
        )
        return RunStatus.FAILED
    except BaseException:
        # Give the run back at once (the backend tries again), unless the process is
        # going away as a whole: then the lease runs out and the run is taken up later.
        with contextlib.suppress(Exception):
            await _release(sessionmaker, tenant_id, run_id, owner)
        raise
    finally:
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper
    if session_dialect(sessionmaker) == "postgresql":
        # As after any bulk load: fresh statistics keep later plans sane.
        async with sessionmaker() as session, session.begin():
            await session.execute(text("ANALYZE appraisals, appraisal_items"))
    return RunStatus.DONE


def session_dialect(sessionmaker: async_sessionmaker[AsyncSession]) -> str:
    bind = sessionmaker.kw.get("bind")
    return str(bind.dialect.name) if bind is not None else ""


async def _work(
    sessionmaker: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
    run: models.AppraisalRun,
    owner: str,
    starter: Principal,
    today: dt.date | None,
    timings: RunTimings,
    options: RunOptions,
    lost: asyncio.Event,
) -> None:
    tenant_id, run_id, period = run.tenant_id, run.id, run.period
    started = time.perf_counter()
    async with sessionmaker() as session, session.begin():
        prepared = await prepare(
            session,
            registry,
            tenant_id,
            period,
            today=today,
            run_aggregations=concurrent_aggregations(sessionmaker),
        )
        confirmed = await confirmed_managers(session, tenant_id, period, None)
        drafted = await _drafted_by(session, tenant_id, period, run_id)
    todo = [mid for mid in prepared.managers if mid not in confirmed]
    timings.sql += time.perf_counter() - started
    problems: list[dict[str, Any]] = [
        {"officeId": str(office_id), "reconciliation": messages}
        for office_id, messages in prepared.reconciliation.items()
    ]
    done = sum(1 for mid in todo if mid in drafted)
    skipped = 0
    async with writing(sessionmaker) as session:
        # Running the period replaces every draft of it but this run's own.
        await delete_drafts(session, tenant_id, period, except_run=run_id)
        await _progress(
            session,
            run,
            owner,
            options,
            managers_total=len(todo),
            managers_done=done,
            managers_skipped=0,
            problems=problems,
            cohort=to_json(prepared.cohort),
        )
    remaining = [mid for mid in todo if mid not in drafted]
    for start in range(0, len(remaining), options.chunk_size):
        if lost.is_set():
            raise LeaseLost
        started = time.perf_counter()
        results = []
        for mid in remaining[start : start + options.chunk_size]:
            if starter.is_manager(prepared.managers[mid].employee_no):
                skipped += 1
                problems.append(
                    {
                        "managerId": str(mid),
                        "employeeNo": prepared.managers[mid].employee_no,
                        "separationOfDuties": OWN_RECORD,
                    }
                )
                continue
            try:
                results.append((mid, *appraise_manager(registry, prepared, mid)))
            except MissingInputs as missing:
                skipped += 1
                problems.append(
                    {
                        "managerId": str(mid),
                        "employeeNo": prepared.managers[mid].employee_no,
                        "missing": [m.key for m in missing.missing],
                    }
                )
        timings.plugin += time.perf_counter() - started
        started = time.perf_counter()
        async with writing(sessionmaker) as session:
            # A draft written meanwhile by runAppraisal for one of these is replaced.
            await write_drafts(session, prepared, results, run.started_by, run_id, replace=True)
            done += len(results)
            await _progress(
                session,
                run,
                owner,
                options,
                managers_done=done,
                managers_skipped=skipped,
                problems=problems,
            )
        timings.write += time.perf_counter() - started
        if options.chunk_pause_seconds:
            await asyncio.sleep(options.chunk_pause_seconds)
    async with writing(sessionmaker) as session:
        await _progress(
            session,
            run,
            owner,
            options,
            status=RunStatus.DONE,
            finished_at=models.now(),
            lease_owner=None,
            lease_until=None,
        )


async def _drafted_by(
    session: AsyncSession, tenant_id: str, period: str, run_id: uuid.UUID
) -> set[uuid.UUID]:
    a = models.Appraisal
    rows = await session.execute(
        select(a.manager_id).where(
            a.tenant_id == tenant_id,
            a.period == period,
            a.run_id == run_id,
            a.status == AppraisalStatus.DRAFT,
        )
    )
    return set(rows.scalars())


async def _claim(
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


async def _progress(
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


async def _finish(
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


async def _release(
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


async def _keep_lease(
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
