"""Types of the province: a tenant as its federation sees it, and counts of its business.

Nothing here links to a manager, customer or loan: every field below a
``ProvinceTenant`` is the tenant's own (name, policy, settings) or a count or sum.
"""

from __future__ import annotations

from decimal import Decimal

import strawberry

from server import domain
from server.db import models
from server.db.queries import province as figures
from server.graphql.context import Ctx
from server.graphql.enums import CustomerClass, ManagerStatus, RiskClass
from server.graphql.limits import MAX_ITEMS
from server.graphql.org.types import Tier
from server.graphql.policy.types import PolicySelection, TenantSettingsType, selection_from_row
from server.graphql.scalars import DecimalValue, Money


@strawberry.type(description="How many managers have one status.")
class ManagerStatusCount:
    status: ManagerStatus
    count: int


@strawberry.type(description="How many managers hold one tier; tier null: no tier.")
class TierCount:
    tier: Tier | None
    count: int


@strawberry.type(description="A tenant's managers, counted by status and by tier.")
class ManagerCounts:
    total: int
    by_status: list[ManagerStatusCount] = strawberry.field(
        description="Every status, zeros included.",
        metadata={MAX_ITEMS: len(domain.ManagerStatus)},
    )
    by_tier: list[TierCount] = strawberry.field(
        description="The tiers held, highest first, then the managers without one."
    )

    @classmethod
    def from_counts(cls, c: figures.ManagerCounts) -> ManagerCounts:
        return cls(
            total=c.total,
            by_status=[ManagerStatusCount(status=s, count=n) for s, n in c.by_status.items()],
            by_tier=[
                TierCount(
                    tier=None
                    if t.code is None or t.rank is None
                    else Tier(code=t.code, name=t.name or t.code, rank=t.rank),
                    count=t.count,
                )
                for t in c.by_tier
            ],
        )


@strawberry.type(description="How many customers have one class; class null: not classified.")
class CustomerClassCount:
    customer_class: CustomerClass | None
    count: int


@strawberry.type(description="A tenant's customers, counted by class.")
class CustomerCounts:
    total: int
    by_class: list[CustomerClassCount] = strawberry.field(
        description="Every class, zeros included, then the customers not classified.",
        metadata={MAX_ITEMS: len(domain.CustomerClass) + 1},
    )

    @classmethod
    def from_counts(cls, c: figures.CustomerCounts) -> CustomerCounts:
        return cls(
            total=c.total,
            by_class=[CustomerClassCount(customer_class=k, count=n) for k, n in c.by_class.items()],
        )


@strawberry.type(description="The loans of one five-category class.")
class RiskClassTotal:
    risk_class: RiskClass
    count: int
    outstanding_count: int = strawberry.field(description="Those with a balance above 0.")
    balance: Money


@strawberry.type(description="A tenant's loans: counts, balances, the non-performing share.")
class LoanBook:
    count: int
    outstanding_count: int = strawberry.field(description="Loans with a balance above 0.")
    balance: Money = strawberry.field(description="The outstanding balance of all loans.")
    non_performing_balance: Money = strawberry.field(
        description="The balance classed SUBSTANDARD, DOUBTFUL or LOSS (不良贷款余额)."
    )
    non_performing_ratio: DecimalValue | None = strawberry.field(
        description="Non-performing balance ÷ balance (不良贷款率), rounded to 4 decimal places "
        "(0.0312 is 3.12%); null without a balance."
    )
    by_risk_class: list[RiskClassTotal] = strawberry.field(
        description="Every five-category class, zeros included.",
        metadata={MAX_ITEMS: len(domain.RiskClass)},
    )

    @classmethod
    def from_book(cls, b: figures.LoanBook) -> LoanBook:
        return cls(
            count=b.count,
            outstanding_count=b.outstanding,
            balance=Money(b.balance),
            non_performing_balance=Money(b.non_performing_balance),
            non_performing_ratio=optional_decimal(b.non_performing_ratio),
            by_risk_class=[
                RiskClassTotal(
                    risk_class=r,
                    count=t.count,
                    outstanding_count=t.outstanding,
                    balance=Money(t.balance),
                )
                for r, t in b.by_risk_class.items()
            ],
        )


def optional_decimal(value: Decimal | None) -> DecimalValue | None:
    """A ratio as the schema shows it; null stays null (no balance: no ratio)."""
    return None if value is None else DecimalValue(value)


@strawberry.type(
    description="A tenant of your province as its federation sees it: its policy and "
    "settings, and counts of its business — no person's data."
)
class ProvinceTenant:
    id: strawberry.ID
    name: str
    province: str
    _row: strawberry.Private[models.Tenant]

    @classmethod
    def from_row(cls, row: models.Tenant) -> ProvinceTenant:
        return cls(id=strawberry.ID(row.tenant_id), name=row.name, province=row.province, _row=row)

    @strawberry.field(
        description="The plugin selected per policy category.",
        metadata={MAX_ITEMS: len(domain.PolicyCategory)},
    )
    async def policy(self, info: Ctx) -> list[PolicySelection]:
        ctx = info.context
        rows = await ctx.loaders.province.policies.load(self._row.tenant_id)
        return [selection_from_row(ctx.registry, r) for r in rows]

    @strawberry.field(description="Core parameters every tenant has, with their defaults.")
    def settings(self) -> TenantSettingsType:
        return TenantSettingsType.from_json(self._row.settings)

    @strawberry.field(description="The managers, counted.")
    async def managers(self, info: Ctx) -> ManagerCounts:
        counts = await info.context.loaders.province.managers.load(self._row.tenant_id)
        return ManagerCounts.from_counts(counts)

    @strawberry.field(description="The customers, counted.")
    async def customers(self, info: Ctx) -> CustomerCounts:
        counts = await info.context.loaders.province.customers.load(self._row.tenant_id)
        return CustomerCounts.from_counts(counts)

    @strawberry.field(description="The loan book, summed.")
    async def loans(self, info: Ctx) -> LoanBook:
        book = await info.context.loaders.province.loans.load(self._row.tenant_id)
        return LoanBook.from_book(book)
