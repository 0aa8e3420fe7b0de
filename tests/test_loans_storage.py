"""The loans table as PostgreSQL keeps it for day-end files (migrations 0019 and 0020):
pages half full and no index on the balance, so that a balance is updated in place; the
extended statistics of how loans group by office."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = pytest.mark.postgresql


async def test_pages_are_half_full_and_no_index_holds_a_changing_figure(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as conn:
        options = await conn.scalar(text("SELECT reloptions FROM pg_class WHERE relname = 'loans'"))
        indexed = await conn.scalars(
            text(
                "SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid"
                " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey)"
                " WHERE c.relname = 'loans'"
            )
        )
        columns = set(indexed)
    assert options == ["fillfactor=50"]
    # What a day-end file changes: none of it indexed.
    changing = {"balance", "principal_repaid", "interest_repaid", "days_overdue", "status"}
    assert columns and not columns & changing


async def test_the_planner_knows_how_loans_group_by_office(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        found = await conn.execute(
            text(
                "SELECT s.stxname, array_agg(a.attname ORDER BY a.attname) FROM pg_statistic_ext s"
                " JOIN pg_class c ON c.oid = s.stxrelid JOIN pg_attribute a"
                " ON a.attrelid = c.oid AND a.attnum = ANY(s.stxkeys)"
                " WHERE c.relname = 'loans' GROUP BY s.stxname"
            )
        )
        statistics = {name: sorted(columns) for name, columns in found.all()}
    assert statistics == {
        "st_loans_office_manager": ["manager_id", "office_id", "tenant_id"],
        "st_loans_office_customer": ["customer_id", "office_id", "tenant_id"],
    }
