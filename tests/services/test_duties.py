"""Post-loan duties, the rotation list and managers' accounts, through the API."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import (
    AdmissionStatus,
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
)
from server.identity_codes import make_resident_id, make_social_credit_code
from tests.conftest import Api

TENANT = "sd-demo"
TODAY = dt.date.today()

DUTIES = """
query($id: ID!, $asOf: Date) { manager(id: $id) {
  duties(asOf: $asOf) { loanId contractNo kind kindLabel dueOn overdue article } } }
"""
RECORD_DUTY = """
mutation($loan: ID!, $kind: DutyKind!, $on: Date!) {
  recordDuty(loanId: $loan, kind: $kind, doneOn: $on, note: "已办") {
    __typename
    ... on DutyRecorded { kind doneOn loan { id } }
    ... on InvalidInput { errors { field code } }
    ... on UserError { code message field }
  }
}
"""
ROTATION = "query($asOf: Date) { rotationDue(asOf: $asOf) { dueOn manager { id postStartedOn } } }"
ACCOUNTS = """
query($id: ID!) { manager(id: $id) { accounts {
  account balance movements { amount direction article explanation appraisalId recordedBy } } } }
"""


@dataclass
class Book:
    """One manager's loans in a tenant, written straight to the database."""

    session: AsyncSession
    tenant: str = TENANT

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
            id_number=make_social_credit_code(rng) if corporate else make_resident_id(rng),
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


@pytest.fixture
def book(session: AsyncSession) -> Book:
    return Book(session)


async def duties(
    api: Api, manager: models.Manager, as_of: dt.date, *, tenant: str = TENANT
) -> list[dict[str, Any]]:
    data = await api(DUTIES, {"id": str(manager.id), "asOf": as_of.isoformat()}, tenant=tenant)
    found: list[dict[str, Any]] = data["manager"]["duties"]
    return found


def of_kind(items: list[dict[str, Any]], kind: str, loan: models.Loan) -> list[dict[str, Any]]:
    return [d for d in items if d["kind"] == kind and d["loanId"] == str(loan.id)]


async def record(api: Api, loan: models.Loan, kind: str, on: dt.date) -> dict[str, Any]:
    data = await api(RECORD_DUTY, {"loan": str(loan.id), "kind": kind, "on": on.isoformat()})
    result: dict[str, Any] = data["recordDuty"]
    return result


# --- collection notices (到期30天前书面催收) ----------------------------------------------


async def test_a_collection_notice_falls_due_thirty_days_before_maturity(
    api: Api, book: Book
) -> None:
    manager = await book.manager()
    loan = await book.loan(
        manager, issued_on=TODAY - dt.timedelta(days=300), matures_on=TODAY + dt.timedelta(days=40)
    )
    due = TODAY + dt.timedelta(days=10)

    (notice,) = of_kind(await duties(api, manager, TODAY), "COLLECTION_NOTICE", loan)
    assert notice["dueOn"] == due.isoformat()
    assert notice["overdue"] is False
    assert notice["contractNo"] == loan.contract_no
    assert notice["kindLabel"] and notice["article"]

    (on_the_day,) = of_kind(await duties(api, manager, due), "COLLECTION_NOTICE", loan)
    assert on_the_day["overdue"] is False
    (late,) = of_kind(
        await duties(api, manager, due + dt.timedelta(days=1)), "COLLECTION_NOTICE", loan
    )
    assert late["overdue"] is True

    before = await book.duty_records()
    done = await record(api, loan, "COLLECTION_NOTICE", TODAY)
    assert done == {
        "__typename": "DutyRecorded",
        "kind": "COLLECTION_NOTICE",
        "doneOn": TODAY.isoformat(),
        "loan": {"id": str(loan.id)},
    }
    assert await book.duty_records() == before + 1
    for as_of in (TODAY, due + dt.timedelta(days=1)):
        assert of_kind(await duties(api, manager, as_of), "COLLECTION_NOTICE", loan) == []


async def test_a_notice_far_from_maturity_is_not_listed_yet(api: Api, book: Book) -> None:
    manager = await book.manager()
    loan = await book.loan(manager, matures_on=TODAY + dt.timedelta(days=200))
    assert of_kind(await duties(api, manager, TODAY), "COLLECTION_NOTICE", loan) == []
    due = loan.matures_on - dt.timedelta(days=30)
    (notice,) = of_kind(await duties(api, manager, due), "COLLECTION_NOTICE", loan)
    assert notice["dueOn"] == due.isoformat()


