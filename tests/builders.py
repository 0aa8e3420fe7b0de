"""Rows written straight to the database, for tests that need a situation the demo data
lacks: the managers, customers and loans of one tenant, each as its test needs it."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
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
    PolicyCategory,
    Prospects,
    RiskClass,
)
from server.identity_codes import make_resident_id, make_social_credit_code
from server.identity_lookup import identity_hash
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services import offices
from server.settings import Settings
from tests.conftest import TEST_SECRET

#: The lookup key of the test settings (``tests.conftest.settings``).
LOOKUP_KEY = Settings(database_url="sqlite://", jwt_secret=TEST_SECRET).identity_lookup_key


def identity(number: str) -> dict[str, str]:
    """A customer's identity number and its lookup hash, as the use case stores them."""
    return {"id_number": number, "id_number_hash": identity_hash(LOOKUP_KEY, number)}


LICENCE_OK = dt.date(2099, 12, 31)


async def office_tree(session: AsyncSession, organiser: Principal) -> None:
    """A scratch tenant's offices: head office HQ, branch B1 under it, outlets O1 and O2."""
    head = await offices.create_office(
        session, organiser, code="HQ", name="总行", kind=OfficeKind.HEAD_OFFICE, parent_id=None
    )
    branch = await offices.create_office(
        session, organiser, code="B1", name="支行", kind=OfficeKind.BRANCH, parent_id=str(head.id)
    )
    for code in ("O1", "O2"):
        await offices.create_office(
            session,
            organiser,
            code=code,
            name=code,
            kind=OfficeKind.OUTLET,
            parent_id=str(branch.id),
        )


PLUGINS_WITH_TIERS = ("shandong", "anhui", "county_coop")
GRADING = {
    "sd-demo": "shandong",
    "sx-demo": "shandong",
    "cc-demo": "county_coop",
    "ah-demo": "anhui",
}
"""The grading plugin of each demo tenant."""


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
            **identity(make_social_credit_code(rng) if corporate else make_resident_id(rng)),
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


