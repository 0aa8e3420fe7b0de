"""The work queue's types: one summary per kind, each with its items oldest first.

An item's cursor holds its place in its kind's order (the time it waits since, its id,
and for a duty the duty's kind), as base64 of ``wq1:<json>``; a cursor of another kind
is refused, naming the argument.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from collections.abc import Awaitable
from typing import Any

import strawberry

from server.errors import BadQueryArgument
from server.graphql.context import Ctx
from server.graphql.enum_descriptions import describe
from server.graphql.enums import DutyKind
from server.graphql.limits import MAX_ITEMS
from server.graphql.pagination import Connection, Edge, PageInfo
from server.services import work_queue
from server.services.work_queue import Position, WorkItemKind

strawberry.enum(WorkItemKind, description="What kind of thing waits in a work queue.")
describe(WorkItemKind)

_PREFIX = "wq1:"


def encode_position(kind: WorkItemKind, position: Position) -> str:
    text = json.dumps(
        {
            "k": kind.value,
            "s": position.since.isoformat(),
            "i": str(position.key),
            "p": position.part,
        },
        separators=(",", ":"),
    )
    return base64.urlsafe_b64encode(f"{_PREFIX}{text}".encode()).decode()


def decode_position(kind: WorkItemKind, cursor: str, field: str = "after") -> Position:
    """The place ``cursor`` names in ``kind``'s order, or ``BadQueryArgument``."""
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not text.startswith(_PREFIX):
            raise ValueError(text)
        data = json.loads(text.removeprefix(_PREFIX))
        if not isinstance(data, dict) or data.get("k") != kind.value:
            raise ValueError(text)
        since: dt.date | dt.datetime
        if work_queue.RULES[kind].dated:
            since = dt.date.fromisoformat(str(data["s"]))
        else:
            since = dt.datetime.fromisoformat(str(data["s"]))
            if since.tzinfo is None:
                raise ValueError(text)
        part = str(data["p"])
        if len(part) > 32:
            raise ValueError(text)
        return Position(since, uuid.UUID(str(data["i"])), part)
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise BadQueryArgument(
            field, f"{field} is not a cursor this API issued for {kind.value} items"
        ) from None


@strawberry.type(description="One thing that waits: a decision to take, or a duty overdue.")
class WorkItem:
    kind: WorkItemKind
    kind_label: str
    subject_id: strawberry.ID = strawberry.field(
        description="What the item is about, for node(id:): the customer of an admission "
        "request, the appraisal of a draft or an appeal, the manager of a violation, the "
        "loan of a duty."
    )
    action_id: strawberry.ID = strawberry.field(
        description="What the act takes: the admission request (approveAdmission), the "
        "appraisal (confirmAppraisal, resolveAppeal), the violation (confirmViolation), "
        "the loan (recordDuty)."
    )
    title: str = strawberry.field(description="A short Chinese title.")
    since: dt.date = strawberry.field(
        description="The business day it waits since (the tenant's time zone); a duty's due day."
    )
    since_at: dt.datetime | None = strawberry.field(
        description="The instant it waits since: requested, computed or recomputed, "
        "appealed, recorded; null for a duty (due on a day)."
    )
    duty_kind: DutyKind | None = strawberry.field(
        description="For an overdue duty, the duty to record (recordDuty kind); null otherwise."
    )
    manager_id: strawberry.ID
    office_id: strawberry.ID
    can_act: bool = strawberry.field(
        description="Whether you may act on it: false where your roles cannot act on this "
        "kind, or separation of duties forbids you (your own manager record, a draft you "
        "computed, an appeal you made, a violation you recorded, an admission you asked for)."
    )

    @classmethod
    def of(cls, item: work_queue.WorkItem) -> WorkItem:
        return cls(
            kind=item.kind,
            kind_label=item.kind.label,
            subject_id=strawberry.ID(str(item.subject_id)),
            action_id=strawberry.ID(str(item.action_id)),
            title=item.title,
            since=item.since_on,
            since_at=item.since_at,
            duty_kind=item.duty_kind,
            manager_id=strawberry.ID(str(item.manager_id)),
            office_id=strawberry.ID(str(item.office_id)),
            can_act=item.can_act,
        )


@strawberry.type(description="One kind of the work queue: how many wait, since when, which.")
class WorkQueueKind:
    kind: WorkItemKind
    kind_label: str
    may_act: bool = strawberry.field(
        description="Whether one of your roles acts on this kind at all (if not, you see "
        "its items in your scope, each with canAct false)."
    )
    _today: strawberry.Private[dt.date]
    _actionable_only: strawberry.Private[bool]
    _summary: strawberry.Private[dict[str, Any]]

    async def _summarised(self, info: Ctx) -> work_queue.Summary:
        cached = self._summary.get("summary")
        if cached is None:
            ctx = info.context
            cached = self._summary["summary"] = await ctx.call(
                work_queue.summary,
                ctx.principal,
                self.kind,
                today=self._today,
                actionable_only=self._actionable_only,
            )
        return cached  # type: ignore[no-any-return]

    @strawberry.field(description="How many items wait (in your scope; counted in SQL).")
    async def count(self, info: Ctx) -> int:
        return (await self._summarised(info)).count

    @strawberry.field(description="The business day the oldest item waits since; null if none.")
    async def oldest_since(self, info: Ctx) -> dt.date | None:
        return (await self._summarised(info)).oldest_on

    @strawberry.field(
        description="The instant the oldest item waits since; null if none, or for duties."
    )
    async def oldest_since_at(self, info: Ctx) -> dt.datetime | None:
        return (await self._summarised(info)).oldest_at

    @strawberry.field(description="The items, oldest first.", graphql_type=Connection[WorkItem])
    def items(
        self, info: Ctx, first: int | None = None, after: str | None = None
    ) -> Awaitable[Connection[WorkItem]]:
        # The arguments are checked here, before any field of the queue has started a
        # statement: a refusal raised while a sibling's statement runs would cancel it.
        settings = info.context.settings
        limit = settings.max_page_size
        size = settings.default_page_size if first is None else first
        if not 1 <= size <= limit:
            raise BadQueryArgument("first", f"first must be between 1 and {limit}, got {size}")
        position = decode_position(self.kind, after) if after else None
        return self._page(info, size, position)

    async def _page(self, info: Ctx, size: int, position: Position | None) -> Connection[WorkItem]:
        ctx = info.context
        rows = await ctx.call(
            work_queue.items,
            ctx.principal,
            self.kind,
            today=self._today,
            limit=size + 1,
            after=position,
            actionable_only=self._actionable_only,
        )
        page = rows[:size]
        edges = [
            Edge(cursor=encode_position(self.kind, r.position), node=WorkItem.of(r)) for r in page
        ]

        async def count() -> int:
            return (await self._summarised(info)).count

        return Connection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(rows) > size,
                has_previous_page=position is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            _count=count,
        )


@strawberry.type(description="What waits for you, per kind, in your scope.")
class WorkQueue:
    as_of: dt.date = strawberry.field(description="The tenant's business date it is read at.")
    kinds: list[WorkQueueKind] = strawberry.field(
        description="One entry per kind you see (of those asked for), in the enum's order.",
        metadata={MAX_ITEMS: len(WorkItemKind)},
    )
