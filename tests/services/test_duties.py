"""Post-loan duties: what each manager must do for their loans and by when (``duties_for``), and
a duty recorded as done (``record_duty``)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import business_today
from server.db import models
from server.domain import CustomerKind, DutyKind, Role
from server.errors import InvalidInput, NotFound
from server.services.duties import Duty, duties_for, record_duty
from tests.builders import Book
from tests.conftest import principal

TENANT = "sd-demo"
TODAY = business_today()
NOTICE, OVERDUE, INSPECTION = (
    DutyKind.COLLECTION_NOTICE,
    DutyKind.OVERDUE_COLLECTION,
    DutyKind.INSPECTION,
)


@pytest.fixture
def book(session: AsyncSession) -> Book:
    return Book(session)


async def duties(book: Book, manager: models.Manager, as_of: dt.date) -> list[Duty]:
    return (await duties_for(book.session, book.tenant, [manager.id], as_of))[manager.id]


def of_kind(items: list[Duty], kind: DutyKind, loan: models.Loan) -> list[Duty]:
    return [d for d in items if d.kind is kind and d.loan_id == loan.id]


async def record(book: Book, loan: models.Loan, kind: DutyKind, on: dt.date) -> models.DutyRecord:
    return await record_duty(
        book.session,
        principal(book.tenant, (Role.BRANCH_HEAD,)),
        loan_id=str(loan.id),
        kind=kind,
        done_on=on,
        note="已办",
    )


# --- collection notices (到期30天前书面催收) ----------------------------------------------


async def test_a_collection_notice_falls_due_thirty_days_before_maturity(book: Book) -> None:
    manager = await book.manager()
    loan = await book.loan(
        manager, issued_on=TODAY - dt.timedelta(days=300), matures_on=TODAY + dt.timedelta(days=40)
    )
    due = TODAY + dt.timedelta(days=10)

    (notice,) = of_kind(await duties(book, manager, TODAY), NOTICE, loan)
    assert notice.due_on == due
    assert notice.overdue is False
    assert notice.contract_no == loan.contract_no
    assert notice.kind.label and notice.article

    (on_the_day,) = of_kind(await duties(book, manager, due), NOTICE, loan)
    assert on_the_day.overdue is False
    (late,) = of_kind(await duties(book, manager, due + dt.timedelta(days=1)), NOTICE, loan)
    assert late.overdue is True

    before = await book.duty_records()
    done = await record(book, loan, NOTICE, TODAY)
    assert (done.kind, done.done_on, done.loan_id) == (NOTICE, TODAY, loan.id)
    assert done.manager_id == manager.id
    assert await book.duty_records() == before + 1
    for as_of in (TODAY, due + dt.timedelta(days=1)):
        assert of_kind(await duties(book, manager, as_of), NOTICE, loan) == []


async def test_a_notice_far_from_maturity_is_not_listed_yet(book: Book) -> None:
    manager = await book.manager()
    loan = await book.loan(manager, matures_on=TODAY + dt.timedelta(days=200))
    assert of_kind(await duties(book, manager, TODAY), NOTICE, loan) == []
    due = loan.matures_on - dt.timedelta(days=30)
    (notice,) = of_kind(await duties(book, manager, due), NOTICE, loan)
    assert notice.due_on == due


async def test_a_notice_sent_after_its_due_date_does_not_count(book: Book) -> None:
    manager = await book.manager()
    loan = await book.loan(
        manager, issued_on=TODAY - dt.timedelta(days=300), matures_on=TODAY + dt.timedelta(days=20)
    )
    due = TODAY - dt.timedelta(days=10)
    await record(book, loan, NOTICE, TODAY)
    (late,) = of_kind(await duties(book, manager, TODAY), NOTICE, loan)
    assert (late.due_on, late.overdue) == (due, True)
    await record(book, loan, NOTICE, due)
    assert of_kind(await duties(book, manager, TODAY), NOTICE, loan) == []


async def test_a_repaid_loan_has_no_duties(book: Book) -> None:
    manager = await book.manager()
    await book.loan(
        manager,
        balance="0.00",
        matures_on=TODAY + dt.timedelta(days=35),
        days_overdue=0,
        kind=CustomerKind.CORPORATE,
    )
    assert await duties(book, manager, TODAY) == []


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


async def test_an_overdue_loan_needs_a_collection_every_quarter(book: Book) -> None:
    manager = await book.manager()
    loan = await book.loan(manager, matures_on=TODAY - dt.timedelta(days=45), days_overdue=45)
    current = await book.loan(manager, matures_on=TODAY + dt.timedelta(days=400))
    start, end = quarter(TODAY)

    (collection,) = of_kind(await duties(book, manager, TODAY), OVERDUE, loan)
    assert collection.due_on == end
    assert collection.overdue is False
    assert collection.article
    assert of_kind(await duties(book, manager, TODAY), OVERDUE, current) == []

    # A collection in the previous quarter does not cover this one.
    previous = start - dt.timedelta(days=1)
    await record(book, loan, OVERDUE, previous)
    assert len(of_kind(await duties(book, manager, TODAY), OVERDUE, loan)) == 1

    await record(book, loan, OVERDUE, TODAY)
    assert of_kind(await duties(book, manager, TODAY), OVERDUE, loan) == []
    # The next quarter asks again.
    (next_quarter,) = of_kind(
        await duties(book, manager, end + dt.timedelta(days=1)), OVERDUE, loan
    )
    assert next_quarter.due_on == quarter(end + dt.timedelta(days=1))[1]


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


def on(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("kind", "amount", "due_dates"),
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
    book: Book, kind: CustomerKind, amount: str, due_dates: list[tuple[str, bool]]
) -> None:
    manager = await crowded_office_manager(book)
    loan = await book.loan(manager, kind=kind, principal=amount, issued_on=dt.date(2024, 2, 1))
    as_of = dt.date(2025, 8, 15)
    expected = [(on(due), overdue) for due, overdue in due_dates]
    found = of_kind(await duties(book, manager, as_of), INSPECTION, loan)
    assert [(d.due_on, d.overdue) for d in found] == expected
    assert all(d.article for d in found)

    # A report inside the current interval settles it; the missed one stays.
    await record(book, loan, INSPECTION, as_of)
    after = of_kind(await duties(book, manager, as_of), INSPECTION, loan)
    assert [(d.due_on, d.overdue) for d in after] == expected[:1]


async def test_a_top_ten_borrower_is_inspected_quarterly(book: Book) -> None:
    office = await book.office()
    manager = await book.manager(office_id=office)
    loan = await book.loan(manager, principal="95000000.00", issued_on=dt.date(2024, 2, 1))
    found = of_kind(await duties(book, manager, dt.date(2025, 8, 15)), INSPECTION, loan)
    assert [d.due_on for d in found] == [on("2025-06-30"), on("2025-09-30")]


async def test_a_loan_issued_this_interval_owes_no_past_report(book: Book) -> None:
    manager = await crowded_office_manager(book)
    loan = await book.loan(manager, principal="1000.00", issued_on=dt.date(2025, 3, 1))
    found = of_kind(await duties(book, manager, dt.date(2025, 8, 15)), INSPECTION, loan)
    assert [(d.due_on, d.overdue) for d in found] == [(on("2025-12-31"), False)]


# --- recording a duty ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", [NOTICE, OVERDUE, INSPECTION])
async def test_a_duty_cannot_be_recorded_ahead(book: Book, kind: DutyKind) -> None:
    manager = await book.manager()
    loan = await book.loan(manager, days_overdue=10)
    before = await book.duty_records()
    with pytest.raises(InvalidInput) as refused:
        await record(book, loan, kind, TODAY + dt.timedelta(days=1))
    assert [(p.field, p.code) for p in refused.value.problems] == [("done_on", "NOT_IN_FUTURE")]
    assert await book.duty_records() == before


async def test_a_duty_of_an_unknown_loan_is_not_found(book: Book) -> None:
    before = await book.duty_records()
    with pytest.raises(NotFound) as missing:
        await record_duty(
            book.session,
            principal(book.tenant, (Role.BRANCH_HEAD,)),
            loan_id=str(uuid.uuid4()),
            kind=INSPECTION,
            done_on=TODAY,
            note="已办",
        )
    assert (missing.value.entity, missing.value.field) == ("Loan", "loan_id")
    assert await book.duty_records() == before
