"""The checks a tenant's plugins add to a new loan (``loans.create_loan``): county caps, an
Anhui assistant owning no loans, Shanxi's customer classes. Every failed rule is listed with its
article, and nothing is written."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import CustomerClass, CustomerKind, CustomerSegment, Prospects, Role
from server.identity_codes import make_resident_id
from server.policy.registry import PolicyRegistry
from server.services import customers
from tests.builders import LOOKUP_KEY, Bank, bank
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


async def new_customer(world: Bank, manager: models.Manager) -> models.Customer:
    """A customer created through the use case with no facts given: 维持类, nothing lent."""
    return await customers.create_customer(
        world.session,
        world.registry,
        principal(world.tenant, (Role.BRANCH_HEAD,)),
        kind=CustomerKind.INDIVIDUAL,
        segment=CustomerSegment.FARMER,
        name="新客户",
        id_number=make_resident_id(random.Random(uuid.uuid4().int)),
        manager_id=str(manager.id),
        facts=customers.CustomerFacts(),
        lookup_key=LOOKUP_KEY,
    )


@pytest.mark.parametrize(
    ("first", "second", "refused"),
    [
        ("299999.99", None, False),
        ("300000.00", None, False),
        ("300000.01", None, True),
        ("200000.00", "100000.00", False),  # the first credit counts in all
        ("200000.00", "100000.01", True),
    ],
)
async def test_a_new_maintained_customer_may_take_a_first_credit(
    session: AsyncSession,
    registry: PolicyRegistry,
    first: str,
    second: str | None,
    refused: bool,
) -> None:
    """A customer created without facts is 维持类 with reference exposure 0: it may borrow up
    to maintain_first_credit_limit (300,000 by default), no more."""
    world = bank(session, registry, "sx-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_2")
    customer = await new_customer(world, manager)
    assert customer.class_code is CustomerClass.MAINTAIN
    last = loan_input(customer, principal=first)
    if second is not None:
        await assert_written(world, last)
        last = loan_input(customer, principal=second)
    if refused:
        (refusal,) = await assert_refused(world, last, {"MAINTAIN_FIRST_CREDIT_LIMIT"})
        assert "300,000.00" in refusal.message
    else:
        await assert_written(world, last)


@pytest.mark.parametrize(
    ("principal", "refused"),
    [("300000.00", False), ("300000.01", True)],
)
async def test_a_maintained_customer_may_reach_its_highest_outstanding_of_the_year_before(
    session: AsyncSession, registry: PolicyRegistry, principal: str, refused: bool
) -> None:
    """Classed 维持类 at 200,000 outstanding after a 500,000 peak four months before: the
    reference exposure is 500,000."""
    world = bank(session, registry, "sx-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_2")
    customer = await world.customer(
        manager,
        customer_class=CustomerClass.MAINTAIN,
        exposure_at_class_set=Decimal("200000.00"),
    )
    assert customer.class_set_at is not None
    session.add(
        models.CustomerExposureMark(
            tenant_id=world.tenant,
            customer_id=customer.id,
            outstanding=Decimal("500000.00"),
            recorded_at=customer.class_set_at - dt.timedelta(days=120),
        )
    )
    await world.loan(
        customer,
        principal="200000.00",
        balance="200000.00",
        issued_on=dt.date(2024, 6, 1),
        matures_on=dt.date(2026, 6, 1),
    )
    data = loan_input(customer, principal=principal)
    if refused:
        (refusal,) = await assert_refused(world, data, {"MAINTAIN_NO_INCREASE"})
        assert "500,000.00" in refusal.message
    else:
        await assert_written(world, data)


@pytest.mark.parametrize(
    ("flag", "principal", "refused"),
    [
        ("is_refinancing", "300000.00", False),
        ("is_extension", "300000.00", False),
        ("is_refinancing", "300000.01", True),
        (None, "0.01", True),
    ],
)
async def test_a_maintained_customer_may_renew_within_its_reference(
    session: AsyncSession,
    registry: PolicyRegistry,
    flag: str | None,
    principal: str,
    refused: bool,
) -> None:
    """At its reference (300,000 outstanding, 300,000 when classed), a 借新还旧 or 展期 loan that
    replaces the outstanding is allowed; new money is not."""
    world = bank(session, registry, "sx-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_2")
    customer = await world.customer(
        manager,
        customer_class=CustomerClass.MAINTAIN,
        exposure_at_class_set=Decimal("300000.00"),
    )
    await world.loan(
        customer,
        principal="300000.00",
        balance="300000.00",
        issued_on=dt.date(2024, 6, 1),
        matures_on=dt.date(2026, 6, 1),
    )
    data = loan_input(customer, principal=principal)
    if flag is not None:
        data[flag] = True
    if refused:
        await assert_refused(world, data, {"MAINTAIN_NO_INCREASE"})
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
