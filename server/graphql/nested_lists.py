"""The nested lists of the entity types: ``office.managers``, ``manager.loans``,
``manager.customers``, ``manager.appraisals`` and ``customer.loans``.

``server.graphql.nodes`` declares each field and its arguments and calls the function
here, which checks them as the root lists check theirs (``list_args``: the same order
inputs, sort keys, cursors and errors) and reads the page through the request's
``ChildPageLoader``: one statement for the field's pages of all parents of a request.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from server.db import models
from server.graphql.appraisal.filters import APPRAISAL_SORT, AppraisalOrder, appraisal_order
from server.graphql.context import Ctx
from server.graphql.lending.filters import (
    CUSTOMER_SORT,
    LOAN_SORT,
    CustomerOrder,
    LoanOrder,
    NestedLoanFilter,
    list_order,
    nested_loan_criteria,
)
from server.graphql.loaders import ChildPageLoader
from server.graphql.ordering import list_args
from server.graphql.org.filters import MANAGER_SORT, ManagerOrder, manager_order
from server.graphql.pagination import Connection

NodeT = TypeVar("NodeT")


async def office_managers(
    info: Ctx,
    office_id: uuid.UUID,
    to_node: Callable[[models.Manager], NodeT],
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    order_by: ManagerOrder | None,
) -> Connection[NodeT]:
    ctx = info.context
    order = manager_order(order_by)
    args = list_args(ctx.settings, MANAGER_SORT, order, first, after, last, before)
    return await ctx.loaders.org.office_managers.page(office_id, args, to_node)


async def manager_customers(
    info: Ctx,
    manager_id: uuid.UUID,
    to_node: Callable[[models.Customer], NodeT],
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    order_by: CustomerOrder | None,
) -> Connection[NodeT]:
    ctx = info.context
    order = list_order(order_by)
    args = list_args(ctx.settings, CUSTOMER_SORT, order, first, after, last, before)
    return await ctx.loaders.lending.manager_customers.page(manager_id, args, to_node)


async def manager_appraisals(
    info: Ctx,
    manager_id: uuid.UUID,
    to_node: Callable[[models.Appraisal], NodeT],
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    order_by: AppraisalOrder | None,
) -> Connection[NodeT]:
    ctx = info.context
    order = appraisal_order(order_by)
    args = list_args(ctx.settings, APPRAISAL_SORT, order, first, after, last, before)
    return await ctx.loaders.appraisal.manager_appraisals.page(manager_id, args, to_node)


async def manager_loans(
    info: Ctx,
    manager_id: uuid.UUID,
    to_node: Callable[[models.Loan], NodeT],
    first: int | None,
    after: str | None,
    filter_: NestedLoanFilter | None,
    last: int | None,
    before: str | None,
    order_by: LoanOrder | None,
) -> Connection[NodeT]:
    loader = info.context.loaders.lending.manager_loans
    return await _loans(
        info, loader, manager_id, to_node, first, after, filter_, last, before, order_by
    )


async def customer_loans(
    info: Ctx,
    customer_id: uuid.UUID,
    to_node: Callable[[models.Loan], NodeT],
    first: int | None,
    after: str | None,
    filter_: NestedLoanFilter | None,
    last: int | None,
    before: str | None,
    order_by: LoanOrder | None,
) -> Connection[NodeT]:
    loader = info.context.loaders.lending.customer_loans
    return await _loans(
        info, loader, customer_id, to_node, first, after, filter_, last, before, order_by
    )


async def _loans(
    info: Ctx,
    loader: ChildPageLoader[models.Loan],
    parent_id: uuid.UUID,
    to_node: Callable[[models.Loan], NodeT],
    first: int | None,
    after: str | None,
    filter_: NestedLoanFilter | None,
    last: int | None,
    before: str | None,
    order_by: LoanOrder | None,
) -> Connection[NodeT]:
    """Loans of one parent, filtered as the field's ``filter`` says."""
    ctx = info.context
    args = list_args(ctx.settings, LOAN_SORT, list_order(order_by), first, after, last, before)
    criteria = nested_loan_criteria(ctx.tenant_id, filter_)
    return await loader.page(parent_id, args, to_node, criteria)
