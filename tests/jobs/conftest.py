"""A scratch database of its own for the tests of jobs that commit (workers, the queue,
the in-process runner under a real app): PostgreSQL when ``DATABASE_URL`` names it, else
a SQLite file; migrated (the queue's schema included) and loaded with small demo data."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from server.app import create_app
from server.auth import mint_token
from server.db import models
from server.db.engine import create_engine, create_sessionmaker
from server.domain import Role
from server.settings import Settings, _async_driver
from tests.conftest import HEAD_OFFICE_CODE, TEST_SECRET
from tests.graphql.appraisal.operations import PERIOD, SD_ACTUALS, SD_PLANS

SCRATCH_SIZES = ("--managers", "20", "--customers", "30", "--loans", "60")


@dataclass
class Scratch:
    settings: Settings
    env: dict[str, str]
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]

    def with_settings(self, **changes: object) -> Settings:
        return replace(self.settings, **changes)  # type: ignore[arg-type]


async def _new_database(tmp: Path) -> tuple[str, tuple[AsyncEngine, str] | None]:
    base = os.environ.get("DATABASE_URL") or ""
    if not base.startswith(("postgresql", "postgres")):
        return f"sqlite+aiosqlite:///{tmp / 'jobs.db'}", None
    url = _async_driver(base)
    name = f"rc_jobs_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    return make_url(url).set(database=name).render_as_string(hide_password=False), (admin, name)


@pytest.fixture(scope="module")
async def scratch(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Scratch]:
    tmp = tmp_path_factory.mktemp("jobs")
    url, cleanup = await _new_database(tmp)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DATABASE_URL=url, RURALCREDIT_JWT_SECRET=TEST_SECRET, RURALCREDIT_DATA_DIR=str(tmp / "var")
    )
    subprocess.run(
        [sys.executable, "-m", "server.cli", "demo-data", "--migrate", *SCRATCH_SIZES],
        env=env,
        check=True,
        capture_output=True,
    )
    settings = Settings(database_url=url, jwt_secret=TEST_SECRET, data_dir=tmp / "var")
    engine = create_engine(settings)
    try:
        yield Scratch(settings, env, engine, create_sessionmaker(engine))
    finally:
        await engine.dispose()
        if cleanup is not None:
            admin, name = cleanup
            async with admin.connect() as conn:
                await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.dispose()


class Client:
    """GraphQL over a real app of the scratch database (its lifespan running, if entered)."""

    def __init__(self, http: httpx.AsyncClient, settings: Settings) -> None:
        self.http = http
        self.settings = settings

    def token(self, roles: tuple[Role, ...] = (Role.HR,), user: str = "hr-jobs") -> str:
        office = HEAD_OFFICE_CODE if Role.BRANCH_HEAD in roles else None
        return mint_token(
            self.settings, tenant="sd-demo", user=user, roles=list(roles), office=office
        )

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, **who: Any
    ) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {self.token(**who)}"},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(self, query: str, variables: dict[str, Any] | None = None, **who: Any) -> Any:
        body = await self.post(query, variables, **who)
        assert "errors" not in body, body
        return body["data"]


@contextlib.asynccontextmanager
async def serving(settings: Settings, *, lifespan: bool = True) -> AsyncIterator[Client]:
    app = create_app(settings)
    async with contextlib.AsyncExitStack() as stack:
        if lifespan:
            await stack.enter_async_context(app.router.lifespan_context(app))
        http = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=60
            )
        )
        yield Client(http, settings)


RECORD = """mutation($m: ID!, $p: Period!, $plans: [FigureInput!]!, $values: [FigureInput!]!) {
  a: recordTaskPlan(managerId: $m, period: $p, plans: $plans) { __typename }
  b: recordIndicators(managerId: $m, period: $p, values: $values) { __typename } }"""


async def record_all_figures(scratch: Scratch, period: str = PERIOD) -> list[uuid.UUID]:
    """Task plans and figures of ``period`` for every appraisable sd-demo manager, so that a
    run drafts them all; their ids."""
    async with scratch.sessionmaker() as session:
        m = models.Manager
        ids = list(
            (
                await session.execute(
                    select(m.id).where(
                        m.tenant_id == "sd-demo",
                        m.status.in_(["ACTIVE", "PROBATION", "SUSPENDED"]),
                    )
                )
            ).scalars()
        )
    async with serving(scratch.settings, lifespan=False) as client:
        for manager_id in ids:
            data = await client.data(
                RECORD,
                {
                    "m": str(manager_id),
                    "p": period,
                    "plans": [{"indicator": k, "value": v} for k, v in SD_PLANS.items()],
                    "values": [{"indicator": k, "value": v} for k, v in SD_ACTUALS.items()],
                },
                roles=(Role.HR, Role.BRANCH_HEAD),
            )
            assert data["a"] == data["b"] == {"__typename": "FiguresRecorded"}, data
    return ids


async def drafts_per_manager(
    scratch: Scratch, period: str, run_id: uuid.UUID
) -> dict[uuid.UUID, int]:
    """How many drafts each manager has of ``period`` (of any run), for the managers the run
    drafted."""
    a = models.Appraisal
    async with scratch.sessionmaker() as session:
        rows = await session.execute(
            select(a.manager_id, func.count())
            .where(a.tenant_id == "sd-demo", a.period == period, a.status == "DRAFT")
            .group_by(a.manager_id)
        )
        counts = {mid: int(n) for mid, n in rows.all()}
        mine = set(
            (
                await session.execute(
                    select(a.manager_id).where(a.tenant_id == "sd-demo", a.run_id == run_id)
                )
            ).scalars()
        )
    return {mid: counts[mid] for mid in mine}
