"""Relay object identification: ``node(id:)`` and ``nodes(ids:)``.

Ids are UUIDv7 drawn for every row, so an id names one object whatever its type and
the ids the API has always given are the global ids. A lookup tries the id as each
type that implements ``Node``, each through the loader its own field reads (the
caller's scope in the statement): an object outside the scope is null, as one that
does not exist. ``nodes`` takes at most ``MAX_NODE_IDS`` ids and reads them in one
statement per type.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry

from server.errors import BadQueryArgument
from server.graphql.context import Ctx
from server.graphql.ids import Node, lookup_id
from server.graphql.nodes import Appraisal, Customer, Loan, Manager, Office

MAX_NODE_IDS = 100


def _readers(info: Ctx) -> list[tuple[Callable[[uuid.UUID], Awaitable[Any]], Any]]:
    loaders = info.context.loaders
    return [
        (loaders.org.office.load, Office.from_row),
        (loaders.org.manager.load, Manager.from_row),
        (loaders.lending.customer.load, Customer.from_row),
        (loaders.lending.loan.load, Loan.from_row),
        (loaders.appraisal.appraisal.load, Appraisal.from_row),
    ]


async def _node(info: Ctx, id_: strawberry.ID) -> Node | None:
    key = lookup_id(id_)
    if key is None:
        return None
    readers = _readers(info)
    rows = await asyncio.gather(*(load(key) for load, _ in readers))
    for row, (_, to_node) in zip(rows, readers, strict=True):
        if row is not None:
            return to_node(row)  # type: ignore[no-any-return]
    return None


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="The office, manager, customer, loan or appraisal with this id, if the "
        "caller's scope holds it; null otherwise."
    )
    async def node(self, info: Ctx, id: strawberry.ID) -> Node | None:
        return await _node(info, id)

    @strawberry.field(
        description=f"The objects with these ids, in the order given (null where node(id:) is "
        f"null); at most {MAX_NODE_IDS} ids."
    )
    async def nodes(self, info: Ctx, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > MAX_NODE_IDS:
            raise BadQueryArgument("ids", f"ids holds at most {MAX_NODE_IDS}, got {len(ids)}")
        return list(await asyncio.gather(*(_node(info, i) for i in ids)))
