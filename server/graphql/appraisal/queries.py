"""Root queries of appraisal: appraisals and runs, and managers due to rotate."""

from __future__ import annotations

import datetime as dt

import strawberry

from server.db import models
from server.db.queries.appraisals import appraisal_by_id
from server.graphql.appraisal.filters import (
    APPRAISAL_SORT,
    AppraisalFilter,
    AppraisalOrder,
    appraisal_conditions,
    appraisal_criteria,
    appraisal_order,
)
from server.graphql.appraisal.types import AppraisalRun
from server.graphql.context import Ctx
from server.graphql.ids import lookup_id
from server.graphql.nodes import Appraisal, Manager
from server.graphql.ordering import list_args, ordered_page
from server.graphql.pagination import Connection
from server.services import rotation


@strawberry.type(description="A manager due to rotate to another post (岗位轮换).")
class RotationDue:
    manager: Manager
    due_on: dt.date


@strawberry.type
class RotationQuery:
    @strawberry.field(
        description=(
            "Managers due to rotate to another post by a date (today), as the tenant's lending "
            "policy rotates them (e.g. 三年一轮换); empty when it does not."
        )
    )
    async def rotation_due(self, info: Ctx, as_of: dt.date | None = None) -> list[RotationDue]:
        ctx = info.context
        due = await ctx.call(
            rotation.rotation_due, ctx.registry, ctx.tenant_id, as_of or await ctx.today()
        )
        return [RotationDue(manager=Manager.from_row(m), due_on=on) for m, on in due]


@strawberry.type
class AppraisalQuery:
    @strawberry.field(description="Appraisals, oldest first unless orderBy says otherwise.")
    async def appraisals(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        filter: AppraisalFilter | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: AppraisalOrder | None = None,
    ) -> Connection[Appraisal]:
        ctx = info.context
        order = appraisal_order(order_by)
        args = list_args(ctx.settings, APPRAISAL_SORT, order, first, after, last, before)
        criteria = appraisal_criteria(ctx.tenant_id, filter)
        return await ordered_page(
            ctx, models.Appraisal, appraisal_conditions(criteria), args, Appraisal.from_row
        )

    @strawberry.field(description="An appraisal run (whole tenant, one period) and its progress.")
    async def appraisal_run(self, info: Ctx, id: strawberry.ID) -> AppraisalRun | None:
        ctx = info.context
        key = lookup_id(id)
        row = await ctx.get(models.AppraisalRun, (ctx.tenant_id, key)) if key else None
        return AppraisalRun.from_row(row) if row else None

    @strawberry.field
    async def appraisal(self, info: Ctx, id: strawberry.ID) -> Appraisal | None:
        key = lookup_id(id)
        if key is None:
            return None
        ctx = info.context
        row = await ctx.call(appraisal_by_id, ctx.tenant_id, key, ctx.scope.where(models.Appraisal))
        return Appraisal.from_row(row) if row else None
