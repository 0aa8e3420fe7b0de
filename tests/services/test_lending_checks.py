"""The core checks of a new loan (``loans.create_loan``), every tenant's: the manager is active
and licensed, the customer admitted and not blacklisted, the relationship kept at one office.
Every failed rule is listed with its article, and nothing is written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import (
    AdmissionStatus,
    CustomerClass,
    CustomerKind,
    ManagerStatus,
    RiskClass,
    Role,
)
from server.errors import InvalidInput
from server.policy.registry import PolicyRegistry
from server.services import admission, tenant_settings
from tests.builders import bank
from tests.conftest import principal
from tests.services.loan_checks import (
    ISSUE,
    assert_refused,
    assert_written,
    create_loan,
    loan_input,
)

# --- the manager ------------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [
        ManagerStatus.PROBATION,
        ManagerStatus.SUSPENDED,
        ManagerStatus.DISQUALIFIED,
        ManagerStatus.LEFT,
    ],
)
async def test_a_manager_not_active_cannot_lend(
    session: AsyncSession, registry: PolicyRegistry, status: ManagerStatus
) -> None:
    world = bank(session, registry, "sd-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_2", status=status)
    customer = await world.customer(manager)
    refusals = await assert_refused(world, loan_input(customer), {"MANAGER_NOT_ACTIVE"})
    assert status.value in refusals[0].message


@pytest.mark.parametrize(
    ("valid_until", "refused"),
    [
        (None, True),
        (ISSUE - dt.timedelta(days=365), True),
        (ISSUE - dt.timedelta(days=1), True),
        (ISSUE, False),
        (ISSUE + dt.timedelta(days=1), False),
    ],
)
async def test_the_licence_must_be_valid_on_the_business_date(
    session: AsyncSession,
    registry: PolicyRegistry,
    valid_until: dt.date | None,
    refused: bool,
) -> None:
    world = bank(session, registry, "sd-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_2", licence_valid_until=valid_until)
    customer = await world.customer(manager)
    if refused:
        await assert_refused(world, loan_input(customer), {"LICENCE_NOT_VALID"})
    else:
        await assert_written(world, loan_input(customer))


TODAY = ISSUE + dt.timedelta(days=3)


async def test_a_back_dated_loan_is_checked_on_the_business_date(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    """The licence was valid on the issue date the caller names, but has lapsed since."""
    world = bank(session, registry, "sd-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_2", licence_valid_until=ISSUE)
    customer = await world.customer(manager)
    refusals = await assert_refused(
        world, loan_input(customer, issued_on=ISSUE, today=TODAY), {"LICENCE_NOT_VALID"}
    )
    assert TODAY.isoformat() in refusals[0].message
    await assert_written(world, loan_input(customer, issued_on=ISSUE, today=ISSUE))


async def test_a_loan_dated_before_the_licence_was_issued_is_refused(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, "sd-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_2")
    customer = await world.customer(manager)
    assert manager.licence_issued_on is not None
    before = manager.licence_issued_on - dt.timedelta(days=1)
    refusals = await assert_refused(
        world,
        loan_input(customer, issued_on=before, today=manager.licence_issued_on),
        {"LICENCE_NOT_VALID"},
    )
    assert before.isoformat() in refusals[0].message


@pytest.mark.parametrize(
    ("allowance", "days_back", "problem"),
    [
        (30, -1, "NOT_IN_FUTURE"),
        (30, 0, None),
        (30, 30, None),
        (30, 31, "BACKDATED_TOO_FAR"),
        (0, 0, None),
        (0, 1, "BACKDATED_TOO_FAR"),
        (30, (TODAY - dt.date(1, 1, 1)).days, "BACKDATED_TOO_FAR"),
    ],
)
async def test_the_issue_date_is_back_dated_within_the_tenants_allowance(
    session: AsyncSession,
    registry: PolicyRegistry,
    allowance: int,
    days_back: int,
    problem: str | None,
) -> None:
    await tenant_settings.set_tenant_settings(
        session,
        principal("sd-demo", (Role.FEDERATION_ADMIN,)),
        appeal_days=None,
        large_loan_threshold=None,
        max_backdating_days=allowance,
    )
    world = bank(session, registry, "sd-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_2")
    customer = await world.customer(manager)
    data = loan_input(customer, issued_on=TODAY - dt.timedelta(days=days_back), today=TODAY)
    if problem is None:
        await assert_written(world, data)
        return
    before = await world.footprint()
    with pytest.raises(InvalidInput) as refused:
        await create_loan(world, data)
    assert [(p.field, p.code) for p in refused.value.problems] == [("issued_on", problem)]
    assert await world.footprint() == before


# --- admission ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [
        AdmissionStatus.REQUIRED,
        AdmissionStatus.PENDING,
        AdmissionStatus.REJECTED,
        AdmissionStatus.LAPSED,
    ],
)
async def test_a_corporate_customer_needs_an_approved_admission(
    session: AsyncSession, registry: PolicyRegistry, status: AdmissionStatus
) -> None:
    world = bank(session, registry, "sd-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_1")
    customer = await world.customer(manager, kind=CustomerKind.CORPORATE, admission=status)
    await assert_refused(world, loan_input(customer), {"ADMISSION_REQUIRED"})


async def test_an_approved_corporate_customer_may_borrow(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, "sd-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_1")
    customer = await world.customer(
        manager, kind=CustomerKind.CORPORATE, admitted_on=ISSUE - dt.timedelta(days=10)
    )
    await assert_written(world, loan_input(customer, principal="2000000.00"))


@pytest.mark.parametrize(
    ("admitted_on", "issued_on", "lapsed"),
    [
        # Exactly six months after the approval is still allowed; one day more is not.
        (dt.date(2024, 3, 15), dt.date(2024, 9, 15), False),
        (dt.date(2024, 3, 15), dt.date(2024, 9, 16), True),
        (dt.date(2024, 3, 15), dt.date(2025, 3, 15), True),
        # Six months after 31 August is 28 February (the month has no 31st).
        (dt.date(2024, 8, 31), dt.date(2025, 2, 28), False),
        (dt.date(2024, 8, 31), dt.date(2025, 3, 1), True),
        (dt.date(2024, 3, 15), dt.date(2024, 3, 16), False),
    ],
)
async def test_an_approval_without_credit_lapses_after_six_months(
    session: AsyncSession,
    registry: PolicyRegistry,
    admitted_on: dt.date,
    issued_on: dt.date,
    lapsed: bool,
) -> None:
    world = bank(session, registry, "sd-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_1")
    customer = await world.customer(manager, kind=CustomerKind.CORPORATE)
    await session.execute(
        update(models.Customer)
        .where(models.Customer.tenant_id == world.tenant, models.Customer.id == customer.id)
        .values(admitted_on=admitted_on)
    )
    data = loan_input(customer, issued_on=issued_on)
    if lapsed:
        refusals = await assert_refused(world, data, {"ADMISSION_LAPSED"})
        assert admitted_on.isoformat() in refusals[0].message
    else:
        await assert_written(world, data)


@pytest.mark.parametrize(
    ("issued_on", "lapsed"),
    [(dt.date(2024, 11, 20), False), (dt.date(2024, 11, 21), True)],
)
async def test_the_last_repaid_credit_counts_for_the_lapse(
    session: AsyncSession, registry: PolicyRegistry, issued_on: dt.date, lapsed: bool
) -> None:
    world = bank(session, registry, "sd-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_1")
    customer = await world.customer(
        manager, kind=CustomerKind.CORPORATE, admitted_on=dt.date(2022, 1, 10)
    )
    await world.loan(
        customer,
        principal="800000.00",
        balance="0.00",
        issued_on=dt.date(2023, 5, 20),
        matures_on=dt.date(2024, 5, 20),
    )
    data = loan_input(customer, issued_on=issued_on)
    if lapsed:
        await assert_refused(world, data, {"ADMISSION_LAPSED"})
    else:
        await assert_written(world, data)


async def test_an_outstanding_loan_keeps_the_relationship_alive(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, "sd-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_1")
    customer = await world.customer(
        manager, kind=CustomerKind.CORPORATE, admitted_on=dt.date(2020, 1, 10)
    )
    await world.loan(
        customer,
        principal="800000.00",
        balance="100.00",
        issued_on=dt.date(2020, 2, 1),
        matures_on=dt.date(2021, 2, 1),
    )
    await assert_written(world, loan_input(customer))


@pytest.mark.parametrize("kind", [CustomerKind.INDIVIDUAL, CustomerKind.CORPORATE])
async def test_a_blacklisted_customer_gets_no_credit(
    session: AsyncSession, registry: PolicyRegistry, kind: CustomerKind
) -> None:
    world = bank(session, registry, "sd-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_2")
    customer = await world.customer(
        manager, kind=kind, blacklisted=True, admitted_on=ISSUE - dt.timedelta(days=3)
    )
    await assert_refused(world, loan_input(customer), {"BLACKLISTED"})


async def test_a_blacklisted_customer_is_refused_once_blacklisted(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, "sd-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_2")
    customer = await world.customer(manager)
    listed = await admission.set_blacklisted(
        session,
        registry,
        principal(world.tenant, (Role.RISK,)),
        customer_id=str(customer.id),
        listed=True,
        reason="恶意逃废债",
    )
    assert listed.blacklisted is True
    await assert_refused(world, loan_input(customer), {"BLACKLISTED"})


# --- one office per relationship ------------------------------------------------------


async def test_a_manager_of_another_office_cannot_lend(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, "sd-demo")
    home, elsewhere = await world.offices()
    owner = await world.manager(home, tier="SD_2")
    stranger = await world.manager(elsewhere, tier="SD_1")
    customer = await world.customer(owner)
    await assert_refused(world, loan_input(customer, manager=stranger), {"RELATIONSHIP_ELSEWHERE"})


async def test_a_colleague_of_the_same_office_may_lend(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, "sd-demo")
    home, _ = await world.offices()
    owner = await world.manager(home, tier="SD_2")
    colleague = await world.manager(home, tier="SD_3")
    customer = await world.customer(owner)
    loan = await assert_written(world, loan_input(customer, manager=colleague))
    assert loan.manager_id == colleague.id
    assert loan.office_id == home


# --- all together -------------------------------------------------------------------------


async def test_every_failed_rule_is_listed_in_a_county_union(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, "cc-demo")
    home, elsewhere = await world.offices()
    owner = await world.manager(home, tier="CC_2")
    stranger = await world.manager(
        elsewhere,
        tier="CC_1",
        status=ManagerStatus.SUSPENDED,
        licence_valid_until=ISSUE - dt.timedelta(days=1),
    )
    customer = await world.customer(
        owner, kind=CustomerKind.CORPORATE, admission=AdmissionStatus.REQUIRED, blacklisted=True
    )
    await assert_refused(
        world,
        loan_input(customer, principal="300000.01", manager=stranger),
        {
            "MANAGER_NOT_ACTIVE",
            "LICENCE_NOT_VALID",
            "BLACKLISTED",
            "ADMISSION_REQUIRED",
            "RELATIONSHIP_ELSEWHERE",
            "AMOUNT_OVER_CAP",
        },
    )


async def test_every_failed_rule_is_listed_with_a_customer_class(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, "sx-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_1", status=ManagerStatus.LEFT)
    customer = await world.customer(
        manager,
        kind=CustomerKind.CORPORATE,
        admitted_on=dt.date(2020, 1, 1),
        customer_class=CustomerClass.EXIT,
        exposure_at_class_set=Decimal("0.00"),
    )
    await assert_refused(
        world,
        loan_input(customer),
        {"MANAGER_NOT_ACTIVE", "ADMISSION_LAPSED", "EXIT_NO_NEW_CREDIT"},
    )


async def test_a_loan_that_passes_every_check_is_written(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, "cc-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="CC_2")
    customer = await world.customer(
        manager, kind=CustomerKind.CORPORATE, admitted_on=ISSUE - dt.timedelta(days=1)
    )
    data = loan_input(customer, principal="1000000.00")
    loan = await assert_written(world, data)
    assert loan.balance == Decimal("1000000.00")
    assert loan.risk_class is RiskClass.NORMAL
    assert loan.issued_on == ISSUE
    assert loan.manager_id == manager.id
    assert loan.office_id == office
    assert loan.contract_no == data["contract_no"]
