"""Wake-ups for live event delivery: in-process, and across processes on PostgreSQL.

The outbox rows are the truth; a wake-up only tells a subscriber "look again".
On PostgreSQL each event's transaction also sends ``NOTIFY ruralcredit_events``
(delivered only if it commits), and every server process LISTENs, so a change
committed through one process wakes subscribers connected to another. On SQLite
(one process) the request that committed wakes them directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy.engine import make_url

CHANNEL = "ruralcredit_events"
log = logging.getLogger("ruralcredit.hub")


class EventHub:
    """Per-tenant wake-up signals for the subscribers of one server process."""

    def __init__(self) -> None:
        self._waiters: dict[str, set[asyncio.Event]] = defaultdict(set)
        self._connection: Any = None

    def notify(self, tenant_id: str) -> None:
        for waiter in self._waiters.get(tenant_id, ()):
            waiter.set()

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
        import asyncpg

        dsn = (
            make_url(database_url)
            .set(drivername="postgresql")
            .render_as_string(hide_password=False)
        )
        self._connection = await asyncpg.connect(dsn)
        await self._connection.add_listener(CHANNEL, self._on_notify)

    def _on_notify(self, _connection: Any, _pid: int, _channel: str, tenant_id: str) -> None:
        self.notify(tenant_id)

    async def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
            self._connection = None
