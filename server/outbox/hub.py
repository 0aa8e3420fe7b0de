"""Wake-ups for live event delivery: in-process, and across processes on PostgreSQL.

The outbox rows are the truth; a wake-up only tells a subscriber "look again".
On PostgreSQL each event's transaction also sends ``NOTIFY ruralcredit_events``
(delivered only if it commits), and every server process LISTENs, so a change
committed through one process wakes subscribers connected to another. On SQLite
(one process) the request that committed wakes them directly.

When the database drops the LISTEN connection (a restart, a failover,
``pg_terminate_backend``), the hub connects again, at once and then after a back-off
doubling from ``RECONNECT_FIRST_SECONDS`` to ``RECONNECT_MAX_SECONDS``, and wakes every
subscriber once it is back: a NOTIFY sent while it was away was lost, the events are not.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import itertools
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.db import models
from server.domain import EventKind
from server.log_redaction import app_logger
from server.outbox.events import (
    EVENTS_CHANNEL,
    all_events_after,
    events_after,
    latest_cursor,
)

log = app_logger("ruralcredit.events")
RECONNECT_FIRST_SECONDS = 0.1
RECONNECT_MAX_SECONDS = 5.0


def _cursor(event: models.Event) -> int:
    return event.cursor


class TenantFeed:
    """The recent events of one tenant, read once per wake-up for all its subscribers.

    Without it every subscriber would query the outbox on every wake-up; with it one
    query serves them all. Cursors become visible in order (see ``EventCounter``), so
    reading "after the highest cursor seen" never skips an event.
    """

    KEEP = 5000

    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.events: list[models.Event] = []
        self.high: int | None = None
        self.stale = True
        self._lock = asyncio.Lock()

    async def read(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        kind: EventKind,
        after: int,
        limit: int,
    ) -> list[models.Event]:
        """Events of ``kind`` after the cursor, oldest first (at most ``limit``)."""
        async with self._lock:
            if self.stale or self.high is None:
                await self._refresh(sessionmaker)
        if not self.events or after < self.events[0].cursor - 1:
            async with sessionmaker() as session:
                return await events_after(session, self.tenant_id, kind, after, limit)
        start = bisect.bisect_right(self.events, after, key=_cursor)
        found: list[models.Event] = []
        for event in itertools.islice(self.events, start, None):
            if event.kind == kind:
                found.append(event)
                if len(found) == limit:
                    break
        return found

    async def _refresh(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.stale = False
        async with sessionmaker() as session:
            if self.high is None:
                self.high = await latest_cursor(session, self.tenant_id)
                return
            while True:
                rows = await all_events_after(session, self.tenant_id, self.high, 1000)
                self.events.extend(rows)
                if rows:
                    self.high = rows[-1].cursor
                if len(rows) < 1000:
                    break
        del self.events[: max(0, len(self.events) - self.KEEP)]


class EventHub:
    """Per-tenant wake-up signals and feeds for the subscribers of one server process."""

    def __init__(self) -> None:
        self._waiters: dict[str, set[asyncio.Event]] = defaultdict(set)
        self._feeds: dict[str, TenantFeed] = {}
        self._connection: Any = None
        self._dsn: str | None = None
        self._closing = False
        self._reconnecting: asyncio.Task[None] | None = None

    def feed(self, tenant_id: str) -> TenantFeed:
        if tenant_id not in self._feeds:
            self._feeds[tenant_id] = TenantFeed(tenant_id)
        return self._feeds[tenant_id]

    def notify(self, tenant_id: str) -> None:
        feed = self._feeds.get(tenant_id)
        if feed is not None:
            feed.stale = True
        for waiter in self._waiters.get(tenant_id, ()):
            waiter.set()

    def notify_all(self) -> None:
        """Wake every subscriber of every tenant (wake-ups may have been missed)."""
        for feed in self._feeds.values():
            feed.stale = True
        for waiters in self._waiters.values():
            for waiter in waiters:
                waiter.set()

    def open_listeners(self) -> int:
        """Subscribers waiting for wake-ups in this process (one per open subscription)."""
        return sum(len(waiters) for waiters in self._waiters.values())

    @contextlib.contextmanager
    def listen(self, tenant_id: str) -> Iterator[asyncio.Event]:
        waiter = asyncio.Event()
        self._waiters[tenant_id].add(waiter)
        try:
            yield waiter
        finally:
            self._waiters[tenant_id].discard(waiter)

    async def start(self, database_url: str) -> None:
        """LISTEN for other processes' events (PostgreSQL only)."""
        if not database_url.startswith("postgresql"):
            return
        self._dsn = (
            make_url(database_url)
            .set(drivername="postgresql")
            .render_as_string(hide_password=False)
        )
        self._closing = False
        await self._connect()

    async def _connect(self) -> None:
        import asyncpg

        connection = await asyncpg.connect(self._dsn)
        await connection.add_listener(EVENTS_CHANNEL, self._on_notify)
        connection.add_termination_listener(self._on_terminated)
        self._connection = connection

    def _on_notify(self, _connection: Any, _pid: int, _channel: str, tenant_id: str) -> None:
        self.notify(tenant_id)

    def _on_terminated(self, connection: Any) -> None:
        if self._closing or connection is None or connection is not self._connection:
            return
        self._connection = None
        log.warning("the events LISTEN connection was lost; connecting again")
        self._reconnecting = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        delay = RECONNECT_FIRST_SECONDS
        while not self._closing:
            try:
                await self._connect()
            except Exception as error:  # whatever failed, try again later
                log.warning(
                    "events LISTEN connection: %s; next try in %.1f s",
                    type(error).__name__,
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX_SECONDS)
                continue
            log.info("the events LISTEN connection is back")
            self.notify_all()
            return

    @property
    def listening(self) -> bool:
        """Whether the LISTEN connection is open (PostgreSQL)."""
        return self._connection is not None and not self._connection.is_closed()

    async def close(self) -> None:
        self._closing = True
        if self._reconnecting is not None:
            self._reconnecting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reconnecting
            self._reconnecting = None
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
            self._connection = None
