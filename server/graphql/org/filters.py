"""Which managers to list: the GraphQL filter, its hashable form, and the SQL it means.

A filter value is a frozen dataclass so that loaders can batch every parent
that asks for the same filter into one statement.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import Enum

import strawberry
from sqlalchemy import ColumnElement, or_

from server import domain
from server.db import models
from server.db.queries.offices import office_subtree
from server.graphql.enum_descriptions import describe_as
from server.graphql.enums import ManagerCategory, ManagerStatus
from server.graphql.filtering import as_tuple, like_pattern, search_term
from server.graphql.ids import filter_id
from server.graphql.ordering import SortDirection, SortKey, created_key


@strawberry.input(description="Which managers to list. All conditions must hold.")
class ManagerFilter:
    office_id: strawberry.ID | None = strawberry.field(
        default=None, description="Managers of this office (and, by default, its sub-offices)."
    )
    include_sub_offices: bool = True
    tier_codes: list[str] | None = strawberry.field(
        default=None, description="Current tier code is one of these."
    )
    min_tier_rank: int | None = None
    statuses: list[ManagerStatus] | None = None
    category: ManagerCategory | None = None
    search: str | None = strawberry.field(
        default=None, description="Part of the name or employee number (case-insensitive)."
    )


@dataclass(frozen=True)
class ManagerCriteria:
    tenant_id: str
    office_id: uuid.UUID | None = None
    include_sub_offices: bool = True
    tier_codes: tuple[str, ...] | None = None
    min_tier_rank: int | None = None
    statuses: tuple[domain.ManagerStatus, ...] | None = None
    category: domain.ManagerCategory | None = None
    search: str | None = None


def manager_criteria(tenant_id: str, f: ManagerFilter | None) -> ManagerCriteria:
    if f is None:
        return ManagerCriteria(tenant_id)
    return ManagerCriteria(
        tenant_id=tenant_id,
        office_id=filter_id(f.office_id, "filter.officeId") if f.office_id else None,
        include_sub_offices=f.include_sub_offices,
        tier_codes=as_tuple(f.tier_codes),
        min_tier_rank=f.min_tier_rank,
        statuses=as_tuple(f.statuses),
        category=f.category,
        search=search_term(f.search),
    )


def manager_conditions(c: ManagerCriteria | None) -> list[ColumnElement[bool]]:
    if c is None:
        return []
    m = models.Manager
    out: list[ColumnElement[bool]] = []
    if c.office_id is not None:
        out.append(m.office_id.in_(office_subtree(c.tenant_id, c.office_id, c.include_sub_offices)))
    if c.tier_codes is not None:
        out.append(m.tier_code.in_(c.tier_codes))
    if c.min_tier_rank is not None:
        out.append(m.tier_rank >= c.min_tier_rank)
    if c.statuses is not None:
        out.append(m.status.in_(c.statuses))
    if c.category is not None:
        out.append(m.category == c.category)
    if c.search is not None:
        pattern = like_pattern(c.search)
        out.append(
            or_(m.name.ilike(pattern, escape="\\"), m.employee_no.ilike(pattern, escape="\\"))
        )
    return out


@strawberry.enum(description="What a list of managers can be ordered by.")
class ManagerSortField(Enum):
    CREATED = "CREATED"
    NAME = "NAME"
    EMPLOYEE_NO = "EMPLOYEE_NO"
    HIRE_DATE = "HIRE_DATE"
    TIER_RANK = "TIER_RANK"


describe_as(
    ManagerSortField,
    {
        "CREATED": "建档先后",
        "NAME": "姓名",
        "EMPLOYEE_NO": "工号",
        "HIRE_DATE": "入职日期",
        "TIER_RANK": "等级高低",
    },
)


@strawberry.input(
    description="The order of a list of managers; ties go by record age. A manager not yet "
    "graded has no tier rank and comes last in either direction."
)
class ManagerOrder:
    field: ManagerSortField
    direction: SortDirection = SortDirection.ASC


MANAGER_SORT: dict[str, SortKey] = {
    "CREATED": created_key(),
    "NAME": SortKey(models.Manager.name),
    "EMPLOYEE_NO": SortKey(models.Manager.employee_no),
    "HIRE_DATE": SortKey(models.Manager.hire_date, "date"),
    "TIER_RANK": SortKey(models.Manager.tier_rank, "int", nullable=True),
}


def manager_order(order: ManagerOrder | None) -> tuple[str, SortDirection] | None:
    return None if order is None else (order.field.value, order.direction)
