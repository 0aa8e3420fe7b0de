"""The root query of the audit trail (role AUDITOR, by the permission table)."""

from __future__ import annotations

from enum import Enum

import strawberry

from server.db import models
from server.graphql.audit.filters import (
    AuditFilter,
    audit_conditions,
    audit_criteria,
)
from server.graphql.audit.types import AuditEntry
from server.graphql.context import Ctx
from server.graphql.enum_descriptions import describe_as
from server.graphql.ordering import (
    SortDirection,
    SortKey,
    created_key,
    list_args,
    order_of,
    ordered_page,
)
from server.graphql.pagination import Connection


@strawberry.enum(description="What the audit trail can be ordered by.")
class AuditSortField(Enum):
    CREATED = "CREATED"
    AT = "AT"
    OPERATION = "OPERATION"
    USER_ID = "USER_ID"


describe_as(
    AuditSortField,
    {
        "CREATED": "记录先后",
        "AT": "调用时间",
        "OPERATION": "操作名称",
        "USER_ID": "调用人 (不分大小写)",
    },
)


@strawberry.input(description="The order of the audit trail; ties go by record age.")
class AuditOrder:
    field: AuditSortField
    direction: SortDirection = SortDirection.ASC


# Each order has its index: time, and the operation and the person (case-folded) then the id.
AUDIT_SORT: dict[str, SortKey] = {
    "CREATED": created_key(),
    "AT": SortKey(models.AuditEntry.at, "datetime"),
    "OPERATION": SortKey(models.AuditEntry.operation),
    # Persons compare case-insensitively: the case-folded id.
    "USER_ID": SortKey(models.AuditEntry.user_key),
}


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="Every mutation called in the tenant, allowed or refused, oldest first "
        "unless orderBy says otherwise."
    )
    async def audit_log(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        filter: AuditFilter | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: AuditOrder | None = None,
    ) -> Connection[AuditEntry]:
        ctx = info.context
        args = list_args(ctx.settings, AUDIT_SORT, order_of(order_by), first, after, last, before)
        criteria = audit_criteria(ctx.tenant_id, filter)
        return await ordered_page(
            ctx, models.AuditEntry, audit_conditions(criteria), args, AuditEntry.from_row
        )
