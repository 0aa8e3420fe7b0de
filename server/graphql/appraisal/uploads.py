"""What the upload mutations answer: the rows and records written, or every problem of the
sheet (then nothing was written)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from server.errors import InvalidInput
from server.graphql.errors import ErrorType
from server.uploads.writes import UploadOutcome


@strawberry.type(description="One broken rule of an uploaded sheet.")
class UploadProblem:
    sheet: str = strawberry.field(description="The sheet's name, as in the template.")
    row: int = strawberry.field(
        description="The row as Excel numbers it (1: the header); 0 for the file as a whole."
    )
    column: str = strawberry.field(
        description="The column's header as written; empty for a whole row or file."
    )
    code: str = strawberry.field(description="The rule, e.g. REQUIRED, RANGE, NOT_IN_LIST.")
    message: str


@strawberry.type(
    description=(
        "An upload's outcome: with no problems every row was written; with any, none was "
        "(rows and records 0) and each problem is listed."
    )
)
class SheetUploaded:
    rows: int = strawberry.field(description="Filled rows written.")
    records: int = strawberry.field(description="Records written: figures, violations or findings.")
    problems: list[UploadProblem]

    def audit_refusal(self) -> str | None:
        """A sheet with a problem wrote nothing: its audit row says INVALID_INPUT."""
        return InvalidInput.code if self.problems else None

    @classmethod
    def from_outcome(cls, outcome: UploadOutcome) -> SheetUploaded:
        return cls(
            rows=outcome.rows,
            records=outcome.records,
            problems=[
                UploadProblem(
                    sheet=p.sheet, row=p.row, column=p.column, code=p.code, message=p.message
                )
                for p in outcome.problems
            ],
        )


UploadResult = Annotated[SheetUploaded | ErrorType, strawberry.union("UploadSheetResult")]