@dataclass
class Desk:
    """Corporate customers awaiting admission, their managers and loans, in one tenant."""

    session: AsyncSession
    tenant: str = "sd-demo"

    async def outlets(self) -> tuple[uuid.UUID, uuid.UUID]:
        rows = await self.session.execute(
            select(models.Office.id)
            .where(models.Office.tenant_id == self.tenant, models.Office.kind == OfficeKind.OUTLET)
            .order_by(models.Office.code)
            .limit(2)
        )
        first, second = rows.scalars().all()
        return first, second

    async def manager(self, office_id: uuid.UUID) -> models.Manager:
        row = models.Manager(
            tenant_id=self.tenant,
            employee_no=f"AD{uuid.uuid4().hex[:12]}",
            name="准入测试",
            office_id=office_id,
            category=ManagerCategory.CORPORATE,
            status=ManagerStatus.ACTIVE,
            hire_date=dt.date(2014, 5, 1),
            birth_date=dt.date(1986, 2, 2),
            licence_valid_until=dt.date(2099, 12, 31),
            flags=[],
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def customer(
        self,
        manager: models.Manager,
        *,
        kind: CustomerKind = CustomerKind.CORPORATE,
        blacklisted: bool = False,
    ) -> models.Customer:
        rng = random.Random(uuid.uuid4().int)
        corporate = kind is CustomerKind.CORPORATE
        row = models.Customer(
            tenant_id=self.tenant,
            kind=kind,
            segment=CustomerSegment.ENTERPRISE if corporate else CustomerSegment.MERCHANT,
            name="准入测试有限公司" if corporate else "准入个人",
            **identity(make_social_credit_code(rng) if corporate else make_resident_id(rng)),
            manager_id=manager.id,
            office_id=manager.office_id,
            admission_status=AdmissionStatus.REQUIRED
            if corporate
            else AdmissionStatus.NOT_REQUIRED,
            blacklisted=blacklisted,
            industry_policy=IndustryPolicy.NEUTRAL,
            licences_complete=True,
            operating_status=OperatingStatus.NORMAL,
            prospects=Prospects.STABLE,
            malicious_evasion=False,
            major_litigation=False,
            contribution_score=40,
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def loan(self, customer: models.Customer, *, balance: str) -> models.Loan:
        row = models.Loan(
            tenant_id=self.tenant,
            contract_no=f"AD-{uuid.uuid4().hex[:16]}",
            customer_id=customer.id,
            manager_id=customer.manager_id,
            office_id=customer.office_id,
            product=LoanProduct.WORKING_CAPITAL,
            principal=Decimal("500000.00"),
            balance=Decimal(balance),
            annual_rate=Decimal("0.0550"),
            issued_on=dt.date(2024, 1, 15),
            matures_on=dt.date(2026, 1, 15),
            guarantee=Guarantee.MORTGAGE,
            risk_class=RiskClass.NORMAL,
            days_overdue=0,
            created_by="test",
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def count(self, model: Any) -> int:
        stmt = select(func.count()).select_from(model).where(model.tenant_id == self.tenant)
        return int(await self.session.scalar(stmt) or 0)

    async def footprint(self) -> tuple[int, ...]:
        return tuple(
            [
                await self.count(models.AdmissionRequest),
                await self.count(models.BlacklistEntry),
                await self.count(models.RelationshipTransfer),
                await self.count(models.CustomerClassChange),
            ]
        )

    async def stored(self, customer: models.Customer) -> models.Customer:
        row = await self.session.get(
            models.Customer, (self.tenant, customer.id), populate_existing=True
        )
        assert row is not None
        return row


async def corporate_customer(desk: Desk) -> models.Customer:
    office, _ = await desk.outlets()
    return await desk.customer(await desk.manager(office))


@dataclass
class Book:
    """One manager's loans in a tenant, written straight to the database."""

    session: AsyncSession
    tenant: str = "sd-demo"

    async def office(self) -> uuid.UUID:
        office = await self.session.scalar(
            select(models.Office.id)
            .where(models.Office.tenant_id == self.tenant, models.Office.kind == OfficeKind.OUTLET)
            .order_by(models.Office.code)
            .limit(1)
        )
        assert office is not None
        return office

    async def manager(
        self,
        *,
        office_id: uuid.UUID | None = None,
        status: ManagerStatus = ManagerStatus.ACTIVE,
        post_started_on: dt.date | None = None,
    ) -> models.Manager:
        row = models.Manager(
            tenant_id=self.tenant,
            employee_no=f"DT{uuid.uuid4().hex[:12]}",
            name="贷后测试",
            office_id=office_id or await self.office(),
            category=ManagerCategory.RETAIL,
            status=status,
            hire_date=dt.date(2010, 4, 1),
            birth_date=dt.date(1984, 10, 20),
            post_started_on=post_started_on,
            licence_valid_until=dt.date(2099, 12, 31),
            flags=[],
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def loan(
        self,
        manager: models.Manager,
        *,
        kind: CustomerKind = CustomerKind.INDIVIDUAL,
        principal: str = "20000.00",
        balance: str | None = None,
        issued_on: dt.date = dt.date(2023, 1, 10),
        matures_on: dt.date = dt.date(2030, 1, 10),
        days_overdue: int = 0,
    ) -> models.Loan:
        rng = random.Random(uuid.uuid4().int)
        corporate = kind is CustomerKind.CORPORATE
        customer = models.Customer(
            tenant_id=self.tenant,
            kind=kind,
            segment=CustomerSegment.ENTERPRISE if corporate else CustomerSegment.FARMER,
            name="贷后客户",
            **identity(make_social_credit_code(rng) if corporate else make_resident_id(rng)),
            manager_id=manager.id,
            office_id=manager.office_id,
            admission_status=AdmissionStatus.APPROVED
            if corporate
            else AdmissionStatus.NOT_REQUIRED,
            industry_policy=IndustryPolicy.NEUTRAL,
            operating_status=OperatingStatus.NORMAL,
            prospects=Prospects.STABLE,
        )
        self.session.add(customer)
        await self.session.flush()
        row = models.Loan(
            tenant_id=self.tenant,
            contract_no=f"DT-{uuid.uuid4().hex[:16]}",
            customer_id=customer.id,
            manager_id=manager.id,
            office_id=manager.office_id,
            product=LoanProduct.WORKING_CAPITAL if corporate else LoanProduct.FARMER_MICRO_CREDIT,
            principal=Decimal(principal),
            balance=Decimal(balance if balance is not None else principal),
            annual_rate=Decimal("0.0600"),
            issued_on=issued_on,
            matures_on=matures_on,
            guarantee=Guarantee.CREDIT,
            risk_class=RiskClass.SUBSTANDARD if days_overdue else RiskClass.NORMAL,
            days_overdue=days_overdue,
            created_by="test",
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def duty_records(self) -> int:
        stmt = (
            select(func.count())
            .select_from(models.DutyRecord)
            .where(models.DutyRecord.tenant_id == self.tenant)
        )
        return int(await self.session.scalar(stmt) or 0)


async def manager_holding(
    session: AsyncSession,
    registry: PolicyRegistry,
    tenant: str,
    tier: str | None,
    *,
    birth_date: dt.date = dt.date(1990, 6, 1),
) -> models.Manager:
    """An active manager at the tenant's first outlet, holding ``tier`` of its grading plugin."""
    office = await session.scalar(
        select(models.Office.id)
        .where(models.Office.tenant_id == tenant, models.Office.kind == OfficeKind.OUTLET)
        .order_by(models.Office.code)
        .limit(1)
    )
    assert office is not None
    found = [t for t in registry.grading(GRADING[tenant]).tiers() if t.code == tier]
    held = found[0] if found else None
    row = models.Manager(
        tenant_id=tenant,
        employee_no=f"PN{uuid.uuid4().hex[:12]}",
        name="处罚测试",
        office_id=office,
        category=ManagerCategory.RETAIL,
        status=ManagerStatus.ACTIVE,
        hire_date=dt.date(2013, 8, 1),
        birth_date=birth_date,
        identity_number=make_resident_id(random.Random(), birth_date=birth_date),
        tier_code=held.code if held else None,
        tier_rank=held.rank if held else None,
        tier_name=held.name if held else None,
        licence_valid_until=dt.date(2099, 12, 31),
        flags=[],
    )
    session.add(row)
    await session.flush()
    return row


async def classification_manager(session: AsyncSession, tenant: str) -> models.Manager:
    """An active retail manager at the tenant's first outlet, for customer-class tests."""
    office = await session.scalar(
        select(models.Office.id)
        .where(models.Office.tenant_id == tenant, models.Office.kind == OfficeKind.OUTLET)
        .order_by(models.Office.code)
        .limit(1)
    )
    assert office is not None
    row = models.Manager(
        tenant_id=tenant,
        employee_no=f"CL{uuid.uuid4().hex[:12]}",
        name="分类测试",
        office_id=office,
        category=ManagerCategory.RETAIL,
        status=ManagerStatus.ACTIVE,
        hire_date=dt.date(2012, 3, 1),
        birth_date=dt.date(1985, 9, 9),
        licence_valid_until=dt.date(2099, 12, 31),
        flags=[],
    )
    session.add(row)
    await session.flush()
    return row


async def classification_loan(
    session: AsyncSession, tenant: str, customer_id: str, *, balance: str = "80000.00"
) -> str:
    """A micro-credit loan of the customer, written as the core system would hold it."""
    customer = await session.get(
        models.Customer, (tenant, uuid.UUID(customer_id)), populate_existing=True
    )
    assert customer is not None
    row = models.Loan(
        tenant_id=tenant,
        contract_no=f"CL-{uuid.uuid4().hex[:16]}",
        customer_id=customer.id,
        manager_id=customer.manager_id,
        office_id=customer.office_id,
        product=LoanProduct.FARMER_MICRO_CREDIT,
        principal=Decimal("80000.00"),
        balance=Decimal(balance),
        annual_rate=Decimal("0.0600"),
        issued_on=dt.date(2024, 9, 1),
        matures_on=dt.date(2026, 9, 1),
        guarantee=Guarantee.CREDIT,
        risk_class=RiskClass.NORMAL,
        days_overdue=0,
        created_by="test",
    )
    session.add(row)
    await session.flush()
    return str(row.id)


async def small_tenant(
    session: AsyncSession, registry: PolicyRegistry, tenant: str, province: str
) -> models.Tenant:
    """A small bank of ``province`` beside the demo tenants: a head office, three managers
    (tiers and statuses mixed), four customers (classes mixed) and four loans (two
    non-performing, one repaid), and ``shandong`` grading; committed, so a request sees it."""
    row = models.Tenant(tenant_id=tenant, name=f"{province}测试农商银行", province=province)
    session.add(row)
    await session.flush()
    office_id = uuid.uuid4()
    session.add(
        models.Office(
            tenant_id=tenant,
            id=office_id,
            code="10000",
            name="总行",
            kind=OfficeKind.HEAD_OFFICE,
            path=f"/{office_id}/",
            depth=0,
        )
    )
    session.add(
        models.TenantPolicy(
            tenant_id=tenant,
            category=PolicyCategory.GRADING,
            plugin="shandong",
            plugin_version=registry.info("shandong").version,
            parameters={},
            selected_by="seed",
        )
    )
    await session.flush()
    built = bank(session, registry, tenant)
    first = await built.manager(office_id, tier="SD_1")
    second = await built.manager(office_id, tier="SD_3", status=ManagerStatus.SUSPENDED)
    await built.manager(office_id)
    customers = [
        await built.customer(first, customer_class=CustomerClass.SUPPORT),
        await built.customer(first, customer_class=CustomerClass.EXIT),
        await built.customer(second, customer_class=CustomerClass.SUPPORT),
        await built.customer(second),
    ]
    term = {"issued_on": dt.date(2025, 1, 10), "matures_on": dt.date(2027, 1, 10)}
    for customer, principal, balance, risk in (
        (customers[0], "200000.00", "150000.10", RiskClass.NORMAL),
        (customers[1], "80000.00", "61234.55", RiskClass.SUBSTANDARD),
        (customers[2], "30000.00", "0.00", RiskClass.NORMAL),
        (customers[3], "50000.00", "9999.99", RiskClass.LOSS),
    ):
        loan = await built.loan(customer, principal=principal, balance=balance, **term)
        loan.risk_class = risk
    await session.commit()
    return row
