"""The loan book in GraphQL: its enums, a repayment recorded, the loan states of the core
system imported as of a date (``server.services.loan_book``, ``server.services.loan_states``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from server.errors import InvalidInput
from server.graphql.enums import ImportStatus, RiskClass
from server.graphql.nodes import Loan
from server.graphql.paths import camel_case
from server.graphql.scalars import Money
from server.loan_book import LoanMovementKind, LoanStatus, MovementSource
from server.services.loan_imports import MAX_REPORTED_PROBLEMS
from server.services.loan_states import LoanState, LoanStatesReport


@strawberry.type(description="One dated change of a loan.")
class LoanMovement:
    id: strawberry.ID
    kind: LoanMovementKind
    amount: Money = strawberry.field(
        description="The money moved; for a change of class or flag, the balance it concerns."
    )
    on: dt.date
    risk_class: RiskClass = strawberry.field(
        description="The loan's five-category class when it happened (before a change of it)."
    )
    source: MovementSource
    import_id: strawberry.ID | None = strawberry.field(
        description="The import that derived it; null when entered by hand."
    )

    @classmethod
    def from_values(cls, row: dict[str, Any]) -> LoanMovement:
        return cls(
            id=strawberry.ID(str(row["id"])),
            kind=row["kind"],
            amount=row["amount"],
            on=row["moved_on"],
            risk_class=row["risk_class"],
            source=row["source"],
            import_id=strawberry.ID(str(row["import_id"])) if row["import_id"] else None,
        )


@strawberry.type(description="A repayment recorded: the loan as it stands after it.")
class LoanRepaid:
    loan: Loan
    status: LoanStatus
    balance: Money
    principal_repaid: Money = strawberry.field(
        description="All principal repaid (before the loan was entered too)."
    )
    interest_repaid: Money = strawberry.field(description="All interest repaid since entry.")
    closed_on: dt.date | None
    movements: list[LoanMovement]


@strawberry.input(
    description="A loan as the core system holds it on asOf; a field left out keeps what "
    "is stored. Repaid and recovered amounts are cumulative."
)
class LoanStateInput:
    contract_no: str
    balance: Money
    principal_repaid: Money | None = strawberry.field(
        default=None, description="If given, must equal principal − balance − written off."
    )
    interest_repaid: Money | None = None
    risk_class: RiskClass | None = None
    days_overdue: int | None = None
    is_extension: bool | None = strawberry.field(default=None, description="Once set, stays set.")
    is_refinancing: bool | None = strawberry.field(default=None, description="Once set, stays set.")
    written_off_on: dt.date | None = strawberry.field(
        default=None, description="核销日期; with writtenOffAmount."
    )
    written_off_amount: Money | None = strawberry.field(
        default=None, description="The balance written off (the whole of it: balance 0)."
    )
    writeoff_recovered: Money | None = strawberry.field(
        default=None, description="Recovered on the written-off loan so far."
    )
    closed_on: dt.date | None = strawberry.field(
        default=None, description="For a loan repaid in full; defaults to asOf."
    )

    def to_state(self) -> LoanState:
        return LoanState(
            contract_no=self.contract_no.strip(),
            balance=self.balance,
            principal_repaid=self.principal_repaid,
            interest_repaid=self.interest_repaid,
            risk_class=self.risk_class,
            days_overdue=self.days_overdue,
            is_extension=self.is_extension,
            is_refinancing=self.is_refinancing,
            written_off_on=self.written_off_on,
            written_off_amount=self.written_off_amount,
            writeoff_recovered=self.writeoff_recovered,
            closed_on=self.closed_on,
        )


@strawberry.type(description="Why one row was refused.")
class LoanStateRefusal:
    row: int = strawberry.field(description="The row's number in rows, from 1.")
    contract_no: str
    field: str = strawberry.field(description="The field (column) of LoanStateInput, or asOf.")
    code: str = strawberry.field(description="The rule, e.g. UNKNOWN_CONTRACT, BALANCE_MISMATCH.")
    message: str


@strawberry.type(
    description="What an import of loan states did: all rows or none. With a refused row "
    "nothing is written (applied false) and the counts say what the rest would have done."
)
class LoanStatesImported:
    as_of: dt.date
    rows: int
    applied: bool
    import_id: strawberry.ID | None = strawberry.field(
        description="Names the movements written; null when nothing changed."
    )
    new: int = strawberry.field(
        description="Loans created: none, a contract number not on the book is refused."
    )
    changed: int
    unchanged: int
    refused: int
    movements: int
    refusals: list[LoanStateRefusal]

    def audit_refusal(self) -> str | None:
        """Loan states with a refused row wrote nothing: the audit row says INVALID_INPUT."""
        return None if self.applied else InvalidInput.code

    @classmethod
    def from_report(cls, report: LoanStatesReport) -> LoanStatesImported:
        return cls(
            as_of=report.as_of,
            rows=report.rows,
            applied=report.applied,
            import_id=strawberry.ID(str(report.import_id)) if report.import_id else None,
            new=report.new,
            changed=report.changed,
            unchanged=report.unchanged,
            refused=report.refused,
            movements=report.movements,
            refusals=[
                LoanStateRefusal(
                    row=r.row,
                    contract_no=r.contract_no,
                    field=camel_case(r.field),
                    code=r.code,
                    message=r.message,
                )
                for r in report.refusals
            ],
        )


@strawberry.type(
    description="A refused row of an imported file: its row in the file (0: the file "
    "as a whole), the column as its header is written, the rule and a sentence."
)
class ImportProblem:
    row: int
    column: str
    code: str
    message: str


@strawberry.type(
    description="What an import did (APPLIED) or would have done (REFUSED: nothing written)."
)
class ImportOutcome:
    rows: int = strawberry.field(description="Loan rows in the file, refused ones included.")
    new: int
    changed: int
    unchanged: int
    refused: int
    movements: int
    problems_total: int = strawberry.field(description="Every refused row's problems.")
    problems: list[ImportProblem] = strawberry.field(
        description=f"The first {MAX_REPORTED_PROBLEMS} problems, by row."
    )

    @classmethod
    def from_report(cls, report: dict[str, Any]) -> ImportOutcome:
        return cls(
            rows=report["rows"],
            new=report["new"],
            changed=report["changed"],
            unchanged=report["unchanged"],
            refused=report["refused"],
            movements=report["movements"],
            problems_total=report["problemsTotal"],
            problems=[ImportProblem(**p) for p in report["problems"]],
        )


@strawberry.type(
    description="A loan-state file of the core system applied by a job (ruralcredit "
    "import-loan-states --queue): its progress, then its outcome. All rows or none."
)
class LoanStateImport:
    id: strawberry.ID
    as_of: dt.date
    status: ImportStatus
    file_name: str
    file_bytes: int
    rows_total: int = strawberry.field(
        description="Loan rows read from the file (0 until the job has read it)."
    )
    rows_done: int = strawberry.field(description="Rows checked so far.")
    started_by: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    attempts: int = strawberry.field(description="Takes of the import by a worker so far.")
    outcome: ImportOutcome | None = strawberry.field(
        description="Null until the import is APPLIED or REFUSED."
    )

    @classmethod
    def from_row(cls, row: Any, live: tuple[int, int] | None = None) -> LoanStateImport:
        done, total = live if live is not None else (row.rows_done, row.rows_total)
        return cls(
            id=strawberry.ID(str(row.id)),
            as_of=row.as_of,
            status=row.status,
            file_name=row.file_name,
            file_bytes=row.file_bytes,
            rows_total=total,
            rows_done=done,
            started_by=row.started_by,
            created_at=row.created_at,
            finished_at=row.finished_at,
            attempts=row.attempts,
            outcome=ImportOutcome.from_report(row.report) if row.report else None,
        )
