"""Post-loan duty compliance of an office subtree over a period: collection notices due and
whether they were sent on time, late or not at all, and inspection reports due and whether
they were done — for the whole subtree, by office and by manager.

The duties are those of ``server.services.duties`` (山东办法 第三条(四), C1.4), counted
over a closed range of days instead of listed for one day:

- a collection notice is due on the day ``NOTICE_DAYS_BEFORE_MATURITY`` days before the
  loan matures; it counts for the period when that day lies in it and the loan was
  issued by then and neither closed nor written off by then (a loan repaid on the day
  needs no notice of its maturity). Sent on time: a notice recorded
  on or before that day; late: the first one after it; missing: none recorded.
- an inspection report is due once in each calendar interval of the loan's schedule
  (quarter, half year or year, by customer kind and size) that ends in the period, for a
  loan issued by the interval's end and outstanding or not yet mature at its start; done:
  an inspection recorded within the interval. The rule is the one the appraisal's C1.4
  input counts (``server.db.queries.indicators.missing_inspections``), so a year's
  missing reports here are the ones the appraisal deducts for.

A duty counts at the loan's office and for the loan's current manager, as the appraisal
inputs count it. The period ends today at the latest (a duty of a later day is not yet
missed) and spans at most ``MAX_PERIOD_DAYS`` days. One grouped statement reads it, a
pass over the loans with each loan's duty records summed beside it; what comes back is
counts by office and manager, summed into the report's rows here.
"""

from __future__ import annotations

import datetime as dt
import operator
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Date,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.db.among import among
from server.db.queries.indicators import (
    INSPECTION_LARGE_INDIVIDUAL,
    NOTICE_DAYS_BEFORE_MATURITY,
    days_before,
    top_borrowers,
)
from server.db.scope import Scope
from server.domain import CustomerKind, DutyKind
from server.errors import BadQueryArgument
from server.policy.vocabulary import LabelledEnum
from server.services.duties import calendar_interval
from server.services.reports.portfolio import in_subtree, report_office
from server.services.tenant_settings import tenant_settings

MAX_PERIOD_DAYS = 366
"""The longest period one report reads: a year, leap day included — the longest interval
of the inspection schedule (C1.4: others yearly) and the longest appraisal period."""

MAX_MANAGER_ROWS = 100
"""The most manager rows one request reads."""


class InspectionFrequency(LabelledEnum):
    """How often a loan's inspection report is due (山东办法 第三条(四), C1.4)."""

    QUARTERLY = "QUARTERLY", "按季检查"
    HALF_YEARLY = "HALF_YEARLY", "按半年检查"
    YEARLY = "YEARLY", "按年检查"


INSPECTION_MONTHS: dict[InspectionFrequency, int] = {
    # C1.4: 法人客户、本机构前10大户按季检查; 第三条(四): 大额贷款每季度至少一次.
    InspectionFrequency.QUARTERLY: 3,
    # C1.4: 自然人5万元及以上每半年检查 (INSPECTION_LARGE_INDIVIDUAL).
    InspectionFrequency.HALF_YEARLY: 6,
    # C1.4: 其他每年检查.
    InspectionFrequency.YEARLY: 12,
}
"""The length in months of each schedule's calendar intervals."""


@dataclass(frozen=True)
class NoticeCounts:
    """Collection notices due in the period: sent on time, late, or missing."""

    due: int = 0
    on_time: int = 0
    late: int = 0

    @property
    def missing(self) -> int:
        return self.due - self.on_time - self.late


@dataclass(frozen=True)
class InspectionCounts:
    """Inspection reports due in the period: done or missing."""

    due: int = 0
    done: int = 0

    @property
    def missing(self) -> int:
        return self.due - self.done

    def __add__(self, other: InspectionCounts) -> InspectionCounts:
        return InspectionCounts(self.due + other.due, self.done + other.done)


@dataclass
class DutyFigures:
    """The duties of some loans over the period; inspections by schedule, every one present."""

    notices: NoticeCounts = NoticeCounts()
    by_frequency: dict[InspectionFrequency, InspectionCounts] = field(
        default_factory=lambda: dict.fromkeys(InspectionFrequency, InspectionCounts())
    )

    @property
    def inspections(self) -> InspectionCounts:
        return sum(self.by_frequency.values(), InspectionCounts())

    @property
    def missing(self) -> int:
        """Notices not sent and inspections not done: what the manager rows are ordered by."""
        return self.notices.missing + self.inspections.missing


