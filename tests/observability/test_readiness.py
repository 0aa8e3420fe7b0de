"""``GET /readyz`` (``server.observability.readiness``): 200 when the database answers and
its migrations are at the code's head, else 503 with a short reason; ``/healthz`` stays
the liveness probe."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.observability.readiness import migration_heads
from server.policy.registry import PolicyRegistry
from server.settings import Settings

from .conftest import Client, client_factory


@pytest.fixture
def client(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
) -> Client:
    return client_factory(settings, sessionmaker, registry)


def test_the_code_has_one_migration_head() -> None:
    heads = migration_heads()
    assert len(heads) == 1
    assert next(iter(heads)).startswith("0")


async def test_ready_on_a_migrated_database(client: Client) -> None:
    async with client() as (_, http):
        ready = await http.get("/readyz")
        alive = await http.get("/healthz")
    assert (ready.status_code, ready.json()) == (200, {"status": "ok"})
    assert alive.status_code == 200


async def test_not_ready_when_migrations_lag_behind_the_code(client: Client) -> None:
    async with client() as (app, http):
        database_at = next(iter(app.migration_heads))
        app.migration_heads = frozenset({"9999_later"})
        answer = await http.get("/readyz")
    assert answer.status_code == 503
    reason = answer.json()["reason"]
    assert reason.startswith("migrations not at head")
    assert database_at in reason and "9999_later" in reason


async def test_not_ready_when_the_database_is_unreachable(
    settings: Settings, registry: PolicyRegistry, tmp_path: Path
) -> None:
    gone = dataclasses.replace(
        settings, database_url=f"sqlite+aiosqlite:///{tmp_path}/no/such/folder/db.sqlite"
    )
    async with client_factory(gone, None, registry)() as (_, http):
        answer = await http.get("/readyz")
    assert answer.status_code == 503
    assert answer.json() == {"status": "unavailable", "reason": "the database is unreachable"}


async def test_not_ready_on_a_database_never_migrated(
    settings: Settings, registry: PolicyRegistry, tmp_path: Path
) -> None:
    empty = dataclasses.replace(settings, database_url=f"sqlite+aiosqlite:///{tmp_path}/empty.db")
    async with client_factory(empty, None, registry)() as (_, http):
        answer = await http.get("/readyz")
    assert answer.status_code == 503
    assert "no migrations" in answer.json()["reason"]
