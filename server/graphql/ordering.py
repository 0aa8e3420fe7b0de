"""Ordered lists: ``orderBy``, keyset cursors over (sort value, id), paging both ways.

A list's ``orderBy`` names one of its sort keys and a direction. The id is the
tie-breaker, in the same direction, so the order is total and a page never shifts
when rows are added before or after it. Rows without a value (a manager not yet
graded, an appraisal without a total) come last in either direction, on PostgreSQL
and SQLite alike (``NULLS LAST``). A page past a cursor is the rows whose (sort value,
id) row value lies past the cursor's, which an index on the sort column answers from
where the cursor is, on both databases.

A cursor holds the order it was issued for, the row's sort value and its id, as
base64 of ``v2:<json>``; a cursor of another order is refused, naming the argument.
The default order (``CREATED`` ascending, which is id order: ids are UUIDv7) still
issues and accepts the first cursor format (``id:<uuid>``), so stored cursors go on
working.

Paging follows the Relay connection spec: ``first``/``after`` forwards, ``last``/
``before`` backwards (the page is still in list order); ``first`` with ``last``, or
``after`` with ``before``, is refused. The nested lists (``office.managers``,
``manager.loans``…) take the same arguments and cursors; their loader orders each
parent's rows the same way in one statement for all parents.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, Protocol, TypeVar

import strawberry
from sqlalchemy import ColumnElement, and_, func, literal, or_, select, tuple_

from server.errors import BadQueryArgument
from server.graphql.enum_descriptions import describe_as
from server.graphql.pagination import (
    Connection,
    Edge,
    PageInfo,
    PageReader,
    decode_cursor,
    encode_cursor,
)
from server.settings import Settings

NodeT = TypeVar("NodeT")

_V2 = "v2:"
DEFAULT_KEY = "CREATED"


@strawberry.enum(description="The direction of a list's order.")
class SortDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


describe_as(SortDirection, {"ASC": "升序", "DESC": "降序"})


def _parse_text(text: str) -> str:
    return text


def _parse_int(text: str) -> int:
    return int(text)


def _parse_decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None


def _parse_date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _parse_datetime(text: str) -> dt.datetime:
    stamp = dt.datetime.fromisoformat(text)
    if stamp.tzinfo is None:
        raise ValueError("a time in a cursor carries its offset")
    return stamp


_PARSERS: Mapping[str, Callable[[str], Any]] = {
    "text": _parse_text,
    "int": _parse_int,
    "decimal": _parse_decimal,
    "date": _parse_date,
    "datetime": _parse_datetime,
}


@dataclass(frozen=True)
class SortKey:
    """One way to order a list: a column (``None``: the id alone) and how to read it back.

    ``kind`` is how a cursor's text is read back: ``text``, ``int``, ``decimal``, ``date``,
    ``datetime`` (with its offset) or ``enum`` (a value of the column's enumeration, in
    the order of its stored codes)."""

    column: Any | None
    kind: str = "text"
    nullable: bool = False

    def value_of(self, row: Any) -> Any:
        return None if self.column is None else getattr(row, self.column.key)

    def parse(self, text: str | None) -> Any:
        if self.column is None:
            if text is not None:
                raise ValueError("the id alone orders this list")
            return None
        if text is None:
            if not self.nullable:
                raise ValueError("a value is needed")
            return None
        if self.kind == "enum":
            return self.column.type.enum_class(text)
        return _PARSERS[self.kind](text)


def created_key() -> SortKey:
    """Creation order: the id alone (UUIDv7, time-ordered)."""
    return SortKey(column=None)


@dataclass(frozen=True)
class ListArgs:
    """Validated paging and order arguments of one root list."""

    size: int
    backward: bool
    key_name: str
    key: SortKey
    descending: bool
    cursor: tuple[Any, uuid.UUID] | None

    @property
    def order_name(self) -> str:
        return f"{self.key_name}:{'DESC' if self.descending else 'ASC'}"

    @property
    def is_default(self) -> bool:
        return self.key_name == DEFAULT_KEY and not self.descending


class OrderInput(Protocol):
    """A list's ``orderBy`` input: one of its sort fields and a direction."""

    @property
    def field(self) -> Enum: ...

    @property
    def direction(self) -> SortDirection: ...


def order_of(order: OrderInput | None) -> tuple[str, SortDirection] | None:
    """The sort key's name and the direction an ``orderBy`` input names (none: the default)."""
    return None if order is None else (str(order.field.value), order.direction)


