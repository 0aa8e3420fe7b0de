"""The engine never puts statement parameters into an error's text, so personal data in
a failed statement (an identity number, a name) cannot reach a log; on PostgreSQL the
server's engine cancels a statement past ``statement_timeout``, and no connection
compiles statements just in time."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db.engine import create_engine, is_statement_timeout
from server.settings import Settings

IDENTITY_NUMBER = "370102199003071234"


async def test_a_failed_statement_does_not_show_its_parameters(
    settings: Settings, engine: AsyncEngine
) -> None:
    """The suite's ``engine`` has migrated and loaded the demo tenants: the insert collides."""
    own = create_engine(settings)
    try:
        async with own.connect() as conn:
            insert = text(
                "INSERT INTO tenants (tenant_id, name, province, settings, created_at) "
                "VALUES (:id, :name, '山东', '{}', CURRENT_TIMESTAMP)"
            )
            transaction = await conn.begin()
            with pytest.raises(IntegrityError) as failed:
                await conn.execute(insert, {"id": "sd-demo", "name": IDENTITY_NUMBER})
            await transaction.rollback()
    finally:
        await own.dispose()
    message = str(failed.value)
    assert "INSERT INTO tenants" in message
    assert IDENTITY_NUMBER not in message
    assert "hidden" in message
    assert not is_statement_timeout(failed.value)


@pytest.mark.postgresql
async def test_a_statement_past_the_statement_timeout_is_cancelled(
    settings: Settings, engine: AsyncEngine
) -> None:
    own = create_engine(settings, statement_timeout_ms=200)
    try:
        async with own.connect() as conn:
            assert await conn.scalar(text("SHOW statement_timeout")) == "200ms"
            started = time.monotonic()
            with pytest.raises(DBAPIError) as cancelled:
                await conn.execute(text("SELECT pg_sleep(3)"))
            elapsed = time.monotonic() - started
    finally:
        await own.dispose()
    assert is_statement_timeout(cancelled.value)
    assert elapsed < 2


@pytest.mark.postgresql
async def test_connections_compile_no_statement_just_in_time(
    settings: Settings, engine: AsyncEngine
) -> None:
    for own in (create_engine(settings), create_engine(settings, statement_timeout_ms=200)):
        try:
            async with own.connect() as conn:
                assert await conn.scalar(text("SHOW jit")) == "off"
        finally:
            await own.dispose()
