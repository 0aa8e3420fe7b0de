"""Loading the demo set: every chosen tenant's rows written in chunks, then its loan snapshot.

Rows are bound to the driver's values where they are drawn (``server.demo.bound``) and
written by COPY on PostgreSQL, elsewhere by the driver's ``executemany`` in chunks, not as
ORM objects, which keeps 80,000 loans to seconds. The caller owns the transaction.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from sqlalchemy import Connection, Index, Table, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Session

from server.db.bulk import copy_records
from server.db.models import Customer, Loan, LoanSnapshot, Tenant
from server.demo.bound import BoundRows, bound_rows, dialect_named
from server.demo.draw import DEFAULT_SEED, DEFAULT_TODAY, RECORDED_BY
from server.demo.generator import TenantSummary, generate_tenant_rows
from server.demo.tenants import choose_tenants
from server.domain import Role
from server.identity_lookup import identity_hash
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.snapshots import take_loan_snapshot

CHUNK_SIZE = 2000
DEFERRED_INDEX_TABLES: tuple[Table, ...] = tuple(
    Tenant.metadata.tables[model.__tablename__] for model in (Loan, Customer, LoanSnapshot)
)
"""The biggest tables: their secondary (non-unique) indexes can be built once, after the load."""


@dataclass(frozen=True)
class DrawnTenant:
    """One tenant drawn and bound: what it holds, and its tables' rows in insert order."""

    summary: TenantSummary
    inserts: tuple[BoundRows, ...]


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`load_demo_data` wrote, tenant by tenant."""

    tenants: tuple[TenantSummary, ...]


async def _write(connection: AsyncConnection, inserted: BoundRows) -> None:
    """A table's rows: by COPY on PostgreSQL (one statement, so a statement's trigger, such
    as the loans' per-office sums of migration 0021, runs once for them all, not once a
    row), elsewhere by the driver's ``executemany`` in chunks."""
    if not inserted.rows:
        return
    if connection.dialect.name == "postgresql":
        await copy_records(connection, inserted.table, inserted.columns, inserted.rows)
        return
    for start in range(0, len(inserted.rows), CHUNK_SIZE):
        chunk = inserted.rows[start : start + CHUNK_SIZE]
        await connection.exec_driver_sql(inserted.sql, chunk)


async def database_is_empty(session: AsyncSession) -> bool:
    """True when no tenant exists yet (the first start of an installation)."""
    return (await session.execute(select(Tenant.tenant_id).limit(1))).first() is None


class DrawsAhead:
    """Demo tenants drawn in a worker process, started before the load (for instance while
    the migrations run, which leaves the machine's second core idle otherwise).

    :func:`load_demo_data` takes the drawn rows of the tenants it holds, provided they were
    drawn with the load's own arguments; the caller closes it (``close``) after the load.
    """

    def __init__(self, tenant_ids: Sequence[str], arguments: DrawArguments) -> None:
        self.arguments = arguments
        # One worker draws the tenants one after the other (with the default plugins): two
        # were measured no faster on two cores, the loading process needing one of them.
        self._pool = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn")
        )
        self.futures: dict[str, Future[DrawnTenant]] = {
            tenant_id: self._pool.submit(drawn_rows, tenant_id, None, arguments)
            for tenant_id in tenant_ids
        }

    def close(self) -> None:
        """Stop the worker (draws not yet begun are dropped)."""
        self._pool.shutdown(wait=True, cancel_futures=True)


@dataclass(frozen=True)
class DrawArguments:
    """What a tenant's rows are drawn and bound with (the same in the loader and a worker)."""

    lookup_key: bytes
    managers: int
    customers: int
    loans: int
    seed: int
    today: dt.date | None
    driver: str