async def test_a_notice_sent_after_its_due_date_does_not_count(api: Api, book: Book) -> None:
    manager = await book.manager()
    loan = await book.loan(
        manager, issued_on=TODAY - dt.timedelta(days=300), matures_on=TODAY + dt.timedelta(days=20)
    )
    due = TODAY - dt.timedelta(days=10)
    assert (await record(api, loan, "COLLECTION_NOTICE", TODAY))["__typename"] == "DutyRecorded"
    (late,) = of_kind(await duties(api, manager, TODAY), "COLLECTION_NOTICE", loan)
    assert (late["dueOn"], late["overdue"]) == (due.isoformat(), True)
    assert (await record(api, loan, "COLLECTION_NOTICE", due))["__typename"] == "DutyRecorded"
    assert of_kind(await duties(api, manager, TODAY), "COLLECTION_NOTICE", loan) == []


async def test_a_repaid_loan_has_no_duties(api: Api, book: Book) -> None:
    manager = await book.manager()
    await book.loan(
        manager,
        balance="0.00",
        matures_on=TODAY + dt.timedelta(days=35),
        days_overdue=0,
        kind=CustomerKind.CORPORATE,
    )
    assert await duties(api, manager, TODAY) == []


# --- overdue collection (逾期后每季度至少催收一次) -------------------------------------------


def quarter(day: dt.date) -> tuple[dt.date, dt.date]:
    first = (day.month - 1) // 3 * 3 + 1
    start = dt.date(day.year, first, 1)
    end = (
        dt.date(day.year, 12, 31)
        if first == 10
        else dt.date(day.year, first + 3, 1) - dt.timedelta(days=1)
    )
    return start, end


async def test_an_overdue_loan_needs_a_collection_every_quarter(api: Api, book: Book) -> None:
    manager = await book.manager()
    loan = await book.loan(manager, matures_on=TODAY - dt.timedelta(days=45), days_overdue=45)
    current = await book.loan(manager, matures_on=TODAY + dt.timedelta(days=400))
    start, end = quarter(TODAY)

    (collection,) = of_kind(await duties(api, manager, TODAY), "OVERDUE_COLLECTION", loan)
    assert collection["dueOn"] == end.isoformat()
    assert collection["overdue"] is False
    assert collection["article"]
    assert of_kind(await duties(api, manager, TODAY), "OVERDUE_COLLECTION", current) == []

    # A collection in the previous quarter does not cover this one.
    previous = start - dt.timedelta(days=1)
    assert (await record(api, loan, "OVERDUE_COLLECTION", previous))["__typename"] == (
        "DutyRecorded"
    )
    assert len(of_kind(await duties(api, manager, TODAY), "OVERDUE_COLLECTION", loan)) == 1

    assert (await record(api, loan, "OVERDUE_COLLECTION", TODAY))["__typename"] == "DutyRecorded"
    assert of_kind(await duties(api, manager, TODAY), "OVERDUE_COLLECTION", loan) == []
    # The next quarter asks again.
    (next_quarter,) = of_kind(
        await duties(api, manager, end + dt.timedelta(days=1)), "OVERDUE_COLLECTION", loan
    )
    assert next_quarter["dueOn"] == quarter(end + dt.timedelta(days=1))[1].isoformat()


# --- inspection reports (C1.4) -------------------------------------------------------------


async def crowded_office_manager(book: Book) -> models.Manager:
    """A manager of an office whose ten largest borrowers are someone else's.

    Those ten are inspected quarterly whatever their kind, so a loan under test
    must not be one of them.
    """
    office = await book.office()
    big = await book.manager(office_id=office)
    for _ in range(10):
        await book.loan(big, principal="90000000.00")
    return await book.manager(office_id=office)


