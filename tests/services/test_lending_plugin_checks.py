"""The checks a tenant's plugins add to a new loan (``loans.create_loan``): county caps, an
Anhui assistant owning no loans, Shanxi's customer classes. Every failed rule is listed with its
article, and nothing is written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import CustomerClass, CustomerKind, Prospects, Role
from server.policy.registry import PolicyRegistry
from server.services import customers
from tests.builders import bank
from tests.conftest import principal
from tests.services.loan_checks import ISSUE, assert_refused, assert_written, loan_input

# --- county caps (county_coop lending) ------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "principal", "refused"),
    [
        ("CC_TRAINEE", "100000.00", False),
        ("CC_TRAINEE", "100000.01", True),
        (None, "100000.00", False),
        (None, "100000.01", True),
        ("CC_1", "300000.00", False),
        ("CC_1", "300000.01", True),
        ("CC_2", "1000000.00", False),
        ("CC_2", "1000000.01", True),
        ("CC_3", "5000000.00", False),
        ("CC_3", "5000000.01", True),
        ("CC_4", "99999999.99", False),
    ],
)
async def test_county_caps_include_their_bound(
    session: AsyncSession,
    registry: PolicyRegistry,
    tier: str | None,
    principal: str,
    refused: bool,
) -> None:
    world = bank(session, registry, "cc-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier=tier)
    customer = await world.customer(
        manager, kind=CustomerKind.CORPORATE, admitted_on=ISSUE - dt.timedelta(days=30)
    )
    data = loan_input(customer, principal=principal)
    if refused:
        refusals = await assert_refused(world, data, {"AMOUNT_OVER_CAP"})
        assert "第一章" in refusals[0].article
    else:
        await assert_written(world, data)


async def test_a_county_licence_that_lapsed_refuses(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, "cc-demo")
    office, _ = await world.offices()
    manager = await world.manager(
        office, tier="CC_1", licence_valid_until=ISSUE - dt.timedelta(days=1)
    )
    customer = await world.customer(manager)
    await assert_refused(world, loan_input(customer), {"LICENCE_NOT_VALID"})


# --- anhui: an assistant owns no loans --------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "refused"),
    [("AH_ASSISTANT", True), (None, True), ("AH_JUNIOR_1", False), ("AH_PRINCIPAL", False)],
)
async def test_an_anhui_assistant_cannot_own_a_loan(
    session: AsyncSession, registry: PolicyRegistry, tier: str | None, refused: bool
) -> None:
    world = bank(session, registry, "ah-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier=tier)
    customer = await world.customer(manager)
    if refused:
        await assert_refused(world, loan_input(customer), {"ASSISTANT_CANNOT_OWN_LOANS"})
    else:
        await assert_written(world, loan_input(customer, principal="9000000.00"))


# --- shanxi customer classes ------------------------------------------------------------


@pytest.mark.parametrize(
    ("customer_class", "rule"),
    [
        (CustomerClass.RESTRICT, "RESTRICT_NO_NEW_CREDIT"),
        (CustomerClass.EXIT, "EXIT_NO_NEW_CREDIT"),
        (CustomerClass.SUPPORT, None),
    ],
)
async def test_restricted_and_exited_customers_get_no_new_credit(
    session: AsyncSession,
    registry: PolicyRegistry,
    customer_class: CustomerClass,
    rule: str | None,
) -> None:
    world = bank(session, registry, "sx-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_2")
    customer = await world.customer(
        manager, customer_class=customer_class, exposure_at_class_set=Decimal("0.00")
    )
    data = loan_input(customer, principal="0.01")
    if rule is None:
        await assert_written(world, data)
    else:
        await assert_refused(world, data, {rule})


@pytest.mark.parametrize(
    ("principal", "refused"),
    [("300000.00", False), ("299999.99", False), ("300000.01", True)],
)
async def test_a_maintained_customer_may_not_grow_its_exposure(
    session: AsyncSession, registry: PolicyRegistry, principal: str, refused: bool
) -> None:
    world = bank(session, registry, "sx-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_2")
    customer = await world.customer(
        manager,
        customer_class=CustomerClass.MAINTAIN,
        exposure_at_class_set=Decimal("500000.00"),
    )
    await world.loan(
        customer,
        principal="400000.00",
        balance="200000.00",
        issued_on=dt.date(2024, 6, 1),
        matures_on=dt.date(2026, 6, 1),
    )
    data = loan_input(customer, principal=principal)
    if refused:
        refusals = await assert_refused(world, data, {"MAINTAIN_NO_INCREASE"})
        assert "500,000.00" in refusals[0].message
    else:
        await assert_written(world, data)


async def test_a_maintained_customer_classified_through_its_facts(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    """MAINTAIN set by the classifier (not by hand): the exposure then is the ceiling."""
    world = bank(session, registry, "sx-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_2")
    customer = await world.customer(manager)
    await world.loan(
        customer,
        principal="100000.00",
        balance="60000.00",
        issued_on=dt.date(2024, 6, 1),
        matures_on=dt.date(2026, 6, 1),
    )
    updated = await customers.update_customer_facts(
        session,
        registry,
        principal(world.tenant, (Role.RISK,)),
        customer_id=str(customer.id),
        facts={"prospects": Prospects.STABLE},
    )
    assert updated.class_code is CustomerClass.MAINTAIN
    await assert_refused(world, loan_input(customer, principal="0.01"), {"MAINTAIN_NO_INCREASE"})
