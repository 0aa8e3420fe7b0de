"""``ruralcredit import-loan-states``: a loan-state file (:mod:`server.services.loan_files`)
applied through :func:`~server.services.loan_states.apply_loan_states` in one transaction.

The rows go in batches of ``RURALCREDIT_LOAN_IMPORT_MAX_ROWS``, all in one transaction: a
refused row anywhere (in the file or by the service) and nothing is written, as with
``--dry-run``. It acts as the system user :data:`IMPORT_USER` with the role RISK (the
tenant's whole book). The report goes to stdout: the counts, then each refused row (row,
column, rule, message); the exit code is :data:`REFUSED` when a row was refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TextIO

from server.cli.errors import CliError
from server.cli.progress import Mode, Progress
from server.cli.summaries import table
from server.domain import Role
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.loan_files import LoanFile, read_loan_file
from server.services.loan_imports import ImportOutcome, apply_file
from server.settings import Settings

IMPORT_USER = "core-import"
"""The system user the command acts as (recorded on the movements)."""
REFUSED = 4
"""Exit code when a row was refused (nothing written)."""


def render(outcome: ImportOutcome, *, what: str, written: bool) -> str:
    state = "applied" if written else "nothing written"
    head = (
        f"{what}: {state}; rows {outcome.rows}, new {outcome.new}, changed {outcome.changed}, "
        f"unchanged {outcome.unchanged}, refused {outcome.refused}, "
        f"movements {outcome.movements}"
    )
    if not outcome.problems:
        return head
    rows = [[p.row, p.column or "(file)", p.code, p.message] for p in outcome.problems]
    return head + "\n\n" + table(["row", "column", "rule", "message"], rows)


def load(path: Path, encoding: str | None, settings: Settings) -> LoanFile:
    """The file read (before any connection), or a one-line mistake."""
    if not path.is_file():
        raise CliError(f"{path}: no such file")
    loan_file = read_loan_file(
        path,
        encoding=encoding,
        max_bytes=settings.loan_file_max_bytes,
        max_rows=settings.loan_file_max_rows,
    )
    if not loan_file.states and not loan_file.problems:
        raise CliError(f"{path}: the file holds no loan states")
    return loan_file


async def import_loan_states(
    settings: Settings,
    tenant: str,
    as_of: dt.date,
    loan_file: LoanFile,
    *,
    name: str,
    dry_run: bool = False,
    stream: TextIO | None = None,
    mode: Mode | None = None,
) -> tuple[str, int]:
    """Apply the file read, its progress on ``stream`` (stderr by default); the report and
    the exit code."""
    from server.db.engine import create_engine, create_sessionmaker
    from server.services.common import require_tenant

    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            await require_tenant(session, tenant)
            await session.commit()
            actor = Principal(tenant, IMPORT_USER, frozenset({Role.RISK}))
            outcome = ImportOutcome(rows=loan_file.read, problems=list(loan_file.problems))
            async with session.begin():
                if loan_file.states:
                    with Progress(
                        f"import {name} for {tenant}",
                        total=len(loan_file.states),
                        unit="rows",
                        stream=stream,
                        mode=mode,
                    ) as progress:

                        async def tell(done: int, total: int) -> None:
                            progress.update(done, total)

                        outcome = await apply_file(
                            session,
                            PolicyRegistry(),
                            actor,
                            as_of=as_of,
                            loan_file=loan_file,
                            batch=settings.loan_import_max_rows,
                            progress=tell,
                        )
                written = not outcome.problems and not dry_run
                if not written:
                    await session.rollback()
        what = f"loan states of {name} as of {as_of} for {tenant}"
        if dry_run:
            what += " (dry run)"
        return render(outcome, what=what, written=written), REFUSED if outcome.problems else 0
    finally:
        await engine.dispose()


async def queue_loan_states(
    settings: Settings,
    tenant: str,
    as_of: dt.date,
    name: str,
    data: bytes,
    *,
    encoding: str | None,
) -> str:
    """Keep the file's bytes as a loan-state import and hand it to the jobs; what to tell."""
    from server.db.engine import create_engine, create_sessionmaker
    from server.errors import InvalidInput
    from server.services.common import require_tenant
    from server.services.loan_imports import queue_import

    engine = create_engine(settings)
    try:
        sessionmaker = create_sessionmaker(engine)
        async with sessionmaker() as session:
            await require_tenant(session, tenant)
            actor = Principal(tenant, IMPORT_USER, frozenset({Role.RISK}))
            try:
                row = await queue_import(
                    session,
                    actor,
                    as_of=as_of,
                    file_name=name,
                    data=data,
                    encoding=encoding,
                    max_bytes=settings.loan_file_max_bytes,
                )
            except InvalidInput as error:
                raise CliError(f"{name}: {error}") from None
            import_id = row.id
            await session.commit()
        if settings.jobs_inline:
            where = (
                "the server applies it at its next sweep of jobs "
                f"(every {settings.jobs_sweep_seconds:g} s)"
            )
        else:
            from server.jobs.queue import QueueJobs

            jobs = QueueJobs(sessionmaker, PolicyRegistry(), settings)
            await jobs.start()
            try:
                await jobs.import_queued(tenant, import_id)
            finally:
                await jobs.close()
            where = "a worker applies it"
        return (
            f"loan states of {name} as of {as_of} for {tenant}: queued as import "
            f"{import_id}; {where}; follow it with loanStateImport(id:)"
        )
    finally:
        await engine.dispose()


def read_for_queue(path: Path, settings: Settings) -> bytes:
    """The file's bytes, bounded before they are read, or a one-line mistake."""
    if not path.is_file():
        raise CliError(f"{path}: no such file")
    size = path.stat().st_size
    if size > settings.loan_file_max_bytes:
        raise CliError(
            f"{path}: the file has {size} bytes; at most {settings.loan_file_max_bytes} "
            "(RURALCREDIT_LOAN_FILE_MAX_BYTES)"
        )
    return path.read_bytes()
