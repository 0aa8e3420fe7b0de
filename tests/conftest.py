"""Test fixtures: one migrated database per run, one rolled-back transaction per test.

``DATABASE_URL`` chooses the database, as for the server. For PostgreSQL a
fresh database is created next to the one named (and dropped afterwards), so
the run never touches existing data; for SQLite a temporary file is used.

Webhook receivers listen on loopback, which the test settings allow through
``RURALCREDIT_WEBHOOK_ALLOWED_NETWORKS``; names are resolved by a
:class:`~tests.webhook_receiver.FakeResolver`, never by DNS. ``tests.guards`` watches
the whole run: no identity number or token in a log, no traffic off loopback.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from server.app import create_app
from server.auth import mint_token
from server.clock import business_today
from server.db import models
from server.db.engine import create_engine
from server.db.migrate import upgrade_on
from server.demo import load_demo_data
from server.demo.tenants import DEMO_TENANTS
from server.domain import Role
from server.jobs.backends import InlineJobs
from server.jobs.webhook_transport import webhook_client
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.webhook_addresses import AddressPolicy
from server.settings import Settings, _async_driver
from tests import suite_metrics
from tests.graphql import matrix_tally
from tests.webhook_receiver import FakeResolver, Receiver

pytest_plugins = ("tests.guards",)

TEST_SECRET = "test-secret-" + "x" * 40
DEMO_SIZES = {"managers": 12, "customers": 120, "loans": 480}
LOOPBACK_NETWORKS = (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("::1/128"))
"""What the test settings allow webhooks to go to: the receivers on loopback."""
PUBLIC_NAMES = {"hooks.example.cn": [["93.184.216.34"]]}
"""Names the tests register as public webhook hosts; only checked, never connected to."""


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    suite_metrics.check(session)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    suite_metrics.summary(terminalreporter)
    matrix_tally.summary(terminalreporter)


def _on_postgresql() -> bool:
    return (os.environ.get("DATABASE_URL") or "").startswith(("postgresql", "postgres"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``postgresql`` exercise what only PostgreSQL has (``statement_timeout``,
    ``pg_sleep``): on SQLite they are deselected — reported as such, never run to be skipped."""
    if _on_postgresql():
        return
    other = [item for item in items if item.get_closest_marker("postgresql")]
    if other:
        config.hook.pytest_deselected(items=other)
        items[:] = [item for item in items if not item.get_closest_marker("postgresql")]


def _database_url(tmp_dir: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite+aiosqlite:///{tmp_dir / 'test.db'}"
    return _async_driver(url)


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    url = _database_url(tmp_path_factory.mktemp("db"))
    if not url.startswith("postgresql"):
        yield url
        return
    name = f"rc_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        database_url=database_url,
        jwt_secret=TEST_SECRET,
        webhook_allowed_networks=LOOPBACK_NETWORKS,
        data_dir=tmp_path_factory.mktemp("data"),
        # Jobs wait in the app until a test runs them (Api.run_jobs): the app's sessions
        # share the test's one connection. Tests of the queue use settings of their own.
        jobs="inline",
    )


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    async with engine.connect() as conn:
        await conn.run_sync(upgrade_on)
        await conn.commit()
    async with async_sessionmaker(engine)() as session, session.begin():
        await load_demo_data(
            session,
            lookup_key=settings.identity_lookup_key,
            managers=DEMO_SIZES["managers"],
            customers=DEMO_SIZES["customers"],
            loans=DEMO_SIZES["loans"],
        )
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def registry() -> PolicyRegistry:
    return PolicyRegistry()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection whose outer transaction is rolled back after the test."""
    async with engine.connect() as conn:
        transaction = await conn.begin()
        try:
            yield conn
        finally:
            await transaction.rollback()


@pytest.fixture
def sessionmaker(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Sessions inside the test's transaction; their commits become savepoints."""
    return async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


@pytest.fixture
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as s:
        yield s


@dataclass
class StatementLog:
    statements: list[str] = field(default_factory=list)
    active: bool = False

    @contextmanager
    def capture(self) -> Iterator[list[str]]:
        self.statements.clear()
        self.active = True
        try:
            yield self.statements
        finally:
            self.active = False


@pytest.fixture
def statements(engine: AsyncEngine) -> Iterator[StatementLog]:
    log = StatementLog()

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if log.active and not statement.lstrip().upper().startswith(
            ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")
        ):
            log.statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    yield log
    event.remove(engine.sync_engine, "before_cursor_execute", record)


def principal(
    tenant: str = "sd-demo",
    roles: tuple[Role, ...] = (Role.HR,),
    user: str = "u-test",
    *,
    manager: str | None = None,
    office: str | None = None,
) -> Principal:
    """Who a use case acts for, as the token of ``Api.token`` with the same arguments says:
    a ``MANAGER`` is the manager with employee number ``manager`` (none given: it reaches
    nothing of its own), a ``BRANCH_HEAD`` heads ``office`` (by default the head office)."""
    if Role.BRANCH_HEAD in roles and office is None:
        office = HEAD_OFFICE_CODE
    return Principal(tenant, user, frozenset(roles), manager=manager, office=office)


