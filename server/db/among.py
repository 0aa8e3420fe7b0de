"""``column IN (values)`` for long lists of values: one array parameter on PostgreSQL.

SQLAlchemy renders ``column.in_(values)`` as one bound parameter per value, which it
expands each time the statement runs; for the thousands of ids of a batch (a loan-state
import, the customers it touches) that expansion costs more than the query. On
PostgreSQL :func:`among` binds the values as one array instead, ``column = ANY($1)``,
which the server plans as the same index lookup; elsewhere it is the plain ``IN``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Boolean, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement


class _Among(ColumnElement[bool]):
    """The condition ``column`` is one of ``values``."""

    type = Boolean()
    # The values are the statement's own: it is compiled afresh each time it runs.
    inherit_cache = False

    def __init__(self, column: ColumnElement[Any], values: list[Any]) -> None:
        self.column = column
        self.values = values


def among(column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """``column`` is one of ``values`` (none: false)."""
    return _Among(column, list(values))


@compiles(_Among)
def _compile_in(element: _Among, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column.in_(element.values), **kw)


@compiles(_Among, "postgresql")
def _compile_any(element: _Among, compiler: SQLCompiler, **kw: Any) -> str:
    array = bindparam(None, element.values, type_=ARRAY(element.column.type))
    return compiler.process(element.column == any_(array), **kw)
