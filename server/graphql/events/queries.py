"""Root queries of events: grade and class changes after a cursor, webhooks and deliveries.

Webhooks are registered, rotated and resumed by an integrator
(``server/services/webhooks.py`` delivers to them).
"""

from __future__ import annotations

import strawberry

from server.domain import EventKind
from server.graphql.context import Ctx
from server.graphql.events.types import ChangeEvent, EventPage, Webhook, WebhookDelivery
from server.graphql.pagination import page_args
from server.graphql.paths import input_paths, reported_as
from server.outbox.events import events_after, head_cursors, parse_cursor
from server.services import webhooks

DELIVERIES_PAGE = 50


async def _events(info: Ctx, kind: EventKind, after: str | None, first: int | None) -> EventPage:
    ctx = info.context
    args = page_args(ctx.settings, first, None)
    start = parse_cursor(after) if after else 0
    rows = await ctx.call(events_after, ctx.tenant_id, kind, start, args.first + 1)
    page = rows[: args.first]
    return EventPage(
        events=[ChangeEvent.from_row(r) for r in page],
        latest_cursor=str(page[-1].cursor) if page else after,
        has_more=len(rows) > args.first,
    )


@strawberry.type(
    description="The newest cursor of each event stream: resume after it (a query's after, a "
    "subscription's after) to receive exactly what happens from now on."
)
class EventsHead:
    grade_cursor: str = strawberry.field(
        description="The newest grade change's cursor; 0 while there is none."
    )
    class_cursor: str = strawberry.field(
        description="The newest customer-class change's cursor; 0 while there is none."
    )


@strawberry.type
class EventQuery:
    @strawberry.field(description="Where each event stream stands now, without reading events.")
    async def events_head(self, info: Ctx) -> EventsHead:
        ctx = info.context
        kinds = (EventKind.GRADE_CHANGED, EventKind.CUSTOMER_CLASS_CHANGED)
        head = await ctx.call(head_cursors, ctx.tenant_id, kinds)
        return EventsHead(grade_cursor=str(head[kinds[0]]), class_cursor=str(head[kinds[1]]))

    @strawberry.field(description="Grade changes after a cursor, oldest first.")
    async def grade_events(
        self, info: Ctx, after: str | None = None, first: int | None = None
    ) -> EventPage:
        return await _events(info, EventKind.GRADE_CHANGED, after, first)

    @strawberry.field(description="Customer-class changes after a cursor, oldest first.")
    async def class_events(
        self, info: Ctx, after: str | None = None, first: int | None = None
    ) -> EventPage:
        return await _events(info, EventKind.CUSTOMER_CLASS_CHANGED, after, first)


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="The tenant's webhooks, oldest first.")
    async def webhooks(self, info: Ctx) -> list[Webhook]:
        ctx = info.context
        rows = await ctx.call(webhooks.list_webhooks, ctx.principal)
        return [Webhook.from_row(r) for r in rows]

    @strawberry.field(description="A webhook's deliveries, newest event first.")
    async def webhook_deliveries(
        self, info: Ctx, webhook_id: strawberry.ID, first: int | None = DELIVERIES_PAGE
    ) -> list[WebhookDelivery]:
        ctx = info.context
        args = page_args(ctx.settings, DELIVERIES_PAGE if first is None else first, None)
        with reported_as(input_paths()):
            rows = await ctx.call(
                webhooks.list_deliveries,
                ctx.principal,
                webhook_id=str(webhook_id),
                first=args.first,
            )
        return [WebhookDelivery.from_row(r) for r in rows]