#: The roles of a token a test does not choose: the bank's back office — people, risk,
#: and the branch head of the head office (the whole tree). Tests of who may do what
#: name their roles; the permission matrix (tests/graphql/test_permission_matrix.py)
#: tries every role alone.
BACK_OFFICE = (Role.HR, Role.RISK, Role.BRANCH_HEAD)

#: The code of every demo tenant's head office: a BRANCH_HEAD token heads it (the whole
#: tree) unless a test names another office.
HEAD_OFFICE_CODE = "10000"
PROVINCES = {t.tenant_id: t.province for t in DEMO_TENANTS}


class Api:
    """A GraphQL client for the app under test."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        settings: Settings,
        first_managers: dict[str, str] | None = None,
        jobs: InlineJobs | None = None,
    ) -> None:
        self.client = client
        self.settings = settings
        self.jobs = jobs
        #: Each tenant's first manager (lowest employee number): who a MANAGER token is
        #: unless a test names one.
        self.first_managers = first_managers or {}

    def token(
        self,
        tenant: str = "sd-demo",
        roles: tuple[Role, ...] = BACK_OFFICE,
        user: str = "u-test",
        *,
        manager: str | None = None,
        office: str | None = None,
        province: str | None = None,
    ) -> str:
        """A token; a ``BRANCH_HEAD`` heads the head office and a ``FEDERATION_ADMIN``
        speaks for its demo tenant's province unless told otherwise. A ``MANAGER`` needs
        ``manager`` (an employee number); none given, the tenant's first manager."""
        if Role.MANAGER in roles and manager is None:
            manager = self.first_managers.get(tenant)
        if Role.BRANCH_HEAD in roles and office is None:
            office = HEAD_OFFICE_CODE
        if Role.FEDERATION_ADMIN in roles and province is None:
            province = PROVINCES.get(tenant)
        return mint_token(
            self.settings,
            tenant=tenant,
            user=user,
            roles=list(roles),
            manager=manager,
            office=office,
            province=province,
        )

    async def run_jobs(self) -> None:
        """Execute the background jobs the requests so far handed over (appraisal runs)."""
        assert self.jobs is not None
        await self.jobs.drain()

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> httpx.Response:
        return await self.client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token or self.token()}"},
        )

    async def __call__(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        tenant: str = "sd-demo",
        roles: tuple[Role, ...] = BACK_OFFICE,
        user: str = "u-test",
        manager: str | None = None,
        office: str | None = None,
    ) -> dict[str, Any]:
        """Run an operation that must succeed at the GraphQL level; return ``data``."""
        token = self.token(tenant, roles, user, manager=manager, office=office)
        response = await self.post(query, variables, token=token)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data


@pytest.fixture
def webhook_resolver() -> FakeResolver:
    """The resolver of webhook hosts: fixed answers, a fresh copy per test."""
    return FakeResolver({name: list(answers) for name, answers in PUBLIC_NAMES.items()})


@pytest.fixture
def webhook_addresses(settings: Settings, webhook_resolver: FakeResolver) -> AddressPolicy:
    """Where the tests' webhooks may go: public addresses and loopback."""
    return AddressPolicy(settings.webhook_allowed_networks, webhook_resolver)


@pytest.fixture
async def api(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
    webhook_resolver: FakeResolver,
) -> AsyncIterator[Api]:
    app = create_app(
        settings, sessionmaker=sessionmaker, registry=registry, webhook_resolver=webhook_resolver
    )
    transport = httpx.ASGITransport(app=app)
    async with sessionmaker() as session:
        m = models.Manager
        rows = await session.execute(
            select(m.tenant_id, func.min(m.employee_no)).group_by(m.tenant_id)
        )
        first_managers = {tenant: number for tenant, number in rows.all()}
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        jobs = app.state.ruralcredit.jobs
        yield Api(client, settings, first_managers, jobs if isinstance(jobs, InlineJobs) else None)
        scraped = await client.get("/metrics")
        suite_metrics.record(scraped.status_code, scraped.text)


@pytest.fixture
def today() -> dt.date:
    return business_today()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A webhook receiver listening on a free port of 127.0.0.1."""
    r = Receiver()
    server = await asyncio.start_server(r.handle, "127.0.0.1", 0)
    r.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hooks/rc"
    try:
        yield r
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def http_client(webhook_addresses: AddressPolicy) -> AsyncIterator[httpx.AsyncClient]:
    """The delivery job's client, checking each address against the test settings."""
    async with webhook_client(webhook_addresses) as c:
        yield c
