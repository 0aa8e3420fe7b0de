"""Relay-style connections with keyset pagination in id order.

Ids are UUIDv7, so id order is creation order and a page never shifts when
rows are added behind it. ``first`` is capped by ``settings.max_page_size``.
A page reads through a ``PageReader`` (the request context is one), so this
module needs nothing of the request but its tenant and its statements.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import strawberry
from sqlalchemy import ColumnElement, Result, Select, func, select
from sqlalchemy.sql import Executable

from server.db.scope import Scope
from server.errors import BadQueryArgument
from server.settings import Settings

NodeT = TypeVar("NodeT")
RowT = TypeVar("RowT")

_CURSOR_PREFIX = "id:"


class PageReader(Protocol):
    """What a page needs of the request: the tenant, and statements run one at a time."""

    @property
    def tenant_id(self) -> str: ...

    @property
    def scope(self) -> Scope: ...

    async def execute(self, statement: Executable) -> Result[Any]: ...

    async def scalar(self, statement: Executable) -> Any: ...


def encode_cursor(id_: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{id_}".encode()).decode()


def decode_cursor(cursor: str, field: str = "after") -> uuid.UUID:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not text.startswith(_CURSOR_PREFIX):
            raise ValueError(text)
        return uuid.UUID(text.removeprefix(_CURSOR_PREFIX))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadQueryArgument(field, f"{field} is not a cursor this API issued") from None


@strawberry.type(description="Where a page sits in the whole list.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items the whole list holds, across all pages.")
    async def total_count(self) -> int:
        return await self._count()


@dataclass(frozen=True)
class PageArgs:
    """Validated ``first``/``after`` of one connection field."""

    first: int
    after: uuid.UUID | None


def page_args(settings: Settings, first: int | None, after: str | None) -> PageArgs:
    limit = settings.max_page_size
    size = settings.default_page_size if first is None else first
    if not 1 <= size <= limit:
        raise BadQueryArgument("first", f"first must be between 1 and {limit}, got {size}")
    return PageArgs(first=size, after=decode_cursor(after) if after else None)


def build_connection(
    rows: Sequence[RowT],
    args: PageArgs,
    to_node: Callable[[RowT], NodeT],
    row_id: Callable[[RowT], uuid.UUID],
    count: Callable[[], Awaitable[int]],
) -> Connection[NodeT]:
    """Turn up to ``first + 1`` fetched rows into a page."""
    page = list(rows[: args.first])
    edges = [Edge(cursor=encode_cursor(row_id(r)), node=to_node(r)) for r in page]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > args.first,
            has_previous_page=args.after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        _count=count,
    )


async def paginate(
    reader: PageReader,
    statement: Select[Any],
    id_column: Any,
    args: PageArgs,
    to_node: Callable[[Any], NodeT],
) -> Connection[NodeT]:
    """One page of a filtered statement selecting one entity, in id order."""
    page = statement.order_by(id_column).limit(args.first + 1)
    if args.after is not None:
        page = page.where(id_column > args.after)
    rows = (await reader.execute(page)).scalars().all()

    async def count() -> int:
        total = await reader.scalar(select(func.count()).select_from(statement.subquery()))
        return int(total or 0)

    return build_connection(rows, args, to_node, lambda r: r.id, count)


async def tenant_page(
    reader: PageReader,
    model: Any,
    conditions: Sequence[ColumnElement[bool]],
    args: PageArgs,
    to_node: Callable[[Any], NodeT],
) -> Connection[NodeT]:
    """One page of the rows of ``model`` in the reader's scope that meet ``conditions``."""
    statement = select(model).where(*reader.scope.where(model), *conditions)
    return await paginate(reader, statement, model.id, args, to_node)
