"""Text the columns cannot hold, refused before it is written, for every column at once.

A string longer than its column (``String(n)``) or carrying a NUL character (which
PostgreSQL cannot store) would fail at the database as an unexpected error — or, on
SQLite, which enforces no length, be stored. Before each flush, the new and changed
values of every text column of every ORM object are checked against the column, and
the flush is refused with ``InvalidInput`` naming each field by its column's attribute
(``licence_no``): ``MAX_LENGTH`` or ``NO_NUL``. Inside a mutation this is its typed
``InvalidInput`` (the boundary spells the name as the input path, ``input.licenceNo``)
and nothing is written. A column added later is covered without a word.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Enum, String, event, inspect
from sqlalchemy.orm import Session, UOWTransaction

from server.errors import Problems


def _text_columns(mapper: Any) -> list[tuple[str, int | None]]:
    found = []
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        if isinstance(column.type, String) and not isinstance(column.type, Enum):
            found.append((attr.key, column.type.length))
    return found


def check_text(obj: object, problems: Problems, *, new: bool) -> None:
    """Add a problem for each text value of ``obj`` its column cannot hold."""
    state = inspect(obj)
    for key, length in _text_columns(state.mapper):
        values = [state.dict.get(key)] if new else list(state.attrs[key].history.added or ())
        for value in values:
            if not isinstance(value, str):
                continue
            if "\x00" in value:
                problems.add(key, "NO_NUL", f"{key} must not contain a NUL character")
            elif length is not None and len(value) > length:
                problems.add(
                    key,
                    "MAX_LENGTH",
                    f"{key} must be at most {length} characters, got {len(value)}",
                )


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    problems = Problems()
    for obj in session.new:
        check_text(obj, problems, new=True)
    for obj in session.dirty:
        check_text(obj, problems, new=False)
    problems.raise_if_any()
