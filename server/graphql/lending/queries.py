"""Root queries of lending: customers and loans, listed and by id; the admission queue."""

from __future__ import annotations

from enum import Enum

import strawberry
from sqlalchemy import select

from server.db import models
from server.domain import AdmissionDecision, ImportStatus
from server.errors import BadQueryArgument
from server.graphql.context import Ctx
from server.graphql.enum_descriptions import describe_as
from server.graphql.ids import lookup_id
from server.graphql.lending.admission import AdmissionRequest
from server.graphql.lending.filters import (
    CUSTOMER_SORT,
    LOAN_SORT,
    CustomerFilter,
    CustomerOrder,
    LoanFilter,
    LoanOrder,
    customer_conditions,
    customer_criteria,
    list_order,
    loan_conditions,
    loan_criteria,
)
from server.graphql.lending.loan_book import LoanStateImport
from server.graphql.nodes import Customer, Loan
from server.graphql.ordering import (
    SortDirection,
    SortKey,
    created_key,
    list_args,
    order_of,
    ordered_page,
)
from server.graphql.pagination import Connection
from server.identity_lookup import identity_hash, lookup_number
from server.jobs.loan_import import live_progress
from server.services import loan_imports

IDENTITY_INPUT_MAX = 40
"""The longest idNumber looked at (an identity number is 18 characters, blanks around it)."""


@strawberry.enum(description="What the list of pending admission requests can be ordered by.")
class AdmissionSortField(Enum):
    CREATED = "CREATED"
    REQUESTED_AT = "REQUESTED_AT"
    REQUESTED_BY = "REQUESTED_BY"


describe_as(
    AdmissionSortField,
    {"CREATED": "申请先后", "REQUESTED_AT": "申请时间", "REQUESTED_BY": "申请人"},
)


@strawberry.input(description="The order of the admission requests; ties go by record age.")
class AdmissionOrder:
    field: AdmissionSortField
    direction: SortDirection = SortDirection.ASC


ADMISSION_SORT: dict[str, SortKey] = {
    "CREATED": created_key(),
    "REQUESTED_AT": SortKey(models.AdmissionRequest.requested_at, "datetime"),
    "REQUESTED_BY": SortKey(models.AdmissionRequest.requested_by),
}


@strawberry.type
class LendingQuery:
    @strawberry.field(
        description="Loan customers, oldest record first unless orderBy says otherwise."
    )
    async def customers(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        filter: CustomerFilter | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: CustomerOrder | None = None,
    ) -> Connection[Customer]:
        ctx = info.context
        order = list_order(order_by)
        args = list_args(ctx.settings, CUSTOMER_SORT, order, first, after, last, before)
        criteria = customer_criteria(ctx.tenant_id, filter)
        return await ordered_page(
            ctx, models.Customer, customer_conditions(criteria), args, Customer.from_row
        )

    @strawberry.field
    async def customer(self, info: Ctx, id: strawberry.ID) -> Customer | None:
        key = lookup_id(id)
        row = await info.context.loaders.lending.customer.load(key) if key else None
        return Customer.from_row(row) if row else None

    @strawberry.field(
        description=(
            "The customer with exactly this resident ID or social credit code, in the caller's "
            "scope (a manager's own customers, a branch head's subtree); null when there is none "
            "there. The number is checked (GB 11643 / GB 32100) and matched whole through a keyed "
            "hash: there is no search by part of a number."
        )
    )
    async def customer_by_identity_number(self, info: Ctx, id_number: str) -> Customer | None:
        if len(id_number) > IDENTITY_INPUT_MAX:
            raise BadQueryArgument("idNumber", f"idNumber is longer than {IDENTITY_INPUT_MAX}")
        number, problem = lookup_number(id_number)
        if number is None:
            raise BadQueryArgument("idNumber", problem)
        ctx = info.context
        c = models.Customer
        digest = identity_hash(ctx.settings.identity_lookup_key, number)
        statement = select(c).where(*ctx.scope.where(c), c.id_number_hash == digest)
        # The hash is keyed, not unique: the stored number itself decides.
        rows = [r for r in await ctx.scalars(statement) if r.id_number == number]
        return Customer.from_row(rows[0]) if rows else None

    @strawberry.field(
        description="A loan-state import of the caller's tenant: its progress and outcome."
    )
    async def loan_state_import(self, info: Ctx, id: strawberry.ID) -> LoanStateImport:
        ctx = info.context
        row = await loan_imports.get_import(ctx.session, ctx.principal, id)
        live = live_progress(row.tenant_id, row.id) if row.status == ImportStatus.RUNNING else None
        return LoanStateImport.from_row(row, live)

    @strawberry.field(description="Loans, oldest record first unless orderBy says otherwise.")
    async def loans(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        filter: LoanFilter | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: LoanOrder | None = None,
    ) -> Connection[Loan]:
        ctx = info.context
        order = list_order(order_by)
        args = list_args(ctx.settings, LOAN_SORT, order, first, after, last, before)
        criteria = loan_criteria(ctx.tenant_id, filter)
        return await ordered_page(ctx, models.Loan, loan_conditions(criteria), args, Loan.from_row)

    @strawberry.field
    async def loan(self, info: Ctx, id: strawberry.ID) -> Loan | None:
        key = lookup_id(id)
        row = await info.context.loaders.lending.loan.load(key) if key else None
        return Loan.from_row(row) if row else None

    @strawberry.field(
        description=(
            "The admission requests waiting for a decision (RISK's work queue), oldest first "
            "unless orderBy says otherwise, each with who asked and when: the whole tenant for "
            "HR, RISK and AUDITOR, the office subtree for a branch head, a manager's own "
            "customers' for a manager."
        )
    )
    async def pending_admissions(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: AdmissionOrder | None = None,
    ) -> Connection[AdmissionRequest]:
        ctx = info.context
        args = list_args(
            ctx.settings, ADMISSION_SORT, order_of(order_by), first, after, last, before
        )
        # Ids are time-ordered (UUIDv7, drawn at the request): id order is request order.
        pending = [models.AdmissionRequest.status == AdmissionDecision.PENDING]
        return await ordered_page(
            ctx, models.AdmissionRequest, pending, args, AdmissionRequest.from_row
        )
