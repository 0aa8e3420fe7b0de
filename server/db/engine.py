"""Engine and session factory for PostgreSQL (asyncpg) and SQLite (aiosqlite)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from server.db import column_bounds  # noqa: F401  (its flush check binds every session)
from server.settings import Settings

SQLITE_IMMEDIATE = "sqlite_begin_immediate"
"""Execution option: on SQLite, begin the transaction holding the write lock."""
QUERY_CANCELED = "57014"
"""PostgreSQL's SQLSTATE for a statement cancelled, by ``statement_timeout`` among others."""


def create_engine(
    settings: Settings,
    *,
    statement_timeout_ms: int | None = None,
    sqlite_foreign_keys: bool = True,
) -> AsyncEngine:
    """The engine for ``settings.database_url``.

    ``statement_timeout_ms`` (PostgreSQL): every connection of the engine cancels a
    statement running longer (the server's engine passes ``settings.statement_timeout_ms``;
    commands running batch work own their time and pass nothing). SQLite has no such limit.

    ``sqlite_foreign_keys=False`` is for migrations only: SQLite alters a table by copying
    it, and dropping the old copy with foreign keys enforced fails as soon as other rows
    point at it (``server/db/migrations/env.py`` checks the keys itself afterwards).
    """
    # Statement parameters carry personal data (identity numbers, names): an error's
    # text, and so the log, never shows them.
    if settings.is_sqlite:
        engine = create_async_engine(
            settings.database_url,
            connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000},
            hide_parameters=True,
        )
        _configure_sqlite(engine, settings.sqlite_busy_timeout_ms, sqlite_foreign_keys)
        return engine
    # No JIT compilation: it pays only for statements that run for many seconds, and the
    # reports' one pass over a large book grew by more than the statement itself took
    # (dutyCompliance over 1,000,000 loans: 1.7 s of compiling for a 1.6 s statement).
    server_settings = {"jit": "off"}
    if statement_timeout_ms is not None:
        server_settings["statement_timeout"] = str(int(statement_timeout_ms))
    connect_args: dict[str, Any] = {"server_settings": server_settings}
    return create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        pool_pre_ping=True,
        hide_parameters=True,
        connect_args=connect_args,
    )


def is_statement_timeout(error: BaseException) -> bool:
    """Whether ``error`` is a statement the database cancelled (PostgreSQL's
    ``statement_timeout``)."""
    return isinstance(error, DBAPIError) and getattr(error.orig, "sqlstate", None) == QUERY_CANCELED


def _configure_sqlite(engine: AsyncEngine, busy_timeout_ms: int, foreign_keys: bool) -> None:
    """WAL, busy timeout, foreign keys, and SQLAlchemy-managed transactions.

    The sqlite3 driver's own transaction handling breaks SAVEPOINT and
    transactional DDL; SQLAlchemy's documented remedy is to switch it off and
    emit BEGIN ourselves.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A transaction that reads first and writes later cannot wait for the write lock
        # (SQLite answers "database is locked" at once); writers take it up front.
        immediate = connection.get_execution_options().get(SQLITE_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
