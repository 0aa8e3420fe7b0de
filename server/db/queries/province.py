"""A province's tenants as a federation sees them: the tenants, their policy selections,
and counts and sums of their business — never a row of a person.

A federation administrator's scope is the tenants whose province equals its ``province``
claim. Every statement here carries that condition itself (``tenant_id IN (SELECT …
WHERE province = :province)``), so a tenant of another province is never read, whatever
ids a caller passes. Each aggregate is one grouped statement for all the tenants asked
at once (``GROUP BY tenant_id, …``), so a list of tenants costs the same statements
however long it is. What leaves a function is counts and sums by status, tier, class and
five-category class: no name, id or identity number of a manager or customer.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import ColumnElement, case, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import NON_PERFORMING, CustomerClass, ManagerStatus, RiskClass

ZERO = Decimal("0.00")
#: A non-performing ratio is given to four decimal places (0.0312 is 3.12%), rounded half-even.
RATIO_PLACES = Decimal("0.0001")


def province_tenant_ids(province: str | None) -> Any:
    """The ids of the province's tenants, as a statement for ``IN`` (none without a province)."""
    t = models.Tenant
    if province is None:
        return select(t.tenant_id).where(false())
    return select(t.tenant_id).where(t.province == province)


def _in_province(model: Any, province: str | None, tenant_ids: Collection[str]) -> list[Any]:
    column = model.tenant_id
    return [column.in_(set(tenant_ids)), column.in_(province_tenant_ids(province))]


async def province_tenants(session: AsyncSession, province: str | None) -> list[models.Tenant]:
    """The tenants of the province, by id."""
    t = models.Tenant
    rows = await session.execute(
        select(t).where(t.tenant_id.in_(province_tenant_ids(province))).order_by(t.tenant_id)
    )
    return list(rows.scalars())


async def tenant_in_province(
    session: AsyncSession, tenant_id: str, province: str | None
) -> models.Tenant | None:
    """The tenant with this id if it lies in the province; ``None`` otherwise."""
    t = models.Tenant
    return (
        await session.execute(
            select(t).where(
                t.tenant_id == tenant_id, t.tenant_id.in_(province_tenant_ids(province))
            )
        )
    ).scalar_one_or_none()


async def province_policies(
    session: AsyncSession, province: str | None, tenant_ids: Collection[str]
) -> dict[str, list[models.TenantPolicy]]:
    """Each tenant's policy selection, by category."""
    p = models.TenantPolicy
    rows = await session.execute(
        select(p).where(*_in_province(p, province, tenant_ids)).order_by(p.tenant_id, p.category)
    )
    out: dict[str, list[models.TenantPolicy]] = {t: [] for t in tenant_ids}
    for row in rows.scalars():
        out[row.tenant_id].append(row)
    return out


@dataclass(frozen=True)
class TierCount:
    """How many managers hold one tier (``code`` None: no tier)."""

    code: str | None
    rank: int | None
    name: str | None
    count: int


@dataclass
class ManagerCounts:
    """A tenant's managers counted by status and by tier."""

    total: int = 0
    by_status: dict[ManagerStatus, int] = field(
        default_factory=lambda: dict.fromkeys(ManagerStatus, 0)
    )
    by_tier: list[TierCount] = field(default_factory=list)


