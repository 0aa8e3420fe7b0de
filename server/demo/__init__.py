"""A deterministic synthetic data set: four demo tenants with offices, managers, customers, loans.

It exists for demonstrations, manual testing and load tests, so it has to look
like a real rural bank's book (Chinese names, valid identity numbers, a
plausible five-category mix, customer classes consistent with the loans) and
has to be reproducible: the same seed, sizes and ``today`` give the same rows,
ids included, on SQLite and PostgreSQL alike, so that a problem seen on one
machine can be replayed on another. Nothing reads the wall clock.

Rows are drawn in memory first (:func:`generate_tenant_rows`, pure) and then
bound for the database driver with the columns' own types (``bound``) and handed
to it as one COPY per table on PostgreSQL and in chunks of one executemany
elsewhere, not ORM objects, which keeps 80,000 loans to seconds. The caller owns the transaction.

One module per part of the set: ``tenants`` (the four tenants), ``draw`` (random
streams, ids, dates, money), ``names`` and ``lending_tables`` (data tables),
``org`` (policies, offices, managers, tiers), ``lending`` (customers, loans,
admission, blacklist), ``classification``, ``events`` (the outbox rows),
``generator`` (one tenant's rows, in draw order) and ``loader`` (writing them).
"""

from __future__ import annotations

from server.demo.draw import DEFAULT_SEED, DEFAULT_TODAY, RECORDED_BY, Row
from server.demo.generator import TenantRows, TenantSummary, generate_tenant_rows
from server.demo.loader import (
    DemoSummary,
    DrawArguments,
    DrawsAhead,
    database_is_empty,
    load_demo_data,
)
from server.demo.tenants import DEMO_TENANT_IDS, DEMO_TENANTS, DemoTenant

__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_TODAY",
    "DEMO_TENANTS",
    "DEMO_TENANT_IDS",
    "RECORDED_BY",
    "DemoSummary",
    "DemoTenant",
    "DrawArguments",
    "DrawsAhead",
    "Row",
    "TenantRows",
    "TenantSummary",
    "database_is_empty",
    "generate_tenant_rows",
    "load_demo_data",
]
