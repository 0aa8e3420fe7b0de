"""One process's writers to the embedded database, served in turn.

SQLite has one write lock for the whole file. A mutation takes it up front
(``BEGIN IMMEDIATE``); a second one waits in SQLite's busy handler, which polls with
growing sleeps (up to 100 ms) and so serves no one in order: under a burst of writers
in one process the lock stands free between polls while requests queue, and one
request can lose every turn until its busy timeout ends it as ``DATABASE_BUSY``.

Within the process the mutations therefore queue here first, first come first served
(``asyncio.Lock`` wakes its waiters in order), and only the one whose turn it is asks
SQLite for the lock; the busy handler is left to arbitrate between processes (the
command line beside the server). A request that waits past the busy timeout in the
queue is refused as busy, as it would have been by SQLite, with nothing run.
PostgreSQL needs none of this: its writers lock rows, not the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class WriterQueue:
    def __init__(self, timeout_seconds: float) -> None:
        self.timeout_seconds = timeout_seconds
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[bool]:
        """Wait for this writer's turn: yields True when it came within the timeout
        (the turn is held until the block ends), False when it did not."""
        try:
            async with asyncio.timeout(self.timeout_seconds):
                await self._lock.acquire()
        except TimeoutError:
            yield False
            return
        try:
            yield True
        finally:
            self._lock.release()