@dataclass(frozen=True)
class OfficeDuties:
    """One row of ``by_office``, as ``portfolio.OfficeRow``: ``subtree`` False for the
    report's own office (only the loans booked at it), True for a child office's subtree."""

    office: models.Office
    subtree: bool
    figures: DutyFigures


@dataclass(frozen=True)
class ManagerDuties:
    manager: models.Manager
    office: models.Office
    """The manager's current office."""
    figures: DutyFigures


@dataclass(frozen=True)
class DutyCompliance:
    office: models.Office
    start: dt.date
    end: dt.date
    total: DutyFigures
    by_office: list[OfficeDuties]
    managers: int
    """How many managers have a duty due in the period (``by_manager`` may show fewer)."""
    by_manager: list[ManagerDuties]


def inspection_intervals(
    start: dt.date, end: dt.date
) -> list[tuple[InspectionFrequency, dt.date, dt.date]]:
    """Each schedule's calendar intervals that end from ``start`` to ``end``."""
    out = []
    for frequency, months in INSPECTION_MONTHS.items():
        for year in range(start.year, end.year + 1):
            for first_month in range(1, 13, months):
                first, last = calendar_interval(dt.date(year, first_month, 1), months)
                if start <= last <= end:
                    out.append((frequency, first, last))
    return out


def check_period(start: dt.date, end: dt.date, today: dt.date) -> None:
    """A period from ``start`` to ``end`` (both included) the report can count, or a bad
    ``to``: not before ``from``, not after today, at most ``MAX_PERIOD_DAYS`` days."""
    if start > end:
        raise BadQueryArgument("to", f"to {end} is before from {start}")
    if end > today:
        raise BadQueryArgument("to", f"to {end} is after today ({today}): no duty of it is missed")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise BadQueryArgument("to", f"from {start} to {end} is longer than {MAX_PERIOD_DAYS} days")


FREQUENCIES = tuple(InspectionFrequency)
WIDTH = 3 + 2 * len(FREQUENCIES)
"""A row of counts: notices due, on time, late; then the reports due of each schedule,
then the reports done of each."""


def _figures(counts: list[int]) -> DutyFigures:
    kinds = len(FREQUENCIES)
    return DutyFigures(
        NoticeCounts(*counts[:3]),
        {
            f: InspectionCounts(counts[3 + i], counts[3 + kinds + i])
            for i, f in enumerate(FREQUENCIES)
        },
    )


def _missing(counts: list[int]) -> int:
    """Notices not sent and reports not done (``DutyFigures.missing`` of these counts)."""
    kinds = len(FREQUENCIES)
    notices = counts[0] - counts[1] - counts[2]
    return notices + sum(counts[3 : 3 + kinds]) - sum(counts[3 + kinds :])


async def duty_compliance(
    session: AsyncSession,
    scope: Scope,
    *,
    office_id: object | None,
    start: dt.date,
    end: dt.date,
    first: int,
    today: dt.date,
) -> DutyCompliance:
    """The duties of an office subtree in ``scope`` from ``start`` to ``end`` (see the
    module); the ``first`` managers with the most duties missing, then by employee number."""
    check_period(start, end, today)
    if not 1 <= first <= MAX_MANAGER_ROWS:
        raise BadQueryArgument("first", f"first must be from 1 to {MAX_MANAGER_ROWS}")
    office = await report_office(session, scope, office_id)
    rows = await _rows(session, scope.tenant_id, office)
    row_of = await _row_of(session, scope.tenant_id, office, rows)
    # Counts summed as plain numbers (a manager's row of them each): a tenant has thousands
    # of managers, and only the ``first`` of them are given as figures.
    total = [0] * WIDTH
    by_row = {row_id: [0] * WIDTH for row_id in rows}
    managers: dict[uuid.UUID, list[int]] = {}
    for booked, manager, *values in await _duties(session, scope, office, start, end):
        numbers = [int(v or 0) for v in values]
        row = by_row[row_of[booked]]
        for counts in (total, row, managers.setdefault(manager, [0] * WIDTH)):
            counts[:] = map(operator.add, counts, numbers)
    return DutyCompliance(
        office,
        start,
        end,
        _figures(total),
        [OfficeDuties(o, subtree, _figures(by_row[o.id])) for o, subtree in rows.values()],
        len(managers),
        await _manager_rows(session, scope.tenant_id, managers, first),
    )


