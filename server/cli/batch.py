"""The batch commands ``snapshot`` and ``appraise``: the work, its progress on stderr
(:mod:`server.cli.progress`) and the summary they print on stdout."""

from __future__ import annotations

import asyncio
import datetime as dt
import typing

from server import clock
from server.cli.errors import CliError
from server.cli.progress import Mode, Progress
from server.cli.summaries import appraisal_outcome
from server.domain import Role
from server.principal import Principal
from server.settings import Settings

SNAPSHOT_USER = "operator"
"""The system user ``ruralcredit snapshot`` acts as (a snapshot records no user)."""
POLL_SECONDS = 0.5
"""How often ``appraise`` reads its run's progress from the run's row."""
TICK_SECONDS = 0.2
"""How often a bar without a count (the snapshot's one statement) is redrawn."""


async def snapshot(
    settings: Settings,
    tenant: str,
    as_of: dt.date,
    *,
    stream: typing.TextIO | None = None,
    mode: Mode | None = None,
) -> str:
    """Record the tenant's loan book as at ``as_of`` (today in the tenant's zone or earlier);
    the summary line."""
    from server.db.engine import create_engine, create_sessionmaker
    from server.jobs.snapshots import snapshot_loan_book
    from server.services.tenant_settings import tenant_settings

    engine = create_engine(settings)
    try:
        sessionmaker = create_sessionmaker(engine)
        async with sessionmaker() as session:
            # An unknown tenant has the defaults here; it is refused by name below.
            chosen = await tenant_settings(session, tenant)
        zone_name = chosen.time_zone
        today = clock.business_today(zone=chosen.zone)
        if as_of > today:
            raise CliError(
                f"--as-of {as_of} is in the future: a snapshot records the book as it is; "
                f"use {today} (today in {zone_name}) or an earlier date"
            )
        operator = Principal(tenant, SNAPSHOT_USER, frozenset({Role.HR}))
        with Progress(
            f"snapshot {tenant} as of {as_of}", unit="loans", stream=stream, mode=mode
        ) as progress:
            work = asyncio.create_task(snapshot_loan_book(sessionmaker, operator, as_of=as_of))
            await _tick(work, progress)
            count = await work
            progress.update(count, count, force=True)
        return f"snapshot of {count} loans as of {as_of} for {tenant}"
    finally:
        await engine.dispose()


async def appraise(
    settings: Settings,
    tenant: str,
    period: str,
    user: str,
    *,
    stream: typing.TextIO | None = None,
    mode: Mode | None = None,
) -> str:
    """Appraise the whole tenant for ``period`` through the job path (a run, in chunks),
    with its progress read from the run's row; the summary (managers skipped by reason)."""
    from server.db import models
    from server.db.engine import create_engine, create_sessionmaker
    from server.errors import RunInProgress
    from server.jobs.appraisal_run import RunOptions, execute_run, start_run, writing
    from server.policy.registry import PolicyRegistry
    from server.services.common import require_tenant

    engine = create_engine(settings)
    try:
        sessionmaker = create_sessionmaker(engine)
        registry = PolicyRegistry()
        async with sessionmaker() as session:
            # An unknown tenant is said as such, not as a tenant without a policy.
            await require_tenant(session, tenant)
        batch = Principal(tenant, user, frozenset({Role.HR}))
        try:
            async with writing(sessionmaker) as session:
                run_id = (await start_run(session, registry, batch, period=period)).id
        except RunInProgress as busy:
            return busy.message

        async def row() -> models.AppraisalRun:
            async with sessionmaker() as session:
                run = await session.get(models.AppraisalRun, (tenant, run_id))
                assert run is not None
                return run

        with Progress(
            f"appraise {tenant} {period}", unit="managers", stream=stream, mode=mode
        ) as progress:
            work = asyncio.create_task(
                execute_run(
                    sessionmaker,
                    registry,
                    tenant,
                    run_id,
                    options=RunOptions.from_settings(settings),
                    actor=batch,
                )
            )
            while not work.done():
                await asyncio.wait({work}, timeout=POLL_SECONDS)
                run = await row()
                progress.update(
                    run.managers_done + run.managers_skipped, run.managers_total or None
                )
            await work
            run = await row()
            progress.update(run.managers_done + run.managers_skipped, run.managers_total)
            progress.finish(run.status.value)
        return appraisal_outcome(
            run_id=run.id,
            status=run.status.value,
            done=run.managers_done,
            skipped=run.managers_skipped,
            total=run.managers_total,
            problems=list(run.problems or []),
        )
    finally:
        await engine.dispose()


async def _tick(work: asyncio.Task[typing.Any], progress: Progress) -> None:
    """Redraw ``progress`` while ``work`` runs (it gives no count until it ends)."""
    while not work.done():
        await asyncio.wait({work}, timeout=TICK_SECONDS)
        if not work.done():
            progress.update(progress.done)