@pytest.mark.parametrize(
    ("kind", "principal", "due_dates"),
    [
        # Corporate loans: quarterly (Q2 missed, Q3 due).
        (CustomerKind.CORPORATE, "20000.00", [("2025-06-30", True), ("2025-09-30", False)]),
        # Natural persons with 50,000 or more: half-yearly (H1 missed, H2 due).
        (CustomerKind.INDIVIDUAL, "50000.00", [("2025-06-30", True), ("2025-12-31", False)]),
        # Others: yearly (last year missed, this year due).
        (CustomerKind.INDIVIDUAL, "49999.99", [("2024-12-31", True), ("2025-12-31", False)]),
        # Large loans (the tenant's threshold, 5,000,000 by default): quarterly.
        (CustomerKind.INDIVIDUAL, "5000000.00", [("2025-06-30", True), ("2025-09-30", False)]),
        (CustomerKind.INDIVIDUAL, "4999999.99", [("2025-06-30", True), ("2025-12-31", False)]),
    ],
)
async def test_inspection_reports_follow_the_schedule(
    api: Api,
    book: Book,
    kind: CustomerKind,
    principal: str,
    due_dates: list[tuple[str, bool]],
) -> None:
    manager = await crowded_office_manager(book)
    loan = await book.loan(manager, kind=kind, principal=principal, issued_on=dt.date(2024, 2, 1))
    as_of = dt.date(2025, 8, 15)
    found = of_kind(await duties(api, manager, as_of), "INSPECTION", loan)
    assert [(d["dueOn"], d["overdue"]) for d in found] == due_dates
    assert all(d["article"] for d in found)

    # A report inside the current interval settles it; the missed one stays.
    assert (await record(api, loan, "INSPECTION", as_of))["__typename"] == "DutyRecorded"
    after = of_kind(await duties(api, manager, as_of), "INSPECTION", loan)
    assert [(d["dueOn"], d["overdue"]) for d in after] == due_dates[:1]


async def test_a_top_ten_borrower_is_inspected_quarterly(api: Api, book: Book) -> None:
    office = await book.office()
    manager = await book.manager(office_id=office)
    loan = await book.loan(manager, principal="95000000.00", issued_on=dt.date(2024, 2, 1))
    found = of_kind(await duties(api, manager, dt.date(2025, 8, 15)), "INSPECTION", loan)
    assert [d["dueOn"] for d in found] == ["2025-06-30", "2025-09-30"]


async def test_a_loan_issued_this_interval_owes_no_past_report(api: Api, book: Book) -> None:
    manager = await crowded_office_manager(book)
    loan = await book.loan(manager, principal="1000.00", issued_on=dt.date(2025, 3, 1))
    found = of_kind(await duties(api, manager, dt.date(2025, 8, 15)), "INSPECTION", loan)
    assert [(d["dueOn"], d["overdue"]) for d in found] == [("2025-12-31", False)]


# --- recordDuty refusals -------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["COLLECTION_NOTICE", "OVERDUE_COLLECTION", "INSPECTION"])
async def test_a_duty_cannot_be_recorded_ahead(api: Api, book: Book, kind: str) -> None:
    manager = await book.manager()
    loan = await book.loan(manager, days_overdue=10)
    before = await book.duty_records()
    result = await record(api, loan, kind, TODAY + dt.timedelta(days=1))
    assert result["__typename"] == "InvalidInput", result
    assert result["errors"] == [{"field": "doneOn", "code": "NOT_IN_FUTURE"}]
    assert await book.duty_records() == before


async def test_a_duty_of_an_unknown_loan_is_not_found(api: Api, book: Book) -> None:
    before = await book.duty_records()
    data = await api(
        RECORD_DUTY, {"loan": str(uuid.uuid4()), "kind": "INSPECTION", "on": TODAY.isoformat()}
    )
    assert data["recordDuty"]["__typename"] == "NotFound"
    assert await book.duty_records() == before


# --- rotation (三年一轮换) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "due"),
    [
        (dt.date(2024, 6, 10), True),
        (dt.date(2024, 6, 9), False),
        (dt.date(2026, 1, 1), True),
        (dt.date(2021, 6, 10), False),
    ],
)
async def test_rotation_is_due_three_years_after_the_post_started(
    api: Api, session: AsyncSession, as_of: dt.date, due: bool
) -> None:
    book = Book(session, "cc-demo")
    started = dt.date(2021, 6, 10)
    manager = await book.manager(post_started_on=started)
    data = await api(ROTATION, {"asOf": as_of.isoformat()}, tenant="cc-demo")
    listed = {r["manager"]["id"]: r for r in data["rotationDue"]}
    assert (str(manager.id) in listed) is due
    if due:
        entry = listed[str(manager.id)]
        assert entry["dueOn"] == "2024-06-10"
        assert entry["manager"]["postStartedOn"] == started.isoformat()
    assert all(dt.date.fromisoformat(r["dueOn"]) <= as_of for r in data["rotationDue"])
    due_dates = [r["dueOn"] for r in data["rotationDue"]]
    assert due_dates == sorted(due_dates)


