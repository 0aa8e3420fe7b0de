"""A customer's outstanding over time (``server.services.exposure``): a mark whenever it
changes, the highest outstanding over a span, and the reference exposure of the class."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import CustomerClass
from server.policy.registry import PolicyRegistry
from server.services.exposure import (
    MONEY_MAX,
    highest_outstanding,
    months_before,
    record_exposure,
    reference_exposure,
)
from tests.builders import Bank, bank
from tests.services.loan_checks import assert_written, loan_input

SET_AT = dt.datetime(2025, 6, 30, 9, 0, tzinfo=dt.UTC)
YEAR_BEFORE = dt.datetime(2024, 6, 30, 9, 0, tzinfo=dt.UTC)
TICK = dt.timedelta(microseconds=1)


async def customer(
    world: Bank,
    customer_class: CustomerClass | None = None,
    exposure_at_class_set: Decimal | None = None,
) -> models.Customer:
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_2")
    return await world.customer(
        manager, customer_class=customer_class, exposure_at_class_set=exposure_at_class_set
    )


async def mark(world: Bank, row: models.Customer, outstanding: str, at: dt.datetime) -> None:
    world.session.add(
        models.CustomerExposureMark(
            tenant_id=world.tenant,
            customer_id=row.id,
            outstanding=Decimal(outstanding),
            recorded_at=at,
        )
    )
    await world.session.flush()


async def marks_of(world: Bank, row: models.Customer) -> list[Decimal]:
    m = models.CustomerExposureMark
    found = await world.session.scalars(
        select(m.outstanding)
        .where(m.tenant_id == world.tenant, m.customer_id == row.id)
        .order_by(m.recorded_at, m.id)
    )
    return list(found)


@pytest.mark.parametrize(
    ("at", "months", "expected"),
    [
        (SET_AT, 12, YEAR_BEFORE),
        (
            dt.datetime(2024, 2, 29, 8, tzinfo=dt.UTC),
            12,
            dt.datetime(2023, 2, 28, 8, tzinfo=dt.UTC),
        ),
        (dt.datetime(2025, 3, 31, tzinfo=dt.UTC), 1, dt.datetime(2025, 2, 28, tzinfo=dt.UTC)),
    ],
)
def test_months_before(at: dt.datetime, months: int, expected: dt.datetime) -> None:
    assert months_before(at, months) == expected


async def test_a_mark_holds_the_outstanding_now(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, "sd-demo")
    row = await customer(world)
    issued, matures = dt.date(2024, 6, 1), dt.date(2026, 6, 1)
    await world.loan(
        row, principal="80000.00", balance="60000.00", issued_on=issued, matures_on=matures
    )
    await world.loan(row, principal="5000.00", balance="0.00", issued_on=issued, matures_on=matures)
    written = await record_exposure(session, world.tenant, row.id)
    assert written.outstanding == Decimal("60000.00")
    assert await marks_of(world, row) == [Decimal("60000.00")]


async def test_a_mark_stops_at_the_largest_amount_money_holds(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, "sd-demo")
    row = await customer(world)
    issued, matures = dt.date(2024, 6, 1), dt.date(2026, 6, 1)
    top = "9999999999999999.99"
    await world.loan(row, principal=top, balance=top, issued_on=issued, matures_on=matures)
    assert (await record_exposure(session, world.tenant, row.id)).outstanding == MONEY_MAX
    await world.loan(row, principal="0.01", balance="0.01", issued_on=issued, matures_on=matures)
    assert (await record_exposure(session, world.tenant, row.id)).outstanding == MONEY_MAX
    assert await marks_of(world, row) == [MONEY_MAX, MONEY_MAX]


async def test_a_new_loan_leaves_a_mark_of_the_outstanding_after_it(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, "sd-demo")
    row = await customer(world)
    await world.loan(
        row,
        principal="80000.00",
        balance="60000.00",
        issued_on=dt.date(2024, 6, 1),
        matures_on=dt.date(2026, 6, 1),
    )
    await assert_written(world, loan_input(row, principal="50000.00"))
    await assert_written(world, loan_input(row, principal="1000.00"))
    assert await marks_of(world, row) == [Decimal("110000.00"), Decimal("111000.00")]


@pytest.mark.parametrize(
    ("at", "outstanding", "highest"),
    [
        (YEAR_BEFORE - TICK, "700000", "700000"),  # held at the start of the span: carried in
        (YEAR_BEFORE, "700000", "700000"),  # the first moment of the span
        (SET_AT, "700000", "700000"),  # the last moment of the span
        (SET_AT + TICK, "700000", "100000"),  # after the span: not counted
    ],
)
async def test_the_highest_outstanding_over_a_span(
    session: AsyncSession,
    registry: PolicyRegistry,
    at: dt.datetime,
    outstanding: str,
    highest: str,
) -> None:
    world = bank(session, registry, "sd-demo")
    row = await customer(world)
    await mark(world, row, "50000", YEAR_BEFORE - dt.timedelta(days=400))
    await mark(world, row, "100000", YEAR_BEFORE + dt.timedelta(days=30))
    await mark(world, row, outstanding, at)
    got = await highest_outstanding(session, world.tenant, row.id, YEAR_BEFORE, SET_AT)
    assert got == Decimal(highest)


async def test_an_older_mark_is_not_carried_past_a_newer_one(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, "sd-demo")
    row = await customer(world)
    await mark(world, row, "900000", YEAR_BEFORE - dt.timedelta(days=30))
    await mark(world, row, "20000", YEAR_BEFORE - dt.timedelta(days=1))
    got = await highest_outstanding(session, world.tenant, row.id, YEAR_BEFORE, SET_AT)
    assert got == Decimal("20000")


async def test_no_marks_no_outstanding(session: AsyncSession, registry: PolicyRegistry) -> None:
    world = bank(session, registry, "sd-demo")
    row = await customer(world)
    assert await highest_outstanding(session, world.tenant, row.id, YEAR_BEFORE, SET_AT) == 0


@pytest.mark.parametrize(
    ("at_class_set", "peak", "reference"),
    [
        ("300000", None, "300000"),  # no marks: the outstanding when the class was set
        ("300000", "500000", "500000"),  # the highest in the 12 months before is larger
        ("300000", "200000", "300000"),
        (None, "200000", "200000"),
        (None, None, "0"),  # nothing then, nothing before: reference 0 (no credit yet)
    ],
)
async def test_the_reference_exposure(
    session: AsyncSession,
    registry: PolicyRegistry,
    at_class_set: str | None,
    peak: str | None,
    reference: str,
) -> None:
    world = bank(session, registry, "sx-demo")
    row = await customer(
        world,
        customer_class=CustomerClass.MAINTAIN,
        exposure_at_class_set=None if at_class_set is None else Decimal(at_class_set),
    )
    row.class_set_at = SET_AT
    await session.flush()
    if peak is not None:
        await mark(world, row, peak, SET_AT - dt.timedelta(days=90))
    await mark(world, row, "9000000", SET_AT - dt.timedelta(days=400))  # before the 12 months
    await mark(world, row, "0", SET_AT - dt.timedelta(days=380))  # ... repaid before them
    await mark(world, row, "8000000", SET_AT + dt.timedelta(days=1))  # after the class was set
    assert await reference_exposure(session, row) == Decimal(reference)


async def test_no_reference_before_a_class_is_set(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, "sx-demo")
    row = await customer(world)
    await mark(world, row, "100000", SET_AT)
    assert await reference_exposure(session, row) is None
