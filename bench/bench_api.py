"""Demo-data load time and the cost of the three-level list query.

Usage::

    python -m bench.bench_api                       # embedded SQLite (temporary file)
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test python -m bench.bench_api

On PostgreSQL a scratch database is created next to the one named and dropped
afterwards. Options: ``--managers --customers --loans`` (per tenant), ``--rounds``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.engine import make_url

from bench.machine import describe
from bench.scratch import scratch_database
from server.app import create_app
from server.auth import mint_token
from server.db.engine import create_engine, create_sessionmaker
from server.db.migrate import upgrade_on
from server.demo import load_demo_data
from server.domain import Role
from server.settings import Settings

QUERY = """
query($first: Int!) { managers(first: $first) { totalCount edges { node { name
  loans(first: 5) { totalCount edges { node { contractNo balance customer { name } } } } } } } }
"""


async def run(args: argparse.Namespace) -> None:
    async with scratch_database("rc_bench") as (url, folder, _):
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
        started = time.perf_counter()
        async with create_sessionmaker(engine)() as session, session.begin():
            summary = await load_demo_data(
                session, managers=args.managers, customers=args.customers, loans=args.loans
            )
        print(f"demo data: {summary}")
        print(f"demo data load: {time.perf_counter() - started:.2f} s")

        statements: list[str] = []

        def count(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
            if statement.strip().upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
                statements.append(statement)

        event.listen(engine.sync_engine, "before_cursor_execute", count)
        app = create_app(settings, sessionmaker=create_sessionmaker(engine))
        token = mint_token(settings, tenant="sd-demo", user="bench", roles=[Role.HR])
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for first in (10, 100):
                timings = []
                for _ in range(args.rounds):
                    statements.clear()
                    t0 = time.perf_counter()
                    response = await client.post(
                        "/graphql",
                        json={"query": QUERY, "variables": {"first": first}},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    timings.append((time.perf_counter() - t0) * 1000)
                    assert response.status_code == 200 and "errors" not in response.json()
                timings.sort()
                p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
                print(
                    f"managers(first: {first}) → loans(first: 5) → customer, with totalCounts: "
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
    parser.add_argument("--rounds", type=int, default=30)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
