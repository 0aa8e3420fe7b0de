"""The appraisal run: every appraisable manager of a tenant for one period, as a job.

The job owns its transactions: it records the run, loads the inputs once (the
computed indicators' aggregations at the same time on connections of their own
on PostgreSQL), then appraises and writes drafts in chunks, committing progress
on the ``AppraisalRun`` row after each chunk so that ``appraisalRun`` shows it.
A domain error once the run is recorded fails the run (status FAILED, with the error).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from server.db import models
from server.db.queries.appraisals import confirmed_managers, delete_drafts
from server.db.queries.indicators import ManagerFigures
from server.domain import RunStatus
from server.errors import DomainError, MissingInputs
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.access import authorize
from server.services.appraisal.drafts import appraise_manager, write_drafts
from server.services.appraisal.inputs import grading_selection, prepare
from server.services.appraisal.stored import to_json
from server.services.indicators import Aggregation, AggregationRunner, one_after_another
from server.services.separation import OWN_RECORD

CHUNK = 500


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


async def run_appraisals(
    sessionmaker: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
    actor: Principal,
    *,
    period: str,
    today: dt.date | None = None,
    timings: RunTimings | None = None,
) -> uuid.UUID:
    """Appraise every appraisable manager of the tenant; progress is committed per chunk.

    Idempotent and restartable: a new run replaces the drafts of the period and
    never touches confirmed appraisals (nor those under appeal). A manager with missing
    inputs is skipped and listed in the run's problems; so is the actor's own manager
    record (nobody appraises themselves: another HR person runs ``runAppraisal`` for it),
    which still counts in the tenant-wide figures. The actor is recorded as the one who
    started the run and who computed its drafts.
    """
    authorize(actor, "runAppraisals")
    tenant_id = actor.tenant_id
    async with sessionmaker() as session, session.begin():
        chosen = await grading_selection(session, registry, tenant_id)
        run = models.AppraisalRun(
            tenant_id=tenant_id,
            period=period,
            status=RunStatus.RUNNING,
            plugin=chosen.plugin,
            plugin_version=chosen.version,
            started_by=actor.user_id,
        )
        session.add(run)
        await session.flush()
        run_id = run.id
    timings = timings if timings is not None else RunTimings()
    try:
        async with sessionmaker() as session:
            async with session.begin():
                started = time.perf_counter()
                prepared = await prepare(
                    session,
                    registry,
                    tenant_id,
                    period,
                    today=today,
                    run_aggregations=concurrent_aggregations(sessionmaker),
                )
                confirmed = await confirmed_managers(session, tenant_id, period, None)
                # Re-running the period replaces every draft of it, at once.
                await delete_drafts(session, tenant_id, period)
                todo = [mid for mid in prepared.managers if mid not in confirmed]
                await _update_run(
                    session,
                    tenant_id,
                    run_id,
                    managers_total=len(todo),
                    cohort=to_json(prepared.cohort),
                )
                timings.sql += time.perf_counter() - started
            problems: list[dict[str, Any]] = [
                {"officeId": str(office_id), "reconciliation": messages}
                for office_id, messages in prepared.reconciliation.items()
            ]
            done = skipped = 0
            for start in range(0, len(todo), CHUNK):
                started = time.perf_counter()
                results = []
                for mid in todo[start : start + CHUNK]:
                    if actor.is_manager(prepared.managers[mid].employee_no):
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
                async with session.begin():
                    await write_drafts(
                        session, prepared, results, actor.user_id, run_id, replace=False
                    )
                    done += len(results)
                    await _update_run(
                        session,
                        tenant_id,
                        run_id,
                        managers_done=done,
                        managers_skipped=skipped,
                        problems=problems,
                    )
                timings.write += time.perf_counter() - started
            async with session.begin():
                await _update_run(
                    session, tenant_id, run_id, status=RunStatus.DONE, finished_at=models.now()
                )
            if session.get_bind().dialect.name == "postgresql":
                # As after any bulk load: fresh statistics keep later plans sane.
                async with session.begin():
                    await session.execute(text("ANALYZE appraisals, appraisal_items"))
    except DomainError as error:
        async with sessionmaker() as session, session.begin():
            await _update_run(
                session,
                tenant_id,
                run_id,
                status=RunStatus.FAILED,
                finished_at=models.now(),
                problems=[{"error": error.code, "message": error.message}],
            )
    return run_id


async def _update_run(
    session: AsyncSession, tenant_id: str, run_id: uuid.UUID, **values: Any
) -> None:
    run = await session.get(models.AppraisalRun, (tenant_id, run_id))
    assert run is not None
    for key, value in values.items():
        setattr(run, key, value)
    await session.flush()
