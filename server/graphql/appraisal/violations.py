"""Violations over GraphQL: the record and its history, the list (filtered, in the caller's
scope), and the decisions on it (``server.services.penalties``, ``server.services.violations``)."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated

import strawberry
from sqlalchemy import ColumnElement

from server import domain
from server.db import models
from server.graphql.context import Ctx
from server.graphql.enum_descriptions import describe_as
from server.graphql.enums import ViolationKind, ViolationStatus
from server.graphql.errors import ErrorType
from server.graphql.ids import filter_id
from server.graphql.limits import MAX_ITEMS
from server.graphql.mutation import mutation
from server.graphql.nodes import Manager
from server.graphql.ordering import (
    SortDirection,
    SortKey,
    created_key,
    list_args,
    order_of,
    ordered_page,
)
from server.graphql.pagination import Connection
from server.graphql.paths import input_paths
from server.services import violations


@strawberry.type(description="One step of a violation's life: who moved it, when, from → to, why.")
class ViolationStatusChange:
    from_status: ViolationStatus | None = strawberry.field(
        description="The status before; null for the recording itself."
    )
    to_status: ViolationStatus
    reason: str | None = strawberry.field(description="Why (a dismissal always says).")
    changed_by: str
    changed_at: dt.datetime

    @classmethod
    def from_row(cls, r: models.ViolationStatusChange) -> ViolationStatusChange:
        return cls(
            from_status=r.from_status,
            to_status=r.to_status,
            reason=r.reason,
            changed_by=r.changed_by,
            changed_at=r.changed_at,
        )


@strawberry.type(description="A recorded violation of a manager.")
class Violation:
    id: strawberry.ID
    kind: ViolationKind
    kind_label: str
    occurred_on: dt.date
    description: str
    evidence: str | None
    status: ViolationStatus
    recorded_by: str
    recorded_at: dt.datetime
    confirmed_by: str | None
    confirmed_at: dt.datetime | None
    effect: str | None = strawberry.field(
        description="What the penalty policy decided: DOWN_ONE_TIER, DISQUALIFY, "
        "DISQUALIFY_FOR_LIFE, SUSPEND or NONE."
    )
    effect_article: str | None
    effect_reason: str | None
    _row: strawberry.Private[models.Violation]

    @classmethod
    def from_row(cls, r: models.Violation) -> Violation:
        return cls(
            id=strawberry.ID(str(r.id)),
            kind=r.kind,
            kind_label=r.kind.label,
            occurred_on=r.occurred_on,
            description=r.description,
            evidence=r.evidence,
            status=r.status,
            recorded_by=r.recorded_by,
            recorded_at=r.recorded_at,
            confirmed_by=r.confirmed_by,
            confirmed_at=r.confirmed_at,
            effect=r.effect,
            effect_article=r.effect_article,
            effect_reason=r.effect_reason,
            _row=r,
        )

    @strawberry.field
    async def manager(self, info: Ctx) -> Manager:
        row = await info.context.loaders.org.manager.load_referenced(self._row.manager_id)
        return Manager.from_row(row)

    @strawberry.field(
        description="Every status change, oldest first: the recording, then the decision.",
        # Each status is entered once at most: recorded, then confirmed or dismissed.
        metadata={MAX_ITEMS: len(domain.ViolationStatus)},
    )
    async def history(self, info: Ctx) -> list[ViolationStatusChange]:
        rows = await info.context.loaders.appraisal.violation_history.load(self._row.id)
        return [ViolationStatusChange.from_row(r) for r in rows]


@strawberry.input(description="Which violations to list; every condition given must hold.")
class ViolationFilter:
    manager_id: strawberry.ID | None = None
    statuses: list[ViolationStatus] | None = None
    kinds: list[ViolationKind] | None = None
    occurred_from: dt.date | None = strawberry.field(
        default=None, description="Occurred on or after this day."
    )
    occurred_to: dt.date | None = strawberry.field(
        default=None, description="Occurred on or before this day."
    )


def violation_conditions(f: ViolationFilter | None) -> list[ColumnElement[bool]]:
    if f is None:
        return []
    v = models.Violation
    out: list[ColumnElement[bool]] = []
    if f.manager_id is not None:
        out.append(v.manager_id == filter_id(f.manager_id, "filter.managerId"))
    if f.statuses is not None:
        out.append(v.status.in_(f.statuses))
    if f.kinds is not None:
        out.append(v.kind.in_(f.kinds))
    if f.occurred_from is not None:
        out.append(v.occurred_on >= f.occurred_from)
    if f.occurred_to is not None:
        out.append(v.occurred_on <= f.occurred_to)
    return out


@strawberry.enum(description="What a list of violations can be ordered by.")
class ViolationSortField(Enum):
    CREATED = "CREATED"
    OCCURRED_ON = "OCCURRED_ON"
    RECORDED_AT = "RECORDED_AT"
    CONFIRMED_AT = "CONFIRMED_AT"


describe_as(
    ViolationSortField,
    {
        "CREATED": "登记先后",
        "OCCURRED_ON": "发生日期",
        "RECORDED_AT": "登记时间",
        "CONFIRMED_AT": "确认时间 (未确认的排在最后)",
    },
)


@strawberry.input(
    description="The order of a list of violations; ties go by record age. A violation not "
    "confirmed comes last by CONFIRMED_AT in either direction."
)
class ViolationOrder:
    field: ViolationSortField
    direction: SortDirection = SortDirection.ASC


VIOLATION_SORT: dict[str, SortKey] = {
    "CREATED": created_key(),
    "OCCURRED_ON": SortKey(models.Violation.occurred_on, "date"),
    "RECORDED_AT": SortKey(models.Violation.recorded_at, "datetime"),
    "CONFIRMED_AT": SortKey(models.Violation.confirmed_at, "datetime", nullable=True),
}


ViolationResult = Annotated[Violation | ErrorType, strawberry.union("RecordViolationResult")]


@strawberry.type
class ViolationQuery:
    @strawberry.field(
        description="Violation records in your scope, oldest recorded first unless orderBy "
        "says otherwise."
    )
    async def violations(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        filter: ViolationFilter | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: ViolationOrder | None = None,
    ) -> Connection[Violation]:
        ctx = info.context
        order = order_of(order_by)
        args = list_args(ctx.settings, VIOLATION_SORT, order, first, after, last, before)
        return await ordered_page(
            ctx, models.Violation, violation_conditions(filter), args, Violation.from_row
        )


@strawberry.type
class ViolationMutation:
    @mutation(
        description="Dismiss a recorded violation, with the reason (not by its recorder): the "
        "record stays, with its history, and no penalty follows.",
        fields=input_paths(overrides={"violation_id": "id"}),
    )
    async def dismiss_violation(self, info: Ctx, id: strawberry.ID, reason: str) -> ViolationResult:
        ctx = info.context
        row = await violations.dismiss_violation(
            ctx.session, ctx.principal, violation_id=str(id), reason=reason
        )
        return Violation.from_row(row)