def drawn_rows(
    tenant_id: str, registry: PolicyRegistry | None, arguments: DrawArguments
) -> DrawnTenant:
    """One tenant's rows, with the customers' identity-number hashes, bound for the dialect
    named by ``arguments.driver`` (here or in a worker)."""
    rows = generate_tenant_rows(
        tenant_id,
        managers=arguments.managers,
        customers=arguments.customers,
        loans=arguments.loans,
        seed=arguments.seed,
        today=arguments.today,
        registry=registry,
    )
    for customer in rows.customers:
        customer["id_number_hash"] = identity_hash(arguments.lookup_key, customer["id_number"])
    dialect = dialect_named(arguments.driver)
    return DrawnTenant(
        summary=rows.summary(),
        inserts=tuple(
            bound_rows(table, table_rows, dialect) for table, table_rows in rows.in_insert_order()
        ),
    )


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
    parallel: bool = False,
    defer_indexes: bool = False,
    ahead: DrawsAhead | None = None,
) -> DemoSummary:
    """Write the demo tenants (all four, or those named) with the given sizes per tenant,
    and a loan snapshot as at ``today``.

    ``lookup_key`` keys the customers' identity-number hashes (``server.identity_lookup``).
    Raises ``ValueError`` for an unknown tenant or one that already exists;
    nothing is written then. Does not commit: the caller owns the transaction.
    ``progress``, when given, is called with one line as each tenant starts and ends.
    ``parallel`` draws the tenants after the first in a worker process (with the default
    plugins) while the ones before are written; ``ahead`` hands in tenants already being
    drawn so (see :class:`DrawsAhead`). The rows are the same either way.
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
    connection = await session.connection()
    arguments = DrawArguments(
        lookup_key=lookup_key,
        managers=managers,
        customers=customers,
        loans=loans,
        seed=seed,
        today=today,
        driver=f"{connection.dialect.name}+{connection.dialect.driver}",
    )
    if ahead is not None and ahead.arguments != arguments:
        raise ValueError("the tenants drawn ahead were drawn with other arguments than the load's")
    owned = None
    if ahead is None and parallel and len(chosen) > 1:
        # The first tenant is drawn here while a worker process starts and draws the others
        # one after the other: a tenant's rows are ready by the time the one before is written
        # (drawing is a third of the load, and the interpreter runs one thread at a time).
        ahead = owned = DrawsAhead([t.tenant_id for t in chosen[1:]], arguments)
    drawn_ahead = {} if ahead is None else ahead.futures
    summaries = []
    deferred = _deferred_indexes() if defer_indexes else ()
    if deferred:
        await session.run_sync(lambda sync: _each_index(sync, deferred, Index.drop))
    try:
        for number, tenant in enumerate(chosen, start=1):
            started = time.perf_counter()
            if progress is not None:
                progress(f"[{number}/{len(chosen)}] {tenant.tenant_id}: drawing rows")
            if tenant.tenant_id in drawn_ahead:
                drawn = await asyncio.wrap_future(drawn_ahead[tenant.tenant_id])
            else:
                drawn = drawn_rows(tenant.tenant_id, registry, arguments)
            if progress is not None:
                progress(f"[{number}/{len(chosen)}] {tenant.tenant_id}: writing rows")
            for inserted in drawn.inserts:
                await _write(connection, inserted)
            # The book as at the demo date, so appraisals of the following year have their
            # start; taken as the user who recorded the demo rows.
            loader = Principal(tenant.tenant_id, RECORDED_BY, frozenset({Role.HR}))
            await take_loan_snapshot(session, loader, as_of=today or DEFAULT_TODAY, today=today)
            summaries.append(drawn.summary)
            if progress is not None:
                progress(
                    f"[{number}/{len(chosen)}] {tenant.tenant_id}: done in "
                    f"{time.perf_counter() - started:.1f}s"
                )
    finally:
        if owned is not None:
            owned.close()
    if deferred:
        if progress is not None:
            progress("building indexes")
        await session.run_sync(lambda sync: _each_index(sync, deferred, Index.create))
    return DemoSummary(tenants=tuple(summaries))


def _deferred_indexes() -> tuple[Index, ...]:
    return tuple(
        index
        for table in DEFERRED_INDEX_TABLES
        for index in sorted(table.indexes, key=lambda index: str(index.name))
        if not index.unique
    )


def _each_index(
    sync: Session, indexes: Sequence[Index], statement: Callable[[Index, Connection], None]
) -> None:
    connection = sync.connection()
    for index in indexes:
        statement(index, connection)
