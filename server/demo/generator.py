"""One demo tenant's rows, drawn in memory in a fixed order, without touching a database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Table

from server.db.models import (
    Base,
    BlacklistEntry,
    Customer,
    CustomerClassChange,
    Event,
    EventCounter,
    Loan,
    Manager,
    ManagerTierChange,
    Office,
    Tenant,
    TenantPolicy,
    TenantPolicyChange,
)
from server.demo.classification import class_rows
from server.demo.draw import DEFAULT_SEED, DEFAULT_TODAY, Row, TenantDraw
from server.demo.events import outbox_rows
from server.demo.lending import blacklist_rows, customer_rows, loan_rows, settle_admission
from server.demo.org import manager_rows, office_rows, policy_rows
from server.demo.tenants import choose_tenants
from server.policy.registry import PolicyRegistry


@dataclass(frozen=True)
class TenantSummary:
    """How many rows of each kind one demo tenant got."""

    tenant_id: str
    offices: int
    managers: int
    tier_changes: int
    customers: int
    blacklisted: int
    class_changes: int
    loans: int


@dataclass(frozen=True)
class TenantRows:
    """All rows of one demo tenant, as column dicts ready for a Core insert."""

    tenant: Row
    policies: list[Row]
    policy_changes: list[Row]
    offices: list[Row]
    managers: list[Row]
    tier_changes: list[Row]
    customers: list[Row]
    blacklist: list[Row]
    class_changes: list[Row]
    loans: list[Row]
    events: list[Row]
    event_counter: Row

    def in_insert_order(self) -> list[tuple[Table, list[Row]]]:
        """Each table with its rows, parents before children (offices root first)."""
        tables = Base.metadata.tables
        return [
            (tables[Tenant.__tablename__], [self.tenant]),
            (tables[TenantPolicy.__tablename__], self.policies),
            (tables[TenantPolicyChange.__tablename__], self.policy_changes),
            (tables[Office.__tablename__], self.offices),
            (tables[Manager.__tablename__], self.managers),
            (tables[ManagerTierChange.__tablename__], self.tier_changes),
            (tables[Customer.__tablename__], self.customers),
            (tables[BlacklistEntry.__tablename__], self.blacklist),
            (tables[CustomerClassChange.__tablename__], self.class_changes),
            (tables[Loan.__tablename__], self.loans),
            (tables[Event.__tablename__], self.events),
            (tables[EventCounter.__tablename__], [self.event_counter]),
        ]

    def summary(self) -> TenantSummary:
        return TenantSummary(
            tenant_id=self.tenant["tenant_id"],
            offices=len(self.offices),
            managers=len(self.managers),
            tier_changes=len(self.tier_changes),
            customers=len(self.customers),
            blacklisted=len(self.blacklist),
            class_changes=len(self.class_changes),
            loans=len(self.loans),
        )


def generate_tenant_rows(
    tenant_id: str,
    *,
    managers: int = 200,
    customers: int = 5000,
    loans: int = 20000,
    seed: int = DEFAULT_SEED,
    today: dt.date | None = None,
    registry: PolicyRegistry | None = None,
) -> TenantRows:
    """Draw every row of one demo tenant, without touching a database.

    Each tenant has its own random streams derived from ``seed`` and its id, so
    a tenant's rows do not depend on which other tenants are loaded with it.
    """
    (tenant,) = choose_tenants([tenant_id])
    if managers < 1 or customers < 0 or loans < 0:
        raise ValueError("a demo tenant needs at least one manager and no negative sizes")
    if loans and not customers:
        raise ValueError("loans need customers to belong to")
    draw = TenantDraw(
        tenant,
        seed=seed,
        today=DEFAULT_TODAY if today is None else today,
        registry=PolicyRegistry() if registry is None else registry,
    )
    # The order of the steps is the order of the draws: changing it changes every row after.
    tenant_row = {
        "tenant_id": tenant.tenant_id,
        "name": tenant.name,
        "province": tenant.province,
        # The demo's licences run licence_years; the tenant's setting says so.
        "settings": {"licence_validity_months": 12 * tenant.licence_years},
        "created_at": draw.clock.tick(),
    }
    policies, policy_changes = policy_rows(draw)
    offices = office_rows(draw)
    manager_list, tier_changes = manager_rows(draw, managers, offices)
    customer_list = customer_rows(draw, customers, manager_list)
    loan_list = loan_rows(draw, loans, customer_list)
    settle_admission(draw, customer_list, loan_list)
    blacklist = blacklist_rows(draw, customer_list, loan_list)
    class_changes = class_rows(draw, customer_list, loan_list)
    events = outbox_rows(draw, offices, manager_list, tier_changes, customer_list, class_changes)
    return TenantRows(
        tenant=tenant_row,
        policies=policies,
        policy_changes=policy_changes,
        offices=offices,
        managers=manager_list,
        tier_changes=tier_changes,
        customers=customer_list,
        blacklist=blacklist,
        class_changes=class_changes,
        loans=loan_list,
        events=events,
        event_counter={"tenant_id": tenant.tenant_id, "last_cursor": len(events)},
    )
