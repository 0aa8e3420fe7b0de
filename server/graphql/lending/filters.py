"""Which customers and loans to list: GraphQL filters, their hashable form, their SQL.

A filter value is a frozen dataclass so that loaders can batch every parent
that asks for the same filter into one statement.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import Enum

import strawberry
from sqlalchemy import ColumnElement

from server import domain
from server.db import models
from server.db.queries.offices import office_subtree
from server.graphql.enum_descriptions import describe_as
from server.graphql.enums import (
    AdmissionStatus,
    CustomerClass,
    CustomerKind,
    LoanProduct,
    RiskClass,
)
from server.graphql.filtering import as_tuple, like_pattern, search_term
from server.graphql.ids import filter_id
from server.graphql.ordering import SortDirection, SortKey, created_key


@strawberry.input(description="Which customers to list. All conditions must hold.")
class CustomerFilter:
    office_id: strawberry.ID | None = None
    include_sub_offices: bool = True
    manager_id: strawberry.ID | None = None
    kind: CustomerKind | None = None
    classes: list[CustomerClass] | None = None
    admission_statuses: list[AdmissionStatus] | None = None
    blacklisted: bool | None = None
    search: str | None = strawberry.field(
        default=None, description="Part of the customer's name (case-insensitive)."
    )


@dataclass(frozen=True)
class CustomerCriteria:
    tenant_id: str
    office_id: uuid.UUID | None = None
    include_sub_offices: bool = True
    manager_id: uuid.UUID | None = None
    kind: domain.CustomerKind | None = None
    classes: tuple[domain.CustomerClass, ...] | None = None
    admission_statuses: tuple[domain.AdmissionStatus, ...] | None = None
    blacklisted: bool | None = None
    search: str | None = None


@strawberry.input(description="Which loans to list. All conditions must hold.")
class LoanFilter:
    office_id: strawberry.ID | None = None
    include_sub_offices: bool = True
    manager_id: strawberry.ID | None = None
    customer_id: strawberry.ID | None = None
    risk_classes: list[RiskClass] | None = strawberry.field(
        default=None, description="Five-category class is one of these."
    )
    non_performing: bool | None = strawberry.field(
        default=None, description="true: SUBSTANDARD, DOUBTFUL or LOSS; false: the others."
    )
    overdue: bool | None = strawberry.field(
        default=None, description="true: days overdue > 0; false: not overdue."
    )
    min_days_overdue: int | None = None
    products: list[LoanProduct] | None = None
    search: str | None = strawberry.field(
        default=None, description="Part of the contract number (case-insensitive)."
    )


@strawberry.input(description="Narrows a manager's or customer's loans.")
class NestedLoanFilter:
    risk_classes: list[RiskClass] | None = None
    non_performing: bool | None = None
    overdue: bool | None = None


@dataclass(frozen=True)
class LoanCriteria:
    tenant_id: str
    office_id: uuid.UUID | None = None
    include_sub_offices: bool = True
    manager_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    risk_classes: tuple[domain.RiskClass, ...] | None = None
    non_performing: bool | None = None
    overdue: bool | None = None
    min_days_overdue: int | None = None
    products: tuple[domain.LoanProduct, ...] | None = None
    search: str | None = None


def customer_criteria(tenant_id: str, f: CustomerFilter | None) -> CustomerCriteria:
    if f is None:
        return CustomerCriteria(tenant_id)
    return CustomerCriteria(
        tenant_id=tenant_id,
        office_id=filter_id(f.office_id, "filter.officeId") if f.office_id else None,
        include_sub_offices=f.include_sub_offices,
        manager_id=filter_id(f.manager_id, "filter.managerId") if f.manager_id else None,
        kind=f.kind,
        classes=as_tuple(f.classes),
        admission_statuses=as_tuple(f.admission_statuses),
        blacklisted=f.blacklisted,
        search=search_term(f.search),
    )


def loan_criteria(tenant_id: str, f: LoanFilter | None) -> LoanCriteria:
    if f is None:
        return LoanCriteria(tenant_id)
    return LoanCriteria(
        tenant_id=tenant_id,
        office_id=filter_id(f.office_id, "filter.officeId") if f.office_id else None,
        include_sub_offices=f.include_sub_offices,
        manager_id=filter_id(f.manager_id, "filter.managerId") if f.manager_id else None,
        customer_id=filter_id(f.customer_id, "filter.customerId") if f.customer_id else None,
        risk_classes=as_tuple(f.risk_classes),
        non_performing=f.non_performing,
        overdue=f.overdue,
        min_days_overdue=f.min_days_overdue,
        products=as_tuple(f.products),
        search=search_term(f.search),
    )


def nested_loan_criteria(tenant_id: str, f: NestedLoanFilter | None) -> LoanCriteria | None:
    if f is None:
        return None
    return LoanCriteria(
        tenant_id=tenant_id,
        risk_classes=as_tuple(f.risk_classes),
        non_performing=f.non_performing,
        overdue=f.overdue,
    )


def customer_conditions(c: CustomerCriteria | None) -> list[ColumnElement[bool]]:
    if c is None:
        return []
    cu = models.Customer
    out: list[ColumnElement[bool]] = []
    if c.office_id is not None:
        out.append(
            cu.office_id.in_(office_subtree(c.tenant_id, c.office_id, c.include_sub_offices))
        )
    if c.manager_id is not None:
        out.append(cu.manager_id == c.manager_id)
    if c.kind is not None:
        out.append(cu.kind == c.kind)
    if c.classes is not None:
        out.append(cu.class_code.in_(c.classes))
    if c.admission_statuses is not None:
        out.append(cu.admission_status.in_(c.admission_statuses))
    if c.blacklisted is not None:
        out.append(cu.blacklisted.is_(c.blacklisted))
    if c.search is not None:
        out.append(cu.name.ilike(like_pattern(c.search), escape="\\"))
    return out


def loan_conditions(c: LoanCriteria | None) -> list[ColumnElement[bool]]:
    if c is None:
        return []
    lo = models.Loan
    out: list[ColumnElement[bool]] = []
    if c.office_id is not None:
        out.append(
            lo.office_id.in_(office_subtree(c.tenant_id, c.office_id, c.include_sub_offices))
        )
    if c.manager_id is not None:
        out.append(lo.manager_id == c.manager_id)
    if c.customer_id is not None:
        out.append(lo.customer_id == c.customer_id)
    if c.risk_classes is not None:
        out.append(lo.risk_class.in_(c.risk_classes))
    if c.non_performing is not None:
        npl = lo.risk_class.in_(domain.NON_PERFORMING)
        out.append(npl if c.non_performing else lo.risk_class.not_in(domain.NON_PERFORMING))
    if c.overdue is not None:
        out.append(lo.days_overdue > 0 if c.overdue else lo.days_overdue == 0)
    if c.min_days_overdue is not None:
        out.append(lo.days_overdue >= c.min_days_overdue)
    if c.products is not None:
        out.append(lo.product.in_(c.products))
    if c.search is not None:
        out.append(lo.contract_no.ilike(like_pattern(c.search), escape="\\"))
    return out


@strawberry.enum(description="What a list of customers can be ordered by.")
class CustomerSortField(Enum):
    CREATED = "CREATED"
    NAME = "NAME"


describe_as(CustomerSortField, {"CREATED": "建档先后", "NAME": "姓名或名称"})


@strawberry.input(description="The order of a list of customers; ties go by record age.")
class CustomerOrder:
    field: CustomerSortField
    direction: SortDirection = SortDirection.ASC


CUSTOMER_SORT: dict[str, SortKey] = {
    "CREATED": created_key(),
    "NAME": SortKey(models.Customer.name),
}


@strawberry.enum(description="What a list of loans can be ordered by.")
class LoanSortField(Enum):
    CREATED = "CREATED"
    PRINCIPAL = "PRINCIPAL"
    BALANCE = "BALANCE"
    ISSUED_ON = "ISSUED_ON"
    MATURES_ON = "MATURES_ON"


describe_as(
    LoanSortField,
    {
        "CREATED": "建档先后",
        "PRINCIPAL": "贷款金额",
        "BALANCE": "贷款余额",
        "ISSUED_ON": "发放日期",
        "MATURES_ON": "到期日期",
    },
)


@strawberry.input(description="The order of a list of loans; ties go by record age.")
class LoanOrder:
    field: LoanSortField
    direction: SortDirection = SortDirection.ASC


LOAN_SORT: dict[str, SortKey] = {
    "CREATED": created_key(),
    "PRINCIPAL": SortKey(models.Loan.principal, "decimal"),
    "BALANCE": SortKey(models.Loan.balance, "decimal"),
    "ISSUED_ON": SortKey(models.Loan.issued_on, "date"),
    "MATURES_ON": SortKey(models.Loan.matures_on, "date"),
}


def list_order(order: CustomerOrder | LoanOrder | None) -> tuple[str, SortDirection] | None:
    return None if order is None else (order.field.value, order.direction)
