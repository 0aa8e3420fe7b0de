"""The migrations create exactly the schema the models describe, tenant first, and the
audit trail's table refuses every change of its rows."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import delete, inspect, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from server.cli import main
from server.db import models
from server.db.migrate import alembic_config, upgrade, upgrade_on
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


@pytest.fixture
async def fresh_engine(settings: Settings, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An empty database of its own, for migrating step by step."""
    if settings.is_sqlite:
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'steps.db'}")
        yield engine
        await engine.dispose()
        return
    name = f"rc_steps_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(settings.database_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(settings.database_url).set(database=name)
    engine = create_async_engine(url.render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        await engine.dispose()
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()


async def test_bilingual_explanations_keep_the_stored_english(fresh_engine: AsyncEngine) -> None:
    """0014: a stored item's English explanation is copied into explanation_en; explanation
    stays as it was; the downgrade drops the column again."""
    items = sa.table(
        "appraisal_items",
        sa.column("appraisal_id", sa.Uuid()),
        *(sa.column(c) for c in ("tenant_id", "position", "key", "name")),
        *(sa.column(c) for c in ("article", "score", "inputs", "explanation")),
    )
    stored = "education BACHELOR_OR_HIGHER → 3"
    async with fresh_engine.connect() as conn:
        await conn.run_sync(upgrade_on, "0013")
        await conn.execute(
            sa.insert(items).values(
                tenant_id="sd-demo",
                appraisal_id=uuid7(),
                position=0,
                key="A1",
                name="学历",
                article="第十一条(一)1",
                score=300,
                inputs="{}",
                explanation=stored,
            )
        )
        await conn.run_sync(upgrade_on, "0014_bilingual_explanations")
        row = (
            await conn.execute(text("SELECT explanation, explanation_en FROM appraisal_items"))
        ).one()
        assert tuple(row) == (stored, stored)

        def nullable(sync_conn: Any) -> dict[str, bool]:
            return {
                table: next(
                    c["nullable"]
                    for c in inspect(sync_conn).get_columns(table)
                    if c["name"] == "explanation_en"
                )
                for table in ("appraisals", "appraisal_items", "account_movements")
            }

        assert await conn.run_sync(nullable) == {
            "appraisals": True,
            "appraisal_items": False,
            "account_movements": False,
        }
        await conn.run_sync(lambda c: command.downgrade(alembic_config(connection=c), "0013"))
        left = await conn.run_sync(
            lambda c: [col["name"] for col in inspect(c).get_columns("appraisal_items")]
        )
        assert "explanation_en" not in left and "explanation" in left
        await conn.commit()


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


def _demo_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    database = tmp_path / "data.db"
    monkeypatch.setenv("RURALCREDIT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("RURALCREDIT_JWT_SECRET", "migration-secret-" + "m" * 32)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    assert (
        main(["demo-data", "--migrate", "--managers", "3", "--customers", "6", "--loans", "12"])
        == 0
    )
    return database


def _row_counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        # The names come from sqlite_master, not from input.
        return {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608


def test_sqlite_migrations_that_copy_a_table_keep_the_rows_pointing_at_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite alters a table by copying it (0011 copies ``managers``, which customers,
    loans and appraisals point at): down past it and up again with data in every table,
    nothing is lost and every foreign key still holds."""
    database = _demo_database(tmp_path, monkeypatch)
    before = _row_counts(database)
    assert before["managers"] and before["customers"] and before["loans"]
    settings = Settings.from_env()
    command.downgrade(alembic_config(settings), "0010")
    upgrade(settings)
    after = _row_counts(database)
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (_head(settings),)
        ]
    changed = {t: (n, after.get(t)) for t, n in before.items() if after.get(t) != n}
    assert changed == {}


def _head(settings: Settings) -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(settings)).get_current_head()
    assert head is not None
    return head


def test_a_migration_that_would_leave_a_key_pointing_nowhere_is_rolled_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The foreign keys are checked as a whole before a SQLite migration commits."""
    database = _demo_database(tmp_path, monkeypatch)
    settings = Settings.from_env()
    command.downgrade(alembic_config(settings), "0014")
    with sqlite3.connect(database) as db:  # foreign keys are not enforced on this connection
        db.execute("UPDATE loans SET customer_id = ? WHERE rowid = 1", (uuid.uuid4().hex,))
    with pytest.raises(RuntimeError, match="foreign keys pointing nowhere"):
        upgrade(settings)
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("0014_bilingual_explanations",)
        ]
