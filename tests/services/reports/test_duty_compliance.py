"""duty_compliance: every figure equal to a direct computation of it, for the tenant, each
office row and each manager; the rules' bounds counted by hand at one outlet; a year's
missing inspections equal to the appraisal's C1.4 input; the scope; bad arguments."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.db.bulk import bulk_insert
from server.db.queries.indicators import missing_inspections
from server.db.scope import Scope
from server.domain import DutyKind, Role
from server.errors import BadQueryArgument, NotFound, PermissionDenied
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.access import authorize
from server.services.reports.duties_done import INSPECTION_WINDOW_YEARS
from server.services.reports.duty_compliance import (
    DutyCompliance,
    DutyFigures,
    InspectionCounts,
    InspectionFrequency,
    NoticeCounts,
    duty_compliance,
)
from server.services.tenant_settings import tenant_settings
from tests.services.reports import direct_duties
from tests.services.reports.book import TENANT, new_outlet
from tests.services.reports.duty_book import END, START, TODAY, DutyBook, build_duty_book

QUARTERLY, HALF_YEARLY, YEARLY = (
    InspectionFrequency.QUARTERLY,
    InspectionFrequency.HALF_YEARLY,
    InspectionFrequency.YEARLY,
)


@pytest.fixture
async def book(session: AsyncSession, registry: PolicyRegistry) -> DutyBook:
    return await build_duty_book(session, registry)


def scope_of(role: Role, office: str | None = None) -> Scope:
    return authorize(
        Principal(TENANT, "u", frozenset({role}), office=office), "dutyCompliance", "query"
    )


async def report_of(
    session: AsyncSession,
    scope: Scope,
    office_id: object | None = None,
    *,
    start: dt.date = START,
    end: dt.date = END,
    first: int = 100,
) -> DutyCompliance:
    return await duty_compliance(
        session, scope, office_id=office_id, start=start, end=end, first=first, today=TODAY
    )


def as_expected(f: DutyFigures) -> direct_duties.Expected:
    return direct_duties.Expected(
        notices_due=f.notices.due,
        on_time=f.notices.on_time,
        late=f.notices.late,
        inspections={k.value: (c.due, c.done) for k, c in f.by_frequency.items()},
    )


async def expected_by(
    session: AsyncSession, start: dt.date = START, end: dt.date = END
) -> tuple[list[direct_duties.LoanRow], dict[uuid.UUID, direct_duties.Expected]]:
    large = (await tenant_settings(session, TENANT)).large_loan_threshold
    return await direct_duties.compliance(session, TENANT, start, end, large_loan=large)


async def test_the_tenant_each_office_and_each_manager_equal_a_direct_count(
    session: AsyncSession, book: DutyBook
) -> None:
    report = await report_of(session, scope_of(Role.HR))
    loans, per_loan = await expected_by(session)
    assert report.office.id == book.head.id
    whole = direct_duties.summed(per_loan, [loan.id for loan in loans])
    assert as_expected(report.total) == whole
    assert whole.notices_due > whole.on_time + whole.late > 0
    assert whole.inspections["QUARTERLY"][0] > whole.inspections["QUARTERLY"][1] > 0
    own, *children = report.by_office
    assert own.office.id == book.head.id and not own.subtree
    at_head = [loan.id for loan in loans if loan.office_id == book.head.id]
    assert as_expected(own.figures) == direct_duties.summed(per_loan, at_head)
    assert children and all(r.subtree and r.office.parent_id == book.head.id for r in children)
    for child in children:
        below = [loan.id for loan in loans if loan.path.startswith(child.office.path)]
        assert as_expected(child.figures) == direct_duties.summed(per_loan, below)
    managers = {loan.manager_id for loan in loans if per_loan[loan.id] != direct_duties.Expected()}
    assert report.managers == len(managers) == len(report.by_manager)
    for row in report.by_manager:
        theirs = [loan.id for loan in loans if loan.manager_id == row.manager.id]
        assert as_expected(row.figures) == direct_duties.summed(per_loan, theirs)
        assert row.office.id == row.manager.office_id
    order = [(-r.figures.missing, r.manager.employee_no) for r in report.by_manager]
    assert order == sorted(order)


async def test_the_rules_bounds_counted_by_hand(session: AsyncSession, book: DutyBook) -> None:
    report = await report_of(session, scope_of(Role.RISK), book.outlet.id)
    assert [r.office.id for r in report.by_office] == [book.outlet.id]
    first, second, third = book.first, book.second, book.third
    figures = {r.manager.id: r.figures for r in report.by_manager}
    # Notices: due on the period's first and last day included, the day after and before
    # not; a loan closed or written off by its day, or issued after it, owes none.
    assert figures[first.id].notices == NoticeCounts(due=5, on_time=2, late=1)
    assert figures[first.id].notices.missing == 2
    assert figures[first.id].by_frequency == {
        QUARTERLY: InspectionCounts(due=2, done=1),
        HALF_YEARLY: InspectionCounts(),
        YEARLY: InspectionCounts(),
    }
    # Inspections: reports on a quarter's first and last day count for it; from 50,000 a
    # natural person's loan is half-yearly, below it yearly (none due in a half year); a
    # repaid loan that matured before the half year owes none, one maturing in it does.
    assert figures[second.id].notices == NoticeCounts()
    assert figures[second.id].by_frequency == {
        QUARTERLY: InspectionCounts(due=20, done=4),
        HALF_YEARLY: InspectionCounts(due=3, done=1),
        YEARLY: InspectionCounts(),
    }
    # A large loan is quarterly on any balance; a loan issued in the second quarter owes
    # no report of the first.
    assert figures[third.id].by_frequency[QUARTERLY] == InspectionCounts(due=3, done=1)
    assert [r.manager.id for r in report.by_manager] == [second.id, first.id, third.id]
    assert [r.figures.missing for r in report.by_manager] == [18, 3, 2]
    assert report.total.notices == NoticeCounts(due=5, on_time=2, late=1)
    assert report.total.inspections == InspectionCounts(due=28, done=7)
    assert report.managers == 3


async def test_a_year_holds_every_schedule_and_agrees_with_the_appraisal_input(
    session: AsyncSession, book: DutyBook
) -> None:
    year = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    report = await report_of(session, scope_of(Role.AUDITOR), start=year[0], end=year[1])
    loans, per_loan = await expected_by(session, *year)
    assert as_expected(report.total) == direct_duties.summed(per_loan, [loan.id for loan in loans])
    assert all(c.due > 0 for c in report.total.by_frequency.values())
    ours = {book.first.id, book.second.id, book.third.id}
    large = (await tenant_settings(session, TENANT)).large_loan_threshold
    appraisal = await missing_inspections(session, TENANT, *year, ours, large_loan_threshold=large)
    by_manager = {r.manager.id: r.figures.inspections.missing for r in report.by_manager}
    assert {m: by_manager[m] for m in ours} == {
        m: int(appraisal.get(m, {}).get("missing_inspection_reports", Decimal(0))) for m in ours
    }


async def test_a_branch_head_reads_its_subtree_and_not_above_it(
    session: AsyncSession, book: DutyBook
) -> None:
    scope = scope_of(Role.BRANCH_HEAD, office=book.branch.code)
    report = await report_of(session, scope)
    assert report.office.id == book.branch.id
    loans, per_loan = await expected_by(session)
    below = [loan.id for loan in loans if loan.path.startswith(book.branch.path)]
    assert as_expected(report.total) == direct_duties.summed(per_loan, below)
    assert {r.manager.office_id for r in report.by_manager} <= {
        loan.office_id for loan in loans if loan.path.startswith(book.branch.path)
    }
    for outside in (book.head.id, "not-an-id"):
        with pytest.raises(NotFound) as missing:
            await report_of(session, scope, outside)
        assert missing.value.field == "officeId"
    with pytest.raises(NotFound):
        await report_of(session, Scope("ah-demo", whole_tenant=True), book.outlet.id)


async def test_an_office_without_loans_has_zeros_and_no_manager(
    session: AsyncSession, book: DutyBook
) -> None:
    empty = await new_outlet(session, book.branch, "RPT12")
    report = await report_of(session, scope_of(Role.HR), empty.id)
    assert report.total == DutyFigures() and report.by_manager == [] and report.managers == 0
    assert list(report.total.by_frequency) == list(InspectionFrequency)


async def test_first_cuts_the_manager_rows_not_the_count(
    session: AsyncSession, book: DutyBook
) -> None:
    report = await report_of(session, scope_of(Role.HR), book.outlet.id, first=1)
    assert [r.manager.id for r in report.by_manager] == [book.second.id]
    assert report.managers == 3


@pytest.mark.parametrize(
    ("start", "end", "first", "field", "rule"),
    [
        (END, START, 20, "to", "before from"),
        (START, TODAY + dt.timedelta(days=1), 20, "to", "after today"),
        (dt.date(2025, 1, 1), dt.date(2026, 1, 2), 20, "to", "longer than 366 days"),
        (START, END, 0, "first", "from 1 to 100"),
        (START, END, 101, "first", "from 1 to 100"),
    ],
)
async def test_bad_arguments_are_named(
    session: AsyncSession,
    book: DutyBook,
    start: dt.date,
    end: dt.date,
    first: int,
    field: str,
    rule: str,
) -> None:
    with pytest.raises(BadQueryArgument, match=rule) as bad:
        await report_of(session, scope_of(Role.HR), start=start, end=end, first=first)
    assert bad.value.field == field


async def test_a_leap_year_and_a_single_day_are_periods(
    session: AsyncSession, book: DutyBook
) -> None:
    leap = await report_of(
        session, scope_of(Role.HR), start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31)
    )
    assert leap.total.inspections.due > 0
    today = await report_of(session, scope_of(Role.HR), start=TODAY, end=TODAY)
    assert today.total.inspections == InspectionCounts()
    # No report falls due in the day: the managers counted are those with a notice due.
    _, per_loan = await expected_by(session, TODAY, TODAY)
    owing = [loan for loan, expected in per_loan.items() if expected.notices_due]
    assert today.managers == len(today.by_manager) == today.total.notices.due == len(owing)
    assert all(r.figures.notices.due > 0 for r in today.by_manager)


def test_a_manager_is_given_no_report() -> None:
    with pytest.raises(PermissionDenied, match="dutyCompliance needs the role"):
        scope_of(Role.MANAGER)


async def test_inspections_older_than_the_loan_rows_window_are_read_from_the_records(
    session: AsyncSession, book: DutyBook
) -> None:
    """A loan's row holds the quarters of ``INSPECTION_WINDOW_YEARS`` up to its latest
    inspection: when later ones push the period's year to the window's last year, then
    out of it, the report still counts what was done in it (from the records)."""
    _, expected = await expected_by(session)
    whole = direct_duties.summed(per_loan=expected, loan_ids=list(expected))
    d, lo = models.DutyRecord, models.Loan
    inspected = (
        await session.execute(
            select(d.loan_id, d.manager_id)
            .where(d.tenant_id == TENANT, d.kind == DutyKind.INSPECTION)
            .where(d.done_on >= START, d.done_on <= END)
            .distinct()
        )
    ).all()
    assert inspected and whole.inspections["QUARTERLY"][1] > 0
    for years in (INSPECTION_WINDOW_YEARS - 1, INSPECTION_WINDOW_YEARS):
        later = dt.date(START.year + years, 1, 5)
        await bulk_insert(
            session,
            models.DutyRecord,
            [
                {
                    "tenant_id": TENANT,
                    "id": uuid.uuid4(),
                    "loan_id": loan_id,
                    "manager_id": manager_id,
                    "kind": DutyKind.INSPECTION.value,
                    "done_on": later,
                    "recorded_by": "test",
                }
                for loan_id, manager_id in inspected
            ],
        )
        latest = await session.scalar(
            select(func.min(lo.inspection_year)).where(
                lo.tenant_id == TENANT, lo.id.in_([loan_id for loan_id, _ in inspected])
            )
        )
        assert latest == later.year
        report = await duty_compliance(
            session,
            scope_of(Role.HR),
            office_id=None,
            start=START,
            end=END,
            first=100,
            today=dt.date(later.year, 12, 31),
        )
        assert as_expected(report.total) == whole
