"""Event-writing throughput of one tenant: one writer, and eight at once.

Usage::

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test python -m bench.bench_outbox

On a scratch database with the demo data, writers send requests through the API (in this
process) to ``sx-demo``, each request ``{a: setLoanRiskClass(x) b: setLoanRiskClass(y)}``
toggling two loans of different customers between NORMAL and LOSS, so each mutation
reclassifies its customer and writes a class-change event. Two shapes:

- ``disjoint``: each writer has loans of its own; writers share nothing but the tenant
  (its event counter), so what eight do beyond one is what the outbox lets through;
- ``overlapping``: writer *n* takes its loans *n*, *n+1* in that order — neighbours share
  a customer, the shape that can deadlock.

The client and the server share this one Python process, so on a small machine these
figures are bound by its CPU as much as by the database. The outbox's own share is then
measured without the API: ``outbox`` writers each run transactions that emit one event
and then spend ``--work-ms`` in the database (``pg_sleep``, standing for the rest of a
request's statements: the second mutation, the audit rows) before committing. While the
tenant's counter row is held from the first event to the commit, those transactions run
one at a time whatever the number of writers.

Phases are interleaved (1 writer, 8 writers, again ``--rounds`` times), so a change in
the machine's load hits both; printed: events per second for each, the ratio 8 : 1, and
the requests that failed (``INTERNAL_ERROR`` or any other error).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bench.machine import describe
from bench.scratch import scratch_database
from server.app import create_app
from server.auth import mint_token
from server.db import models
from server.db.engine import create_engine, create_sessionmaker
from server.db.migrate import upgrade_on
from server.demo import load_demo_data
from server.domain import EventKind, Role
from server.outbox import events
from server.settings import Settings

TENANT = "sx-demo"
WRITERS = 8
PAIR = """mutation($a: ID!, $ca: RiskClass!, $da: Int!, $b: ID!, $cb: RiskClass!, $db: Int!) {
  a: setLoanRiskClass(input: {loanId: $a, riskClass: $ca, daysOverdue: $da}) { __typename }
  b: setLoanRiskClass(input: {loanId: $b, riskClass: $cb, daysOverdue: $db}) { __typename } }"""
STATES = (("LOSS", 400), ("NORMAL", 0))


async def _loans(sessionmaker: Any, count: int) -> list[str]:
    """Loans of ``count`` different customers of the tenant, each its customer's only loan."""
    loan = models.Loan
    async with sessionmaker() as session:
        single = (
            select(loan.customer_id)
            .where(loan.tenant_id == TENANT)
            .group_by(loan.customer_id)
            .having(func.count() == 1)
        )
        rows = await session.scalars(
            select(loan.id)
            .where(loan.tenant_id == TENANT, loan.customer_id.in_(single))
            .order_by(loan.id)
            .limit(count)
        )
        found = [str(r) for r in rows]
    if len(found) < count:
        raise SystemExit(f"only {len(found)} customers with one loan; raise --customers")
    return found


class Writers:
    def __init__(self, client: httpx.AsyncClient, token: str, loans: list[str]) -> None:
        self.client = client
        self.token = token
        self.loans = loans
        self.flips = dict.fromkeys(loans, 0)
        self.failed = 0
        self.errors: dict[str, int] = {}

    def _state(self, loan: str) -> tuple[str, int]:
        self.flips[loan] += 1
        return STATES[self.flips[loan] % 2]

    async def _one(self, first: str, second: str) -> int:
        (ca, da), (cb, db) = self._state(first), self._state(second)
        response = await self.client.post(
            "/graphql",
            json={
                "query": PAIR,
                "variables": {"a": first, "ca": ca, "da": da, "b": second, "cb": cb, "db": db},
            },
            headers={"Authorization": f"Bearer {self.token}"},
        )
        body = response.json()
        if body.get("errors"):
            self.failed += 1
            for error in body["errors"]:
                code = error.get("extensions", {}).get("code", "?")
                self.errors[code] = self.errors.get(code, 0) + 1
            return 0
        return 2

    async def phase(self, writers: int, shape: str, requests: int) -> float:
        """Mutations (each writing an event) per second, ``writers`` at once."""

        async def writer(n: int) -> int:
            if shape == "disjoint":
                first, second = self.loans[2 * n], self.loans[2 * n + 1]
            else:
                first, second = self.loans[n], self.loans[n + 1]
            return sum([await self._one(first, second) for _ in range(requests)])

        started = time.perf_counter()
        written = await asyncio.gather(*(writer(n) for n in range(writers)))
        return sum(written) / (time.perf_counter() - started)


async def _outbox_phase(sessionmaker: Any, writers: int, count: int, work_ms: float) -> float:
    """Committed events per second: ``writers`` at once, each ``count`` transactions."""

    async def writer() -> int:
        for _ in range(count):
            async with sessionmaker() as session, session.begin():
                await events.emit(
                    session, TENANT, EventKind.GRADE_CHANGED, uuid.uuid4(), None, {"bench": 1}
                )
                await session.execute(select(func.pg_sleep(work_ms / 1000)))
        return count

    started = time.perf_counter()
    written = await asyncio.gather(*(writer() for _ in range(writers)))
    return sum(written) / (time.perf_counter() - started)


def _line(label: str, one: list[float], eight: list[float], rounds: int) -> str:
    ratio = statistics.median(eight) / statistics.median(one)
    return (
        f"{label}: 1 writer {statistics.median(one):.0f} events/s, "
        f"{WRITERS} writers {statistics.median(eight):.0f} events/s "
        f"(medians of {rounds} interleaved rounds; {WRITERS}:1 = {ratio:.2f})"
    )


async def run(args: argparse.Namespace) -> None:
    async with scratch_database("rc_bench_outbox") as (url, folder, _):
        await _run(args, url, folder)


async def _run(args: argparse.Namespace, url: str, folder: Path) -> None:
    settings = Settings(database_url=url, jwt_secret="bench-" + "o" * 40, data_dir=folder)
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
                customers=args.customers,
                loans=40,
            )
        loans = await _loans(sessionmaker, 2 * WRITERS)
        app = create_app(settings, sessionmaker=sessionmaker)
        token = mint_token(settings, tenant=TENANT, user="bench-risk", roles=[Role.RISK])
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            writers = Writers(client, token, loans)
            await writers.phase(WRITERS, "disjoint", 5)  # warm-up
            writers.failed, writers.errors = 0, {}
            for shape in ("disjoint", "overlapping"):
                one: list[float] = []
                eight: list[float] = []
                for _ in range(args.rounds):
                    one.append(await writers.phase(1, shape, args.requests * WRITERS // 4))
                    eight.append(await writers.phase(WRITERS, shape, args.requests))
                print(
                    f"{_line('API, ' + shape, one, eight, args.rounds)}; "
                    f"failed requests so far: {writers.failed} {writers.errors or ''}"
                )
        if engine.dialect.name == "postgresql":
            one, eight = [], []
            for _ in range(args.rounds):
                one.append(await _outbox_phase(sessionmaker, 1, args.requests, args.work_ms))
                eight.append(
                    await _outbox_phase(sessionmaker, WRITERS, args.requests, args.work_ms)
                )
            print(
                _line(
                    f"outbox, {args.work_ms:g} ms of work per transaction", one, eight, args.rounds
                )
            )
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=40, help="per writer and phase")
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--work-ms", type=float, default=5.0)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
