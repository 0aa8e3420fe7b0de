"""The root query of the audit trail (role AUDITOR, by the permission table)."""

from __future__ import annotations

import strawberry

from server.db import models
from server.graphql.audit.filters import AuditFilter, audit_conditions, audit_criteria
from server.graphql.audit.types import AuditEntry
from server.graphql.context import Ctx
from server.graphql.pagination import Connection, page_args, tenant_page


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="Every mutation called in the tenant, allowed or refused, oldest first."
    )
    async def audit_log(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        filter: AuditFilter | None = None,
    ) -> Connection[AuditEntry]:
        ctx = info.context
        criteria = audit_criteria(ctx.tenant_id, filter)
        args = page_args(ctx.settings, first, after)
        return await tenant_page(
            ctx, models.AuditEntry, audit_conditions(criteria), args, AuditEntry.from_row
        )