async def _duties(
    session: AsyncSession, scope: Scope, office: models.Office, start: dt.date, end: dt.date
) -> list[Any]:
    """(office, manager, *counts) of the duties due from start to end, the counts as
    :data:`WIDTH` says (notices due, on time, late; reports due and done by schedule); an
    office and manager once.

    One pass over the loans counts what is due: the reports due summed over the
    intervals of the loan's schedule (each a term: a loan owes an interval's report when
    it is of the interval's schedule, issued by its end and outstanding or not yet mature
    at its start), those of them done (an inspection recorded within the interval, however
    many), and the notices due, with the first notice sent of each — what was done read
    from one sum of each loan's duty records. A loan is corporate by a join of the
    corporate customers only, not of every customer; the top borrowers are read first, a
    short list written into the pass."""
    intervals = inspection_intervals(start, end)
    lo, cu, d = models.Loan, models.Customer, models.DutyRecord
    large = (await tenant_settings(session, scope.tenant_id)).large_loan_threshold
    tops = list((await session.execute(top_borrowers(scope.tenant_id))).scalars())
    corporate = select(cu.id.label("id")).where(
        cu.tenant_id == scope.tenant_id, cu.kind == CustomerKind.CORPORATE
    )

    def frequency_of(is_corporate: Any) -> Any:
        quarterly = or_(
            is_corporate,
            lo.customer_id.in_(bindparam("tops", tops, expanding=True, literal_execute=True)),
            lo.principal >= large,
        )
        return case(
            (quarterly, literal(InspectionFrequency.QUARTERLY.value)),
            (
                lo.principal >= INSPECTION_LARGE_INDIVIDUAL,
                literal(InspectionFrequency.HALF_YEARLY.value),
            ),
            else_=literal(InspectionFrequency.YEARLY.value),
        )

    # Each loan's duties done, summed from its records alone (no loan read): its first
    # notice, and for each interval whether it holds an inspection.
    inspection = d.kind == DutyKind.INSPECTION
    done_in = [
        func.max(case((and_(inspection, d.done_on >= first, d.done_on <= last), 1), else_=0))
        for _, first, last in intervals
    ]
    wanted = [d.kind == DutyKind.COLLECTION_NOTICE]
    if intervals:
        earliest, latest = min(i[1] for i in intervals), max(i[2] for i in intervals)
        wanted.append(and_(inspection, d.done_on >= earliest, d.done_on <= latest))
    done = (
        select(
            d.loan_id.label("loan_id"),
            func.min(case((d.kind == DutyKind.COLLECTION_NOTICE, d.done_on))).label("first_on"),
            *(flag.label(f"interval_{n}") for n, flag in enumerate(done_in)),
        )
        .where(d.tenant_id == scope.tenant_id, or_(*wanted))
        .group_by(d.loan_id)
        .subquery("done")
    )
    # The pass: the corporate customers and each loan's duties done joined (hash joins
    # the planner can share among parallel workers, where a subquery per loan keeps it
    # to one process); a loan's schedule worked out once for each sum, by ``CASE
    # schedule WHEN …``, not once per interval.
    listed = corporate.subquery("corporate")
    frequency = frequency_of(listed.c.id.is_not(None))

    def counted(f: InspectionFrequency, inspected: bool) -> Any:
        """The reports of schedule ``f`` a loan owes, or owes and were done."""
        terms = []
        for n, (g, first, last) in enumerate(intervals):
            if g != f:
                continue
            owes = and_(
                lo.issued_on <= literal(last, Date),
                or_(lo.balance > 0, lo.matures_on >= literal(first, Date)),
            )
            if inspected:
                owes = and_(owes, done.c[f"interval_{n}"] == 1)
            terms.append(case((owes, 1), else_=0))
        # 0 for a loan of another schedule.
        return case({f.value: sum(terms, start=literal(0))}, value=frequency, else_=0)

    due_on = type_coerce(days_before(session, lo.matures_on, NOTICE_DAYS_BEFORE_MATURITY), Date)
    notice_due = and_(
        due_on >= start,
        due_on <= end,
        lo.issued_on <= due_on,
        or_(lo.closed_on.is_(None), lo.closed_on > due_on),
        or_(lo.written_off_on.is_(None), lo.written_off_on > due_on),
    )
    notices_due = func.sum(case((notice_due, 1), else_=0))
    first_on = done.c.first_on
    groups = (
        select(
            lo.office_id,
            lo.manager_id,
            notices_due.label("notices_due"),
            func.sum(case((and_(notice_due, first_on <= due_on), 1), else_=0)).label("on_time"),
            func.sum(case((and_(notice_due, first_on > due_on), 1), else_=0)).label("late"),
            *(func.sum(counted(f, False)).label(f"due_{f.value}") for f in FREQUENCIES),
            *(func.sum(counted(f, True)).label(f"done_{f.value}") for f in FREQUENCIES),
        )
        .select_from(
            lo.__table__.outerjoin(listed, listed.c.id == lo.customer_id).outerjoin(
                done, done.c.loan_id == lo.id
            )
        )
        .where(*in_subtree(scope, office, lo))
        # By office and manager only, each schedule a column: grouped by the schedule
        # too, the planner cannot tell how few groups there are and sorts the whole book.
        .group_by(lo.office_id, lo.manager_id)
    )
    if not intervals:
        # No report falls due: the managers counted are those with a notice due.
        groups = groups.having(notices_due > 0)
    return list((await session.execute(groups)).all())


