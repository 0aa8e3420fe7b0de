"""Which audit entries to list: the GraphQL filter, its checked form, its SQL.

Every string is bounded; a period bound carries its offset (the ``DateTime`` scalar
refuses a time without one, which would be read in some zone nobody chose). Each
condition has its index: the person by their case-folded user id, the operation, the
target through ``audit_targets``, the period by time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import strawberry
from sqlalchemy import ColumnElement

from server.db import models
from server.db.models.audit import OPERATION_LENGTH, USER_ID_LENGTH
from server.db.queries.audit import entries_naming
from server.errors import BadQueryArgument
from server.graphql.audit.trail import MAX_TARGET_ID_CHARS, target_id, user_key


@strawberry.input(description="Which audit entries to list. All conditions must hold.")
class AuditFilter:
    user_id: str | None = strawberry.field(
        default=None, description="Who called: the token's subject (case-insensitive)."
    )
    operation: str | None = strawberry.field(
        default=None, description="The mutation's field name, e.g. createLoan."
    )
    target_id: strawberry.ID | None = strawberry.field(
        default=None, description="An id the mutation's arguments named."
    )
    from_: dt.datetime | None = strawberry.field(
        default=None,
        name="from",
        description="Called at or after this time; with its time zone (2026-01-01T00:00:00+08:00).",
    )
    to: dt.datetime | None = strawberry.field(
        default=None, description="Called before this time; with its time zone."
    )


@dataclass(frozen=True)
class AuditCriteria:
    tenant_id: str
    user_id: str | None = None
    operation: str | None = None
    target_id: str | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None


def _bounded(value: str | None, field: str, limit: int) -> str | None:
    if value is None:
        return None
    text = value.strip()
    if not text:
        raise BadQueryArgument(field, f"{field} must not be blank")
    if len(text) > limit:
        raise BadQueryArgument(field, f"{field} must be at most {limit} characters")
    return text


def _instant(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC)  # the DateTime scalar refused a value without an offset


def audit_criteria(tenant_id: str, f: AuditFilter | None) -> AuditCriteria:
    if f is None:
        return AuditCriteria(tenant_id)
    target = _bounded(f.target_id, "filter.targetId", MAX_TARGET_ID_CHARS)
    criteria = AuditCriteria(
        tenant_id=tenant_id,
        user_id=_bounded(f.user_id, "filter.userId", USER_ID_LENGTH),
        operation=_bounded(f.operation, "filter.operation", OPERATION_LENGTH),
        target_id=None if target is None else target_id(target),
        start=_instant(f.from_),
        end=_instant(f.to),
    )
    if criteria.start and criteria.end and criteria.end <= criteria.start:
        raise BadQueryArgument("filter.to", "filter.to must be later than filter.from")
    return criteria


def audit_conditions(c: AuditCriteria) -> list[ColumnElement[bool]]:
    a = models.AuditEntry
    out: list[ColumnElement[bool]] = []
    if c.user_id is not None:
        out.append(a.user_key == user_key(c.user_id))
    if c.operation is not None:
        out.append(a.operation == c.operation)
    if c.target_id is not None:
        out.append(a.id.in_(entries_naming(c.tenant_id, c.target_id)))
    if c.start is not None:
        out.append(a.at >= c.start)
    if c.end is not None:
        out.append(a.at < c.end)
    return out
