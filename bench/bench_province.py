"""The cost of ``provinceTenants`` as a province grows: SQL statements and latency.

Usage::

    python -m bench.bench_province                  # embedded SQLite (temporary file)
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test python -m bench.bench_province

The demo data set is loaded, then ``sd-demo`` is copied into more tenants of 山东
(same offices, managers, customers and loans under another tenant id), and the whole
``provinceTenants`` query — policy, settings, every count — is timed for provinces of
1, 5 and ``--tenants`` banks. On PostgreSQL a scratch database is created next to the
one named and dropped afterwards. Options: ``--managers --customers --loans`` (per
tenant), ``--tenants``, ``--rounds``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, insert, literal, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from bench.machine import describe
from bench.scratch import scratch_database
from server.app import create_app
from server.auth import mint_token
from server.db import models
from server.db.engine import create_engine, create_sessionmaker
from server.db.migrate import upgrade_on
from server.demo import load_demo_data
from server.domain import Role
from server.settings import Settings

QUERY = """
{ provinceTenants { id name
    policy { category plugin effectiveParameters }
    settings { appealDays largeLoanThreshold }
    managers { total byStatus { status count } byTier { tier { code } count } }
    customers { total byClass { customerClass count } }
    loans { count outstandingCount balance nonPerformingBalance nonPerformingRatio
            byRiskClass { riskClass count balance } } } }
"""
COPIED = (models.Office, models.Manager, models.Customer, models.Loan, models.TenantPolicy)


async def copy_tenant(session: AsyncSession, source: str, target: str) -> None:
    """``source``'s offices, managers, customers, loans and policy again, as ``target``."""
    tenant = await session.get(models.Tenant, source)
    assert tenant is not None
    session.add(models.Tenant(tenant_id=target, name=f"{tenant.name}·{target}", province="山东"))
    await session.flush()
    for model in COPIED:
        table: Any = model.__table__
        names = [c.name for c in table.columns]
        columns = [literal(target) if n == "tenant_id" else table.c[n] for n in names]
        await session.execute(
            insert(table).from_select(names, select(*columns).where(table.c.tenant_id == source))
        )


async def run(args: argparse.Namespace) -> None:
    async with scratch_database("rc_bench_province") as (url, folder, _):
        await _run(args, url, folder)


async def _run(args: argparse.Namespace, url: str, folder: Path) -> None:
    settings = Settings(database_url=url, jwt_secret="bench-" + "z" * 40, data_dir=folder)
    engine = create_engine(settings)
    try:
        print(f"machine: {describe()}")
        print(f"database: {make_url(url).get_backend_name()}")
        async with engine.connect() as conn:
            await conn.run_sync(upgrade_on)
            await conn.commit()
        async with create_sessionmaker(engine)() as session, session.begin():
            await load_demo_data(
                session, managers=args.managers, customers=args.customers, loans=args.loans
            )
        print(
            f"per tenant: {args.managers} managers, {args.customers} customers, {args.loans} loans"
        )

        statements: list[str] = []

        def count(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
            if statement.strip().upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
                statements.append(statement)

        app = create_app(settings, sessionmaker=create_sessionmaker(engine))
        token = mint_token(
            settings, tenant="sd-demo", user="bench", roles=[Role.FEDERATION_ADMIN], province="山东"
        )
        transport = httpx.ASGITransport(app=app)
        held = 1
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for size in sorted({1, min(5, args.tenants), args.tenants}):
                async with create_sessionmaker(engine)() as session, session.begin():
                    for n in range(held, size):
                        await copy_tenant(session, "sd-demo", f"sd-copy-{n:03d}")
                held = max(held, size)
                timings = []
                event.listen(engine.sync_engine, "before_cursor_execute", count)
                for _ in range(args.rounds):
                    statements.clear()
                    t0 = time.perf_counter()
                    response = await client.post(
                        "/graphql",
                        json={"query": QUERY},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    timings.append((time.perf_counter() - t0) * 1000)
                    body = response.json()
                    assert response.status_code == 200 and "errors" not in body, body
                    assert len(body["data"]["provinceTenants"]) == size
                event.remove(engine.sync_engine, "before_cursor_execute", count)
                timings.sort()
                p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
                print(
                    f"provinceTenants, {size} tenant(s), {size * args.loans} loans: "
                    f"{len(statements)} SQL statements, "
                    f"p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms "
                    f"over {args.rounds} requests"
                )
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--managers", type=int, default=200)
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--loans", type=int, default=20000)
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=20)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
