"""Every text column bounds what is written to it: too long, or with a NUL, is refused at
the flush with ``InvalidInput`` naming the column's field, and nothing is written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.db.column_bounds import _text_columns
from server.domain import OfficeKind
from server.errors import InvalidInput


async def _head(session: AsyncSession) -> models.Office:
    return (
        await session.execute(
            select(models.Office).where(
                models.Office.tenant_id == "sd-demo", models.Office.kind == OfficeKind.HEAD_OFFICE
            )
        )
    ).scalar_one()


def _office(head: models.Office, code: str, name: str = "新网点") -> models.Office:
    return models.Office(
        tenant_id=head.tenant_id,
        parent_id=head.id,
        code=code,
        name=name,
        kind=OfficeKind.BRANCH,
        path=f"{head.path}/x",
        depth=head.depth + 1,
    )


def _problems(error: InvalidInput) -> list[tuple[str, str]]:
    return [(p.field, p.code) for p in error.problems]


CODE_LENGTH = models.Office.__table__.c.code.type.length


@pytest.mark.parametrize(
    ("code", "name", "expected"),
    [
        ("C" * (CODE_LENGTH + 1), "新网点", [("code", "MAX_LENGTH")]),
        ("C1", "新\x00网点", [("name", "NO_NUL")]),
        ("C" * (CODE_LENGTH + 1), "\x00", [("code", "MAX_LENGTH"), ("name", "NO_NUL")]),
    ],
)
async def test_a_new_row_with_text_its_column_cannot_hold_is_refused(
    session: AsyncSession, code: str, name: str, expected: list[tuple[str, str]]
) -> None:
    head = await _head(session)
    before = await session.scalar(select(func.count()).select_from(models.Office))
    session.add(_office(head, code, name))
    with pytest.raises(InvalidInput) as refused:
        await session.flush()
    assert _problems(refused.value) == expected
    session.expunge_all()
    assert await session.scalar(select(func.count()).select_from(models.Office)) == before


async def test_text_as_long_as_its_column_is_written(session: AsyncSession) -> None:
    head = await _head(session)
    office = _office(head, "C" * CODE_LENGTH)
    session.add(office)
    await session.flush()
    assert (await session.get(models.Office, (office.tenant_id, office.id))) is office


async def test_a_changed_value_is_checked(session: AsyncSession) -> None:
    head = await _head(session)
    head.code = "H" * (CODE_LENGTH + 1)
    with pytest.raises(InvalidInput) as refused:
        await session.flush()
    assert _problems(refused.value) == [("code", "MAX_LENGTH")]


def test_every_bounded_text_column_is_covered() -> None:
    """A column of each mapped table: the check reads the mapping, not a list of fields."""
    bounded = {
        (mapper.class_.__name__, key)
        for mapper in models.Base.registry.mappers
        for key, length in _text_columns(mapper)
        if length is not None
    }
    assert {("Manager", "licence_no"), ("Manager", "qualification_level")} <= bounded
    assert ("Office", "kind") not in bounded, "enum columns are checked by GraphQL"
    assert inspect(models.Manager).columns["licence_no"].type.length == 40
