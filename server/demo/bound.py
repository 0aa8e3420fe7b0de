"""Demo rows as the database driver takes them: one INSERT statement and one tuple per row.

SQLAlchemy's bulk insert turns each row's dictionary into the driver's values (dates,
money in the column's scale, JSON, enums) row by row in the loading process: for the
80,000 loans and their customers that is the larger part of the load. Binding the rows
here instead, with the same column types' own bind processors, lets a worker process
do it while the loading process writes the tenant before; the loading process then
hands the tuples to the driver as they are (``exec_driver_sql``).

Every row of a table names the same columns. A column the rows leave out takes its
scalar default; one whose default is a function is refused: the generator gives that
value itself (``principal_repaid``, ``flags``), so nothing is computed differently here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Dialect, make_url

from server.demo.draw import Row


@dataclass(frozen=True)
class BoundRows:
    """A table's rows bound for one dialect: the positional INSERT and its parameter tuples."""

    table: str
    sql: str
    rows: list[tuple[Any, ...]]
    columns: tuple[str, ...] = ()
    """The columns of each row's values, in order (what a COPY of the rows names)."""


def dialect_named(driver: str) -> Dialect:
    """A dialect by its driver name (``engine.dialect`` of a URL such as ``sqlite+aiosqlite``)."""
    dialect: Dialect = make_url(f"{driver}://").get_dialect()()
    return dialect


def bound_rows(table: Table, rows: Sequence[Row], dialect: Dialect) -> BoundRows:
    """``rows`` of ``table`` as ``dialect``'s driver takes them (an empty list: no rows)."""
    if not rows:
        return BoundRows(table.name, "", [])
    keys = list(rows[0])
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    names = compiled.positiontup
    if not compiled.positional or names is None:
        raise ValueError(f"{dialect.name} does not take positional parameters")
    defaults: dict[str, Any] = {}
    for column in compiled.insert_prefetch:
        default = column.default
        if default is None or not default.is_scalar:
            raise ValueError(
                f"{table.name}.{column.key}: the demo rows must give this value "
                "(its default is computed per row)"
            )
        defaults[column.key] = default.arg  # type: ignore[attr-defined]
    for row in rows:
        if len(row) != len(keys):
            raise ValueError(f"{table.name}: every row must name the same columns")
    # Column by column: each column's values in one list, its processor mapped over it, and
    # the columns zipped into the rows' tuples (the loops run in the interpreter's C parts).
    columns: list[list[Any]] = []
    for name in names:
        if name in defaults:
            values: list[Any] = [defaults[name]] * len(rows)
        else:
            values = [row[name] for row in rows]
        column_type = compiled.binds[name].type
        processor = column_type.dialect_impl(dialect).bind_processor(dialect)
        columns.append(values if processor is None else _processed(processor, values))
    bound: list[tuple[Any, ...]] = list(zip(*columns, strict=True))
    return BoundRows(table.name, str(compiled), bound, tuple(table.c[n].name for n in names))


def _processed(processor: Callable[[Any], Any], values: list[Any]) -> list[Any]:
    """``processor`` applied to every value, once per distinct value where values repeat
    (dates, timestamps, codes, amounts drawn from a table); values that cannot be hashed
    (JSON) are processed one by one.

    Values are told apart by type and equality. Equal values of one type bind alike for
    every column type here: ``ScaledDecimal`` quantizes (``1.0`` and ``1.00`` are one
    amount), ``UtcDateTime`` converts to UTC (one instant in two offsets is one instant);
    the test against SQLAlchemy's own insert holds this to account."""
    try:
        distinct = {(type(value), value) for value in values}
    except TypeError:
        return list(map(processor, values))
    if len(distinct) * 2 > len(values):
        return list(map(processor, values))
    done = {key: processor(key[1]) for key in distinct}
    return [done[type(value), value] for value in values]
