"""Loading the demo set: every chosen tenant's rows written in chunks, then its loan snapshot.

Rows are written with Core bulk inserts in chunks, not ORM objects, which keeps
80,000 loans to seconds. The caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Tenant
from server.demo.draw import DEFAULT_SEED, DEFAULT_TODAY, RECORDED_BY
from server.demo.generator import TenantSummary, generate_tenant_rows
from server.demo.tenants import choose_tenants
from server.domain import Role
from server.identity_lookup import identity_hash
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.snapshots import take_loan_snapshot

CHUNK_SIZE = 2000


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`load_demo_data` wrote, tenant by tenant."""

    tenants: tuple[TenantSummary, ...]


async def database_is_empty(session: AsyncSession) -> bool:
    """True when no tenant exists yet (the first start of an installation)."""
    return (await session.execute(select(Tenant.tenant_id).limit(1))).first() is None


async def load_demo_data(
    session: AsyncSession,
    *,
    lookup_key: bytes,
    managers: int = 200,
    customers: int = 5000,
    loans: int = 20000,
    seed: int = DEFAULT_SEED,
    today: dt.date | None = None,
    tenants: Sequence[str] | None = None,
    registry: PolicyRegistry | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Write the demo tenants (all four, or those named) with the given sizes per tenant,
    and a loan snapshot as at ``today``.

    ``lookup_key`` keys the customers' identity-number hashes (``server.identity_lookup``).
    Raises ``ValueError`` for an unknown tenant or one that already exists;
    nothing is written then. Does not commit: the caller owns the transaction.
    ``progress``, when given, is called with one line as each tenant starts and ends.
    """
    chosen = choose_tenants(tenants)
    existing = (
        await session.scalars(
            select(Tenant.tenant_id).where(Tenant.tenant_id.in_([t.tenant_id for t in chosen]))
        )
    ).all()
    if existing:
        raise ValueError(f"demo tenant(s) already exist: {', '.join(sorted(existing))}")
    registry = PolicyRegistry() if registry is None else registry
    summaries = []
    for number, tenant in enumerate(chosen, start=1):
        started = time.perf_counter()
        if progress is not None:
            progress(f"[{number}/{len(chosen)}] {tenant.tenant_id}: drawing rows")
        rows = generate_tenant_rows(
            tenant.tenant_id,
            managers=managers,
            customers=customers,
            loans=loans,
            seed=seed,
            today=today,
            registry=registry,
        )
        if progress is not None:
            progress(f"[{number}/{len(chosen)}] {tenant.tenant_id}: writing rows")
        for customer in rows.customers:
            customer["id_number_hash"] = identity_hash(lookup_key, customer["id_number"])
        for table, table_rows in rows.in_insert_order():
            for start in range(0, len(table_rows), CHUNK_SIZE):
                await session.execute(insert(table), table_rows[start : start + CHUNK_SIZE])
        # The book as at the demo date, so appraisals of the following year have their start;
        # taken as the user who recorded the demo rows.
        loader = Principal(tenant.tenant_id, RECORDED_BY, frozenset({Role.HR}))
        await take_loan_snapshot(session, loader, as_of=today or DEFAULT_TODAY, today=today)
        summaries.append(rows.summary())
        if progress is not None:
            progress(
                f"[{number}/{len(chosen)}] {tenant.tenant_id}: done in "
                f"{time.perf_counter() - started:.1f}s"
            )
    return DemoSummary(tenants=tuple(summaries))
