"""The migrations create exactly the schema the models describe, tenant first."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db.models import Base


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
