"""The reports on a tenant of 1,000,000 loans: each report's latency beside its floors.

Usage::

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test python -m bench.bench_reports
    DATABASE_URL=... python -m bench.bench_reports --keep rc_bench_reports   # reuse the data

The demo tenant ``sd-demo`` is generated at ``--loans`` loans (10,000 managers, 250,000
customers; the demo loader writes in chunks and takes the loan snapshot of its day),
loan snapshots of ``--snapshots`` earlier month ends are taken, one appraisal per
manager is written for 2025 (totals and tiers drawn, confirmed), the post-loan duties
done in 2025 (a collection notice for most loans maturing then, on time or late, and
about 70% of the quarterly inspections: some 2.9 million records), then ``ANALYZE``.

Each report is then timed over GraphQL, interleaved round by round with its two floors:
the bare SQL of the report (the statements one request of it ran, recorded and replayed
on the driver connection as they were, no GraphQL, no Python around them) and a trivial
GraphQL query (``viewer``: the token, the permission check, the request's transaction).
Printed: the machine, then per report p50 and max in ms, and the report's p50 as a
ratio of each floor's. Target: every report ≤ 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bench.machine import describe
from bench.scratch import scratch_database
from server.app import create_app
from server.auth import mint_token
from server.db import models
from server.db.bulk import bulk_insert
from server.db.engine import create_engine, create_sessionmaker
from server.db.migrate import upgrade_on
from server.demo import load_demo_data
from server.demo.draw import DEFAULT_TODAY
from server.domain import AppraisalStatus, Role
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.snapshots import take_loan_snapshot
from server.settings import Settings

TENANT = "sd-demo"
PERIOD = "2025"
FLOOR = "{ viewer { userId } }"
#: The reports timed: name, roles of the token, query (``$office``: a branch's id).
REPORTS: tuple[tuple[str, tuple[Role, ...], str], ...] = (
    (
        "loanPortfolio tenant",
        (Role.RISK,),
        """{ loanPortfolio { figures { count balance nonPerformingRatio
             byRiskClass { count } overdue { count } }
           byOffice { office { code } figures { count balance nonPerformingRatio } } } }""",
    ),
    (
        "loanPortfolio branch",
        (Role.BRANCH_HEAD,),
        """{ loanPortfolio { figures { count balance nonPerformingRatio
             byRiskClass { count } overdue { count } }
           byOffice { office { code } figures { count balance } } } }""",
    ),
    (
        "loanPortfolio snapshot",
        (Role.HR,),
        f"""{{ loanPortfolio(asOf: "{DEFAULT_TODAY.isoformat()}") {{ figures {{ count balance
             nonPerformingRatio }} byOffice {{ figures {{ count }} }} }} }}""",
    ),
    (
        "portfolioTrend tenant",
        (Role.RISK,),
        """{ portfolioTrend(from: "2025-01-01", to: "2025-12-31") { points { asOf count balance
             nonPerformingBalance nonPerformingRatio } } }""",
    ),
    (
        "portfolioTrend branch",
        (Role.BRANCH_HEAD,),
        """{ portfolioTrend(from: "2025-01-01", to: "2025-12-31") { points { asOf count balance
             nonPerformingBalance } } }""",
    ),
    (
        "dutyCompliance tenant",
        (Role.RISK,),
        """{ dutyCompliance(from: "2025-01-01", to: "2025-12-31") { managers
             figures { notices { due onTime late missing } inspections { due done missing } }
             byOffice { office { code } figures { notices { missing } } }
             byManager { manager { employeeNo } figures { inspections { missing } } } } }""",
    ),
    (
        "dutyCompliance branch",
        (Role.BRANCH_HEAD,),
        """{ dutyCompliance(from: "2025-01-01", to: "2025-12-31") { managers
             figures { notices { due missing } inspections { due missing } } } }""",
    ),
    (
        "gradeDistribution current",
        (Role.HR,),
        "{ gradeDistribution { total tiers { tier { code rank } count } } }",
    ),
    (
        "gradeDistribution period",
        (Role.HR,),
        f'{{ gradeDistribution(period: "{PERIOD}") {{ total tiers {{ tier {{ code }} count }} }} '
        "}",
    ),
    (
        "appraisalLeague tenant",
        (Role.HR,),
        f"""{{ appraisalLeague(period: "{PERIOD}", first: 100) {{ ranked entries {{ rank total
             status tier {{ code }} manager {{ employeeNo }} office {{ code }} }} }} }}""",
    ),
    (
        "appraisalLeague branch",
        (Role.BRANCH_HEAD,),
        f"""{{ appraisalLeague(period: "{PERIOD}", first: 100) {{ ranked entries {{ rank total
             manager {{ employeeNo }} }} }} }}""",
    ),
)


class Failed(Exception):
    """A report answered with errors (their codes)."""


def month_ends(last: dt.date, count: int) -> list[dt.date]:
    """The ``count`` month ends before ``last``'s month, oldest first."""
    out, day = [], last.replace(day=1) - dt.timedelta(days=1)
    for _ in range(count):
        out.append(day)
        day = day.replace(day=1) - dt.timedelta(days=1)
    return sorted(out)


