"""Where background jobs run: the job functions are the same, the runner differs.

A ``JobBackend`` is handed a run once the transaction that recorded it is committed
(``run_queued``), and every so often looks for work on its own (``sweep``): runs left
QUEUED (their hand-over was lost with a crashed process) or RUNNING with their lease run
out (their worker died), which it hands to ``server.jobs.appraisal_run.execute_run``
again, and the daily jobs due for the business date (``server.jobs.daily``).

- ``InlineJobs`` runs them in the server process: an asyncio task started in the app's
  lifespan takes runs one at a time (SQLite has one writer anyway), and sweeps at start
  and every ``jobs_sweep_seconds``. The embedded SQLite start uses it, and so does
  ``RURALCREDIT_JOBS=inline`` on PostgreSQL.
- ``server.jobs.queue.QueueJobs`` defers them to the PostgreSQL job queue, where
  ``ruralcredit worker`` processes, on any number of machines, execute them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.jobs.appraisal_run import RunOptions, execute_run, interrupted_runs
from server.jobs.daily import run_daily_jobs
from server.jobs.loan_import import ImportOptions, execute_import, interrupted_imports
from server.policy.registry import PolicyRegistry
from server.settings import Settings

log = logging.getLogger("ruralcredit.jobs")


class JobBackend(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def run_queued(self, tenant_id: str, run_id: uuid.UUID) -> None:
        """Hand over a run whose QUEUED row is committed."""
        ...

    async def import_queued(self, tenant_id: str, import_id: uuid.UUID) -> None:
        """Hand over a loan-state import whose QUEUED row is committed."""
        ...


async def sweep(
    sessionmaker: async_sessionmaker[AsyncSession], backend: JobBackend
) -> list[tuple[str, uuid.UUID]]:
    """Run the daily jobs due today (each tenant's today, in its zone), then hand every
    queued or interrupted run over again (a run already held by a live worker is left to
    it: ``execute_run`` finds the lease taken), and every queued or interrupted loan-state
    import likewise. The runs handed over."""
    await run_daily_jobs(sessionmaker)
    async with sessionmaker() as session:
        runs = await interrupted_runs(session)
        imports = await interrupted_imports(session)
    for tenant_id, run_id in runs:
        await backend.run_queued(tenant_id, run_id)
    for tenant_id, import_id in imports:
        await backend.import_queued(tenant_id, import_id)
    return runs


class InlineJobs:
    """Jobs in the server process, one at a time (runs first, then imports)."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        registry: PolicyRegistry,
        settings: Settings,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.registry = registry
        self.options = RunOptions.from_settings(settings)
        self.import_options = ImportOptions.from_settings(settings)
        self.sweep_seconds = settings.jobs_sweep_seconds
        self._pending: dict[tuple[str, uuid.UUID], None] = {}
        self._imports: dict[tuple[str, uuid.UUID], None] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def run_queued(self, tenant_id: str, run_id: uuid.UUID) -> None:
        self._pending[(tenant_id, run_id)] = None
        self._wake.set()

    async def import_queued(self, tenant_id: str, import_id: uuid.UUID) -> None:
        self._imports[(tenant_id, import_id)] = None
        self._wake.set()

    @property
    def pending(self) -> list[tuple[str, uuid.UUID]]:
        return list(self._pending)

    async def drain(self) -> None:
        """Execute every run and import handed over, here and now (until none is left)."""
        while self._pending or self._imports:
            await self._drain_once()

    async def _drain_once(self) -> None:
        while self._pending:
            tenant_id, run_id = next(iter(self._pending))
            try:
                await execute_run(
                    self.sessionmaker, self.registry, tenant_id, run_id, options=self.options
                )
            except Exception:
                # The lease was given back: the next sweep hands the run over again.
                log.exception("appraisal run %s failed unexpectedly", run_id)
            finally:
                self._pending.pop((tenant_id, run_id), None)
        while self._imports and not self._pending:
            tenant_id, import_id = next(iter(self._imports))
            try:
                await execute_import(
                    self.sessionmaker,
                    self.registry,
                    tenant_id,
                    import_id,
                    options=self.import_options,
                )
            except Exception:
                log.exception("loan-state import %s failed unexpectedly", import_id)
            finally:
                self._imports.pop((tenant_id, import_id), None)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            try:
                await sweep(self.sessionmaker, self)
            except Exception:
                log.exception("the sweep of background jobs failed; trying again later")
            deadline = asyncio.get_running_loop().time() + self.sweep_seconds
            while (left := deadline - asyncio.get_running_loop().time()) > 0:
                self._wake.clear()
                if not self._pending and not self._imports:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), timeout=left)
                await self.drain()

    async def close(self) -> None:
        """Stop; a run in progress gives its lease back and is resumed at the next start."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
