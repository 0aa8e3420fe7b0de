"""A loan-state file applied to the book: rows per second beside the COPY floor.

Usage::

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test python -m bench.bench_loan_import
    DATABASE_URL=... python -m bench.bench_loan_import --loans 100000 --keep rc_bench_import

The demo tenant ``sd-demo`` is generated at ``--loans`` loans, then ``ANALYZE``. The file
changes every loan once: a repayment of principal (the balance 1% lower) and interest
received, as a core system's day-end file does; one movement each of principal and
interest. Each round, interleaved:

- the product: the file read (``read_loan_file``) and applied (``apply_file``, in batches
  of ``RURALCREDIT_LOAN_IMPORT_MAX_ROWS``) in one transaction, rolled back at the end, so
  every round applies the same changes to the same book;
- the COPY floor: the same file's bytes COPYed into an empty temporary table of text
  columns (what loading the file costs the database at the least);
- the SQL floor: the least the database does to apply the file set-based, with no check
  and no follow-on: that COPY, then one ``UPDATE loans … FROM`` the staged rows (balance,
  principal and interest repaid) and one ``INSERT … SELECT`` of the two movements a row,
  rolled back as the product is (the movements' ids time-ordered, as the product's
  are, so that the primary key is appended to, not written at random). What is left of
  the product's time over it is the checks, the movements' derivation, the follow-on
  and the round trips.

Before each timed part the loan and movement tables are vacuumed (untimed): a round's
rolled-back writes leave dead rows that autovacuum would reclaim between two day-end
files. A database kept from before migration 0019 holds its loans in full pages: run
``VACUUM FULL loans`` on it once so that the fill factor applies.

Printed: the machine, per round the three times, then the medians as rows per second and
the product's time as a ratio of each floor's. Target (issue): ≥ 50,000 rows/s on
PostgreSQL for a 1,000,000-row file.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import io
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bench.machine import describe
from bench.scratch import scratch_database
from server.db import models
from server.db.engine import create_engine, create_sessionmaker
from server.db.migrate import upgrade_on
from server.demo import load_demo_data
from server.domain import Role
from server.loan_book import LoanStatus
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.loan_files import read_loan_file
from server.services.loan_imports import apply_file
from server.settings import Settings

TENANT = "sd-demo"
BATCH = 5000
CENT = Decimal("0.01")


async def _file(sessionmaker: async_sessionmaker[AsyncSession], loans: int) -> bytes:
    lo = models.Loan
    async with sessionmaker() as session:
        rows = (
            await session.execute(
                select(lo.contract_no, lo.balance, lo.interest_repaid)
                .where(lo.tenant_id == TENANT, lo.status == LoanStatus.ACTIVE, lo.balance > 0)
                .order_by(lo.contract_no)
                .limit(loans)
            )
        ).all()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["contract_no", "balance", "interest_repaid"])
    for contract, balance, interest in rows:
        writer.writerow([contract, (balance * Decimal("0.99")).quantize(CENT), interest + 10])
    return out.getvalue().encode("utf-8")


async def _product(
    sessionmaker: async_sessionmaker[AsyncSession], path: Path, registry: PolicyRegistry
) -> float:
    actor = Principal(TENANT, "bench-import", frozenset({Role.RISK}))
    started = time.perf_counter()
    loan_file = read_loan_file(path, max_bytes=1 << 30, max_rows=10_000_000)
    async with sessionmaker() as session, session.begin():
        outcome = await apply_file(
            session,
            registry,
            actor,
            as_of=dt.date.today() - dt.timedelta(days=1),
            loan_file=loan_file,
            batch=BATCH,
        )
        elapsed = time.perf_counter() - started
        if outcome.problems or outcome.changed != len(loan_file.states):
            raise SystemExit(f"the file was not applied whole: {outcome.problems[:3]}")
        await session.rollback()
    return elapsed


async def _floor(engine: AsyncEngine, data: bytes) -> float:
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        await driver.execute("DROP TABLE IF EXISTS staged")
        await driver.execute(
            "CREATE TEMP TABLE staged (contract_no text, balance text, interest_repaid text)"
        )
        started = time.perf_counter()
        await driver.copy_to_table("staged", source=io.BytesIO(data), format="csv", header=True)
        elapsed = time.perf_counter() - started
        await conn.rollback()
    return elapsed


# The set-based floor's statements: constant text, the tenant and the date as parameters.
_FLOOR_UPDATE = """
UPDATE loans SET balance = s.balance::numeric,
    principal_repaid = loans.principal - s.balance::numeric,
    interest_repaid = s.interest_repaid::numeric, updated_at = now()
FROM staged_sql s WHERE loans.tenant_id = $1 AND loans.contract_no = s.contract_no
"""
_FLOOR_MOVEMENTS = """
INSERT INTO loan_movements (tenant_id, id, loan_id, manager_id, kind, amount, moved_on,
    risk_class, source, recorded_by, recorded_at)
