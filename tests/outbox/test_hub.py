"""The event hub (``server.outbox.hub``): wake-ups for subscribers, and on PostgreSQL the
LISTEN connection, which connects again with a back-off after the database drops it, so
that an event committed afterwards is delivered at once (not only by the periodic re-poll)."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from server.outbox import hub as hub_module
from server.outbox.events import EVENTS_CHANNEL
from server.outbox.hub import EventHub
from server.settings import Settings

LIVE_SECONDS = 1.0
"""Well under the subscriptions' re-poll (5 s): a wake-up this fast came by NOTIFY."""


def test_notify_all_wakes_every_tenant_and_listeners_are_counted() -> None:
    hub = EventHub()
    with hub.listen("a") as a, hub.listen("b") as b:
        assert hub.open_listeners() == 2
        hub.notify_all()
        assert a.is_set() and b.is_set()
    assert hub.open_listeners() == 0


async def test_on_sqlite_there_is_no_listen_connection() -> None:
    hub = EventHub()
    await hub.start("sqlite+aiosqlite:///x.db")
    assert not hub.listening
    await hub.close()


async def _wait_until(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        await asyncio.sleep(0.02)
    return False


async def _commit_notify(engine: AsyncEngine, tenant: str) -> None:
    async with engine.begin() as connection:
        await connection.execute(select(func.pg_notify(EVENTS_CHANNEL, tenant)))


@pytest.mark.postgresql
async def test_the_listen_connection_comes_back_after_the_database_drops_it(
    settings: Settings, engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    hub = EventHub()
    await hub.start(settings.database_url)
    try:
        with hub.listen("sd-demo") as before:
            await _commit_notify(engine, "sd-demo")
            await asyncio.wait_for(before.wait(), LIVE_SECONDS)
        first_pid = hub._connection.get_server_pid()
        with (
            caplog.at_level(logging.INFO, logger="ruralcredit.events"),
            hub.listen("ah-demo") as woken,
        ):
            async with engine.begin() as connection:
                await connection.execute(select(func.pg_terminate_backend(first_pid)))
            assert await _wait_until(
                lambda: hub.listening and hub._connection.get_server_pid() != first_pid, 5.0
            )
            # Coming back, the hub wakes every subscriber: NOTIFYs sent meanwhile were lost.
            assert woken.is_set()
        assert any("was lost" in r.getMessage() for r in caplog.records)
        with hub.listen("sd-demo") as after:
            await _commit_notify(engine, "sd-demo")
            await asyncio.wait_for(after.wait(), LIVE_SECONDS)
    finally:
        await hub.close()
    assert not hub.listening


@pytest.mark.postgresql
async def test_connecting_again_backs_off_while_the_database_is_away(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    hub = EventHub()
    await hub.start(settings.database_url)
    connect = hub._connect
    failures = 3
    pauses: list[float] = []
    real_sleep = asyncio.sleep

    async def flaky_connect() -> None:
        nonlocal failures
        if failures:
            failures -= 1
            raise OSError("connection refused")
        await connect()

    async def recorded_sleep(seconds: float) -> None:
        pauses.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr(hub, "_connect", flaky_connect)
    monkeypatch.setattr(hub_module.asyncio, "sleep", recorded_sleep)
    try:
        with caplog.at_level(logging.WARNING, logger="ruralcredit.events"):
            dropped = hub._connection
            dropped.remove_termination_listener(hub._on_terminated)
            await dropped.close()
            hub._on_terminated(dropped)  # as asyncpg calls it when the database drops it
            assert hub._reconnecting is not None
            await asyncio.wait_for(hub._reconnecting, 5.0)
        assert hub.listening
        first = hub_module.RECONNECT_FIRST_SECONDS
        assert pauses == [first, first * 2, first * 4]
        assert sum("next try" in r.getMessage() for r in caplog.records) == 3
    finally:
        monkeypatch.undo()
        await hub.close()
