"""Live events over ``graphql-transport-ws``: replay after a cursor, then go live.

The connection authenticates in ``connection_init`` (a bearer token in the
payload; a bad one closes the socket with 4403). A subscription first replays
every event after the given cursor from the outbox, then waits for wake-ups
(``server.outbox.hub``) and reads the outbox again from its last cursor: no
gap and no duplicate at the seam, because the rows, not the wake-ups, say what
is new. Each event is checked against the subscriber's tenant, roles and token
expiry before it is sent. The older ``graphql-ws`` subprotocol is not offered.

Only subscription operations run over the socket: a query or mutation sent in a
``subscribe`` message is answered with an ``error`` message (code
``SUBSCRIPTIONS_ONLY``) and not run. Those belong in a POST, where the request's
transaction, time limit and error masking apply.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import uuid
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError, OperationType, get_operation_ast, parse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage
from strawberry.types import Info

from server.auth import principal_from_authorization
from server.db.queries.offices import subtree_office_ids
from server.db.queries.tenants import resolve_principal
from server.domain import EventKind
from server.errors import AuthenticationError, BadQueryArgument, PermissionDenied
from server.graphql.events.types import ChangeEvent
from server.outbox.events import latest_cursor, parse_cursor
from server.outbox.hub import EventHub
from server.permissions import SUBSCRIPTIONS
from server.principal import Principal
from server.settings import Settings

#: Who may follow events (the permission table's row, the same for both subscriptions).
READERS = tuple(SUBSCRIPTIONS["gradeChanged"].roles)
BATCH = 200
RECHECK_SECONDS = 5.0
"""A subscriber reads the outbox at least this often, wake-up or not."""


@dataclass
class SubscriptionContext:
    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    hub: EventHub
    connection_params: dict[str, Any] = field(default_factory=dict)
    principal: Principal | None = None


SubInfo = Info[SubscriptionContext, None]


def _token_from(params: dict[str, Any]) -> str | None:
    for key in ("Authorization", "authorization"):
        value = params.get(key)
        if isinstance(value, str):
            return value
    token = params.get("token")
    return f"Bearer {token}" if isinstance(token, str) else None


async def _office_subtree(
    sessionmaker: async_sessionmaker[AsyncSession], tenant_id: str, office_id: str
) -> set[uuid.UUID]:
    try:
        key = uuid.UUID(office_id)
    except ValueError:
        raise BadQueryArgument("officeId", "officeId is not an id") from None
    async with sessionmaker() as session:
        return await subtree_office_ids(session, tenant_id, key)


@strawberry.type(
    description="The first message of a stream: the cursor it starts after. Store it: a "
    "stream resumed after it later (after:) misses nothing and repeats nothing."
)
class StreamStarted:
    cursor: str


EventStreamMessage = Annotated[StreamStarted | ChangeEvent, strawberry.union("EventStreamMessage")]


async def follow(
    ctx: SubscriptionContext,
    kind: EventKind,
    after: str | None,
    *,
    offices: set[uuid.UUID] | None = None,
    manager_id: str | None = None,
    announce: bool = False,
) -> AsyncGenerator[StreamStarted | ChangeEvent, None]:
    """Every event of ``kind`` after the cursor (none: from now), then live; with
    ``announce``, first the cursor it starts after."""
    principal = ctx.principal
    if principal is None or principal.roles.isdisjoint(READERS):
        raise PermissionDenied(
            "subscribing to events needs one of the roles " + ", ".join(sorted(READERS))
        )
    tenant_id = principal.tenant_id
    with ctx.hub.listen(tenant_id) as wake:
        if after is None:
            async with ctx.sessionmaker() as session:
                cursor = await latest_cursor(session, tenant_id)
        else:
            cursor = parse_cursor(after)
        if announce:
            yield StreamStarted(cursor=str(cursor))
        feed = ctx.hub.feed(tenant_id)
        while True:
            wake.clear()
            rows = await feed.read(ctx.sessionmaker, kind, cursor, BATCH)
            for row in rows:
                cursor = row.cursor
                if principal.expires_at and principal.expires_at <= dt.datetime.now(dt.UTC):
                    return
                if row.tenant_id != tenant_id:
                    return
                if offices is not None and row.office_id not in offices:
                    continue
                if (
                    manager_id is not None
                    and row.payload.get("manager", {}).get("id") != manager_id
                ):
                    continue
                yield ChangeEvent.from_row(row)
            if len(rows) == BATCH:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=RECHECK_SECONDS)
            if not wake.is_set():
                # No wake-up for a while: read the outbox anyway, in case one was lost.
                feed.stale = True


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description=(
            "Grade changes: every event after the cursor (none given: from now), then live. "
            "Filter by office (and its sub-offices) or manager."
        )
    )
    async def grade_changed(
        self,
        info: SubInfo,
        after: str | None = None,
        office_id: strawberry.ID | None = None,
        manager_id: strawberry.ID | None = None,
    ) -> AsyncGenerator[ChangeEvent, None]:
        ctx = info.context
        offices = None
        if office_id is not None and ctx.principal is not None:
            offices = await _office_subtree(ctx.sessionmaker, ctx.principal.tenant_id, office_id)
        async for event in follow(
            ctx,
            EventKind.GRADE_CHANGED,
            after,
            offices=offices,
            manager_id=str(manager_id) if manager_id else None,
        ):
            if isinstance(event, ChangeEvent):
                yield event

    @strawberry.subscription(
        description=(
            "Customer-class changes: every event after the cursor (none given: from now), "
            "then live. Filter by office (and its sub-offices)."
        )
    )
    async def customer_class_changed(
        self, info: SubInfo, after: str | None = None, office_id: strawberry.ID | None = None
    ) -> AsyncGenerator[ChangeEvent, None]:
        ctx = info.context
        offices = None
        if office_id is not None and ctx.principal is not None:
            offices = await _office_subtree(ctx.sessionmaker, ctx.principal.tenant_id, office_id)
        async for event in follow(ctx, EventKind.CUSTOMER_CLASS_CHANGED, after, offices=offices):
            if isinstance(event, ChangeEvent):
                yield event

    @strawberry.subscription(
        description=(
            "Grade changes as gradeChanged sends them, after a first message StreamStarted "
            "with the cursor the stream starts after: the given after, or (none given) the "
            "newest event's when subscribing, which eventsHead tells too."
        )
    )
    async def grade_stream(
        self,
        info: SubInfo,
        after: str | None = None,
        office_id: strawberry.ID | None = None,
        manager_id: strawberry.ID | None = None,
    ) -> AsyncGenerator[EventStreamMessage, None]:
        ctx = info.context
        offices = None
        if office_id is not None and ctx.principal is not None:
            offices = await _office_subtree(ctx.sessionmaker, ctx.principal.tenant_id, office_id)
        async for message in follow(
            ctx,
            EventKind.GRADE_CHANGED,
            after,
            offices=offices,
            manager_id=str(manager_id) if manager_id else None,
            announce=True,
        ):
            yield message

    @strawberry.subscription(
        description=(
            "Customer-class changes as customerClassChanged sends them, after a first message "
            "StreamStarted with the cursor the stream starts after (see gradeStream)."
        )
    )
    async def customer_class_stream(
        self, info: SubInfo, after: str | None = None, office_id: strawberry.ID | None = None
    ) -> AsyncGenerator[EventStreamMessage, None]:
        ctx = info.context
        offices = None
        if office_id is not None and ctx.principal is not None:
            offices = await _office_subtree(ctx.sessionmaker, ctx.principal.tenant_id, office_id)
        async for message in follow(
            ctx, EventKind.CUSTOMER_CLASS_CHANGED, after, offices=offices, announce=True
        ):
            yield message


SUBSCRIPTIONS_ONLY = GraphQLError(
    "only subscriptions run over the WebSocket; send queries and mutations as an HTTP POST "
    "to /graphql",
    extensions={"code": "SUBSCRIPTIONS_ONLY"},
)


def _is_other_operation(message: SubscribeMessage, max_tokens: int) -> bool:
    """Whether the message names a query or a mutation. A document that does not parse, or
    names no operation, is left to the protocol handler (which closes the socket, 4400)."""
    payload = message.get("payload")
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return False
    name = payload.get("operationName")
    try:
        document = parse(payload["query"], max_tokens=max_tokens)
    except GraphQLError:
        return False
    operation = get_operation_ast(document, name if isinstance(name, str) else None)
    return operation is not None and operation.operation != OperationType.SUBSCRIPTION


class SubscriptionsOnlyHandler(BaseGraphQLTransportWSHandler[SubscriptionContext, None]):
    """``graphql-transport-ws`` that refuses every operation but a subscription."""

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        max_tokens = self.context.settings.max_query_tokens
        if (
            self.connection_acknowledged
            and message["id"] not in self.operations
            and _is_other_operation(message, max_tokens)
        ):
            await self.send_message(
                {"id": message["id"], "type": "error", "payload": [SUBSCRIPTIONS_ONLY.formatted]}
            )
            return
        await super().handle_subscribe(message)


class SubscriptionEndpoint(GraphQL[SubscriptionContext, None]):
    """The WebSocket side of ``/graphql`` (HTTP is served by ``server.app``)."""

    graphql_transport_ws_handler_class = SubscriptionsOnlyHandler

    def __init__(
        self,
        schema: Any,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        hub: EventHub,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide=None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            keep_alive=True,
            keep_alive_interval=settings.keep_alive_seconds,
        )
        self.max_subscriptions_per_connection = settings.max_subscriptions_per_connection
        self._settings = settings
        self._sessionmaker = sessionmaker
        self._hub = hub

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> SubscriptionContext:
        return SubscriptionContext(self._settings, self._sessionmaker, self._hub)

    async def on_ws_connect(self, context: SubscriptionContext) -> None:
        try:
            context.principal = principal_from_authorization(
                _token_from(context.connection_params), self._settings
            )
        except AuthenticationError:
            raise ConnectionRejectionError from None
        async with self._sessionmaker() as session:
            resolved = await resolve_principal(session, context.principal)
        if isinstance(resolved, str):
            raise ConnectionRejectionError
        context.principal = resolved
        return None
