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
pass over the loans, what was done read from each loan's row (``duties_done``); what
comes back is counts by office and manager, summed into the report's rows here.
"""

from __future__ import annotations

import datetime as dt
import operator
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    and_,
    case,
    cast,
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
from server.domain import CustomerKind
from server.errors import BadQueryArgument
from server.policy.vocabulary import LabelledEnum
from server.services.duties import calendar_interval
from server.services.reports.duties_done import inspected_within
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
    for booked, manager, numbers in await _duties(session, scope, office, start, end, today):
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


# The counts summed packed into few numbers (the planner cannot share an expression
# between sums: a loan's schedule worked out once per sum, not once per count): per
# schedule the reports due plus the reports done times ``SLOT``; the notices due plus
# those sent on time times ``SLOT`` plus the late ones times ``SLOT ** 2``. A count of
# one office and manager stays below ``SLOT`` (at most 5 reports of one schedule fall due
# in a period, one notice a loan) while their loans are fewer than ``MAX_GROUP_LOANS``;
# each sum stays within a signed 64-bit integer (SQLite's).
SLOT = 1 << 21
MAX_GROUP_LOANS = (SLOT - 1) // 5


def _unpacked(loans: int, notices: Any, packed: list[Any]) -> list[int]:
    """One office and manager's counts, as :data:`WIDTH` says, from the packed sums."""
    if loans > MAX_GROUP_LOANS:
        raise OverflowError(f"{loans} loans of one manager at one office: too many to count")
    n = int(notices or 0)
    counts = [n % SLOT, n // SLOT % SLOT, n // SLOT // SLOT]
    values = [int(v or 0) for v in packed]
    return counts + [v % SLOT for v in values] + [v // SLOT for v in values]


async def _duties(
    session: AsyncSession,
    scope: Scope,
    office: models.Office,
    start: dt.date,
    end: dt.date,
    today: dt.date,
) -> list[tuple[uuid.UUID, uuid.UUID, list[int]]]:
    """(office, manager, counts) of the duties due from start to end, the counts as
    :data:`WIDTH` says (notices due, on time, late; reports due and done by schedule); an
    office and manager once.

    One pass over the loans counts what is due: the reports due summed over the
    intervals of the loan's schedule (each a term: a loan owes an interval's report when
    it is of the interval's schedule, issued by its end and outstanding or not yet mature
    at its start), those of them done (an inspection within the interval), and the
    notices due, with the first notice sent of each — what was done read from the loan's
    own row (``duties_done``). The loans inspected quarterly whatever their size, the
    corporate customers' and the top borrowers', are one join of those customers."""
    intervals = inspection_intervals(start, end)
    lo, cu = models.Loan, models.Customer
    large = (await tenant_settings(session, scope.tenant_id)).large_loan_threshold
    tops = list((await session.execute(top_borrowers(scope.tenant_id))).scalars())
    listed = (
        select(cu.id.label("id"))
        .where(
            cu.tenant_id == scope.tenant_id,
            or_(cu.kind == CustomerKind.CORPORATE, among(cu.id, tops)),
        )
        .subquery("listed")
    )
    # The schedule as its index in FREQUENCIES: a number compares faster than a name.
    index = {f: literal(FREQUENCIES.index(f)) for f in FREQUENCIES}
    frequency = case(
        (
            or_(listed.c.id.is_not(None), lo.principal >= large),
            index[InspectionFrequency.QUARTERLY],
        ),
        (lo.principal >= INSPECTION_LARGE_INDIVIDUAL, index[InspectionFrequency.HALF_YEARLY]),
        else_=index[InspectionFrequency.YEARLY],
    )

    def packed(f: InspectionFrequency) -> Any:
        """The reports of schedule ``f`` a loan owes, plus those done times ``SLOT``."""
        terms = []
        for g, first, last in intervals:
            if g != f:
                continue
            owes = and_(
                lo.issued_on <= literal(last, Date),
                or_(lo.balance > 0, lo.matures_on >= literal(first, Date)),
            )
            terms.append(
                case(
                    (owes, case((inspected_within(first, last, today), SLOT + 1), else_=1)), else_=0
                )
            )
        # 0 for a loan of another schedule.
        return case(
            {FREQUENCIES.index(f): sum(terms, start=literal(0, BigInteger))},
            value=frequency,
            else_=0,
        )

    due_on = type_coerce(days_before(session, lo.matures_on, NOTICE_DAYS_BEFORE_MATURITY), Date)
    notice_due = and_(
        due_on >= start,
        due_on <= end,
        lo.issued_on <= due_on,
        or_(lo.closed_on.is_(None), lo.closed_on > due_on),
        or_(lo.written_off_on.is_(None), lo.written_off_on > due_on),
    )
    notice = case(
        (~notice_due, 0),
        (lo.first_notice_on <= due_on, 1 + SLOT),
        (lo.first_notice_on > due_on, 1 + SLOT * SLOT),
        else_=1,
    )

    def total(counts: Any) -> Any:
        """A packed sum as a 64-bit integer (PostgreSQL sums BIGINTs as NUMERIC, which
        reaches Python as a Decimal: ten times slower to unpack)."""
        return cast(func.sum(counts), BigInteger)

    notices = total(literal(0, BigInteger) + notice)
    groups = (
        select(
            lo.office_id,
            lo.manager_id,
            func.count().label("loans"),
            notices.label("notices"),
            *(total(packed(f)).label(f"reports_{f.value}") for f in FREQUENCIES),
        )
        .select_from(lo.__table__.outerjoin(listed, listed.c.id == lo.customer_id))
        .where(*in_subtree(scope, office, lo))
        # By office and manager only, each schedule a column: grouped by the schedule
        # too, the planner cannot tell how few groups there are and sorts the whole book.
        .group_by(lo.office_id, lo.manager_id)
    )
    if not intervals:
        # No report falls due: the managers counted are those with a notice due.
        groups = groups.having(notices > 0)
    # Core, not the ORM: plain rows of numbers need none of its row building.
    rows = (await (await session.connection()).execute(groups)).all()
    return [(booked, manager, _unpacked(n, k, values)) for booked, manager, n, k, *values in rows]


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
