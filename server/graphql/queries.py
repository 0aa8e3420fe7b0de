"""Root queries. Every statement is confined to the caller's tenant."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import strawberry
from sqlalchemy import select

from server.db import models
from server.domain import EventKind, Role
from server.errors import BadQueryArgument
from server.graphql.enums import EnumLabel, all_labels
from server.graphql.filters import (
    AppraisalFilter,
    CustomerFilter,
    LoanFilter,
    ManagerFilter,
    appraisal_conditions,
    appraisal_criteria,
    customer_conditions,
    customer_criteria,
    loan_conditions,
    loan_criteria,
    manager_conditions,
    manager_criteria,
)
from server.graphql.pagination import Connection, page_args, paginate
from server.graphql.policy import PolicyPlugin, installed_plugins
from server.graphql.types import (
    Appraisal,
    AppraisalRun,
    ChangeEvent,
    Ctx,
    Customer,
    EventPage,
    Loan,
    Manager,
    Office,
    RotationDue,
    Tenant,
    Viewer,
)
from server.services import rotation
from server.services.common import require_role
from server.services.events import events_after

NodeT = TypeVar("NodeT")


def _filter_id(value: object, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise BadQueryArgument(field, f"{field} is not an id") from None


def _lookup_id(value: strawberry.ID) -> uuid.UUID | None:
    """An id argument; a malformed id is simply not found."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


async def _page(
    info: Ctx,
    model: Any,
    conditions: list[Any],
    first: int | None,
    after: str | None,
    to_node: Callable[[Any], NodeT],
) -> Connection[NodeT]:
    """One page of the caller's tenant's rows of ``model`` that meet ``conditions``."""
    ctx = info.context
    args = page_args(ctx, first, after)
    stmt = select(model).where(model.tenant_id == ctx.tenant_id, *conditions)
    return await paginate(ctx, stmt, model.id, args, to_node)


async def _events(info: Ctx, kind: EventKind, after: str | None, first: int | None) -> EventPage:
    ctx = info.context
    require_role(ctx.principal.roles, (Role.INTEGRATOR, Role.HR), "reading events")
    args = page_args(ctx, first, None)
    try:
        start = int(after) if after else 0
    except ValueError:
        raise BadQueryArgument("after", "after must be an event cursor") from None
    if start < 0:
        raise BadQueryArgument("after", "after must be an event cursor")
    async with ctx.db_lock:
        rows = await events_after(ctx.session, ctx.tenant_id, kind, start, args.first + 1)
    page = rows[: args.first]
    return EventPage(
        events=[ChangeEvent.from_row(r) for r in page],
        latest_cursor=str(page[-1].cursor) if page else after,
        has_more=len(rows) > args.first,
    )