def _text_of(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def encode_list_cursor(args: ListArgs, row: Any) -> str:
    if args.is_default:
        return encode_cursor(row.id)
    body = json.dumps([args.order_name, _text_of(args.key.value_of(row)), str(row.id)])
    return base64.urlsafe_b64encode(f"{_V2}{body}".encode()).decode()


def _not_issued(field: str) -> BadQueryArgument:
    return BadQueryArgument(field, f"{field} is not a cursor this API issued")


def decode_list_cursor(
    cursor: str, field: str, order_name: str, key: SortKey, is_default: bool
) -> tuple[Any, uuid.UUID]:
    """The (sort value, id) a cursor holds, refused unless issued for ``order_name``."""
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _not_issued(field) from None
    if not text.startswith(_V2):
        issued_for = "CREATED:ASC"
        if is_default:
            return None, decode_cursor(cursor, field)
        decode_cursor(cursor, field)
    else:
        try:
            issued_for, value, id_text = json.loads(text.removeprefix(_V2))
            if not isinstance(issued_for, str) or not isinstance(id_text, str):
                raise ValueError(text)
            if value is not None and not isinstance(value, str):
                raise ValueError(text)
            if issued_for == order_name:
                return key.parse(value), uuid.UUID(id_text)
        except (ValueError, TypeError):
            raise _not_issued(field) from None
    raise BadQueryArgument(
        field,
        f"{field} is a cursor of the order {issued_for}, not of {order_name}: "
        f"page this order from its start (without {field})",
    )


def list_args(
    settings: Settings,
    keys: Mapping[str, SortKey],
    order: tuple[str, SortDirection] | None,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
) -> ListArgs:
    """Check a list's paging and order arguments before any statement runs."""
    if first is not None and last is not None:
        raise BadQueryArgument("last", "first and last cannot be given together: page one way")
    if after is not None and before is not None:
        raise BadQueryArgument("before", "after and before cannot be given together")
    backward = last is not None or (before is not None and first is None)
    if backward and after is not None:
        raise BadQueryArgument("after", "after pages forwards: give it with first, not last")
    if not backward and before is not None:
        raise BadQueryArgument("before", "before pages backwards: give it with last")
    name = "last" if backward else "first"
    asked = last if backward else first
    limit = settings.max_page_size
    size = settings.default_page_size if asked is None else asked
    if not 1 <= size <= limit:
        raise BadQueryArgument(name, f"{name} must be between 1 and {limit}, got {size}")
    key_name, direction = order or (DEFAULT_KEY, SortDirection.ASC)
    key = keys[key_name]
    descending = direction is SortDirection.DESC
    args = ListArgs(size, backward, key_name, key, descending, None)
    cursor_text, cursor_field = (before, "before") if backward else (after, "after")
    if cursor_text is None:
        return args
    cursor = decode_list_cursor(cursor_text, cursor_field, args.order_name, key, args.is_default)
    return ListArgs(size, backward, key_name, key, descending, cursor)


def past_cursor(args: ListArgs, id_column: Any) -> ColumnElement[bool]:
    """Rows past the cursor in the direction the page is read."""
    assert args.cursor is not None
    value, row_id = args.cursor
    # Reading forwards in ascending order, or backwards in descending, means "greater".
    greater = args.descending == args.backward

    def past(column: Any, bound: Any) -> ColumnElement[bool]:
        return column > bound if greater else column < bound  # type: ignore[no-any-return]

    column = args.key.column
    if column is None:
        return past(id_column, row_id)
    # Past (value, id) as one row value: an index on the sort column (with or without the
    # id after it) starts its range there, where ``value < v OR (value = v AND id < i)``
    # would be read from one end of the index.
    bound = tuple_(literal(value, column.type), literal(row_id, id_column.type))
    pair = past(tuple_(column, id_column), bound)
    if not args.key.nullable:
        return pair
    # Rows without a value come last: after them in list order there is nothing with one.
    if value is None:
        within_nulls = and_(column.is_(None), past(id_column, row_id))
        return or_(column.is_not(None), within_nulls) if args.backward else within_nulls
    if args.backward:
        # A row value holding a null compares as unknown: the rows before this one have values.
        return pair
    return or_(pair, column.is_(None))


def keyset_order(args: ListArgs, id_column: Any) -> list[Any]:
    """The statement's order: the list's, reversed when reading backwards (also the order
    of a window that numbers each parent's children, server/graphql/loaders.py)."""
    descending = args.descending != args.backward
    out: list[Any] = []
    if args.key.column is not None:
        column = args.key.column.desc() if descending else args.key.column.asc()
        if args.key.nullable:
            # NULLS LAST in list order is NULLS FIRST when the rows are read backwards.
            column = column.nulls_first() if args.backward else column.nulls_last()
        # A column that is never null is ordered plainly, so an index on it can give the
        # order either way (PostgreSQL reads an ascending index backwards as NULLS FIRST).
        out.append(column)
    out.append(id_column.desc() if descending else id_column.asc())
    return out


def build_list_connection(
    rows: Sequence[Any], args: ListArgs, to_node: Callable[[Any], NodeT], count: Any
) -> Connection[NodeT]:
    """Turn up to ``size + 1`` rows, read in the page's direction, into a page in list order."""
    more = len(rows) > args.size
    page = list(rows[: args.size])
    if args.backward:
        page.reverse()
    edges = [Edge(cursor=encode_list_cursor(args, r), node=to_node(r)) for r in page]
    given = args.cursor is not None
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=given if args.backward else more,
            has_previous_page=more if args.backward else given,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        _count=count,
    )


async def ordered_page(
    reader: PageReader,
    model: Any,
    conditions: Sequence[ColumnElement[bool]],
    args: ListArgs,
    to_node: Callable[[Any], NodeT],
) -> Connection[NodeT]:
    """One page of the rows of ``model`` in the reader's scope that meet ``conditions``."""
    statement = select(model).where(*reader.scope.where(model), *conditions)
    page = statement.order_by(*keyset_order(args, model.id)).limit(args.size + 1)
    if args.cursor is not None:
        page = page.where(past_cursor(args, model.id))
    rows = (await reader.execute(page)).scalars().all()

    async def count() -> int:
        total = await reader.scalar(select(func.count()).select_from(statement.subquery()))
        return int(total or 0)

    return build_list_connection(rows, args, to_node, count)