async def _rows(
    session: AsyncSession, tenant_id: str, office: models.Office
) -> dict[uuid.UUID, tuple[models.Office, bool]]:
    """The report's rows, every one present: the office itself, then its children by code
    (each with ``subtree``, as ``OfficeDuties``)."""
    o = models.Office
    children = await session.execute(
        select(o).where(o.tenant_id == tenant_id, o.parent_id == office.id).order_by(o.code)
    )
    out = {office.id: (office, False)}
    for c in children.scalars():
        out[c.id] = (c, True)
    return out


async def _row_of(
    session: AsyncSession,
    tenant_id: str,
    office: models.Office,
    rows: dict[uuid.UUID, tuple[models.Office, bool]],
) -> dict[uuid.UUID, uuid.UUID]:
    """The report row of each office of the subtree, as the portfolio's: the office itself
    for its own loans, a child office for every office of the child's subtree."""
    o = models.Office
    found = await session.execute(
        select(o.id, o.path).where(o.tenant_id == tenant_id, o.path.startswith(office.path))
    )
    children = [(child.path, child.id) for child, subtree in rows.values() if subtree]
    return {
        office_id: next((c for prefix, c in children if path.startswith(prefix)), office.id)
        for office_id, path in found.all()
    }


async def _manager_rows(
    session: AsyncSession, tenant_id: str, figures: dict[uuid.UUID, list[int]], first: int
) -> list[ManagerDuties]:
    """The ``first`` managers by duties missing (most first), then by employee number."""
    if not figures:
        return []
    m, o = models.Manager, models.Office
    missing = {mid: _missing(counts) for mid, counts in figures.items()}
    # Only those at or above the ``first``-th most missing can be shown: their employee
    # numbers break the ties (all of a tenant's thousands are read only when they tie).
    cut = sorted(missing.values(), reverse=True)[min(first, len(missing)) - 1]
    candidates = [mid for mid, n in missing.items() if n >= cut]
    numbers = await session.execute(
        select(m.id, m.employee_no).where(m.tenant_id == tenant_id, among(m.id, candidates))
    )
    counted = sorted((-missing[mid], no, mid) for mid, no in numbers.all())
    chosen = [mid for _, _, mid in counted[:first]]
    found = await session.execute(
        select(m, o)
        .join(o, and_(o.tenant_id == m.tenant_id, o.id == m.office_id))
        .where(m.tenant_id == tenant_id, m.id.in_(chosen))
    )
    rows = {mg.id: (mg, of) for mg, of in found.all()}
    return [ManagerDuties(*rows[mid], _figures(figures[mid])) for mid in chosen]
