"""Timestamps keep their offset on both databases: written in any zone, stored in UTC, read
back aware (``+00:00``) — on SQLite as on PostgreSQL's ``timestamptz``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import String, cast, func, select, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeEngine

from server.db import models
from server.db.models.base import Base
from server.db.types import UtcDateTime
from server.domain import OfficeKind, Role
from tests.conftest import Api

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
TIER_HISTORY = """{ managers(first: 3) { edges { node { tierHistory { recordedAt } } } } }"""


async def _new_office(session: AsyncSession, code: str, at: dt.datetime | None) -> models.Office:
    head = (
        await session.execute(
            select(models.Office).where(
                models.Office.tenant_id == "sd-demo", models.Office.kind == OfficeKind.HEAD_OFFICE
            )
        )
    ).scalar_one()
    office = models.Office(
        tenant_id=head.tenant_id,
        parent_id=head.id,
        code=code,
        name="新网点",
        kind=OfficeKind.BRANCH,
        path=f"{head.path}/{code}",
        depth=head.depth + 1,
    )
    if at is not None:
        office.created_at = at
    session.add(office)
    await session.flush()
    session.expunge_all()
    return office


async def _read_back(session: AsyncSession, office: models.Office) -> dt.datetime:
    stamp = await session.scalar(
        select(models.Office.created_at).where(
            models.Office.tenant_id == office.tenant_id, models.Office.id == office.id
        )
    )
    assert isinstance(stamp, dt.datetime)
    return stamp


async def test_a_timestamp_written_with_an_offset_is_read_back_aware_in_utc(
    session: AsyncSession,
) -> None:
    written = dt.datetime(2026, 12, 2, 3, 49, 5, 150994, tzinfo=SHANGHAI)
    office = await _new_office(session, "TZ1", written)

    stamp = await _read_back(session, office)

    assert stamp.utcoffset() == dt.timedelta(0)
    assert stamp == written
    assert stamp.isoformat() == "2026-12-01T19:49:05.150994+00:00"


async def test_the_databases_own_default_is_read_back_aware(session: AsyncSession) -> None:
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    office = await _new_office(session, "TZ2", None)
    # Let the database's clock fill the column: ``server_default`` (``CURRENT_TIMESTAMP``).
    await session.execute(
        update(models.Office)
        .where(models.Office.tenant_id == office.tenant_id, models.Office.id == office.id)
        .values(created_at=func.current_timestamp())
    )

    stamp = await _read_back(session, office)

    assert stamp.utcoffset() == dt.timedelta(0)
    assert before - dt.timedelta(minutes=5) <= stamp <= dt.datetime.now(dt.UTC)


async def test_sqlite_keeps_the_stored_text_in_utc_wall_time(session: AsyncSession) -> None:
    """The storage format is what it was (so no migration): UTC wall time without an
    offset on SQLite; PostgreSQL's ``timestamptz`` shows the same instant in UTC."""
    written = dt.datetime(2026, 6, 30, 8, 0, tzinfo=SHANGHAI)
    office = await _new_office(session, "TZ3", written)
    on_sqlite = session.get_bind().dialect.name == "sqlite"
    column = models.Office.created_at
    wall_time = column if on_sqlite else func.timezone("UTC", column)

    stored = await session.scalar(
        select(cast(wall_time, String)).where(
            models.Office.tenant_id == office.tenant_id, models.Office.id == office.id
        )
    )

    assert stored == ("2026-06-30 00:00:00.000000" if on_sqlite else "2026-06-30 00:00:00")


async def test_a_comparison_in_sql_is_by_instant_whatever_the_offset(
    session: AsyncSession,
) -> None:
    office = await _new_office(session, "TZ4", dt.datetime(2026, 6, 30, 8, 0, tzinfo=SHANGHAI))
    # 07:30 in Shanghai is before 08:00 there, though "07:30" > "00:00" as UTC text.
    earlier = dt.datetime(2026, 6, 30, 7, 30, tzinfo=SHANGHAI)

    found = await session.scalar(
        select(models.Office.code).where(
            models.Office.id == office.id, models.Office.created_at > earlier
        )
    )

    assert found == "TZ4"


def test_a_naive_value_is_taken_as_utc() -> None:
    kind = UtcDateTime()
    naive = dt.datetime(2026, 1, 1, 12, 0)

    bound = kind.process_bind_param(naive, dialect=sqlite.dialect())

    assert bound == dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)


def test_every_timestamp_column_keeps_its_offset() -> None:
    plain = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        for column in table.columns
        if _python_type(column.type) is dt.datetime and not isinstance(column.type, UtcDateTime)
    ]

    assert plain == []


def _python_type(kind: TypeEngine[Any]) -> object:
    try:
        return kind.python_type
    except NotImplementedError:
        return None


async def test_a_timestamp_read_back_through_the_api_keeps_its_offset(api: Api) -> None:
    data = await api(TIER_HISTORY, {}, roles=(Role.HR,), user="hr-tz")

    stamps = [
        change["recordedAt"]
        for edge in data["managers"]["edges"]
        for change in edge["node"]["tierHistory"]
    ]
    assert stamps
    assert all(stamp.endswith("+00:00") for stamp in stamps), stamps