SELECT l.tenant_id, encode(overlay(uuid_send(gen_random_uuid()) PLACING
        substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
        FROM 1 FOR 6), 'hex')::uuid, l.id, l.manager_id, k.kind,
    CASE k.kind WHEN 'REPAYMENT_PRINCIPAL' THEN l.principal_repaid ELSE l.interest_repaid END,
    $2, l.risk_class, 'IMPORT', 'bench-floor', now()
FROM staged_sql s JOIN loans l ON l.tenant_id = $1 AND l.contract_no = s.contract_no
CROSS JOIN (VALUES ('REPAYMENT_PRINCIPAL'), ('REPAYMENT_INTEREST')) AS k(kind)
"""


async def _sql_floor(engine: AsyncEngine, data: bytes, as_of: dt.date) -> float:
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        # The driver's own transaction: its statements are not SQLAlchemy's, which would
        # leave them to autocommit.
        transaction = driver.transaction()
        await transaction.start()
        try:
            await driver.execute(
                "CREATE TEMP TABLE staged_sql"
                " (contract_no text, balance text, interest_repaid text)"
            )
            started = time.perf_counter()
            await driver.copy_to_table(
                "staged_sql", source=io.BytesIO(data), format="csv", header=True
            )
            await driver.execute("ANALYZE staged_sql")
            updated = await driver.execute(_FLOOR_UPDATE, TENANT)
            inserted = await driver.execute(_FLOOR_MOVEMENTS, TENANT, as_of)
            elapsed = time.perf_counter() - started
        finally:
            await transaction.rollback()
    rows = data.count(b"\n") - 1
    if updated != f"UPDATE {rows}" or inserted != f"INSERT 0 {2 * rows}":
        raise SystemExit(f"the SQL floor did not apply the file whole: {updated}, {inserted}")
    return elapsed


async def _vacuum(engine: AsyncEngine) -> None:
    """Reclaim what the last round's rolled-back writes left (autovacuum would, between
    two day-end files; it is off on a benchmark machine), untimed."""
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        for table in ("loans", "loan_movements", "customer_exposure_marks"):
            await raw.driver_connection.execute(f"VACUUM ANALYZE {table}")


async def run(args: argparse.Namespace) -> None:
    async with scratch_database("rc_bench_import", keep=args.keep) as (url, folder, fresh):
        if not url.startswith("postgresql"):
            raise SystemExit("the floor is COPY: set DATABASE_URL to a PostgreSQL server")
        settings = Settings(database_url=url, jwt_secret="bench-" + "z" * 40, data_dir=folder)
        engine = create_engine(settings)
        sessionmaker = create_sessionmaker(engine)
        try:
            print(f"machine: {describe()}")
            print(f"database: {make_url(url).get_backend_name()}")
            async with engine.connect() as conn:
                await conn.run_sync(upgrade_on)
                await conn.commit()
            if fresh:
                async with sessionmaker() as session, session.begin():
                    await load_demo_data(
                        session,
                        lookup_key=settings.identity_lookup_key,
                        managers=max(10, args.loans // 100),
                        customers=max(30, args.loans // 4),
                        loans=args.loans,
                        tenants=[TENANT],
                    )
            async with engine.connect() as conn:
                await conn.exec_driver_sql("ANALYZE")
                await conn.commit()
            data = await _file(sessionmaker, args.loans)
            rows = data.count(b"\n") - 1
            path = Path(tempfile.mkdtemp(prefix="bench-import-")) / "states.csv"
            path.write_bytes(data)
            print(f"file: {rows} rows, {len(data)} bytes; batches of {BATCH}")
            registry = PolicyRegistry()
            product, floor, sql = [], [], []
            as_of = dt.date.today() - dt.timedelta(days=1)
            for number in range(1, args.rounds + 1):
                await _vacuum(engine)
                floor.append(await _floor(engine, data))
                await _vacuum(engine)
                sql.append(await _sql_floor(engine, data, as_of))
                await _vacuum(engine)
                product.append(await _product(sessionmaker, path, registry))
                print(
                    f"round {number}: product {product[-1]:.2f} s, SQL floor {sql[-1]:.2f} s, "
                    f"COPY {floor[-1]:.3f} s"
                )
            p, q, f = (statistics.median(x) for x in (product, sql, floor))
            print(
                f"median: product {rows / p:,.0f} rows/s ({p:.2f} s); SQL floor "
                f"{rows / q:,.0f} rows/s ({q:.2f} s), ratio {p / q:.1f}x; COPY floor "
                f"{rows / f:,.0f} rows/s ({f:.3f} s), ratio {p / f:.1f}x; "
                "target 50,000 rows/s"
            )
        finally:
            await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--keep", metavar="NAME", help="PostgreSQL: reuse or keep the generated database NAME"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
