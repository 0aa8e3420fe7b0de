"""Batch appraisal of a whole tenant for one year.

Usage (PostgreSQL is the target; SQLite works for a quick look)::

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test python -m bench.bench_appraisal

Generates the Shandong demo tenant at the given size (default 10,000 managers,
250,000 customers, 1,000,000 loans) with the demo generator, records every
manager's task plans and actual figures for 2026, then appraises the whole
tenant for 2026 and prints total seconds, split into SQL aggregation (loading
inputs), plugin (building inputs and scoring) and writing results. It also
prints the largest number of rows any statement returned during the run, to
show that no loan row is loaded into Python.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import delete, event, func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.machine import describe
from bench.scratch import scratch_database
from server.db import models
from server.db.engine import create_engine, create_sessionmaker
from server.db.migrate import upgrade_on
from server.demo import load_demo_data
from server.domain import Role
from server.jobs.appraisal_run import RunTimings, run_appraisals
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.settings import Settings

TENANT = "sd-demo"
PERIOD = "2026"
# The appraisal runs as if on this day: 2026 is the current year, the live book is its end.
AS_OF = dt.date(2026, 6, 30)
PLAN_KEYS = (
    "deposit_net_increase",
    "npl_net_reduction",
    "npl_cash_recovered",
    "writeoff_recovered",
    "interest_recovered",
)
VALUE_KEYS = (
    "deposit_net_increase",
    "deposit_monthly_average",
    "npl_cash_recovered",
    "writeoff_recovered",
    "interest_recovered",
)


def _figures(
    managers: list[tuple[Any, Any]], seed: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(seed)
    plans, values = [], []
    for mid, office_id in managers:
        plan = {k: Decimal(rng.randrange(10_000, 5_000_000, 1_000)) for k in PLAN_KEYS}
        for key, amount in plan.items():
            plans.append(
                {
                    "tenant_id": TENANT,
                    "manager_id": mid,
                    "period": PERIOD,
                    "office_id": office_id,
                    "indicator": key,
                    "plan": amount,
                    "recorded_by": "bench",
                }
            )
        for key in VALUE_KEYS:
            base = plan.get(key, plan["deposit_net_increase"])
            amount = (base * Decimal(rng.randrange(40, 140)) / 100).quantize(Decimal("0.01"))
            values.append(
                {
                    "tenant_id": TENANT,
                    "manager_id": mid,
                    "period": PERIOD,
                    "office_id": office_id,
                    "indicator": key,
                    "value": amount,
                    "recorded_by": "bench",
                }
            )
    return plans, values


async def _setup(
    sessionmaker: async_sessionmaker[AsyncSession], args: argparse.Namespace, settings: Settings
) -> None:
    async with sessionmaker() as session, session.begin():
        await load_demo_data(
            session,
            lookup_key=settings.identity_lookup_key,
            managers=args.managers,
            customers=args.customers,
            loans=args.loans,
            tenants=[TENANT],
        )
        managers = [
            (row.id, row.office_id)
            for row in await session.execute(
                select(models.Manager.id, models.Manager.office_id).where(
                    models.Manager.tenant_id == TENANT
                )
            )
        ]
        plans, values = _figures(managers, seed=7)
        for start in range(0, len(plans), 5000):
            await session.execute(insert(models.TaskPlan), plans[start : start + 5000])
        for start in range(0, len(values), 5000):
            await session.execute(insert(models.IndicatorValue), values[start : start + 5000])


async def run(args: argparse.Namespace) -> None:
    async with scratch_database("rc_bench", keep=args.keep) as (url, folder, fresh):
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
        started = time.perf_counter()
        if fresh:
            await _setup(sessionmaker, args, settings)
        else:
            async with sessionmaker() as session, session.begin():
                await session.execute(delete(models.AppraisalItem))
                await session.execute(delete(models.Appraisal))
        async with sessionmaker() as session:
            loans = await session.scalar(select(func.count()).select_from(models.Loan))
            managers = await session.scalar(select(func.count()).select_from(models.Manager))
        print(f"setup: {managers} managers, {loans} loans in {time.perf_counter() - started:.1f} s")
        if url.startswith("postgresql"):
            async with engine.connect() as conn:
                await conn.exec_driver_sql("ANALYZE")
                await conn.commit()

        largest = {"rows": 0, "statement": ""}

        def record(_conn: Any, cursor: Any, statement: str, *_: Any) -> None:
            rows = getattr(cursor, "rowcount", -1)
            if statement.lstrip().upper().startswith("SELECT") and rows > largest["rows"]:
                largest["rows"], largest["statement"] = rows, " ".join(statement.split())[:90]

        event.listen(engine.sync_engine, "after_cursor_execute", record)
        for label in ("first run", "re-run (replaces the drafts)"):
            timings = RunTimings()
            started = time.perf_counter()
            run_id = await run_appraisals(
                sessionmaker,
                PolicyRegistry(),
                Principal(TENANT, "bench", frozenset({Role.HR})),
                period=PERIOD,
                today=AS_OF,
                timings=timings,
            )
            total = time.perf_counter() - started
            async with sessionmaker() as session:
                run_row = await session.get(models.AppraisalRun, (TENANT, run_id))
                assert run_row is not None
                items = await session.scalar(select(func.count()).select_from(models.AppraisalItem))
            print(
                f"{label}: {run_row.status.value}, {run_row.managers_done} appraised, "
                f"{run_row.managers_skipped} skipped of {run_row.managers_total}; "
                f"{items} item rows"
            )
            print(
                f"  appraisal of {PERIOD}: {total:.2f} s total = SQL aggregation "
                f"{timings.sql:.2f} s + plugin {timings.plugin:.2f} s + writing "
                f"{timings.write:.2f} s"
            )
        event.remove(engine.sync_engine, "after_cursor_execute", record)
        print(f"largest SELECT result: {largest['rows']} rows ({largest['statement']}…)")
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--managers", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=250_000)
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument(
        "--keep",
        metavar="DATABASE",
        help="PostgreSQL: reuse (and keep) this database, generating the data only once",
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
