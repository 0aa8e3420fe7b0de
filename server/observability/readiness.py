"""The readiness probe (``GET /readyz``): the database answers and its migrations are at
the head of the code's migrations. ``/healthz`` stays the liveness probe (the process
answers and reaches its database)."""

from __future__ import annotations

import asyncio

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.db.migrate import alembic_config

READY_TIMEOUT_SECONDS = 5.0
"""How long the probe waits for the database before it answers "unreachable"."""


def migration_heads() -> frozenset[str]:
    """The head revisions of the code's migrations."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


async def readiness(
    sessionmaker: async_sessionmaker[AsyncSession], heads: frozenset[str]
) -> str | None:
    """Why the server is not ready, in a short sentence; ``None`` when it is."""
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS), sessionmaker() as session:
            await session.execute(text("SELECT 1"))
            try:
                rows = await session.scalars(text("SELECT version_num FROM alembic_version"))
                current = frozenset(rows.all())
            except SQLAlchemyError:
                return "the database has no migrations applied (run ruralcredit migrate)"
    except (SQLAlchemyError, OSError, TimeoutError):
        return "the database is unreachable"
    if current != heads:
        at = ", ".join(sorted(current)) or "none"
        head = ", ".join(sorted(heads))
        return f"migrations not at head: the database is at {at}, the code at {head}"
    return None
