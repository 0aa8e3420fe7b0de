"""What the audit trail costs: a mutation's latency and statements, and ``auditLog`` with
each filter over a large trail.

Usage::

    python -m bench.bench_audit                       # embedded SQLite (temporary file)
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test python -m bench.bench_audit

On PostgreSQL a scratch database is created next to the one named and dropped
afterwards. Options: ``--rows`` (audit rows written beforehand), ``--rounds``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, select
from sqlalchemy.engine import make_url

from bench.machine import describe
from bench.scratch import scratch_database
from server.app import create_app
from server.auth import mint_token
from server.db import models
from server.db.engine import create_engine, create_sessionmaker
from server.db.migrate import upgrade_on
from server.db.queries.audit import add_audit_entries
from server.demo import load_demo_data
from server.domain import Role
from server.ids import uuid7
from server.settings import Settings

TENANT = "sd-demo"
CREATE_OFFICE = """mutation($i: CreateOfficeInput!) { createOffice(input: $i) { __typename } }"""
AUDIT_LOG = """query($filter: AuditFilter) { auditLog(first: 20, filter: $filter) {
  totalCount edges { node { id operation outcome targetIds } } } }"""
OPERATIONS = ("createLoan", "createCustomer", "setLoanRiskClass", "recordDuty", "updateManager")
OUTCOMES = ("OK", "OK", "OK", "INVALID_INPUT", "PERMISSION_DENIED", "NOT_FOUND")


def _percentiles(timings: list[float]) -> str:
    timings = sorted(timings)
    p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
    return f"p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms"


async def run(args: argparse.Namespace) -> None:
    async with scratch_database("rc_bench_audit") as (url, folder, _):
        await _run(args, url, folder)


async def _fill(sessionmaker: Any, rows: int, targets: list[str]) -> None:
    """``rows`` audit rows over the last 90 days, by 50 people, on the given targets."""
    rng = random.Random(8)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=90)
    batch: list[dict[str, Any]] = []
    async with sessionmaker() as session, session.begin():
        for n in range(rows):
            at = start + dt.timedelta(seconds=n * 90 * 86400 / rows)
            target, person = rng.choice(targets), rng.randrange(50)
            batch.append(
                {
                    "tenant_id": TENANT,
                    "id": uuid7(int(at.timestamp() * 1000)),
                    "at": at,
                    "request_id": f"req-{n}",
                    "user_id": f"user-{person}",
                    "user_key": f"user-{person}",
                    "roles": ["BRANCH_HEAD"],
                    "operation": rng.choice(OPERATIONS),
                    "target_ids": [target],
                    "outcome": rng.choice(OUTCOMES),
                    "input": '{"input":{"customerId":"' + target + '"}}',
                    "input_bytes": 60,
                }
            )
            if len(batch) == 5000:
                await add_audit_entries(session, batch)
                batch.clear()
        await add_audit_entries(session, batch)


async def _run(args: argparse.Namespace, url: str, folder: Path) -> None:
    settings = Settings(database_url=url, jwt_secret="bench-" + "z" * 40, data_dir=folder)
    engine = create_engine(settings)
    try:
        print(f"machine: {describe()}")
        print(f"database: {make_url(url).get_backend_name()}")
        async with engine.connect() as conn:
            await conn.run_sync(upgrade_on)
            await conn.commit()
        sessionmaker = create_sessionmaker(engine)
        async with sessionmaker() as session, session.begin():
            await load_demo_data(
                session,
                lookup_key=settings.identity_lookup_key,
                managers=20,
                customers=200,
                loans=400,
            )
        async with sessionmaker() as session:
            head = await session.scalar(
                select(models.Office.id).where(
                    models.Office.tenant_id == TENANT, models.Office.kind == "HEAD_OFFICE"
                )
            )
            customers = (
                await session.scalars(
                    select(models.Customer.id).where(models.Customer.tenant_id == TENANT)
                )
            ).all()
        targets = [str(c) for c in customers]
        started = time.perf_counter()
        await _fill(sessionmaker, args.rows, targets)
        print(
            f"audit rows written beforehand: {args.rows} in {time.perf_counter() - started:.1f} s"
        )

        statements: list[str] = []

        def count(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
            if statement.strip().upper() not in ("BEGIN", "BEGIN IMMEDIATE", "COMMIT"):
                statements.append(statement)

        event.listen(engine.sync_engine, "before_cursor_execute", count)
        app = create_app(settings, sessionmaker=sessionmaker)
        hr = mint_token(settings, tenant=TENANT, user="bench-hr", roles=[Role.HR])
        auditor = mint_token(settings, tenant=TENANT, user="bench-au", roles=[Role.AUDITOR])
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

            async def timed(token: str, query: str, variables: dict[str, Any]) -> float:
                statements.clear()
                t0 = time.perf_counter()
                response = await client.post(
                    "/graphql",
                    json={"query": query, "variables": variables},
                    headers={"Authorization": f"Bearer {token}"},
                )
                elapsed = (time.perf_counter() - t0) * 1000
                assert response.status_code == 200 and "errors" not in response.json()
                return elapsed

            def office(n: int) -> dict[str, Any]:
                code = f"B-{n}"
                return {"i": {"code": code, "name": code, "kind": "BRANCH", "parentId": str(head)}}

            for label, token in (("allowed (HR)", hr), ("refused (AUDITOR)", auditor)):
                timings = [await timed(token, CREATE_OFFICE, office(n)) for n in range(args.rounds)]
                audit_inserts = sum(s.lstrip().startswith("INSERT INTO audit_") for s in statements)
                print(
                    f"createOffice {label}: {_percentiles(timings)} over {args.rounds}; "
                    f"{len(statements)} statements, {audit_inserts} of them the audit inserts"
                )

            now = dt.datetime.now(dt.UTC)
            filters: list[tuple[str, Callable[[], dict[str, Any] | None]]] = [
                ("no filter", lambda: None),
                ("userId", lambda: {"userId": "USER-7"}),
                ("operation", lambda: {"operation": "setLoanRiskClass"}),
                ("targetId", lambda: {"targetId": targets[3]}),
                (
                    "period (one day)",
                    lambda: {
                        "from": (now - dt.timedelta(days=30)).isoformat(),
                        "to": (now - dt.timedelta(days=29)).isoformat(),
                    },
                ),
            ]
            for label, make in filters:
                timings = [
                    await timed(auditor, AUDIT_LOG, {"filter": make()}) for _ in range(args.rounds)
                ]
                print(f"auditLog(first: 20) with totalCount, {label}: {_percentiles(timings)}")
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
