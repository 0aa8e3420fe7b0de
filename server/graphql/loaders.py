"""DataLoader machinery: every nested field is one batched statement per request, never N+1.

Nested connections (``manager.loans(first: 5, orderBy: …)``) fetch a page of every
parent in one statement with ``row_number() OVER (PARTITION BY parent ORDER BY …)``,
which PostgreSQL and SQLite both run. Each domain builds its loaders from these
(``server/graphql/<domain>/loaders.py``); the request context builds them all,
fresh per request, and is the ``TenantSession`` they read through.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, Concatenate, Generic, ParamSpec, Protocol, TypeVar

from sqlalchemy import ColumnElement, Result, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import Executable
from strawberry.dataloader import DataLoader

from server.db import models
from server.db.scope import Scope
from server.errors import NotFound
from server.graphql.ordering import (
    ListArgs,
    build_list_connection,
    keyset_order,
    past_cursor,
)
from server.graphql.pagination import Connection

ModelT = TypeVar("ModelT", bound=models.Base)
NodeT = TypeVar("NodeT")
P = ParamSpec("P")
T = TypeVar("T")
Conditions = Callable[[Any], list[ColumnElement[bool]]]


class TenantSession(Protocol):
    """What loaders need of the request: the tenant, and its session one statement at a time."""

    @property
    def tenant_id(self) -> str: ...

    @property
    def scope(self) -> Scope: ...

    async def execute(self, statement: Executable) -> Result[Any]: ...

    async def scalars(self, statement: Executable) -> list[Any]:
        """Every row's first column; a large result made into objects a part at a time."""

    async def call(
        self,
        function: Callable[Concatenate[AsyncSession, P], Awaitable[T]],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T: ...


def _no_conditions(_: Any) -> list[ColumnElement[bool]]:
    return []


class EntityLoader(Generic[ModelT]):
    """Rows by id within the caller's tenant (``None`` for an id it does not hold)."""

    def __init__(self, session: TenantSession, model: type[ModelT]) -> None:
        self._session = session
        self._model = model
        self.loader: DataLoader[uuid.UUID, ModelT | None] = DataLoader(load_fn=self._load)

    async def _load(self, ids: Sequence[uuid.UUID]) -> list[ModelT | None]:
        model: Any = self._model
        stmt = select(model).where(*self._session.scope.where(model), model.id.in_(set(ids)))
        found = {row.id: row for row in await self._session.scalars(stmt)}
        return [found.get(i) for i in ids]

    async def load(self, id_: uuid.UUID) -> ModelT | None:
        return await self.loader.load(id_)

    async def load_referenced(self, id_: uuid.UUID) -> ModelT:
        """A row another row in scope refers to; ``NotFound`` when it lies outside the
        caller's scope (a loan of the manager's customer booked at another office)."""
        row = await self.loader.load(id_)
        if row is None:
            raise NotFound(self._model.__name__, id_, "id")
        return row


class ChildListLoader(Generic[ModelT]):
    """All children of each parent (histories, items), in a given order."""

    def __init__(
        self,
        session: TenantSession,
        model: type[ModelT],
        parent: InstrumentedAttribute[Any],
        order_by: Sequence[Any],
    ) -> None:
        self._session = session
        self._model = model
        self._parent = parent
        self._order_by = order_by
        self.loader: DataLoader[uuid.UUID, list[ModelT]] = DataLoader(load_fn=self._load)

    async def _load(self, parent_ids: Sequence[uuid.UUID]) -> list[list[ModelT]]:
        model: Any = self._model
        stmt = (
            select(model)
            .where(*self._session.scope.where(model), self._parent.in_(set(parent_ids)))
            .order_by(self._parent, *self._order_by)
        )
        grouped: dict[uuid.UUID, list[ModelT]] = defaultdict(list)
        for row in await self._session.scalars(stmt):
            grouped[getattr(row, self._parent.key)].append(row)
        return [grouped.get(p, []) for p in parent_ids]

    async def load(self, parent_id: uuid.UUID) -> list[ModelT]:
        return await self.loader.load(parent_id)


class ChildPageLoader(Generic[ModelT]):
    """A page of children for each parent, and their counts, each in one statement.

    The page is a list's (``server/graphql/ordering.py``): ordered by a sort key then the
    id, either way, read forwards or backwards from a keyset cursor. Parents asking for
    the same page (size, order, cursor, filter) share one statement: a window numbers
    each parent's rows in the page's reading order past the cursor's (sort value, id), and
    the first ``size + 1`` of each make its page. ``conditions`` turns a (hashable) filter
    value into SQL conditions.
    """

    def __init__(
        self,
        session: TenantSession,
        model: type[ModelT],
        parent: InstrumentedAttribute[Any],
        conditions: Conditions = _no_conditions,
    ) -> None:
        self._session = session
        self._model = model
        self._parent = parent
        self._conditions = conditions
        self._rows: DataLoader[tuple[uuid.UUID, ListArgs, Hashable], list[ModelT]] = DataLoader(
            load_fn=self._load_rows
        )
        self._counts: DataLoader[tuple[uuid.UUID, Hashable], int] = DataLoader(
            load_fn=self._load_counts
        )

    def _base_conditions(self, filter_: Hashable) -> list[ColumnElement[bool]]:
        model: Any = self._model
        return [*self._session.scope.where(model), *self._conditions(filter_)]

    async def _load_rows(
        self, keys: Sequence[tuple[uuid.UUID, ListArgs, Hashable]]
    ) -> list[list[ModelT]]:
        groups: dict[tuple[ListArgs, Hashable], set[uuid.UUID]] = defaultdict(set)
        for parent_id, args, filter_ in keys:
            groups[(args, filter_)].add(parent_id)
        model: Any = self._model
        results: dict[tuple[uuid.UUID, ListArgs, Hashable], list[ModelT]] = defaultdict(list)
        for (args, filter_), parent_ids in groups.items():
            position = (
                func.row_number()
                .over(partition_by=self._parent, order_by=keyset_order(args, model.id))
                .label("position")
            )
            conditions = [*self._base_conditions(filter_), self._parent.in_(parent_ids)]
            if args.cursor is not None:
                conditions.append(past_cursor(args, model.id))
            # Number only the keys (an index-only scan), then fetch the rows that made the page.
            ranked = select(model.id, position).where(*conditions).subquery()
            stmt = (
                select(model)
                .join(ranked, model.id == ranked.c.id)
                .where(
                    model.tenant_id == self._session.tenant_id,
                    ranked.c.position <= args.size + 1,
                )
                .order_by(self._parent, ranked.c.position)
            )
            for row in await self._session.scalars(stmt):
                results[(getattr(row, self._parent.key), args, filter_)].append(row)
        return [results.get(k, []) for k in keys]

    async def _load_counts(self, keys: Sequence[tuple[uuid.UUID, Hashable]]) -> list[int]:
        groups: dict[Hashable, set[uuid.UUID]] = defaultdict(set)
        for parent_id, filter_ in keys:
            groups[filter_].add(parent_id)
        counts: dict[tuple[uuid.UUID, Hashable], int] = {}
        for filter_, parent_ids in groups.items():
            stmt: Any = (
                select(self._parent, func.count())
                .where(*self._base_conditions(filter_), self._parent.in_(parent_ids))
                .group_by(self._parent)
            )
            result: Any = await self._session.execute(stmt)
            for parent_id, n in result.all():
                counts[(parent_id, filter_)] = int(n)
        return [counts.get(k, 0) for k in keys]

    async def page(
        self,
        parent_id: uuid.UUID,
        args: ListArgs,
        to_node: Callable[[ModelT], NodeT],
        filter_: Hashable = None,
    ) -> Connection[NodeT]:
        """The parent's page, in list order (a backward page is read reversed, then turned)."""
        rows = await self._rows.load((parent_id, args, filter_))

        async def count() -> int:
            return await self._counts.load((parent_id, filter_))

        return build_list_connection(rows, args, to_node, count)
