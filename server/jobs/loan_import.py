"""The job that applies a loan-state import (:mod:`server.services.loan_imports`).

A worker takes an import (``claim``) when it is QUEUED, or RUNNING with its lease run out
(its worker died), as with appraisal runs. It reads the kept file and applies every row
in one transaction, all or nothing, and in that same transaction records the import
APPLIED (the file emptied) — so a worker that dies half-way has written nothing and the
next takes the import up from the start; and the write of the outcome holds only while
the lease is still the worker's own (else the whole transaction is rolled back). A file
with a refused row is recorded REFUSED, nothing of it written.

Progress (rows checked, rows in all) is written after each batch, by its own short
transaction, which also renews the lease. On SQLite, whose one write lock the import's
transaction holds, it is kept in this process instead (:data:`LIVE`): SQLite's server is
one process, which both runs the job and answers ``loanStateImport``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.db import models
from server.domain import ImportStatus, Role
from server.jobs.run_lease import LeaseLost, session_dialect, writing
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.loan_files import FileProblem, LoanFile, read_loan_file
from server.services.loan_imports import ImportOutcome, apply_file

log = logging.getLogger("ruralcredit.jobs.loan_import")

LIVE: dict[tuple[str, uuid.UUID], tuple[int, int]] = {}
"""Rows checked and rows in all of the imports this process applies on SQLite."""


@dataclass(frozen=True)
class ImportOptions:
    """How an import executes (settings: README)."""

    lease_seconds: float = 30.0
    batch: int = 5000
    """Rows checked and written per statement batch (``RURALCREDIT_LOAN_IMPORT_MAX_ROWS``)."""
    max_attempts: int = 5
    max_bytes: int = 128 * 1024 * 1024
    max_rows: int = 1_000_000

    @classmethod
    def from_settings(cls, settings: Any) -> ImportOptions:
        return cls(
            lease_seconds=settings.run_lease_seconds,
            batch=settings.loan_import_max_rows,
            max_attempts=settings.run_max_attempts,
            max_bytes=settings.loan_file_max_bytes,
            max_rows=settings.loan_file_max_rows,
        )


def _takeable(li: type[models.LoanStateImport], now: dt.datetime) -> Any:
    return or_(
        li.status == ImportStatus.QUEUED,
        and_(
            li.status == ImportStatus.RUNNING,
            or_(li.lease_until.is_(None), li.lease_until < now),
        ),
    )


async def claim(
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_id: str,
    import_id: uuid.UUID,
    owner: str,
    options: ImportOptions,
) -> models.LoanStateImport | None:
    """Take the import: QUEUED, or RUNNING with its lease run out. ``None``: not ours."""
    li = models.LoanStateImport
    now = models.now()
    async with writing(sessionmaker) as session:
        result: Any = await session.execute(
            update(li)
            .where(li.tenant_id == tenant_id, li.id == import_id, _takeable(li, now))
            .values(
                status=ImportStatus.RUNNING,
                lease_owner=owner,
                lease_until=now + dt.timedelta(seconds=options.lease_seconds),
                attempts=li.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            return None
        row = await session.get(li, (tenant_id, import_id), populate_existing=True)
        assert row is not None
        session.expunge(row)
        return row


async def _own(
    session: AsyncSession,
    tenant_id: str,
    import_id: uuid.UUID,
    owner: str,
    **values: Any,
) -> None:
    """Write ``values`` on the import if its lease is still ``owner``'s; else ``LeaseLost``."""
    li = models.LoanStateImport
    result: Any = await session.execute(
        update(li)
        .where(li.tenant_id == tenant_id, li.id == import_id, li.lease_owner == owner)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise LeaseLost(str(import_id))


def _finished(status: ImportStatus, outcome: ImportOutcome) -> dict[str, Any]:
    return {
        "status": status,
        "report": outcome.as_report(),
        "rows_total": outcome.rows,
        "rows_done": outcome.rows,
        "data": None,
        "finished_at": models.now(),
        "lease_owner": None,
        "lease_until": None,
    }


async def execute_import(
    sessionmaker: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
    tenant_id: str,
    import_id: uuid.UUID,
    *,
    options: ImportOptions,
) -> ImportStatus | None:
    """Apply the import if it can be taken; its status afterwards, ``None`` when another
    worker holds it (or took it over)."""
    owner = uuid.uuid4().hex
    row = await claim(sessionmaker, tenant_id, import_id, owner, options)
    if row is None:
        return None
    key = (tenant_id, import_id)
    try:
        if row.attempts > options.max_attempts:
            async with writing(sessionmaker) as session:
                await _own(
                    session,
                    tenant_id,
                    import_id,
                    owner,
                    status=ImportStatus.FAILED,
                    finished_at=models.now(),
                    lease_owner=None,
                    lease_until=None,
                    data=None,
                )
            return ImportStatus.FAILED
        return await _apply(sessionmaker, registry, row, owner, options)
    except LeaseLost:
        log.warning("loan-state import %s was taken over by another worker", import_id)
        return None
    except Exception:
        # The lease given back: the next sweep hands the import over again (up to the
        # attempts allowed); the import's transaction was rolled back, nothing written.
        async with writing(sessionmaker) as session:
            await _own(session, tenant_id, import_id, owner, lease_owner=None, lease_until=None)
        raise
    finally:
        LIVE.pop(key, None)


async def _apply(
    sessionmaker: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
    row: models.LoanStateImport,
    owner: str,
    options: ImportOptions,
) -> ImportStatus:
    tenant_id, import_id = row.tenant_id, row.id
    # Reading and parsing a large file is seconds of work: off the event loop, which (on
    # the embedded database) also answers the server's requests.
    loan_file = await asyncio.to_thread(_read_kept, row.data or b"", row.encoding, options)
    on_sqlite = session_dialect(sessionmaker) == "sqlite"

    async def progress(done: int, total: int) -> None:
        if on_sqlite:
            LIVE[(tenant_id, import_id)] = (done, total)
            return
        async with writing(sessionmaker) as session:
            await _own(
                session,
                tenant_id,
                import_id,
                owner,
                rows_done=done,
                rows_total=total,
                lease_until=models.now() + dt.timedelta(seconds=options.lease_seconds),
            )

    outcome = ImportOutcome(rows=loan_file.read, problems=list(loan_file.problems))
    await progress(0, len(loan_file.states))
    actor = Principal(tenant_id, row.started_by, frozenset({Role.RISK}))
    if loan_file.states and not loan_file.problems:
        try:
            async with writing(sessionmaker) as session:
                outcome = await apply_file(
                    session,
                    registry,
                    actor,
                    as_of=row.as_of,
                    loan_file=loan_file,
                    batch=options.batch,
                    progress=progress,
                )
                if outcome.problems:
                    raise _Refused
                applied = _finished(ImportStatus.APPLIED, outcome)
                await _own(session, tenant_id, import_id, owner, **applied)
                return ImportStatus.APPLIED
        except _Refused:
            pass  # the transaction rolled back: nothing of the file written
    if not loan_file.states and not outcome.problems:
        outcome.problems.append(FileProblem(0, "", "EMPTY", "the file holds no loan states"))
    async with writing(sessionmaker) as session:
        refused = _finished(ImportStatus.REFUSED, outcome)
        await _own(session, tenant_id, import_id, owner, **refused)
    return ImportStatus.REFUSED


def _read_kept(data: bytes, encoding: str | None, options: ImportOptions) -> LoanFile:
    with tempfile.TemporaryDirectory(prefix="loan-import-") as folder:
        path = Path(folder) / "states"
        path.write_bytes(data)
        return read_loan_file(
            path, encoding=encoding, max_bytes=options.max_bytes, max_rows=options.max_rows
        )


class _Refused(Exception):
    """A row was refused: roll the import's transaction back."""


async def interrupted_imports(
    session: AsyncSession, *, now: dt.datetime | None = None
) -> list[tuple[str, uuid.UUID]]:
    """Imports to hand to a worker: QUEUED ones, and RUNNING ones whose lease ran out."""
    li = models.LoanStateImport
    stmt = select(li.tenant_id, li.id).where(_takeable(li, now or models.now()))
    return [(t, i) for t, i in (await session.execute(stmt.order_by(li.created_at))).all()]


def live_progress(tenant_id: str, import_id: uuid.UUID) -> tuple[int, int] | None:
    """Rows checked and rows in all of an import this process applies on SQLite."""
    return LIVE.get((tenant_id, import_id))
