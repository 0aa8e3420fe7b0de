"""The migrations create exactly the schema the models describe, tenant first, and the
audit trail's table refuses every change of its rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import delete, inspect, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from server.cli import main
from server.db import models
from server.db.migrate import alembic_config, upgrade
from server.db.models import Base, now
from server.db.queries.audit import add_audit_entries
from server.identity_lookup import identity_hash
from server.ids import uuid7
from server.settings import Settings


async def test_models_and_migrations_agree(engine: AsyncEngine) -> None:
    def diff(sync_conn: Any) -> list[Any]:
        context = MigrationContext.configure(sync_conn, opts={"compare_type": False})
        return list(compare_metadata(context, Base.metadata))

    async with engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []


async def test_tenant_id_leads_every_key_and_index(engine: AsyncEngine) -> None:
    def keys(sync_conn: Any) -> list[tuple[str, str, list[str]]]:
        inspector = inspect(sync_conn)
        found = []
        for table in inspector.get_table_names():
            if table == "alembic_version":
                continue
            found.append((table, "pk", inspector.get_pk_constraint(table)["constrained_columns"]))
            for fk in inspector.get_foreign_keys(table):
                found.append((table, "fk", fk["constrained_columns"]))
            for ix in inspector.get_indexes(table):
                found.append((table, "ix", list(ix["column_names"])))
            for uq in inspector.get_unique_constraints(table):
                found.append((table, "uq", uq["column_names"]))
        return found

    async with engine.connect() as conn:
        found = await conn.run_sync(keys)
    assert len(found) > 40
    not_tenant_first = [f for f in found if f[2][:1] != ["tenant_id"]]
    assert not_tenant_first == []


async def test_audit_rows_cannot_be_changed_or_deleted(session: AsyncSession) -> None:
    a = models.AuditEntry
    key = uuid7()
    await add_audit_entries(
        session,
        [
            {
                "tenant_id": "sd-demo",
                "id": key,
                "at": now(),
                "request_id": "r-1",
                "user_id": "someone",
                "user_key": "someone",
                "roles": ["HR"],
                "operation": "createOffice",
                "target_ids": ["loan-1"],
                "outcome": "PERMISSION_DENIED",
                "input": "{}",
                "input_bytes": 2,
            }
        ],
    )
    t = models.AuditTarget
    mine = (a.tenant_id == "sd-demo", a.id == key)
    its_target = (t.tenant_id == "sd-demo", t.entry_id == key)
    attempts: list[Any] = [
        update(a).where(*mine).values(outcome="OK"),
        delete(a).where(*mine),
        update(t).where(*its_target).values(target_id="loan-2"),
        delete(t).where(*its_target),
    ]
    if session.bind.dialect.name == "postgresql":
        attempts += [text("TRUNCATE audit_entries CASCADE"), text("TRUNCATE audit_targets")]
    for statement in attempts:
        with pytest.raises(DBAPIError, match="audit entries cannot be changed or deleted"):
            async with session.begin_nested():
                await session.execute(statement)
    assert await session.scalar(select(a.outcome).where(*mine)) == "PERMISSION_DENIED"
    assert await session.scalar(select(t.target_id).where(*its_target)) == "loan-1"


def test_the_lookup_migration_hashes_the_customers_already_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """0015 adds id_number_hash to a database that holds customers, each hashed under the
    key of the settings it runs with (and its downgrade takes the column away again)."""
    database = tmp_path / "lookup.db"
    monkeypatch.setenv("RURALCREDIT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("RURALCREDIT_JWT_SECRET", "migration-secret-" + "m" * 32)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    assert (
        main(["demo-data", "--migrate", "--managers", "2", "--customers", "5", "--loans", "5"]) == 0
    )
    settings = Settings.from_env()
    command.downgrade(alembic_config(settings), "0013")
    with sqlite3.connect(database) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(customers)")}
    assert "id_number_hash" not in columns
    monkeypatch.setenv("RURALCREDIT_LOOKUP_KEY", "key-at-migration-" + "q" * 30)
    upgrade(Settings.from_env())
    key = Settings.from_env().identity_lookup_key
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT id_number, id_number_hash FROM customers").fetchall()
    assert len(rows) == 20
    assert all(digest == identity_hash(key, number) for number, digest in rows)
