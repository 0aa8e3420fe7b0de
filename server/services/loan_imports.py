"""Loan-state files applied in batches, and kept as imports that a job applies.

:func:`apply_file` applies a file read (:mod:`server.services.loan_files`) in batches of
:func:`~server.services.loan_states.apply_loan_states`, all within the caller's
transaction: the caller commits only when no row was refused (all-or-nothing); the same
file again changes nothing. ``ruralcredit import-loan-states`` runs it at once; with
``--queue`` the file is kept as a :class:`~server.db.models.LoanStateImport`
(:func:`queue_import`) and a job applies it (:mod:`server.jobs.loan_import`), its
progress and outcome readable as ``loanStateImport(id:)``.

An import's outcome (``report``) holds the counts and the first
:data:`MAX_REPORTED_PROBLEMS` refused rows, each with the file's row number, the column
as its header is written, the rule and a sentence; ``problemsTotal`` counts them all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import ImportStatus
from server.errors import Problems
from server.ids import uuid7
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.access import authorize
from server.services.common import get_in_tenant
from server.services.loan_book import follow_on
from server.services.loan_files import FileProblem, LoanFile
from server.services.loan_states import Touched, apply_loan_states
from server.services.tenant_settings import tenant_today

MAX_REPORTED_PROBLEMS = 1000
"""Refused rows an import's outcome lists (all are counted)."""
FILE_NAME_MAX = 255
FOLLOW_ON_BATCH = 5000
"""Customers marked and reclassified per round of the follow-on, after the last batch."""

Progress = Callable[[int, int], Awaitable[None]]
"""Told the rows checked so far and the rows in all, after each batch."""


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

    def as_report(self) -> dict[str, Any]:
        """The outcome as an import keeps it (JSON)."""
        return {
            "rows": self.rows,
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "refused": self.refused,
            "movements": self.movements,
            "problemsTotal": len(self.problems),
            "problems": [
                {"row": p.row, "column": p.column, "code": p.code, "message": p.message}
                for p in self.problems[:MAX_REPORTED_PROBLEMS]
            ],
        }


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
    rows checked after each batch. The follow-on of the customers changed (their marks,
    classes and lapses) runs once, after the last batch, on their final state."""
    outcome = ImportOutcome(rows=loan_file.read, problems=list(loan_file.problems))
    today = today or await tenant_today(session, actor.tenant_id)
    touched = Touched()
    for start in range(0, len(loan_file.states), batch):
        states = loan_file.states[start : start + batch]
        report = await apply_loan_states(
            session,
            registry,
            actor,
            as_of=as_of,
            rows=states,
            max_rows=batch,
            today=today,
            touched=touched,
        )
        outcome.new += report.new
        outcome.changed += report.changed
        outcome.unchanged += report.unchanged
        outcome.movements += report.movements
        if progress is not None:
            await progress(start + len(states), len(loan_file.states))
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
    if not outcome.problems:
        customers = sorted(touched.customers)
        for start in range(0, len(customers), FOLLOW_ON_BATCH):
            chunk = customers[start : start + FOLLOW_ON_BATCH]
            await follow_on(
                session,
                registry,
                actor,
                chunk,
                today=today,
                outstanding_changed=touched.outstanding.intersection(chunk),
            )
    return outcome


async def queue_import(
    session: AsyncSession,
    actor: Principal,
    *,
    as_of: dt.date,
    file_name: str,
    data: bytes,
    encoding: str | None,
    max_bytes: int,
    today: dt.date | None = None,
) -> models.LoanStateImport:
    """Keep a loan-state file as an import to be applied by a job (QUEUED); the caller
    commits and then hands it to the job backend. The file is read by the job: its rows'
    problems are the import's outcome, not an error here."""
    authorize(actor, "importLoanStates")
    today = today or await tenant_today(session, actor.tenant_id)
    problems = Problems()
    if not data:
        problems.add("file", "EMPTY", "the file is empty")
    if len(data) > max_bytes:
        problems.add("file", "TOO_LARGE", f"the file has {len(data)} bytes; at most {max_bytes}")
    if not file_name or len(file_name) > FILE_NAME_MAX:
        problems.add("file_name", "LENGTH", f"a file name has 1–{FILE_NAME_MAX} characters")
    if encoding is not None and not 1 <= len(encoding) <= 40:
        problems.add("encoding", "LENGTH", "an encoding name has 1–40 characters")
    if as_of > today:
        problems.add("as_of", "NOT_IN_FUTURE", f"loan states cannot be dated after {today}")
    problems.raise_if_any()
    row = models.LoanStateImport(
        tenant_id=actor.tenant_id,
        id=uuid7(),
        as_of=as_of,
        status=ImportStatus.QUEUED,
        file_name=file_name,
        encoding=encoding,
        file_bytes=len(data),
        data=data,
        rows_total=0,
        rows_done=0,
        report={},
        started_by=actor.user_id,
        attempts=0,
    )
    session.add(row)
    await session.flush()
    return row


async def get_import(
    session: AsyncSession, actor: Principal, import_id: object
) -> models.LoanStateImport:
    """An import of the caller's tenant (its outcome and progress); ``NotFound`` otherwise."""
    authorize(actor, "loanStateImport", kind="query")
    row = await get_in_tenant(
        session,
        models.LoanStateImport,
        actor.tenant_id,
        import_id,
        field="id",
        entity="LoanStateImport",
    )
    await session.refresh(row)
    return row
