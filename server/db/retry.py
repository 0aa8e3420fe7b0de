"""Transactions that lost a deadlock or a serialisation conflict, run again.

PostgreSQL ends one of the transactions of a deadlock (SQLSTATE ``40P01``) and, at
``REPEATABLE READ`` or ``SERIALIZABLE``, a transaction that conflicts with a concurrent
one (``40001``); nothing of it stands, and the same work in a fresh transaction usually
succeeds. The HTTP edge (``server.app``) re-runs a whole GraphQL request that way;
:func:`in_transaction` does it for work that owns its transaction (jobs, commands).
Each retry is logged as a warning naming the SQLSTATE only (never the statement's
parameters); after ``ATTEMPTS`` the last error stands.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.log_redaction import app_logger

log = app_logger("ruralcredit.db")
T = TypeVar("T")

DEADLOCK_DETECTED = "40P01"
SERIALIZATION_FAILURE = "40001"
TRANSIENT_SQLSTATES = frozenset({DEADLOCK_DETECTED, SERIALIZATION_FAILURE})
ATTEMPTS = 3
"""Runs of one transaction in all: the first and two retries."""
BACKOFF_SECONDS = 0.02
"""The base of the back-off: a retry waits a random time up to this, doubled per retry
(so 0–20 ms, then 0–40 ms), which spreads the transactions that collided."""


def transient_sqlstate(error: BaseException | None) -> str | None:
    """The SQLSTATE if ``error`` (or what caused it) is a deadlock or serialisation failure."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, DBAPIError):
            state = getattr(error.orig, "sqlstate", None)
            if state in TRANSIENT_SQLSTATES:
                return str(state)
        error = error.__cause__ or error.__context__
    return None


async def back_off(attempt: int) -> None:
    """Wait before retry number ``attempt`` (1 for the first retry)."""
    # Jitter only spreads colliding retries; nothing depends on it being unpredictable.
    await asyncio.sleep(random.uniform(0, BACKOFF_SECONDS * 2 ** (attempt - 1)))  # noqa: S311


async def in_transaction(
    sessionmaker: async_sessionmaker[AsyncSession],
    work: Callable[[AsyncSession], Awaitable[T]],
    *,
    what: str,
) -> T:
    """``work`` in a transaction of its own, committed; run again in a fresh one (at most
    ``ATTEMPTS`` in all) when it loses a deadlock or a serialisation conflict."""
    attempt = 1
    while True:
        try:
            async with sessionmaker() as session, session.begin():
                return await work(session)
        except DBAPIError as error:
            state = transient_sqlstate(error)
            if state is None or attempt >= ATTEMPTS:
                raise
            log.warning(
                "%s: SQLSTATE %s, run again (attempt %d of %d)", what, state, attempt + 1, ATTEMPTS
            )
            await back_off(attempt)
            attempt += 1
