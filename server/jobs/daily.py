"""Daily jobs: each runs once per tenant and business date, whatever the number of workers.

``DAILY_JOBS`` lists them. Whichever backend runs the jobs (the queue's periodic job on
PostgreSQL, the in-process runner on SQLite) calls ``run_daily_jobs`` several times a
day; each tenant's business date is today in that tenant's time zone (its ``time_zone``
setting), so a tenant in Asia/Urumqi reaches a new day two hours after one in
Asia/Shanghai. Each job of each tenant runs in a
transaction of its own that first claims ``(tenant, job, business date)`` in
``daily_job_runs`` (its primary key). A second worker's claim waits for the first
transaction and then finds the row: it skips. A job that fails rolls its claim back with
it, and is tried again at the next call. A daily job is a plain function of the session,
the tenant and the business date that returns how many things it changed; it never
commits.

The place to register further daily jobs is ``DAILY_JOBS``: today the closing of
interrupted appraisal runs, the admission lapse (准入办法 第二条,
``server.services.admission.lapse_due_admissions``), and the tier a disqualified manager
recorded before that rule still holds (``server.services.penalties``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server import clock
from server.db import models
from server.domain import RunStatus
from server.jobs.appraisal_run import RunOptions, writing
from server.services.admission import lapse_due_admissions
from server.services.penalties import remove_tiers_of_disqualified
from server.services.tenant_settings import TenantSettings

log = logging.getLogger("ruralcredit.jobs.daily")

DailyFunction = Callable[[AsyncSession, str, dt.date], Awaitable[int]]


@dataclass(frozen=True)
class DailyJob:
    name: str
    """Stable: the claim rows carry it."""
    run: DailyFunction


async def close_interrupted_runs(session: AsyncSession, tenant_id: str, today: dt.date) -> int:
    """Runs of the tenant interrupted by a crash (RUNNING, their lease run out): given back
    to the queue (QUEUED) to be resumed, or closed as FAILED once they were taken
    ``RunOptions.max_attempts`` times. The number of runs resumed or closed."""
    r = models.AppraisalRun
    now = models.now()
    interrupted = and_(
        r.tenant_id == tenant_id,
        r.status == RunStatus.RUNNING,
        or_(r.lease_until.is_(None), r.lease_until < now),
    )
    limit = RunOptions().max_attempts
    closed = await session.execute(
        update(r)
        .where(interrupted, r.attempts >= limit)
        .values(status=RunStatus.FAILED, finished_at=now, lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    resumed = await session.execute(
        update(r)
        .where(interrupted)
        .values(status=RunStatus.QUEUED, lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(closed.rowcount) + int(resumed.rowcount)  # type: ignore[attr-defined]


DAILY_JOBS: list[DailyJob] = [
    DailyJob("close_interrupted_runs", close_interrupted_runs),
    DailyJob("lapse_due_admissions", lapse_due_admissions),
    DailyJob("remove_tiers_of_disqualified", remove_tiers_of_disqualified),
]


async def run_daily_jobs(
    sessionmaker: async_sessionmaker[AsyncSession],
    today: dt.date | None = None,
    jobs: Sequence[DailyJob] | None = None,
    *,
    now: dt.datetime | None = None,
) -> dict[str, int]:
    """Run each daily job not yet done for the business date, tenant by tenant: ``today``
    for every tenant when given, else each tenant's date at ``now`` (an aware instant;
    the current one by default) in its own time zone. What each job reported, summed over
    the tenants it ran for this time (a job done before: absent)."""
    jobs = DAILY_JOBS if jobs is None else jobs
    async with sessionmaker() as session:
        rows = (
            await session.execute(select(models.Tenant.tenant_id, models.Tenant.settings))
        ).all()
    instant = now or clock.current_instant()
    dates = {
        tenant_id: today or clock.business_date(instant, TenantSettings.from_json(stored).zone)
        for tenant_id, stored in rows
    }
    reported: dict[str, int] = {}
    for job in jobs:
        for tenant_id, day in dates.items():
            try:
                result = await _run_once(sessionmaker, job, tenant_id, day)
            except Exception:
                log.exception("daily job %s for %s failed; tried again later", job.name, tenant_id)
                continue
            if result is not None:
                reported[job.name] = reported.get(job.name, 0) + result
    return reported


async def _run_once(
    sessionmaker: async_sessionmaker[AsyncSession], job: DailyJob, tenant_id: str, today: dt.date
) -> int | None:
    d = models.DailyJobRun
    key = (tenant_id, job.name, today)
    async with writing(sessionmaker) as session:
        if await session.get(d, key) is not None:
            return None
        claim = models.DailyJobRun(tenant_id=tenant_id, job=job.name, business_date=today, result=0)
        try:
            async with session.begin_nested():
                session.add(claim)
                await session.flush()
        except IntegrityError:
            # Another worker claimed it meanwhile (and committed): done there.
            return None
        result = await job.run(session, tenant_id, today)
        claim.result = result
        await session.flush()
        return result
