"""Root queries of lending: customers and loans, listed and by id; the admission queue."""

from __future__ import annotations

import strawberry

from server.db import models
from server.domain import AdmissionDecision
from server.graphql.context import Ctx
from server.graphql.ids import lookup_id
from server.graphql.lending.admission import AdmissionRequest
from server.graphql.lending.filters import (
    CustomerFilter,
    LoanFilter,
    customer_conditions,
    customer_criteria,
    loan_conditions,
    loan_criteria,
)
from server.graphql.nodes import Customer, Loan
from server.graphql.pagination import Connection, page_args, tenant_page


@strawberry.type
class LendingQuery:
    @strawberry.field(description="Loan customers, oldest record first.")
    async def customers(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        filter: CustomerFilter | None = None,
    ) -> Connection[Customer]:
        ctx = info.context
        criteria = customer_criteria(ctx.tenant_id, filter)
        args = page_args(ctx.settings, first, after)
        return await tenant_page(
            ctx, models.Customer, customer_conditions(criteria), args, Customer.from_row
        )

    @strawberry.field
    async def customer(self, info: Ctx, id: strawberry.ID) -> Customer | None:
        key = lookup_id(id)
        row = await info.context.loaders.lending.customer.load(key) if key else None
        return Customer.from_row(row) if row else None

    @strawberry.field(description="Loans, oldest record first.")
    async def loans(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        filter: LoanFilter | None = None,
    ) -> Connection[Loan]:
        ctx = info.context
        criteria = loan_criteria(ctx.tenant_id, filter)
        args = page_args(ctx.settings, first, after)
        return await tenant_page(ctx, models.Loan, loan_conditions(criteria), args, Loan.from_row)

    @strawberry.field
    async def loan(self, info: Ctx, id: strawberry.ID) -> Loan | None:
        key = lookup_id(id)
        row = await info.context.loaders.lending.loan.load(key) if key else None
        return Loan.from_row(row) if row else None

    @strawberry.field(
        description=(
            "The admission requests waiting for a decision (RISK's work queue), oldest first, "
            "each with who asked and when: the whole tenant for HR, RISK and AUDITOR, the "
            "office subtree for a branch head, a manager's own customers' for a manager."
        )
    )
    async def pending_admissions(
        self, info: Ctx, first: int | None = None, after: str | None = None
    ) -> Connection[AdmissionRequest]:
        ctx = info.context
        args = page_args(ctx.settings, first, after)
        # Ids are time-ordered (UUIDv7, drawn at the request): id order is request order.
        pending = [models.AdmissionRequest.status == AdmissionDecision.PENDING]
        return await tenant_page(
            ctx, models.AdmissionRequest, pending, args, AdmissionRequest.from_row
        )
