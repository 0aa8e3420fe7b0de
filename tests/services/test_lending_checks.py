"""createLoan refusals: every failed rule is listed with its article, and nothing is written."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import (
    AdmissionStatus,
    CustomerClass,
    CustomerKind,
    CustomerSegment,
    Guarantee,
    IndustryPolicy,
    LoanProduct,
    ManagerCategory,
    ManagerStatus,
    OfficeKind,
    OperatingStatus,
    Prospects,
    RiskClass,
    Role,
)
from server.identity_codes import make_resident_id, make_social_credit_code
from server.policy.registry import PolicyRegistry
from tests.conftest import Api

ISSUE = dt.date(2025, 3, 3)
LICENCE_OK = dt.date(2099, 12, 31)
PLUGINS_WITH_TIERS = ("shandong", "anhui", "county_coop")

CREATE_LOAN = """
mutation($input: CreateLoanInput!) { createLoan(input: $input) {
  __typename
  ... on Loan { id contractNo principal balance riskClass issuedOn
                manager { id } office { id } customer { id } }
  ... on Refused { refusals { rule article message } }
  ... on UserError { code message field }
} }
"""


@dataclass
class Bank:
    """Builds one tenant's managers, customers and loans directly in the database."""

    session: AsyncSession
    registry: PolicyRegistry
    tenant: str

    async def offices(self) -> tuple[uuid.UUID, uuid.UUID]:
        """Two different outlets of the tenant."""
        rows = await self.session.execute(
            select(models.Office.id)
            .where(models.Office.tenant_id == self.tenant, models.Office.kind == OfficeKind.OUTLET)
            .order_by(models.Office.code)
            .limit(2)
        )
        first, second = rows.scalars().all()
        return first, second

    def tier(self, code: str) -> tuple[str, int, str]:
        for plugin in PLUGINS_WITH_TIERS:
            for tier in self.registry.grading(plugin).tiers():
                if tier.code == code:
                    return tier.code, tier.rank, tier.name
        raise AssertionError(f"no tier {code}")

    async def manager(
        self,
        office_id: uuid.UUID,
        *,
        tier: str | None = None,
        status: ManagerStatus = ManagerStatus.ACTIVE,
        licence_valid_until: dt.date | None = LICENCE_OK,
    ) -> models.Manager:
        code, rank, name = self.tier(tier) if tier else (None, None, None)
        row = models.Manager(
            tenant_id=self.tenant,
            employee_no=f"LC{uuid.uuid4().hex[:12]}",
            name="测试经理",
            office_id=office_id,
            category=ManagerCategory.RETAIL,
            status=status,
            hire_date=dt.date(2015, 7, 1),
            birth_date=dt.date(1988, 4, 12),
            probation_ends_on=dt.date(2016, 7, 1),
            post_started_on=dt.date(2021, 1, 4),
            tier_code=code,
            tier_rank=rank,
            tier_name=name,
            licence_no="XD-TEST",
            licence_issued_on=dt.date(2024, 1, 1),
            licence_valid_until=licence_valid_until,
            flags=[],
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def customer(
        self,
        manager: models.Manager,
        *,
        kind: CustomerKind = CustomerKind.INDIVIDUAL,
        admission: AdmissionStatus | None = None,
        admitted_on: dt.date | None = None,
        blacklisted: bool = False,
        customer_class: CustomerClass | None = None,
        exposure_at_class_set: Decimal | None = None,
    ) -> models.Customer:
        rng = random.Random(uuid.uuid4().int)
        corporate = kind is CustomerKind.CORPORATE
        row = models.Customer(
            tenant_id=self.tenant,
            kind=kind,
            segment=CustomerSegment.ENTERPRISE if corporate else CustomerSegment.FARMER,
            name="测试企业有限公司" if corporate else "测试客户",
            id_number=make_social_credit_code(rng) if corporate else make_resident_id(rng),
            manager_id=manager.id,
            office_id=manager.office_id,
            admission_status=admission
            or (AdmissionStatus.APPROVED if corporate else AdmissionStatus.NOT_REQUIRED),
            admitted_on=admitted_on,
            blacklisted=blacklisted,
            class_code=customer_class,
            class_set_at=None if customer_class is None else models.now(),
            exposure_at_class_set=exposure_at_class_set,
            industry_policy=IndustryPolicy.NEUTRAL,
            licences_complete=True,
            operating_status=OperatingStatus.NORMAL,
            prospects=Prospects.STABLE,
            malicious_evasion=False,
            major_litigation=False,
            contribution_score=50,
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def loan(
        self,
        customer: models.Customer,
        *,
        principal: str,
        balance: str,
        issued_on: dt.date,
        matures_on: dt.date,
    ) -> models.Loan:
        row = models.Loan(
            tenant_id=self.tenant,
            contract_no=f"LC-{uuid.uuid4().hex[:16]}",
            customer_id=customer.id,
            manager_id=customer.manager_id,
            office_id=customer.office_id,
            product=LoanProduct.WORKING_CAPITAL
            if customer.kind is CustomerKind.CORPORATE
            else LoanProduct.FARMER_MICRO_CREDIT,
            principal=Decimal(principal),
            balance=Decimal(balance),
            annual_rate=Decimal("0.0500"),
            issued_on=issued_on,
            matures_on=matures_on,
            guarantee=Guarantee.CREDIT,
            risk_class=RiskClass.NORMAL,
            days_overdue=0,
            created_by="test",
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def footprint(self) -> tuple[int, ...]:
        """Rows a createLoan may write: loans, class changes, events."""
        counts = []
        for model in (models.Loan, models.CustomerClassChange, models.Event):
            stmt = select(func.count()).select_from(model).where(model.tenant_id == self.tenant)
            counts.append(int(await self.session.scalar(stmt) or 0))
        return tuple(counts)


def bank(session: AsyncSession, registry: PolicyRegistry, tenant: str) -> Bank:
    return Bank(session, registry, tenant)


def loan_input(
    customer: models.Customer,
    *,
    principal: str = "50000.00",
    issued_on: dt.date = ISSUE,
    manager: models.Manager | None = None,
) -> dict[str, Any]:
    corporate = customer.kind is CustomerKind.CORPORATE
    data: dict[str, Any] = {
        "customerId": str(customer.id),
        "contractNo": f"HT-{uuid.uuid4().hex[:20]}",
        "product": "WORKING_CAPITAL" if corporate else "FARMER_MICRO_CREDIT",
        "principal": principal,
        "annualRate": "0.0435",
        "issuedOn": issued_on.isoformat(),
        "maturesOn": (issued_on + dt.timedelta(days=365)).isoformat(),
        "guarantee": "CREDIT",
    }
    if manager is not None:
        data["managerId"] = str(manager.id)
    return data


async def create_loan(api: Api, tenant: str, data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = (await api(CREATE_LOAN, {"input": data}, tenant=tenant))["createLoan"]
    return result


async def assert_refused(
    api: Api, world: Bank, data: dict[str, Any], expected: set[str]
) -> list[dict[str, str]]:
    """The loan is Refused by exactly these rules, each once with an article; nothing written."""
    before = await world.footprint()
    result = await create_loan(api, world.tenant, data)
    assert result["__typename"] == "Refused", result
    refusals: list[dict[str, str]] = result["refusals"]
    rules = [r["rule"] for r in refusals]
    assert sorted(rules) == sorted(expected), refusals
    assert len(rules) == len(set(rules)), f"a rule is listed twice: {rules}"
    for refusal in refusals:
        assert refusal["article"].strip(), refusal
        assert refusal["message"].strip(), refusal
    assert await world.footprint() == before
    return refusals


async def assert_written(api: Api, world: Bank, data: dict[str, Any]) -> dict[str, Any]:
    before = await world.footprint()
    result = await create_loan(api, world.tenant, data)
    assert result["__typename"] == "Loan", result
    assert result["principal"] == data["principal"]
    assert result["customer"]["id"] == data["customerId"]
    assert (await world.footprint())[0] == before[0] + 1
    stored = await world.session.get(models.Loan, (world.tenant, uuid.UUID(result["id"])))
    assert stored is not None
    assert stored.principal == Decimal(data["principal"])
    return result


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
    api: Api, session: AsyncSession, registry: PolicyRegistry, status: ManagerStatus
) -> None:
    world = bank(session, registry, "sd-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_2", status=status)
    customer = await world.customer(manager)
    refusals = await assert_refused(api, world, loan_input(customer), {"MANAGER_NOT_ACTIVE"})
    assert status.value in refusals[0]["message"]


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
    api: Api,
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
        await assert_refused(api, world, loan_input(customer), {"LICENCE_NOT_VALID"})
    else:
        await assert_written(api, world, loan_input(customer))


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
    api: Api, session: AsyncSession, registry: PolicyRegistry, status: AdmissionStatus
) -> None:
    world = bank(session, registry, "sd-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_1")
    customer = await world.customer(manager, kind=CustomerKind.CORPORATE, admission=status)
    await assert_refused(api, world, loan_input(customer), {"ADMISSION_REQUIRED"})


async def test_an_approved_corporate_customer_may_borrow(
    api: Api, session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, "sd-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_1")
    customer = await world.customer(
        manager, kind=CustomerKind.CORPORATE, admitted_on=ISSUE - dt.timedelta(days=10)
    )
    await assert_written(api, world, loan_input(customer, principal="2000000.00"))


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
    api: Api,
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
        refusals = await assert_refused(api, world, data, {"ADMISSION_LAPSED"})
        assert admitted_on.isoformat() in refusals[0]["message"]
    else:
        await assert_written(api, world, data)


@pytest.mark.parametrize(
    ("issued_on", "lapsed"),
    [(dt.date(2024, 11, 20), False), (dt.date(2024, 11, 21), True)],
)
async def test_the_last_repaid_credit_counts_for_the_lapse(
    api: Api, session: AsyncSession, registry: PolicyRegistry, issued_on: dt.date, lapsed: bool
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
        await assert_refused(api, world, data, {"ADMISSION_LAPSED"})
    else:
        await assert_written(api, world, data)


async def test_an_outstanding_loan_keeps_the_relationship_alive(
    api: Api, session: AsyncSession, registry: PolicyRegistry
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
    await assert_written(api, world, loan_input(customer))


@pytest.mark.parametrize("kind", [CustomerKind.INDIVIDUAL, CustomerKind.CORPORATE])
async def test_a_blacklisted_customer_gets_no_credit(
    api: Api, session: AsyncSession, registry: PolicyRegistry, kind: CustomerKind
) -> None:
    world = bank(session, registry, "sd-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_2")
    customer = await world.customer(
        manager, kind=kind, blacklisted=True, admitted_on=ISSUE - dt.timedelta(days=3)
    )
    await assert_refused(api, world, loan_input(customer), {"BLACKLISTED"})


async def test_a_blacklisted_customer_is_refused_after_the_blacklist_mutation(
    api: Api, session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, "sd-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_2")
    customer = await world.customer(manager)
    listed = await api(
        """mutation($id: ID!) { blacklistCustomer(customerId: $id, reason: "恶意逃废债") {
             __typename ... on Customer { blacklisted } } }""",
        {"id": str(customer.id)},
        tenant=world.tenant,
        roles=(Role.RISK,),
    )
    assert listed["blacklistCustomer"] == {"__typename": "Customer", "blacklisted": True}
    await assert_refused(api, world, loan_input(customer), {"BLACKLISTED"})


# --- one office per relationship ------------------------------------------------------


async def test_a_manager_of_another_office_cannot_lend(
    api: Api, session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, "sd-demo")
    home, elsewhere = await world.offices()
    owner = await world.manager(home, tier="SD_2")
    stranger = await world.manager(elsewhere, tier="SD_1")
    customer = await world.customer(owner)
    await assert_refused(
        api, world, loan_input(customer, manager=stranger), {"RELATIONSHIP_ELSEWHERE"}
    )


async def test_a_colleague_of_the_same_office_may_lend(
    api: Api, session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, "sd-demo")
    home, _ = await world.offices()
    owner = await world.manager(home, tier="SD_2")
    colleague = await world.manager(home, tier="SD_3")
    customer = await world.customer(owner)
    loan = await assert_written(api, world, loan_input(customer, manager=colleague))
    assert loan["manager"]["id"] == str(colleague.id)
    assert loan["office"]["id"] == str(home)


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
    api: Api,
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
        refusals = await assert_refused(api, world, data, {"AMOUNT_OVER_CAP"})
        assert "第一章" in refusals[0]["article"]
    else:
        await assert_written(api, world, data)


async def test_a_county_licence_that_lapsed_refuses(
    api: Api, session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, "cc-demo")
    office, _ = await world.offices()
    manager = await world.manager(
        office, tier="CC_1", licence_valid_until=ISSUE - dt.timedelta(days=1)
    )
    customer = await world.customer(manager)
    await assert_refused(api, world, loan_input(customer), {"LICENCE_NOT_VALID"})


# --- anhui: an assistant owns no loans --------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "refused"),
    [("AH_ASSISTANT", True), (None, True), ("AH_JUNIOR_1", False), ("AH_PRINCIPAL", False)],
)
async def test_an_anhui_assistant_cannot_own_a_loan(
    api: Api, session: AsyncSession, registry: PolicyRegistry, tier: str | None, refused: bool
) -> None:
    world = bank(session, registry, "ah-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier=tier)
    customer = await world.customer(manager)
    if refused:
        await assert_refused(api, world, loan_input(customer), {"ASSISTANT_CANNOT_OWN_LOANS"})
    else:
        await assert_written(api, world, loan_input(customer, principal="9000000.00"))


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
    api: Api,
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
        await assert_written(api, world, data)
    else:
        await assert_refused(api, world, data, {rule})


@pytest.mark.parametrize(
    ("principal", "refused"),
    [("300000.00", False), ("299999.99", False), ("300000.01", True)],
)
async def test_a_maintained_customer_may_not_grow_its_exposure(
    api: Api, session: AsyncSession, registry: PolicyRegistry, principal: str, refused: bool
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
        refusals = await assert_refused(api, world, data, {"MAINTAIN_NO_INCREASE"})
        assert "500,000.00" in refusals[0]["message"]
    else:
        await assert_written(api, world, data)


async def test_a_maintained_customer_classified_through_its_facts(
    api: Api, session: AsyncSession, registry: PolicyRegistry
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
    data = await api(
        """mutation($id: ID!) { updateCustomerFacts(id: $id, facts: {prospects: STABLE}) {
             __typename ... on Customer { class } } }""",
        {"id": str(customer.id)},
        tenant=world.tenant,
        roles=(Role.RISK,),
    )
    assert data["updateCustomerFacts"] == {"__typename": "Customer", "class": "MAINTAIN"}
    await assert_refused(
        api, world, loan_input(customer, principal="0.01"), {"MAINTAIN_NO_INCREASE"}
    )


# --- all together -------------------------------------------------------------------------


async def test_every_failed_rule_is_listed_in_a_county_union(
    api: Api, session: AsyncSession, registry: PolicyRegistry
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
        api,
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
    api: Api, session: AsyncSession, registry: PolicyRegistry
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
        api,
        world,
        loan_input(customer),
        {"MANAGER_NOT_ACTIVE", "ADMISSION_LAPSED", "EXIT_NO_NEW_CREDIT"},
    )


async def test_a_loan_that_passes_every_check_is_written(
    api: Api, session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, "cc-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="CC_2")
    customer = await world.customer(
        manager, kind=CustomerKind.CORPORATE, admitted_on=ISSUE - dt.timedelta(days=1)
    )
    data = loan_input(customer, principal="1000000.00")
    loan = await assert_written(api, world, data)
    assert loan["balance"] == "1000000.00"
    assert loan["riskClass"] == "NORMAL"
    assert loan["issuedOn"] == ISSUE.isoformat()
    assert loan["manager"]["id"] == str(manager.id)
    assert loan["office"]["id"] == str(office)
    assert loan["contractNo"] == data["contractNo"]
