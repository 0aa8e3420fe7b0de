"""Inputs of appraisal's mutations: figures, inspection findings, violations."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from server.graphql.enums import ViolationKind
from server.graphql.scalars import DecimalValue


@strawberry.input
class FigureInput:
    indicator: str = strawberry.field(
        description="lower_snake_case key, e.g. deposits_net_increase"
    )
    value: DecimalValue


@strawberry.input
class FindingInput:
    item: str = strawberry.field(description="The appraisal item, e.g. C1.4.")
    finding: str = strawberry.field(description="UPPER_SNAKE code, e.g. MISSING_REPORT.")
    count: int = 1
    loan_id: strawberry.ID | None = None
    description: str | None = None


@strawberry.input
class RecordViolationInput:
    manager_id: strawberry.ID
    kind: ViolationKind
    occurred_on: dt.date
    description: str
    evidence: str | None = None


SheetOffice = Annotated[
    strawberry.ID | None,
    strawberry.argument(
        description="The office whose task sheet this is: the manager's own by default, or "
        "one the manager moved from in the period."
    ),
]
