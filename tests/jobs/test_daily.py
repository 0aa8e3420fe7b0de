"""Daily jobs: once per tenant and business date; a failed one is tried again; the daily
job that gives interrupted runs back to the queue or closes them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.db import models
from server.domain import AdmissionStatus, CustomerKind, Role, RunStatus
from server.jobs.appraisal_run import RunOptions, start_run
from server.jobs.daily import DAILY_JOBS, DailyJob, close_interrupted_runs, run_daily_jobs
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.tenant_settings import set_tenant_settings
from tests.conftest import principal

DAY = dt.date(2030, 3, 4)


async def _tenants(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(models.Tenant)) or 0)


async def test_a_daily_job_runs_once_per_tenant_and_date(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession
) -> None:
    calls: list[tuple[str, dt.date]] = []

    async def count(_: AsyncSession, tenant_id: str, today: dt.date) -> int:
        calls.append((tenant_id, today))
        return 2

    jobs = [DailyJob("count", count)]
    tenants = await _tenants(session)
    assert await run_daily_jobs(sessionmaker, DAY, jobs) == {"count": 2 * tenants}
    assert await run_daily_jobs(sessionmaker, DAY, jobs) == {}
    assert len(calls) == tenants
    assert await run_daily_jobs(sessionmaker, DAY + dt.timedelta(days=1), jobs) == {
        "count": 2 * tenants
    }
    assert len(calls) == 2 * tenants
    claims = await session.scalar(
        select(func.count()).where(
            models.DailyJobRun.job == "count", models.DailyJobRun.result == 2
        )
    )
    assert claims == 2 * tenants


async def test_each_tenant_runs_for_its_own_business_date(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession
) -> None:
    """At 11:00 UTC it is already tomorrow in Kiritimati (UTC+14), still yesterday in
    UTC−12, today in Shanghai: each tenant's job runs for its own date."""
    calls: dict[str, dt.date] = {}

    async def record(_: AsyncSession, tenant_id: str, today: dt.date) -> int:
        calls[tenant_id] = today
        return 1

    for tenant, zone in [("sd-demo", "Pacific/Kiritimati"), ("ah-demo", "Etc/GMT+12")]:
        await set_tenant_settings(
            session,
            principal(tenant, (Role.FEDERATION_ADMIN,)),
            appeal_days=None,
            large_loan_threshold=None,
            time_zone=zone,
        )
    await session.flush()
    now = dt.datetime(2030, 3, 4, 11, 0, tzinfo=dt.UTC)
    await run_daily_jobs(sessionmaker, jobs=[DailyJob("record", record)], now=now)
    assert calls["sd-demo"] == dt.date(2030, 3, 5)
    assert calls["ah-demo"] == dt.date(2030, 3, 3)
    assert calls["sx-demo"] == dt.date(2030, 3, 4)  # the server's zone, Asia/Shanghai
    rows = await session.execute(
        select(models.DailyJobRun.tenant_id, models.DailyJobRun.business_date).where(
            models.DailyJobRun.job == "record"
        )
    )
    dates = {tenant_id: day for tenant_id, day in rows.all()}
    assert dates == calls


async def test_a_failed_daily_job_is_tried_again_and_writes_nothing(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession
) -> None:
    fail = True

    async def flaky(s: AsyncSession, tenant_id: str, today: dt.date) -> int:
        await s.execute(
            update(models.Tenant).where(models.Tenant.tenant_id == tenant_id).values(name="changed")
        )
        if fail:
            raise RuntimeError("not today")
        return 1

    jobs = [DailyJob("flaky", flaky)]
    assert await run_daily_jobs(sessionmaker, DAY, jobs) == {}
    assert await session.scalar(select(func.count()).where(models.DailyJobRun.job == "flaky")) == 0
    names = set((await session.execute(select(models.Tenant.name))).scalars())
    assert "changed" not in names
    fail = False
    assert await run_daily_jobs(sessionmaker, DAY, jobs) == {"flaky": await _tenants(session)}


async def test_interrupted_runs_are_queued_again_or_closed(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    hr = Principal("sd-demo", "hr-daily", frozenset({Role.HR}))
    r = models.AppraisalRun
    fresh, dead, worn, alive = [
        await start_run(session, registry, hr, period=p)
        for p in ("2026", "2026-Q1", "2026-Q2", "2026-Q3")
    ]
    past = models.now() - dt.timedelta(seconds=5)
    future = models.now() + dt.timedelta(seconds=60)
    for run, until, attempts in (
        (dead, past, 1),
        (worn, past, RunOptions().max_attempts),
        (alive, future, 1),
    ):
        await session.execute(
            update(r)
            .where(r.tenant_id == "sd-demo", r.id == run.id)
            .values(status=RunStatus.RUNNING, lease_owner="w", lease_until=until, attempts=attempts)
        )
    assert await close_interrupted_runs(session, "sd-demo", DAY) == 2
    statuses: dict[Any, RunStatus] = {
        i: s
        for i, s in (
            await session.execute(select(r.id, r.status).where(r.tenant_id == "sd-demo"))
        ).all()
    }
    assert statuses[fresh.id] is RunStatus.QUEUED
    assert statuses[dead.id] is RunStatus.QUEUED
    assert statuses[worn.id] is RunStatus.FAILED
    assert statuses[alive.id] is RunStatus.RUNNING


def test_the_daily_list() -> None:
    assert [job.name for job in DAILY_JOBS] == [
        "close_interrupted_runs",
        "lapse_due_admissions",
        "remove_tiers_of_disqualified",
    ]


async def test_the_daily_jobs_lapse_an_admission_with_no_credit_for_six_months(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession
) -> None:
    """准入办法 第二条, run as the workers run it: by ``run_daily_jobs`` with the list."""
    c, loan = models.Customer, models.Loan
    no_loans = (
        ~select(loan.id).where(loan.tenant_id == c.tenant_id, loan.customer_id == c.id).exists()
    )
    customer_id = await session.scalar(
        select(c.id)
        .where(c.tenant_id == "sd-demo", c.kind == CustomerKind.CORPORATE, no_loans)
        .limit(1)
    )
    assert customer_id is not None
    admitted = DAY.replace(month=DAY.month - 2, year=DAY.year - 1)  # 2029-01-04: 14 months before
    await session.execute(
        update(c)
        .where(c.tenant_id == "sd-demo", c.id == customer_id)
        .values(admission_status=AdmissionStatus.APPROVED, admitted_on=admitted)
    )
    await session.flush()
    done = await run_daily_jobs(sessionmaker, DAY)
    assert done["lapse_due_admissions"] >= 1
    status = await session.scalar(
        select(c.admission_status)
        .where(c.tenant_id == "sd-demo", c.id == customer_id)
        .execution_options(populate_existing=True)
    )
    assert status is AdmissionStatus.LAPSED
    assert "lapse_due_admissions" not in await run_daily_jobs(sessionmaker, DAY)


def test_the_queue_sweeps_every_minute_by_a_periodic_job(settings: Any) -> None:
    """The daily jobs and the hand-over of interrupted runs reach the queue's workers by one
    periodic task (deferred once per minute whatever the number of workers)."""
    from server.jobs.queue import RUN_TASK, SWEEP_CRON, SWEEP_TASK, QueueJobs

    jobs = QueueJobs(None, PolicyRegistry(), settings)  # type: ignore[arg-type]
    periodic = {p.task.name: p.cron for p in jobs.app.periodic_registry.periodic_tasks.values()}
    assert periodic == {SWEEP_TASK: SWEEP_CRON} and SWEEP_CRON == "* * * * *"
    assert RUN_TASK in jobs.app.tasks
