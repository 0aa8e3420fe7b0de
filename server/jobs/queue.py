"""The PostgreSQL job queue: procrastinate, in the schema ``server.jobs.queue_schema``.

Why procrastinate (pgqueuer was the other candidate): both keep jobs in PostgreSQL and
wake workers with LISTEN/NOTIFY, so any number of workers on any number of machines
share one queue. procrastinate gives, declared per task, what this application needs:
retries with back-off (``RetryStrategy``), locks (``lock``: no two jobs with one lock run
at once; ``queueing_lock``: no second waiting job for the same thing), periodic jobs
deferred once per tick however many workers run (``procrastinate_periodic_defers``), and
worker heartbeats to find jobs of dead workers (``get_stalled_jobs``). pgqueuer, on
asyncpg which this application already uses, has retries, schedules and a dedupe key,
but no keyed locks. procrastinate needs psycopg 3 (its own small pool) beside asyncpg.

Tasks:

- ``appraisal_run(tenant_id, run_id)``: ``execute_run``; one waiting job per run
  (queueing lock), retried on an unexpected error. The run row's lease, not the queue,
  decides who executes a run, so a job of a worker killed mid-run needs no clean-up to
  be resumed: the sweep hands the run over again once its lease has run out.
- ``loan_state_import(tenant_id, import_id)``: ``execute_import``; one waiting job per
  import, retried on an unexpected error; the import's row and lease decide as for runs.
- ``sweep`` (periodic, every minute): the daily jobs and the hand-over of queued and
  interrupted runs (``server.jobs.backends.sweep``); jobs of dead workers marked failed.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from typing import Any

from procrastinate import App, PsycopgConnector, RetryStrategy
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Status
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.jobs.appraisal_run import RunOptions, execute_run
from server.jobs.backends import sweep
from server.jobs.loan_import import ImportOptions, execute_import
from server.jobs.queue_schema import QUEUE_SCHEMA
from server.policy.registry import PolicyRegistry
from server.settings import Settings

log = logging.getLogger("ruralcredit.jobs.queue")

RUN_TASK = "appraisal_run"
IMPORT_TASK = "loan_state_import"
SWEEP_TASK = "sweep"
SWEEP_CRON = "* * * * *"
RUN_RETRY = RetryStrategy(max_attempts=5, exponential_wait=5)
"""An unexpected error (a lost connection…) is tried again after 5, 25, 125… seconds."""


def conninfo(settings: Settings) -> str:
    """The libpq address of ``DATABASE_URL`` (whatever its SQLAlchemy driver)."""
    url = make_url(settings.database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class QueueJobs:
    """Jobs on the PostgreSQL queue: deferred by the server, executed by workers."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        registry: PolicyRegistry,
        settings: Settings,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.registry = registry
        self.settings = settings
        self.options = RunOptions.from_settings(settings)
        self.import_options = ImportOptions.from_settings(settings)
        self.app = App(
            connector=PsycopgConnector(
                conninfo=conninfo(settings),
                kwargs={"options": f"-c search_path={QUEUE_SCHEMA}"},
                min_size=1,
                max_size=max(2, settings.worker_concurrency + 2),
            )
        )
        self.app.task(name=RUN_TASK, retry=RUN_RETRY, pass_context=False)(self._run)
        self.app.task(name=IMPORT_TASK, retry=RUN_RETRY, pass_context=False)(self._import)
        self.app.periodic(cron=SWEEP_CRON, periodic_id=SWEEP_TASK)(
            self.app.task(name=SWEEP_TASK, queueing_lock=SWEEP_TASK)(self._sweep)
        )

    async def _run(self, tenant_id: str, run_id: str) -> str:
        status = await execute_run(
            self.sessionmaker, self.registry, tenant_id, uuid.UUID(run_id), options=self.options
        )
        return status.value if status else "NOT_TAKEN"

    async def _import(self, tenant_id: str, import_id: str) -> str:
        status = await execute_import(
            self.sessionmaker,
            self.registry,
            tenant_id,
            uuid.UUID(import_id),
            options=self.import_options,
        )
        return status.value if status else "NOT_TAKEN"

    async def _sweep(self, timestamp: int) -> int:
        await self.fail_stalled()
        return len(await sweep(self.sessionmaker, self))

    async def fail_stalled(self) -> int:
        """Mark failed the run jobs of workers that stopped sending heartbeats (killed):
        their runs are resumed from the run rows, by new jobs."""
        manager = self.app.job_manager
        stalled = list(await manager.get_stalled_jobs(task_name=RUN_TASK))
        stalled += await manager.get_stalled_jobs(task_name=IMPORT_TASK)
        for job in stalled:
            await manager.finish_job(job, status=Status.FAILED, delete_job=False)
        return len(stalled)

    async def run_queued(self, tenant_id: str, run_id: uuid.UUID) -> None:
        with contextlib.suppress(AlreadyEnqueued):
            await self.app.configure_task(RUN_TASK, queueing_lock=f"run:{run_id}").defer_async(
                tenant_id=tenant_id, run_id=str(run_id)
            )

    async def import_queued(self, tenant_id: str, import_id: uuid.UUID) -> None:
        with contextlib.suppress(AlreadyEnqueued):
            await self.app.configure_task(
                IMPORT_TASK, queueing_lock=f"import:{import_id}"
            ).defer_async(tenant_id=tenant_id, import_id=str(import_id))

    async def start(self) -> None:
        await self.app.open_async()

    async def close(self) -> None:
        await self.app.close_async()

    async def work(self, **options: Any) -> None:
        """Be a worker until cancelled (``ruralcredit worker``): first a sweep, so that runs
        interrupted while no worker ran are resumed at once."""
        try:
            await sweep(self.sessionmaker, self)
        except Exception:
            log.exception("the first sweep failed; the periodic one tries again")
        await self.app.run_worker_async(
            concurrency=self.settings.worker_concurrency, install_signal_handlers=True, **options
        )
