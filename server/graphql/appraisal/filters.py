"""Which appraisals to list: the GraphQL filter, its hashable form, and the SQL it means."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import Enum

import strawberry
from sqlalchemy import ColumnElement, and_

from server import domain
from server.db import models
from server.graphql.enum_descriptions import describe_as
from server.graphql.enums import AppraisalStatus
from server.graphql.filtering import as_tuple
from server.graphql.ids import filter_id
from server.graphql.ordering import SortDirection, SortKey, created_key
from server.graphql.scalars import Period


@strawberry.input(description="Which appraisals to list.")
class AppraisalFilter:
    manager_id: strawberry.ID | None = None
    period: Period | None = None
    statuses: list[AppraisalStatus] | None = None


@dataclass(frozen=True)
class AppraisalCriteria:
    tenant_id: str
    manager_id: uuid.UUID | None = None
    period: str | None = None
    statuses: tuple[domain.AppraisalStatus, ...] | None = None


def appraisal_criteria(tenant_id: str, f: AppraisalFilter | None) -> AppraisalCriteria:
    if f is None:
        return AppraisalCriteria(tenant_id)
    return AppraisalCriteria(
        tenant_id=tenant_id,
        manager_id=filter_id(f.manager_id, "filter.managerId") if f.manager_id else None,
        period=f.period,
        statuses=as_tuple(f.statuses),
    )


def appraisal_conditions(c: AppraisalCriteria | None) -> list[ColumnElement[bool]]:
    if c is None:
        return []
    a = models.Appraisal
    out: list[ColumnElement[bool]] = []
    if c.manager_id is not None:
        out.append(a.manager_id == c.manager_id)
    if c.period is not None:
        out.append(a.period == c.period)
    if c.statuses is not None:
        out.append(a.status.in_(c.statuses))
    return [and_(*out)] if out else []


@strawberry.enum(description="What a list of appraisals can be ordered by.")
class AppraisalSortField(Enum):
    CREATED = "CREATED"
    PERIOD = "PERIOD"
    TOTAL = "TOTAL"


describe_as(AppraisalSortField, {"CREATED": "建档先后", "PERIOD": "考核期", "TOTAL": "总分"})


@strawberry.input(
    description="The order of a list of appraisals; ties go by record age. An appraisal "
    "without a total (the policy refused to grade) comes last in either direction."
)
class AppraisalOrder:
    field: AppraisalSortField
    direction: SortDirection = SortDirection.ASC


APPRAISAL_SORT: dict[str, SortKey] = {
    "CREATED": created_key(),
    "PERIOD": SortKey(models.Appraisal.period),
    "TOTAL": SortKey(models.Appraisal.total, "decimal", nullable=True),
}


def appraisal_order(order: AppraisalOrder | None) -> tuple[str, SortDirection] | None:
    return None if order is None else (order.field.value, order.direction)
