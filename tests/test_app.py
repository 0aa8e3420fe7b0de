"""The request time limit: a GraphQL request running past ``request_timeout_seconds`` is
stopped and rolled back (code ``TIMEOUT``, nothing written); on PostgreSQL a statement past
``statement_timeout`` ends the request the same way. And the collector, tuned at start-up so
that full collections do not hold the event loop while large pages are built."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from server.app import FULL_COLLECTION_EVERY, App, _tune_collector, create_app
from server.db import models, retry
from server.policy.registry import PolicyRegistry
from server.services import offices
from server.settings import Settings

from .conftest import Api

TWO_OFFICES = """mutation($head: ID!) {
  a: createOffice(input: {code: "SLOW-A", name: "慢一", kind: BRANCH, parentId: $head}) {
    __typename }
  b: createOffice(input: {code: "SLOW-B", name: "慢二", kind: BRANCH, parentId: $head}) {
    __typename } }"""
CODES = ("SLOW-A", "SLOW-B")
Stall = Callable[[AsyncSession], Awaitable[object]]


def _second_office_stalls(monkeypatch: pytest.MonkeyPatch, stall: Stall) -> None:
    """``createOffice`` as it is, except that the second call, having written its office,
    stalls in ``stall`` (so the request has written two offices when it is stopped)."""
    original = offices.create_office
    calls: list[str] = []

    async def create_office(session: AsyncSession, *args: Any, **kwargs: Any) -> Any:
        row = await original(session, *args, **kwargs)
        calls.append(row.code)
        if len(calls) == 2:
            await session.flush()
            await stall(session)
        return row

    monkeypatch.setattr(offices, "create_office", create_office)


async def _sleep(_: AsyncSession) -> None:
    await asyncio.sleep(30)


async def _slow_statement(session: AsyncSession) -> None:
    """A statement that runs for seconds: ``pg_sleep``, or on SQLite a long recursive count."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_sleep(3)"))
    else:
        await session.execute(
            text(
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                "WHERE x < 20000000) SELECT count(*) FROM c"
            )
        )


async def _offices_named(session: AsyncSession) -> int:
    statement = select(func.count()).select_from(models.Office).where(models.Office.code.in_(CODES))
    return int(await session.scalar(statement) or 0)


@contextlib.asynccontextmanager
async def _api(
    settings: Settings,
    registry: PolicyRegistry,
    sessionmaker: async_sessionmaker[AsyncSession] | None = None,
) -> AsyncIterator[tuple[Api, App]]:
    """A client of an app with these settings: in the test's transaction when given its
    ``sessionmaker``, else on an engine of the app's own (statement timeout included)."""
    starlette = create_app(settings, sessionmaker=sessionmaker, registry=registry)
    app: App = starlette.state.ruralcredit
    try:
        transport = httpx.ASGITransport(app=starlette)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(client, settings), app
    finally:
        if app.engine is not None:
            await app.engine.dispose()


async def _head_office(api: Api) -> dict[str, str]:
    data = await api("{ offices { id kind } }")
    return {"head": next(o["id"] for o in data["offices"] if o["kind"] == "HEAD_OFFICE")}


async def _timed_out(api: Api, caplog: pytest.LogCaptureFixture) -> tuple[dict[str, Any], float]:
    head = await _head_office(api)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="ruralcredit.http"):
        response = await api.post(TWO_OFFICES, head)
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    assert body["data"] is None
    assert [e["extensions"] for e in body["errors"]] == [{"code": "TIMEOUT"}]
    request_id = response.headers["x-request-id"]
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert logged and all(r.exc_info is None for r in logged)  # a warning, no stack trace
    return body, elapsed


