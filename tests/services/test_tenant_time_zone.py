"""A tenant's time zone (``time_zone``): its business dates are days there. Two tenants
whose zones are a day and more apart — Pacific/Kiritimati (UTC+14) and Etc/GMT+12
(UTC−12) — reach different decisions at the same instant: the back-dating limit and the
admission lapse of a new loan."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from server import clock
from server.db import models
from server.domain import CustomerKind, Role
from server.errors import InvalidInput
from server.policy.registry import PolicyRegistry
from server.services import tenant_settings
from server.services.periods import add_months
from tests.builders import bank
from tests.conftest import principal
from tests.services.loan_checks import assert_refused, assert_written, create_loan, loan_input

EAST, WEST = "Pacific/Kiritimati", "Etc/GMT+12"
"""UTC+14 and UTC−12 (the POSIX sign is inverted): at 11:00 UTC, two days apart."""
INSTANT = dt.datetime.now(dt.UTC).replace(hour=11, minute=0, second=0, microsecond=0)
UTC_DAY = INSTANT.date()
EAST_DAY, WEST_DAY = UTC_DAY + dt.timedelta(days=1), UTC_DAY - dt.timedelta(days=1)


@pytest.fixture
def at_instant(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    """Every "now" of the business clock is ``INSTANT``."""
    monkeypatch.setattr(clock, "current_instant", lambda: INSTANT)
    return INSTANT


async def _zone(session: AsyncSession, zone: str, **more: int) -> None:
    await tenant_settings.set_tenant_settings(
        session,
        principal("sd-demo", (Role.FEDERATION_ADMIN,)),
        appeal_days=None,
        large_loan_threshold=None,
        time_zone=zone,
        **more,  # type: ignore[arg-type]
    )


def test_the_instant_is_two_days_apart_in_the_two_zones() -> None:
    assert clock.business_date(INSTANT, ZoneInfo(EAST)) == EAST_DAY
    assert clock.business_date(INSTANT, ZoneInfo(WEST)) == WEST_DAY


async def test_today_is_the_tenants_date(session: AsyncSession, at_instant: dt.datetime) -> None:
    assert await tenant_settings.tenant_today(session, "sd-demo") == clock.business_today(
        at_instant
    )
    await _zone(session, EAST)
    assert await tenant_settings.tenant_today(session, "sd-demo") == EAST_DAY
    await _zone(session, WEST)
    assert await tenant_settings.tenant_today(session, "sd-demo") == WEST_DAY
    # Another tenant keeps the server's zone.
    assert await tenant_settings.tenant_today(session, "ah-demo") == clock.business_today(
        at_instant
    )


async def test_the_zone_is_read_once_per_session(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _zone(session, EAST)
    reads: list[str] = []
    original = tenant_settings.tenant_settings

    async def counted(s: AsyncSession, tenant_id: str) -> tenant_settings.TenantSettings:
        reads.append(tenant_id)
        return await original(s, tenant_id)

    monkeypatch.setattr(tenant_settings, "tenant_settings", counted)
    for _ in range(3):
        assert (await tenant_settings.tenant_zone(session, "sd-demo")).key == EAST
    assert reads == ["sd-demo"]


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", " Asia/Shanghai", "../../etc/localtime"])
async def test_a_zone_that_is_no_iana_name_is_refused(session: AsyncSession, zone: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        await _zone(session, zone)
    assert [(p.field, p.code) for p in refused.value.problems] == [("time_zone", "TIME_ZONE")]
    assert (await tenant_settings.tenant_settings(session, "sd-demo")).time_zone == (
        clock.business_zone().key
    )


@pytest.mark.parametrize(("zone", "allowed"), [(EAST, True), (WEST, False)])
async def test_a_loan_issued_on_the_eastern_date_is_in_the_future_in_the_west(
    session: AsyncSession,
    registry: PolicyRegistry,
    at_instant: dt.datetime,
    zone: str,
    allowed: bool,
) -> None:
    await _zone(session, zone)
    world = bank(session, registry, "sd-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_2")
    customer = await world.customer(manager)
    data = {**loan_input(customer, issued_on=EAST_DAY), "today": None}
    if allowed:
        await assert_written(world, data)
        return
    with pytest.raises(InvalidInput) as refused:
        await create_loan(world, data)
    assert [(p.field, p.code) for p in refused.value.problems] == [("issued_on", "NOT_IN_FUTURE")]
    assert str(WEST_DAY) in refused.value.problems[0].message


@pytest.mark.parametrize(("zone", "allowed"), [(EAST, False), (WEST, True)])
async def test_the_back_dating_limit_counts_from_the_tenants_date(
    session: AsyncSession,
    registry: PolicyRegistry,
    at_instant: dt.datetime,
    zone: str,
    allowed: bool,
) -> None:
    await _zone(session, zone, max_backdating_days=0)
    world = bank(session, registry, "sd-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_2")
    customer = await world.customer(manager)
    data = {**loan_input(customer, issued_on=WEST_DAY), "today": None}
    if allowed:
        await assert_written(world, data)
        return
    with pytest.raises(InvalidInput) as refused:
        await create_loan(world, data)
    assert [p.field for p in refused.value.problems] == ["issued_on"]


@pytest.mark.parametrize(("zone", "lapsed"), [(EAST, True), (WEST, False)])
async def test_an_admission_lapses_on_the_tenants_date(
    session: AsyncSession,
    registry: PolicyRegistry,
    at_instant: dt.datetime,
    zone: str,
    lapsed: bool,
) -> None:
    """Six months after the admission is ``UTC_DAY``: lapsed the day after, not the day
    before (准入办法 第二条)."""
    admitted_on = next(
        day
        for day in (UTC_DAY - dt.timedelta(days=n) for n in range(150, 220))
        if add_months(day, 6) == UTC_DAY
    )
    await _zone(session, zone)
    world = bank(session, registry, "sd-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_1")
    customer = await world.customer(manager, kind=CustomerKind.CORPORATE)
    await session.execute(
        update(models.Customer)
        .where(models.Customer.tenant_id == world.tenant, models.Customer.id == customer.id)
        .values(admitted_on=admitted_on)
    )
    data = {**loan_input(customer, issued_on=WEST_DAY), "today": None}
    if lapsed:
        await assert_refused(world, data, {"ADMISSION_LAPSED"})
    else:
        await assert_written(world, data)