@strawberry.type
class Query:
    @strawberry.field(description="The caller: user, roles and tenant.")
    def viewer(self, info: Ctx) -> Viewer:
        p = info.context.principal
        return Viewer(user_id=p.user_id, roles=sorted(p.roles), _tenant_id=p.tenant_id)

    @strawberry.field(description="The caller's tenant.")
    async def tenant(self, info: Ctx) -> Tenant | None:
        ctx = info.context
        row = await ctx.get(models.Tenant, ctx.tenant_id)
        return Tenant.from_row(row) if row else None

    @strawberry.field(
        description=(
            "Managers due to rotate to another post by a date (today), as the tenant's lending "
            "policy rotates them (e.g. 三年一轮换); empty when it does not."
        )
    )
    async def rotation_due(self, info: Ctx, as_of: dt.date | None = None) -> list[RotationDue]:
        ctx = info.context
        async with ctx.db_lock:
            due = await rotation.rotation_due(
                ctx.session, ctx.registry, ctx.tenant_id, as_of or dt.date.today()
            )
        return [RotationDue(manager=Manager.from_row(m), due_on=on) for m, on in due]

    @strawberry.field(
        description="Grade changes after a cursor, oldest first (role INTEGRATOR or HR)."
    )
    async def grade_events(
        self, info: Ctx, after: str | None = None, first: int | None = None
    ) -> EventPage:
        return await _events(info, EventKind.GRADE_CHANGED, after, first)

    @strawberry.field(
        description="Customer-class changes after a cursor, oldest first (role INTEGRATOR or HR)."
    )
    async def class_events(
        self, info: Ctx, after: str | None = None, first: int | None = None
    ) -> EventPage:
        return await _events(info, EventKind.CUSTOMER_CLASS_CHANGED, after, first)

    @strawberry.field(description="The installed policy plugins, their parameters and tiers.")
    def policies(self, info: Ctx) -> list[PolicyPlugin]:
        return installed_plugins(info.context)

    @strawberry.field(description="Every enumeration value with its Chinese label.")
    def labels(self) -> list[EnumLabel]:
        return all_labels()

    @strawberry.field(description="The offices of the tenant, the head office first.")
    async def offices(self, info: Ctx) -> list[Office]:
        ctx = info.context
        rows = (
            await ctx.execute(
                select(models.Office)
                .where(models.Office.tenant_id == ctx.tenant_id)
                .order_by(models.Office.depth, models.Office.code)
            )
        ).scalars()
        return [Office.from_row(r) for r in rows]

    @strawberry.field
    async def office(self, info: Ctx, id: strawberry.ID) -> Office | None:
        key = _lookup_id(id)
        row = await info.context.loaders.office.load(key) if key else None
        return Office.from_row(row) if row else None

    @strawberry.field(description="Managers, oldest record first.")
    async def managers(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        filter: ManagerFilter | None = None,
    ) -> Connection[Manager]:
        criteria = manager_criteria(info.context.tenant_id, filter, _filter_id)
        return await _page(
            info, models.Manager, manager_conditions(criteria), first, after, Manager.from_row
        )

    @strawberry.field
    async def manager(self, info: Ctx, id: strawberry.ID) -> Manager | None:
        key = _lookup_id(id)
        row = await info.context.loaders.manager.load(key) if key else None
        return Manager.from_row(row) if row else None

    @strawberry.field(description="Loan customers, oldest record first.")
    async def customers(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        filter: CustomerFilter | None = None,
    ) -> Connection[Customer]:
        criteria = customer_criteria(info.context.tenant_id, filter, _filter_id)
        return await _page(
            info, models.Customer, customer_conditions(criteria), first, after, Customer.from_row
        )

    @strawberry.field
    async def customer(self, info: Ctx, id: strawberry.ID) -> Customer | None:
        key = _lookup_id(id)
        row = await info.context.loaders.customer.load(key) if key else None
        return Customer.from_row(row) if row else None

    @strawberry.field(description="Loans, oldest record first.")
    async def loans(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        filter: LoanFilter | None = None,
    ) -> Connection[Loan]:
        criteria = loan_criteria(info.context.tenant_id, filter, _filter_id)
        return await _page(
            info, models.Loan, loan_conditions(criteria), first, after, Loan.from_row
        )

    @strawberry.field
    async def loan(self, info: Ctx, id: strawberry.ID) -> Loan | None:
        key = _lookup_id(id)
        row = await info.context.loaders.loan.load(key) if key else None
        return Loan.from_row(row) if row else None

    @strawberry.field(description="Appraisals, oldest first.")
    async def appraisals(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        filter: AppraisalFilter | None = None,
    ) -> Connection[Appraisal]:
        criteria = appraisal_criteria(info.context.tenant_id, filter, _filter_id)
        return await _page(
            info, models.Appraisal, appraisal_conditions(criteria), first, after, Appraisal.from_row
        )

    @strawberry.field(description="An appraisal run (whole tenant, one period) and its progress.")
    async def appraisal_run(self, info: Ctx, id: strawberry.ID) -> AppraisalRun | None:
        ctx = info.context
        key = _lookup_id(id)
        row = await ctx.get(models.AppraisalRun, (ctx.tenant_id, key)) if key else None
        return AppraisalRun.from_row(row) if row else None

    @strawberry.field
    async def appraisal(self, info: Ctx, id: strawberry.ID) -> Appraisal | None:
        key = _lookup_id(id)
        if key is None:
            return None
        ctx = info.context
        row = (
            await ctx.execute(
                select(models.Appraisal).where(
                    models.Appraisal.tenant_id == ctx.tenant_id, models.Appraisal.id == key
                )
            )
        ).scalar_one_or_none()
        return Appraisal.from_row(row) if row else None
