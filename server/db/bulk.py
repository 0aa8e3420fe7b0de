"""Bulk inserts: COPY on PostgreSQL, batched INSERT elsewhere.

Batch jobs (appraising a whole tenant) write tens of thousands of rows; COPY
is several times faster than a multi-row INSERT on PostgreSQL. Rows are plain
dicts keyed by column name, as for ``insert(table)``, all with the same keys;
enumeration values must be their plain strings.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from server.db.models import Base

BATCH = 5000
# One encoder for every value: ``json.dumps`` with options builds a new one per call.
_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


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
    json_positions = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, JSON)]
    values = itemgetter(*columns)
    records = []
    for row in rows:
        record = list(values(row))
        for i in json_positions:
            if record[i] is not None:
                record[i] = _encode_json(record[i])
        records.append(record)
    await copy_records(connection, table.name, columns, records)


async def copy_records(
    connection: AsyncConnection,
    table: str,
    columns: Sequence[str],
    records: Sequence[Sequence[Any]],
) -> None:
    """PostgreSQL: ``records`` (values already as the driver takes them, in the order of
    ``columns``) into ``table`` by one COPY on the connection's own transaction."""
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    await driver.copy_records_to_table(table, records=records, columns=list(columns))