async def test_a_request_past_the_time_limit_is_stopped_and_writes_nothing(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _second_office_stalls(monkeypatch, _sleep)
    # Long enough for the request to reach its stall on a loaded machine: a limit that
    # struck in the middle of a statement would test the other path (below).
    limited = dataclasses.replace(settings, request_timeout_seconds=1.5)
    audited = (
        select(func.count())
        .select_from(models.AuditEntry)
        .where(
            models.AuditEntry.operation == "createOffice",
            models.AuditEntry.outcome.in_(("ROLLED_BACK", "INTERNAL_ERROR")),
        )
    )
    before = await session.scalar(audited)
    async with _api(limited, registry, sessionmaker) as (api, _):
        body, elapsed = await _timed_out(api, caplog)
        # Nothing stands of the request but its audit rows: the office it wrote, rolled
        # back, and the one it was stopped in.
        assert await session.scalar(audited) == (before or 0) + 2
        assert body["errors"][0]["message"] == (
            "the request ran past the time limit of 1.5 s; nothing was written"
        )
        assert elapsed < 5
        assert await _offices_named(session) == 0
        # The app, and the session's connection, serve the next request as usual.
        data = await api("{ offices { code } }")
    assert not {o["code"] for o in data["offices"]} & set(CODES)


async def test_a_request_within_the_time_limit_commits(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
    session: AsyncSession,
) -> None:
    async with _api(settings, registry, sessionmaker) as (api, _):
        data = await api(TWO_OFFICES, await _head_office(api))
    assert data == {"a": {"__typename": "Office"}, "b": {"__typename": "Office"}}
    assert await _offices_named(session) == 2


async def test_the_time_limit_cancels_a_statement_in_flight(
    engine: AsyncEngine,
    settings: Settings,
    registry: PolicyRegistry,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Stopped in the middle of a statement, the request still answers near its time limit,
    writes nothing, and the pool serves the next request (SQLite's driver closes the
    connection it was cancelled on; it is dropped). ``engine``: the suite's database,
    migrated and loaded, which the app's own engine opens too."""
    _second_office_stalls(monkeypatch, _slow_statement)
    limited = dataclasses.replace(
        settings, request_timeout_seconds=0.5, statement_timeout_ms=60_000, db_pool_size=1
    )
    async with _api(limited, registry) as (api, app):
        _, elapsed = await _timed_out(api, caplog)
        if not settings.is_sqlite:
            assert elapsed < 2.5  # SQLite's driver lets the statement finish first (README)
        async with app.sessionmaker() as own:
            assert await _offices_named(own) == 0
        data = await api("{ offices { code } }")
    assert not {o["code"] for o in data["offices"]} & set(CODES)


@pytest.mark.postgresql
async def test_a_statement_past_statement_timeout_ends_the_request(
    engine: AsyncEngine,
    settings: Settings,
    registry: PolicyRegistry,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _second_office_stalls(monkeypatch, _slow_statement)
    limited = dataclasses.replace(settings, request_timeout_seconds=30, statement_timeout_ms=300)
    async with _api(limited, registry) as (api, app):
        body, elapsed = await _timed_out(api, caplog)
        assert body["errors"][0]["message"] == (
            "a database statement ran past the time limit of 300 ms; nothing was written"
        )
        assert elapsed < 2.5  # pg_sleep(3) was cancelled by the database
        async with app.sessionmaker() as own:
            assert await _offices_named(own) == 0


def test_start_up_freezes_what_exists_and_makes_full_collections_rare() -> None:
    before = gc.get_threshold()
    try:
        _tune_collector()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (before[0], before[1], FULL_COLLECTION_EVERY)
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


class _Orig(Exception):
    sqlstate = "40P01"


def _deadlock() -> DBAPIError:
    return DBAPIError("UPDATE ...", None, _Orig("deadlock detected"))


def _offices_lose_deadlocks(monkeypatch: pytest.MonkeyPatch, losing_runs: int) -> list[str]:
    """``createOffice`` as it is, except that in each of the first ``losing_runs`` runs of
    the request the second call, having written its office, loses a deadlock."""
    original = offices.create_office
    calls: list[str] = []

    async def create_office(session: AsyncSession, *args: Any, **kwargs: Any) -> Any:
        row = await original(session, *args, **kwargs)
        calls.append(row.code)
        if len(calls) % 2 == 0 and len(calls) // 2 <= losing_runs:
            await session.flush()
            raise _deadlock()
        return row

    monkeypatch.setattr(offices, "create_office", create_office)
    return calls


async def _audit_rows(session: AsyncSession) -> list[tuple[str, str]]:
    rows = await session.execute(
        select(models.AuditEntry.operation, models.AuditEntry.outcome).where(
            models.AuditEntry.operation == "createOffice"
        )
    )
    return sorted((r.operation, r.outcome) for r in rows)


async def test_a_request_that_loses_a_deadlock_runs_again_whole(
    api: Api,
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The first run's office and audit rows go with its transaction; the second run writes
    both offices, and one audit row each."""
    head = await _head_office(api)
    audit_before = await _audit_rows(session)
    calls = _offices_lose_deadlocks(monkeypatch, losing_runs=1)
    with caplog.at_level(logging.WARNING, logger="ruralcredit.http"):
        data = await api(TWO_OFFICES, head)
    assert data == {"a": {"__typename": "Office"}, "b": {"__typename": "Office"}}
    assert calls == ["SLOW-A", "SLOW-B", "SLOW-A", "SLOW-B"]
    assert await _offices_named(session) == 2
    assert await _audit_rows(session) == sorted([*audit_before, *[("createOffice", "OK")] * 2])
    warnings = [r.getMessage() for r in caplog.records if r.name == "ruralcredit.http"]
    assert len(warnings) == 1
    assert (
        "SQLSTATE 40P01, the request runs again in a new transaction (attempt 2 of 3)"
        in (warnings[0])
    )


async def test_after_the_last_run_a_lost_deadlock_is_an_internal_error(
    api: Api, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = await _head_office(api)
    audit_before = await _audit_rows(session)
    calls = _offices_lose_deadlocks(monkeypatch, losing_runs=99)
    response = await api.post(TWO_OFFICES, head)
    body = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INTERNAL_ERROR"]
    assert len(calls) == 2 * retry.ATTEMPTS
    assert await _offices_named(session) == 0
    # As for any unexpected error: the last run's audit rows, in a transaction of their own.
    assert await _audit_rows(session) == sorted(
        [*audit_before, ("createOffice", "ROLLED_BACK"), ("createOffice", "INTERNAL_ERROR")]
    )
