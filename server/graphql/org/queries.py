"""Root queries of the organisation: the caller, the tenant, offices, managers, labels."""

from __future__ import annotations

import strawberry

from server.db import models
from server.db.queries.offices import offices_in_tree_order
from server.graphql.context import Ctx
from server.graphql.enums import EnumLabel, all_labels
from server.graphql.ids import lookup_id
from server.graphql.nodes import Manager, Office
from server.graphql.ordering import list_args, ordered_page
from server.graphql.org.filters import (
    MANAGER_SORT,
    ManagerFilter,
    ManagerOrder,
    manager_conditions,
    manager_criteria,
    manager_order,
)
from server.graphql.org.types import Tenant, Viewer
from server.graphql.pagination import Connection


@strawberry.type
class TenantQuery:
    @strawberry.field(description="The caller: user, roles and tenant.")
    def viewer(self, info: Ctx) -> Viewer:
        p = info.context.principal
        return Viewer(user_id=p.user_id, roles=sorted(p.roles), _tenant_id=p.tenant_id)

    @strawberry.field(description="The caller's tenant.")
    async def tenant(self, info: Ctx) -> Tenant | None:
        ctx = info.context
        row = await ctx.get(models.Tenant, ctx.tenant_id)
        return Tenant.from_row(row) if row else None


@strawberry.type
class OrgQuery:
    @strawberry.field(description="Every enumeration value with its Chinese label.")
    def labels(self) -> list[EnumLabel]:
        return all_labels()

    @strawberry.field(description="The offices of the tenant, the head office first.")
    async def offices(self, info: Ctx) -> list[Office]:
        ctx = info.context
        rows = await ctx.call(offices_in_tree_order, ctx.tenant_id, ctx.scope.where(models.Office))
        return [Office.from_row(r) for r in rows]

    @strawberry.field
    async def office(self, info: Ctx, id: strawberry.ID) -> Office | None:
        key = lookup_id(id)
        row = await info.context.loaders.org.office.load(key) if key else None
        return Office.from_row(row) if row else None

    @strawberry.field(description="Managers, oldest record first unless orderBy says otherwise.")
    async def managers(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        filter: ManagerFilter | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: ManagerOrder | None = None,
    ) -> Connection[Manager]:
        ctx = info.context
        order = manager_order(order_by)
        args = list_args(ctx.settings, MANAGER_SORT, order, first, after, last, before)
        criteria = manager_criteria(ctx.tenant_id, filter)
        return await ordered_page(
            ctx, models.Manager, manager_conditions(criteria), args, Manager.from_row
        )

    @strawberry.field
    async def manager(self, info: Ctx, id: strawberry.ID) -> Manager | None:
        key = lookup_id(id)
        row = await info.context.loaders.org.manager.load(key) if key else None
        return Manager.from_row(row) if row else None
