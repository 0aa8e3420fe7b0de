"""List filters: GraphQL inputs, their hashable form, and the SQL they mean.

A filter value is a frozen dataclass so that loaders can batch every parent
that asks for the same filter into one statement.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import strawberry
from sqlalchemy import ColumnElement, and_, literal, or_, select

from server import domain
from server.db import models
from server.graphql.enums import (
    AdmissionStatus,
    AppraisalStatus,
    CustomerClass,
    CustomerKind,
    LoanProduct,
    ManagerCategory,
    ManagerStatus,
    RiskClass,
)
from server.graphql.scalars import Period


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def office_subtree(tenant_id: str, office_id: uuid.UUID, include_sub_offices: bool) -> Any:
    """Ids of an office and (optionally) every office below it."""
    if not include_sub_offices:
        return select(literal(office_id))
    root_path = (
        select(models.Office.path)
        .where(models.Office.tenant_id == tenant_id, models.Office.id == office_id)
        .scalar_subquery()
    )
    return select(models.Office.id).where(
        models.Office.tenant_id == tenant_id,
        models.Office.path.like(root_path + "%"),
    )


@strawberry.input(description="Which managers to list. All conditions must hold.")
class ManagerFilter:
    office_id: strawberry.ID | None = strawberry.field(
        default=None, description="Managers of this office (and, by default, its sub-offices)."
    )
    include_sub_offices: bool = True
    tier_codes: list[str] | None = strawberry.field(
        default=None, description="Current tier code is one of these."
    )
    min_tier_rank: int | None = None
    statuses: list[ManagerStatus] | None = None
    category: ManagerCategory | None = None
    search: str | None = strawberry.field(
        default=None, description="Part of the name or employee number (case-insensitive)."
    )


@dataclass(frozen=True)
class ManagerCriteria:
    tenant_id: str
    office_id: uuid.UUID | None = None
    include_sub_offices: bool = True
    tier_codes: tuple[str, ...] | None = None
    min_tier_rank: int | None = None
    statuses: tuple[domain.ManagerStatus, ...] | None = None
    category: domain.ManagerCategory | None = None
    search: str | None = None


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


@strawberry.input(description="Which appraisals to list.")
class AppraisalFilter:
    manager_id: strawberry.ID | None = None
    period: Period | None = None
    statuses: list[AppraisalStatus] | None = None


@dataclass(frozen=True)
class AppraisalCriteria:
    tenant_id: str
    manager_id: uuid.UUID | None = None
    period: str | None = None
    statuses: tuple[domain.AppraisalStatus, ...] | None = None


def _tuple(values: list[Any] | None) -> tuple[Any, ...] | None:
    return None if values is None else tuple(values)


def manager_criteria(tenant_id: str, f: ManagerFilter | None, parse_id: Any) -> ManagerCriteria:
    if f is None:
        return ManagerCriteria(tenant_id)
    return ManagerCriteria(
        tenant_id=tenant_id,
        office_id=parse_id(f.office_id, "filter.officeId") if f.office_id else None,
        include_sub_offices=f.include_sub_offices,
        tier_codes=_tuple(f.tier_codes),
        min_tier_rank=f.min_tier_rank,
        statuses=_tuple(f.statuses),
        category=f.category,
        search=f.search.strip() if f.search and f.search.strip() else None,
    )


def customer_criteria(tenant_id: str, f: CustomerFilter | None, parse_id: Any) -> CustomerCriteria:
    if f is None:
        return CustomerCriteria(tenant_id)
    return CustomerCriteria(
        tenant_id=tenant_id,
        office_id=parse_id(f.office_id, "filter.officeId") if f.office_id else None,
        include_sub_offices=f.include_sub_offices,
        manager_id=parse_id(f.manager_id, "filter.managerId") if f.manager_id else None,
        kind=f.kind,
        classes=_tuple(f.classes),
        admission_statuses=_tuple(f.admission_statuses),
        blacklisted=f.blacklisted,
        search=f.search.strip() if f.search and f.search.strip() else None,
    )


def loan_criteria(tenant_id: str, f: LoanFilter | None, parse_id: Any) -> LoanCriteria:
    if f is None:
        return LoanCriteria(tenant_id)
    return LoanCriteria(
        tenant_id=tenant_id,
        office_id=parse_id(f.office_id, "filter.officeId") if f.office_id else None,
        include_sub_offices=f.include_sub_offices,
        manager_id=parse_id(f.manager_id, "filter.managerId") if f.manager_id else None,
        customer_id=parse_id(f.customer_id, "filter.customerId") if f.customer_id else None,
        risk_classes=_tuple(f.risk_classes),
        non_performing=f.non_performing,
        overdue=f.overdue,
        min_days_overdue=f.min_days_overdue,
        products=_tuple(f.products),
        search=f.search.strip() if f.search and f.search.strip() else None,
    )


def appraisal_criteria(
    tenant_id: str, f: AppraisalFilter | None, parse_id: Any
) -> AppraisalCriteria:
    if f is None:
        return AppraisalCriteria(tenant_id)
    return AppraisalCriteria(
        tenant_id=tenant_id,
        manager_id=parse_id(f.manager_id, "filter.managerId") if f.manager_id else None,
        period=f.period,
        statuses=_tuple(f.statuses),
    )


def manager_conditions(c: ManagerCriteria | None) -> list[ColumnElement[bool]]:
    if c is None:
        return []
    m = models.Manager
    out: list[ColumnElement[bool]] = []
    if c.office_id is not None:
        out.append(m.office_id.in_(office_subtree(c.tenant_id, c.office_id, c.include_sub_offices)))
    if c.tier_codes is not None:
        out.append(m.tier_code.in_(c.tier_codes))
    if c.min_tier_rank is not None:
        out.append(m.tier_rank >= c.min_tier_rank)
    if c.statuses is not None:
        out.append(m.status.in_(c.statuses))
    if c.category is not None:
        out.append(m.category == c.category)
    if c.search is not None:
        pattern = _like(c.search)
        out.append(
            or_(m.name.ilike(pattern, escape="\\"), m.employee_no.ilike(pattern, escape="\\"))
        )
    return out


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
        out.append(cu.name.ilike(_like(c.search), escape="\\"))
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
        out.append(lo.contract_no.ilike(_like(c.search), escape="\\"))
    return out


def appraisal_conditions(c: AppraisalCriteria | None) -> list[ColumnElement[bool]]:
    if c is None:
        return []
    a = models.Appraisal
    out: list[ColumnElement[bool]] = []
    if c.manager_id is not None:
        out.append(a.manager_id == c.manager_id)
    if c.period is not None:
        out.append(a.period == c.period)
    if c.statuses is not None:
        out.append(a.status.in_(c.statuses))
    return [and_(*out)] if out else []