async def _setup(
    sessionmaker: async_sessionmaker[AsyncSession], args: argparse.Namespace, settings: Settings
) -> None:
    started = time.perf_counter()
    async with sessionmaker() as session, session.begin():
        await load_demo_data(
            session,
            lookup_key=settings.identity_lookup_key,
            managers=args.managers,
            customers=args.customers,
            loans=args.loans,
            tenants=[TENANT],
        )
    print(f"demo data: {time.perf_counter() - started:.1f} s")
    hr = Principal(TENANT, "bench", frozenset({Role.HR}))
    for day in month_ends(DEFAULT_TODAY, args.snapshots):
        started = time.perf_counter()
        async with sessionmaker() as session, session.begin():
            rows = await take_loan_snapshot(session, hr, as_of=day, today=DEFAULT_TODAY)
        print(f"snapshot {day}: {rows} loans in {time.perf_counter() - started:.1f} s")
    await _appraisals(sessionmaker)


async def _appraisals(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """One confirmed appraisal of ``PERIOD`` per manager, total and tier drawn."""
    rng = random.Random(11)
    tiers = PolicyRegistry().grading("shandong").tiers()
    async with sessionmaker() as session, session.begin():
        managers = (
            await session.scalars(
                select(models.Manager.id).where(models.Manager.tenant_id == TENANT)
            )
        ).all()
        rows = []
        for manager_id in managers:
            tier = rng.choice(tiers)
            rows.append(
                {
                    "tenant_id": TENANT,
                    "id": uuid.uuid4(),
                    "manager_id": manager_id,
                    "period": PERIOD,
                    "status": AppraisalStatus.CONFIRMED.value,
                    "plugin": "shandong",
                    "plugin_version": "bench",
                    "parameters": {},
                    "inputs": {},
                    "total": Decimal(rng.randint(4000, 10000)) / 100,
                    "tier_code": tier.code,
                    "tier_rank": tier.rank,
                    "tier_name": tier.name,
                    "graded": True,
                    "warnings": [],
                    "pay": [],
                    "computed_by": "bench",
                    "computed_at": dt.datetime.now(dt.UTC),
                    "confirmed_by": "bench-checker",
                    "confirmed_at": dt.datetime.now(dt.UTC),
                }
            )
        await bulk_insert(session, models.Appraisal, rows)
    print(f"appraisals of {PERIOD}: {len(rows)}")


async def _duty_records(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """The post-loan duties done in ``PERIOD``, as a book whose managers do most of them:
    of every loan, a collection notice (most on time, some late) and one inspection per
    quarter, each with a probability; written once (kept databases included)."""
    rng = random.Random(13)
    d, lo = models.DutyRecord, models.Loan
    async with sessionmaker() as session, session.begin():
        if await session.scalar(select(d.id).where(d.tenant_id == TENANT).limit(1)):
            return
        loans = (
            await session.execute(
                select(lo.id, lo.manager_id, lo.matures_on).where(lo.tenant_id == TENANT)
            )
        ).all()
        at, year = dt.datetime.now(dt.UTC), int(PERIOD)
        rows = []

        def done(loan: Any, kind: str, on: dt.date) -> None:
            rows.append(
                {
                    "tenant_id": TENANT,
                    "id": uuid.uuid4(),
                    "loan_id": loan.id,
                    "manager_id": loan.manager_id,
                    "kind": kind,
                    "done_on": on,
                    "recorded_by": "bench",
                    "recorded_at": at,
                }
            )

        for loan in loans:
            if loan.matures_on.year == year + (loan.matures_on.month == 1) and rng.random() < 0.8:
                early = rng.randint(25, 40)  # before 30 days: on time; after: late
                done(loan, "COLLECTION_NOTICE", loan.matures_on - dt.timedelta(days=early))
            for month in (2, 5, 8, 11):
                if rng.random() < 0.7:
                    done(loan, "INSPECTION", dt.date(year, month, rng.randint(1, 28)))
        await bulk_insert(session, d, rows)
    print(f"duty records of {PERIOD}: {len(rows)}")


async def _bare_sql(engine: AsyncEngine, statements: list[tuple[str, Any]]) -> float:
    """The recorded statements run again on the driver connection, in ms."""
    async with engine.connect() as conn:
        started = time.perf_counter()
        for statement, parameters in statements:
            await conn.exec_driver_sql(statement, parameters)
        elapsed = (time.perf_counter() - started) * 1000
        await conn.rollback()
    return elapsed


async def run(args: argparse.Namespace) -> None:
    async with scratch_database("rc_bench_reports", keep=args.keep) as (url, folder, fresh):
        await _run(args, url, folder, fresh)


async def _run(args: argparse.Namespace, url: str, folder: Path, fresh: bool) -> None:
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
            await _setup(sessionmaker, args, settings)
        await _duty_records(sessionmaker)
        if url.startswith("postgresql"):
            async with engine.connect() as conn:
                await conn.exec_driver_sql("ANALYZE")
                await conn.commit()
        async with sessionmaker() as session:
            loans = await session.scalar(
                select(func.count()).select_from(models.Loan).where(models.Loan.tenant_id == TENANT)
            )
            branch = (
                await session.execute(
                    select(models.Office.code)
                    .where(models.Office.tenant_id == TENANT, models.Office.depth == 1)
                    .order_by(models.Office.code)
                    .limit(1)
                )
            ).scalar_one()
        print(f"tenant {TENANT}: {loans} loans; branch head of office {branch}")
        app = create_app(settings, sessionmaker=sessionmaker)
        transport = httpx.ASGITransport(app=app)
        # The app's start-up as the server runs it (the collector tuned), then its requests.
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
        ):
            for name, roles, query in REPORTS:
                token = mint_token(
                    settings,
                    tenant=TENANT,
                    user="bench",
                    roles=list(roles),
                    office=branch if Role.BRANCH_HEAD in roles else None,
                )
                await _time_report(engine, client, token, name, query, args.rounds)
    finally:
        await engine.dispose()


async def _time_report(
    engine: AsyncEngine, client: httpx.AsyncClient, token: str, name: str, query: str, rounds: int
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    recorded: list[tuple[str, Any]] = []

    def record(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            recorded.append((statement, parameters))

    async def post(document: str) -> float:
        started = time.perf_counter()
        response = await client.post("/graphql", json={"query": document}, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        body = response.json()
        if response.status_code != 200 or "errors" in body:
            raise Failed(", ".join(e["extensions"]["code"] for e in body.get("errors", [])))
        return elapsed

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        await post(query)
    except Failed as failed:
        print(f"{name}: failed ({failed})")
        return
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    statements = list(recorded)
    report, bare, trivial = [], [], []
    try:
        for _ in range(rounds):
            report.append(await post(query))
            bare.append(await _bare_sql(engine, statements))
            trivial.append(await post(FLOOR))
    except Failed as failed:
        print(f"{name}: failed in round {len(report) + 1} ({failed})")
        return
    r, b, t = (statistics.median(x) for x in (report, bare, trivial))
    print(
        f"{name}: p50 {r:.0f} ms (max {max(report):.0f}); bare SQL ({len(statements)} "
        f"statements) p50 {b:.0f} ms (max {max(bare):.0f}); trivial query p50 {t:.1f} ms; "
        f"report ÷ bare SQL {r / b:.2f}, report ÷ trivial {r / t:.0f}; "
        f"{'within' if max(report) <= 1000 else 'OVER'} 1 s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--managers", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=250_000)
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--snapshots", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument(
        "--keep", metavar="NAME", help="PostgreSQL: reuse or keep the generated database NAME"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
