"""The checks of a new loan (``loans.create_loan``): every failed rule is listed with its
article, and nothing is written; a loan that passes them all is written."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import (
    AdmissionStatus,
    CustomerClass,
    CustomerKind,
    Guarantee,
    LoanProduct,
    ManagerStatus,
    Prospects,
    RiskClass,
    Role,
)
from server.errors import Refusal, Refused
from server.policy.registry import PolicyRegistry
from server.services import admission, customers, loans
from tests.builders import Bank, bank
from tests.conftest import principal

ISSUE = dt.date(2025, 3, 3)


def loan_input(
    customer: models.Customer,
    *,
    principal: str = "50000.00",
    issued_on: dt.date = ISSUE,
    manager: models.Manager | None = None,
) -> dict[str, Any]:
    """The arguments of ``create_loan`` for a year's loan to ``customer``."""
    corporate = customer.kind is CustomerKind.CORPORATE
    return {
        "customer_id": str(customer.id),
        "manager_id": None if manager is None else str(manager.id),
        "contract_no": f"HT-{uuid.uuid4().hex[:20]}",
        "product": LoanProduct.WORKING_CAPITAL if corporate else LoanProduct.FARMER_MICRO_CREDIT,
        "principal": Decimal(principal),
        "balance": None,
        "annual_rate": Decimal("0.0435"),
        "issued_on": issued_on,
        "matures_on": issued_on + dt.timedelta(days=365),
        "guarantee": Guarantee.CREDIT,
    }


async def create_loan(world: Bank, data: dict[str, Any]) -> models.Loan:
    return await loans.create_loan(world.session, world.registry, principal(world.tenant), **data)


async def assert_refused(world: Bank, data: dict[str, Any], expected: set[str]) -> list[Refusal]:
    """The loan is Refused by exactly these rules, each once with an article; nothing written."""
    before = await world.footprint()
    with pytest.raises(Refused) as raised:
        await create_loan(world, data)
    refusals = raised.value.refusals
    rules = [r.rule for r in refusals]
    assert sorted(rules) == sorted(expected), refusals
    assert len(rules) == len(set(rules)), f"a rule is listed twice: {rules}"
    for refusal in refusals:
        assert refusal.article.strip(), refusal
        assert refusal.message.strip(), refusal
    assert await world.footprint() == before
    return refusals


async def assert_written(world: Bank, data: dict[str, Any]) -> models.Loan:
    before = await world.footprint()
    loan = await create_loan(world, data)
    assert loan.principal == data["principal"]
    assert str(loan.customer_id) == data["customer_id"]
    assert (await world.footprint())[0] == before[0] + 1
    stored = await world.session.get(models.Loan, (world.tenant, loan.id), populate_existing=True)
    assert stored is not None
    assert stored.principal == data["principal"]
    return loan


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
async def test_the_licence_must_be_valid_on_the_issue_date(
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
