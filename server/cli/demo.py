"""The demo data from the command line: ``demo-data`` and ``serve --demo``'s first start."""

from __future__ import annotations

import asyncio
import sys
import time
import typing

from server.cli.errors import CliError
from server.cli.summaries import demo_table
from server.settings import Settings

if typing.TYPE_CHECKING:
    from server.demo import DrawsAhead


def migrate(settings: Settings) -> None:
    """Bring the database to the latest schema."""
    from server.db.migrate import upgrade

    upgrade(settings)


async def draws_ahead(
    settings: Settings, *, managers: int, customers: int, loans: int
) -> DrawsAhead | None:
    """Before the migrations run: when the database holds no tenant yet (or no tables), start
    drawing the demo tenants after the first in a worker process, which then has the
    migrations' time as a head start; None when there is data already (nothing to load)."""
    from sqlalchemy import inspect, select

    from server.db.engine import create_engine
    from server.db.models import Tenant
    from server.demo import DEFAULT_SEED, DEMO_TENANT_IDS, DrawArguments, DrawsAhead

    engine = create_engine(settings)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda sync: inspect(sync).has_table(Tenant.__tablename__))
            if tables and (await conn.execute(select(Tenant.tenant_id).limit(1))).first():
                return None
        driver = f"{engine.dialect.name}+{engine.dialect.driver}"
    finally:
        await engine.dispose()
    arguments = DrawArguments(
        lookup_key=settings.identity_lookup_key,
        managers=managers,
        customers=customers,
        loans=loans,
        seed=DEFAULT_SEED,
        today=None,
        driver=driver,
    )
    return DrawsAhead(DEMO_TENANT_IDS[1:], arguments)


def migrate_and_load_demo(
    settings: Settings, *, managers: int, customers: int, loans: int, only_if_empty: bool
) -> bool:
    """Migrate, then load the demo data (see :func:`load_demo`), its draws begun first."""
    ahead = asyncio.run(draws_ahead(settings, managers=managers, customers=customers, loans=loans))
    try:
        migrate(settings)
        return asyncio.run(
            load_demo(
                settings,
                managers=managers,
                customers=customers,
                loans=loans,
                only_if_empty=only_if_empty,
                ahead=ahead,
            )
        )
    finally:
        if ahead is not None:
            ahead.close()


async def load_demo(
    settings: Settings,
    *,
    managers: int,
    customers: int,
    loans: int,
    only_if_empty: bool,
    ahead: DrawsAhead | None = None,
) -> bool:
    from server.db.engine import create_engine, create_sessionmaker
    from server.demo import database_is_empty, load_demo_data

    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            empty = await database_is_empty(session)
            if only_if_empty and not empty:
                return False
            started = time.perf_counter()
            try:
                summary = await load_demo_data(
                    session,
                    lookup_key=settings.identity_lookup_key,
                    managers=managers,
                    customers=customers,
                    loans=loans,
                    progress=lambda line: print(line, file=sys.stderr, flush=True),
                    parallel=True,
                    defer_indexes=empty,
                    ahead=ahead,
                )
            except ValueError as error:
                raise CliError(
                    f"{error}; the demo data is loaded once into a database "
                    "(--if-empty skips it then)"
                ) from None
        print(f"demo data loaded in {time.perf_counter() - started:.1f}s:\n")
        print(demo_table(summary))
        return True
    finally:
        await engine.dispose()
