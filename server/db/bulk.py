"""Bulk inserts: COPY on PostgreSQL, batched INSERT elsewhere.

Batch jobs (appraising a whole tenant) write tens of thousands of rows; COPY
is several times faster than a multi-row INSERT on PostgreSQL. Rows are plain
dicts keyed by column name, as for ``insert(table)``.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Base

BATCH = 5000


def _copy_value(value: Any, is_json: bool) -> Any:
    if value is None:
        return None
    if is_json:
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, enum.Enum):
        return value.value
    return value


async def bulk_insert(
    session: AsyncSession, model: type[Base], rows: Sequence[dict[str, Any]]
) -> None:
    if not rows:
        return
    table: Table = model.__table__  # type: ignore[assignment]
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        for start in range(0, len(rows), BATCH):
            await session.execute(insert(table), list(rows[start : start + BATCH]))
        return
    columns = list(rows[0])
    is_json = [isinstance(table.c[name].type, JSON) for name in columns]
    records = [
        tuple(_copy_value(row[name], j) for name, j in zip(columns, is_json, strict=True))
        for row in rows
    ]
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    await driver.copy_records_to_table(table.name, records=records, columns=columns)
