"""eventsHead and the streams that open with their starting cursor: subscribe from now,
write a change, receive its event; the cursor the stream started after is eventsHead's
before the write, so a client that stored it resumes without a gap."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.db import models
from server.domain import EventKind, Role
from server.graphql.events.subscriptions import SubscriptionContext
from server.graphql.schema import build_schema
from server.outbox.hub import EventHub
from server.principal import Principal
from server.settings import Settings
from tests.conftest import Api

TENANT = "sx-demo"
HEAD = "{ eventsHead { gradeCursor classCursor } }"
STREAM = """subscription($after: String) { customerClassStream(after: $after) {
  __typename ... on StreamStarted { cursor } ... on ChangeEvent { cursor kind } } }"""


async def _newest(session: AsyncSession, kind: EventKind) -> int:
    e = models.Event
    found = await session.scalar(
        select(func.max(e.cursor)).where(e.tenant_id == TENANT, e.kind == kind)
    )
    return int(found or 0)


async def test_the_head_is_the_newest_cursor_of_each_stream(
    api: Api, session: AsyncSession
) -> None:
    head = (await api(HEAD, tenant=TENANT, roles=(Role.INTEGRATOR,)))["eventsHead"]
    grade = await _newest(session, EventKind.GRADE_CHANGED)
    klass = await _newest(session, EventKind.CUSTOMER_CLASS_CHANGED)
    assert grade and klass and grade != klass
    assert head == {"gradeCursor": str(grade), "classCursor": str(klass)}
    # Resuming after the head reads nothing yet.
    page = await api(
        "query($a: String) { classEvents(after: $a) { events { cursor } hasMore } }",
        {"a": head["classCursor"]},
        tenant=TENANT,
        roles=(Role.INTEGRATOR,),
    )
    assert page["classEvents"] == {"events": [], "hasMore": False}


async def test_a_tenant_without_events_stands_at_zero(api: Api, session: AsyncSession) -> None:
    session.add(models.Tenant(tenant_id="quiet-bank", name="静农商行", province="山东"))
    await session.flush()
    head = await api(HEAD, tenant="quiet-bank", roles=(Role.AUDITOR,))
    assert head["eventsHead"] == {"gradeCursor": "0", "classCursor": "0"}


async def _loan(session: AsyncSession) -> models.Loan:
    c, loan = models.Customer, models.Loan
    return (
        await session.execute(
            select(loan)
            .join(c, (c.tenant_id == loan.tenant_id) & (c.id == loan.customer_id))
            .where(loan.tenant_id == TENANT, loan.balance > 0, c.class_code != "EXIT")
            .limit(1)
        )
    ).scalar_one()


async def _next(stream: Any) -> Any:
    result = await asyncio.wait_for(anext(aiter(stream)), 10)
    assert not result.errors, result.errors
    return result.data["customerClassStream"]


async def test_a_stream_from_now_tells_where_it_starts_and_misses_nothing(
    api: Api,
    session: AsyncSession,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    head = (await api(HEAD, tenant=TENANT, roles=(Role.INTEGRATOR,)))["eventsHead"]
    hub = EventHub()
    context = SubscriptionContext(settings, sessionmaker, hub)
    context.principal = Principal(TENANT, "integrator", frozenset({Role.INTEGRATOR}))
    stream: Any = await build_schema().subscribe(STREAM, context_value=context)
    try:
        started = await _next(stream)
        assert started == {"__typename": "StreamStarted", "cursor": head["classCursor"]}
        await api(
            """mutation($id: ID!) { setLoanRiskClass(input: {loanId: $id, riskClass: LOSS,
                 daysOverdue: 400}) { __typename } }""",
            {"id": str((await _loan(session)).id)},
            tenant=TENANT,
        )
        hub.notify(TENANT)
        event = await _next(stream)
    finally:
        await stream.aclose()
    assert event == {
        "__typename": "ChangeEvent",
        "cursor": str(int(head["classCursor"]) + 1),
        "kind": EventKind.CUSTOMER_CLASS_CHANGED.value,
    }
    # Resumed after the stored starting cursor, the same event comes first.
    context = SubscriptionContext(settings, sessionmaker, EventHub())
    context.principal = Principal(TENANT, "integrator", frozenset({Role.INTEGRATOR}))
    again: Any = await build_schema().subscribe(
        STREAM, context_value=context, variable_values={"after": started["cursor"]}
    )
    try:
        assert await _next(again) == started
        assert await _next(again) == event
    finally:
        await again.aclose()