async def manager_counts(
    session: AsyncSession, province: str | None, tenant_ids: Collection[str]
) -> dict[str, ManagerCounts]:
    """Each tenant's managers by status (every status, zeros included) and by tier (the
    tiers held, highest first, then the managers without one)."""
    m = models.Manager
    stmt = (
        select(m.tenant_id, m.status, m.tier_code, m.tier_rank, func.max(m.tier_name), func.count())
        .where(*_in_province(m, province, tenant_ids))
        .group_by(m.tenant_id, m.status, m.tier_code, m.tier_rank)
    )
    out = {t: ManagerCounts() for t in tenant_ids}
    held: dict[str, dict[tuple[str | None, int | None], tuple[set[str], int]]] = {
        t: {} for t in tenant_ids
    }
    for tenant, status, code, rank, name, count in (await session.execute(stmt)).all():
        out[tenant].total += count
        out[tenant].by_status[status] += count
        names, n = held[tenant].get((code, rank), (set(), 0))
        held[tenant][(code, rank)] = (names | ({name} if name else set()), n + count)
    for tenant, tiers in held.items():
        out[tenant].by_tier = sorted(
            (
                TierCount(code, rank, max(names) if names else None, n)
                for (code, rank), (names, n) in tiers.items()
            ),
            key=lambda c: (c.rank is None, -(c.rank or 0), c.code or ""),
        )
    return out


@dataclass
class CustomerCounts:
    """A tenant's customers counted by class (``None``: not classified)."""

    total: int = 0
    by_class: dict[CustomerClass | None, int] = field(default_factory=dict)


async def customer_counts(
    session: AsyncSession, province: str | None, tenant_ids: Collection[str]
) -> dict[str, CustomerCounts]:
    """Each tenant's customers by class: every class, zeros included, then the unclassified."""
    c = models.Customer
    stmt = (
        select(c.tenant_id, c.class_code, func.count())
        .where(*_in_province(c, province, tenant_ids))
        .group_by(c.tenant_id, c.class_code)
    )
    out = {
        t: CustomerCounts(by_class={**dict.fromkeys(CustomerClass, 0), None: 0}) for t in tenant_ids
    }
    for tenant, class_code, count in (await session.execute(stmt)).all():
        out[tenant].total += count
        out[tenant].by_class[class_code] += count
    return out


@dataclass(frozen=True)
class RiskClassTotal:
    """The loans of one five-category class: how many, how many outstanding, their balance."""

    count: int = 0
    outstanding: int = 0
    balance: Decimal = ZERO


@dataclass
class LoanBook:
    """A tenant's loans: counts and balances by five-category class."""

    by_risk_class: dict[RiskClass, RiskClassTotal] = field(
        default_factory=lambda: dict.fromkeys(RiskClass, RiskClassTotal())
    )

    @property
    def count(self) -> int:
        return sum(t.count for t in self.by_risk_class.values())

    @property
    def outstanding(self) -> int:
        return sum(t.outstanding for t in self.by_risk_class.values())

    @property
    def balance(self) -> Decimal:
        return sum((t.balance for t in self.by_risk_class.values()), ZERO)

    @property
    def non_performing_balance(self) -> Decimal:
        return sum((t.balance for r, t in self.by_risk_class.items() if r in NON_PERFORMING), ZERO)

    @property
    def non_performing_ratio(self) -> Decimal | None:
        """The non-performing share of the balance (不良贷款率); ``None`` without a balance."""
        if self.balance <= 0:
            return None
        return (self.non_performing_balance / self.balance).quantize(
            RATIO_PLACES, rounding=ROUND_HALF_EVEN
        )


async def loan_books(
    session: AsyncSession, province: str | None, tenant_ids: Collection[str]
) -> dict[str, LoanBook]:
    """Each tenant's loans by five-category class (every class, zeros included)."""
    lo = models.Loan
    outstanding: ColumnElement[int] = func.sum(case((lo.balance > 0, 1), else_=0))
    stmt = (
        select(lo.tenant_id, lo.risk_class, func.count(), outstanding, func.sum(lo.balance))
        .where(*_in_province(lo, province, tenant_ids))
        .group_by(lo.tenant_id, lo.risk_class)
    )
    out = {t: LoanBook() for t in tenant_ids}
    for tenant, risk, count, live, balance in (await session.execute(stmt)).all():
        out[tenant].by_risk_class[risk] = RiskClassTotal(
            count=count, outstanding=int(live or 0), balance=Decimal(balance or ZERO)
        )
    return out
