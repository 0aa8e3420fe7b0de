"""``ruralcredit import-loan-states``: a loan-state file (:mod:`server.services.loan_files`)
applied through :func:`~server.services.loan_states.apply_loan_states` in one transaction.

The rows go in batches of ``RURALCREDIT_LOAN_IMPORT_MAX_ROWS``, all in one transaction: a
refused row anywhere (in the file or by the service) and nothing is written, as with
``--dry-run``. It acts as the system user :data:`IMPORT_USER` with the role RISK (the
tenant's whole book). The report goes to stdout: the counts, then each refused row (row,
column, rule, message); the exit code is :data:`REFUSED` when a row was refused."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from sqlalchemy.ext.asyncio import AsyncSession

from server.cli.errors import CliError
from server.cli.progress import Mode, Progress
from server.cli.summaries import table
from server.domain import Role
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.loan_files import FileProblem, LoanFile, read_loan_file
from server.services.loan_states import apply_loan_states
from server.settings import Settings

IMPORT_USER = "core-import"
"""The system user the command acts as (recorded on the movements)."""
REFUSED = 4
"""Exit code when a row was refused (nothing written)."""


@dataclass
class ImportOutcome:
    """The file's counts over all batches, and every refused row by the file's numbering."""

    rows: int
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    movements: int = 0
    problems: list[FileProblem] = field(default_factory=list)

    @property
    def refused(self) -> int:
        return len({p.row for p in self.problems})


async def apply_file(
    session: AsyncSession,
    registry: PolicyRegistry,
    actor: Principal,
    *,
    as_of: dt.date,
    loan_file: LoanFile,
    batch: int,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Apply the file's rows in batches within the caller's transaction; the caller
    commits only when nothing was refused (``problems`` empty). ``progress`` is told the
    rows applied after each batch."""
    outcome = ImportOutcome(rows=loan_file.read, problems=list(loan_file.problems))
    for start in range(0, len(loan_file.states), batch):
        states = loan_file.states[start : start + batch]
        report = await apply_loan_states(
            session, registry, actor, as_of=as_of, rows=states, max_rows=batch, today=today
        )
        outcome.new += report.new
        outcome.changed += report.changed
        outcome.unchanged += report.unchanged
        outcome.movements += report.movements
        if progress is not None:
            progress.update(start + len(states), len(loan_file.states))
        for refusal in report.refusals:
            outcome.problems.append(
                FileProblem(
                    loan_file.rows[start + refusal.row - 1],
                    loan_file.headers.get(refusal.field, refusal.field),
                    refusal.code,
                    refusal.message,
                )
            )
    outcome.problems.sort(key=lambda p: p.row)
    return outcome


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
    loan_file = read_loan_file(path, encoding=encoding, max_bytes=settings.loan_file_max_bytes)
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
                        outcome = await apply_file(
                            session,
                            PolicyRegistry(),
                            actor,
                            as_of=as_of,
                            loan_file=loan_file,
                            batch=settings.loan_import_max_rows,
                            progress=progress,
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
