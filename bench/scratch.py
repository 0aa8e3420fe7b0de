"""A scratch database for a benchmark: a temporary SQLite file, or a new PostgreSQL
database next to the one ``DATABASE_URL`` names (dropped afterwards)."""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from server.settings import _async_driver


@contextlib.asynccontextmanager
async def scratch_database(
    prefix: str, keep: str | None = None
) -> AsyncIterator[tuple[str, Path, bool]]:
    """Yield ``(database_url, temporary_folder, fresh)``.

    With ``keep`` (PostgreSQL only) the database of that name is reused when it
    exists (``fresh`` is then False) and kept afterwards, so a large data set is
    generated once for several runs.
    """
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}-"))
    base = os.environ.get("DATABASE_URL") or ""
    if not base.startswith(("postgresql", "postgres")):
        yield f"sqlite+aiosqlite:///{folder / 'bench.db'}", folder, True
        return
    url = _async_driver(base)
    name = keep or f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        exists = await conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        if not exists:
            await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    target = make_url(url).set(database=name).render_as_string(hide_password=False)
    if keep:
        try:
            yield target, folder, not exists
        finally:
            await admin.dispose()
        return
    try:
        yield target, folder, True
    finally:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()