@pytest.mark.parametrize(
    ("status", "post_started_on"),
    [
        (ManagerStatus.LEFT, dt.date(2015, 1, 5)),
        (ManagerStatus.DISQUALIFIED, dt.date(2015, 1, 5)),
        (ManagerStatus.PROBATION, dt.date(2015, 1, 5)),
        (ManagerStatus.SUSPENDED, dt.date(2015, 1, 5)),
        (ManagerStatus.ACTIVE, None),
    ],
)
async def test_managers_out_of_post_are_not_rotated(
    api: Api, session: AsyncSession, status: ManagerStatus, post_started_on: dt.date | None
) -> None:
    book = Book(session, "cc-demo")
    manager = await book.manager(status=status, post_started_on=post_started_on)
    data = await api(ROTATION, {"asOf": "2026-01-01"}, tenant="cc-demo")
    assert str(manager.id) not in {r["manager"]["id"] for r in data["rotationDue"]}


@pytest.mark.parametrize("tenant", ["sd-demo", "sx-demo", "ah-demo"])
async def test_no_rotation_without_a_rotating_lending_policy(
    api: Api, session: AsyncSession, tenant: str
) -> None:
    book = Book(session, tenant)
    await book.manager(post_started_on=dt.date(2010, 1, 4))
    data = await api(ROTATION, {"asOf": "2026-01-01"}, tenant=tenant)
    assert data["rotationDue"] == []


# --- accounts (风险保证金) -------------------------------------------------------------------


async def test_the_risk_deposit_balance_is_the_sum_of_its_movements(
    api: Api, book: Book, session: AsyncSession
) -> None:
    manager = await book.manager()
    assert (await api(ACCOUNTS, {"id": str(manager.id)}))["manager"]["accounts"] == []
    start = dt.datetime(2025, 1, 20, 9, 0, tzinfo=dt.UTC)
    movements = [
        ("RISK_DEPOSIT", "IN", "12345.67"),
        ("RISK_DEPOSIT", "IN", "0.01"),
        ("RISK_DEPOSIT", "IN", "7654.32"),
    ]
    for index, (account, direction, amount) in enumerate(movements):
        session.add(
            models.AccountMovement(
                tenant_id=TENANT,
                manager_id=manager.id,
                account=account,
                amount=Decimal(amount),
                direction=direction,
                article="第七章",
                explanation=f"年终绩效扣收 {index + 1}",
                recorded_by="hr.test",
                recorded_at=start + dt.timedelta(days=index),
            )
        )
    await session.flush()
    (account,) = (await api(ACCOUNTS, {"id": str(manager.id)}))["manager"]["accounts"]
    assert account["account"] == "RISK_DEPOSIT"
    assert account["balance"] == "20000.00"
    assert [(m["direction"], m["amount"]) for m in account["movements"]] == [
        ("IN", "12345.67"),
        ("IN", "0.01"),
        ("IN", "7654.32"),
    ]
    assert account["movements"][0] == {
        "amount": "12345.67",
        "direction": "IN",
        "article": "第七章",
        "explanation": "年终绩效扣收 1",
        "appraisalId": None,
        "recordedBy": "hr.test",
    }


async def test_an_out_movement_reduces_the_balance_per_account(
    api: Api, book: Book, session: AsyncSession
) -> None:
    manager = await book.manager()
    for account, direction, amount in [
        ("RISK_DEPOSIT", "IN", "3000.00"),
        ("RISK_DEPOSIT", "OUT", "1000.50"),
        ("PROFIT_SHARE", "IN", "88.80"),
    ]:
        session.add(
            models.AccountMovement(
                tenant_id=TENANT,
                manager_id=manager.id,
                account=account,
                amount=Decimal(amount),
                direction=direction,
                article="第七章",
                explanation="测试",
                recorded_by="hr.test",
            )
        )
    await session.flush()
    accounts = (await api(ACCOUNTS, {"id": str(manager.id)}))["manager"]["accounts"]
    assert {a["account"]: a["balance"] for a in accounts} == {
        "PROFIT_SHARE": "88.80",
        "RISK_DEPOSIT": "1999.50",
    }
