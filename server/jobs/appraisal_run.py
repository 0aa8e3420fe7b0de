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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from server.db import models
from server.db.queries.appraisals import confirmed_managers, delete_drafts
from server.db.queries.indicators import ManagerFigures
from server.domain import AppraisalStatus, RunStatus
from server.errors import DomainError, MissingInputs, RunInProgress
from server.jobs import run_lease
from server.jobs.run_lease import (
    LeaseLost,
    RunOptions,
    interrupted_runs,
    session_dialect,
    writing,
)
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.access import authorize
from server.services.appraisal.drafts import appraise_manager, write_drafts
from server.services.appraisal.inputs import grading_selection, prepare
from server.services.appraisal.stored import to_json
from server.services.indicators import Aggregation, AggregationRunner, one_after_another
from server.services.separation import OWN_RECORD

ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)
log = logging.getLogger("ruralcredit.jobs.appraisal_run")
__all__ = [
    "RunOptions",
    "execute_run",
    "interrupted_runs",
    "run_appraisals",
    "start_run",
    "writing",
]


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
    run = await run_lease.claim(sessionmaker, tenant_id, run_id, owner, options)
    if run is None:
        return None
    if run.attempts > options.max_attempts:
        await run_lease.finish(
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
    # Renewed meanwhile on a connection of its own; a sessionmaker bound to one connection
    # (tests) renews with each chunk's progress only.
    renew = (
        run_lease.keep_lease(sessionmaker, tenant_id, run_id, owner, options, lost)
        if isinstance(sessionmaker.kw.get("bind"), AsyncEngine)
        else lost.wait()
    )
    keeper = asyncio.create_task(renew)
    try:
        await _work(sessionmaker, registry, run, owner, starter, today, timings, options, lost)
    except LeaseLost:
        log.warning("run %s: taken over by another worker; this one stops", run_id)
        return None
    except DomainError as error:
        await run_lease.finish(
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
            await run_lease.release(sessionmaker, tenant_id, run_id, owner)
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
        await run_lease.progress(
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
            await run_lease.progress(
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
        await run_lease.progress(
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
