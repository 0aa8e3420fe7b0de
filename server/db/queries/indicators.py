"""The computed indicators' aggregations: one ``GROUP BY manager_id`` statement per figure.

No loan row is loaded into Python. Each aggregation reads either a loan snapshot
(``as_of``) or the live loans, for every manager of the tenant or those given,
and returns the figures by manager under their indicator keys.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Exists,
    Select,
    and_,
    case,
    distinct,
    exists,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from server.db import models
from server.db.models.lending import LoanMovement
from server.domain import NON_PERFORMING, CustomerKind, DutyKind
from server.loan_book import LoanMovementKind

ZERO = Decimal(0)
NOTICE_DAYS_BEFORE_MATURITY = 30  # 山东办法 第三条(四): 到期30天前书面催收
INSPECTION_LARGE_INDIVIDUAL = Decimal(50_000)  # C1.4: 自然人5万元及以上每半年检查
TOP_BORROWERS_PER_OFFICE = 10  # C1.4: 本机构前10大户按季检查

ManagerFigures = dict[uuid.UUID, dict[str, Decimal]]
"""Manager → indicator key → value."""


def days_before(session: AsyncSession, column: Any, days: int) -> ColumnElement[Any]:
    """``column - days`` for a DATE column, on PostgreSQL and SQLite."""
    if session.get_bind().dialect.name == "sqlite":
        shifted: ColumnElement[Any] = func.date(column, f"-{int(days)} days")
    else:
        shifted = column - literal_column(str(int(days)))
    return shifted


async def snapshot_exists(session: AsyncSession, tenant_id: str, as_of: dt.date) -> bool:
    found = await session.scalar(
        select(models.LoanSnapshot.loan_id)
        .where(models.LoanSnapshot.tenant_id == tenant_id, models.LoanSnapshot.as_of == as_of)
        .limit(1)
    )
    return found is not None


def _npl(risk: Any, balance: Any) -> Any:
    return func.sum(case((risk.in_(list(NON_PERFORMING)), balance), else_=ZERO))


def _scope(column: Any, manager_ids: set[uuid.UUID] | None) -> list[ColumnElement[bool]]:
    return [] if manager_ids is None else [column.in_(manager_ids)]


async def end_state(
    session: AsyncSession,
    tenant_id: str,
    as_of: dt.date | None,
    manager_ids: set[uuid.UUID] | None,
) -> ManagerFigures:
    """Customers, balance and non-performing balance at ``as_of`` (the live loans if None)."""
    if as_of is not None:
        s = models.LoanSnapshot
        manager, customer, kind, balance, risk = (
            s.manager_id,
            s.customer_id,
            s.customer_kind,
            s.balance,
            s.risk_class,
        )
        where = [s.tenant_id == tenant_id, s.as_of == as_of, *_scope(s.manager_id, manager_ids)]
        source: Any = s
    else:
        lo, cu = models.Loan, models.Customer
        manager, customer, kind, balance, risk = (
            lo.manager_id,
            lo.customer_id,
            cu.kind,
            lo.balance,
            lo.risk_class,
        )
        where = [lo.tenant_id == tenant_id, *_scope(lo.manager_id, manager_ids)]
        source = lo.__table__.join(
            cu.__table__, and_(cu.tenant_id == lo.tenant_id, cu.id == lo.customer_id)
        )
    outstanding = balance > 0
    stmt = (
        select(
            manager,
            func.count(
                distinct(case((and_(outstanding, kind == CustomerKind.INDIVIDUAL), customer)))
            ),
            func.count(
                distinct(case((and_(outstanding, kind == CustomerKind.CORPORATE), customer)))
            ),
            func.sum(balance),
            _npl(risk, balance),
        )
        .select_from(source)
        .where(*where)
        .group_by(manager)
    )
    figures: ManagerFigures = {}
    for mid, natural, corporate, total, npl in (await session.execute(stmt)).all():
        total = Decimal(total or 0)
        npl = Decimal(npl or 0)
        figures[mid] = {
            "customers_natural": Decimal(natural),
            "customers_corporate": Decimal(corporate),
            "loan_balance": total,
            "npl_balance_end": npl,
            "npl_ratio": (npl / total) if total > 0 else ZERO,
        }
    return figures


async def npl_start(
    session: AsyncSession,
    tenant_id: str,
    as_of: dt.date,
    manager_ids: set[uuid.UUID] | None,
) -> ManagerFigures:
    """The non-performing balance in the snapshot as of the day before the period."""
    s = models.LoanSnapshot
    stmt = (
        select(s.manager_id, _npl(s.risk_class, s.balance))
        .where(s.tenant_id == tenant_id, s.as_of == as_of, *_scope(s.manager_id, manager_ids))
        .group_by(s.manager_id)
    )
    return {
        mid: {"npl_balance_start": Decimal(npl or 0)}
        for mid, npl in (await session.execute(stmt)).all()
    }


async def loans_issued(
    session: AsyncSession,
    tenant_id: str,
    start: dt.date,
    end: dt.date,
    manager_ids: set[uuid.UUID] | None,
) -> ManagerFigures:
    """The principal of the loans issued from ``start`` to ``end``."""
    lo = models.Loan
    stmt = (
        select(lo.manager_id, func.sum(lo.principal))
        .where(
            lo.tenant_id == tenant_id,
            lo.issued_on >= start,
            lo.issued_on <= end,
            *_scope(lo.manager_id, manager_ids),
        )
        .group_by(lo.manager_id)
    )
    return {
        mid: {"loans_issued": Decimal(issued or 0)}
        for mid, issued in (await session.execute(stmt)).all()
    }


async def notice_coverage(
    session: AsyncSession,
    tenant_id: str,
    start: dt.date,
    end: dt.date,
    manager_ids: set[uuid.UUID] | None,
) -> ManagerFigures:
    """The share of loans due from ``start`` to ``end`` (or overdue) with a timely notice."""
    lo, d = models.Loan, models.DutyRecord
    noticed = exists().where(
        d.tenant_id == lo.tenant_id,
        d.loan_id == lo.id,
        d.kind == DutyKind.COLLECTION_NOTICE,
        d.done_on <= days_before(session, lo.matures_on, NOTICE_DAYS_BEFORE_MATURITY),
    )
    due = or_(
        and_(lo.matures_on >= start, lo.matures_on <= end),
        and_(lo.days_overdue > 0, lo.balance > 0, lo.matures_on <= end),
    )
    stmt = (
        select(lo.manager_id, func.count(), func.sum(case((noticed, 1), else_=0)))
        .where(lo.tenant_id == tenant_id, due, *_scope(lo.manager_id, manager_ids))
        .group_by(lo.manager_id)
    )
    return {
        mid: {"notice_coverage": Decimal(int(with_notice or 0)) / Decimal(int(total))}
        for mid, total, with_notice in (await session.execute(stmt)).all()
    }


def top_borrowers(tenant_id: str) -> Select[Any]:
    """The customers who are among the 10 largest borrowers (by balance) of their office
    (C1.4: 本机构前10大户按季检查), read from each customer's outstanding per office that
    the database keeps (``office_borrowers``); of equal outstandings, the lower id first.

    Each office's cut — its tenth (outstanding, customer) in that order, none when it has
    fewer borrowers — is read by the table's index, a row per office; then the borrowers at
    or above it, by the same index (a range of each office's rows, not all of them)."""
    b, o = models.OfficeBorrower, models.Office
    ranked = aliased(models.OfficeBorrower)

    def tenth(column: Any) -> Any:
        return (
            select(column)
            .where(
                ranked.tenant_id == o.tenant_id,
                ranked.office_id == o.id,
                ranked.outstanding > 0,
            )
            .order_by(ranked.outstanding.desc(), ranked.customer_id)
            .offset(TOP_BORROWERS_PER_OFFICE - 1)
            .limit(1)
            .scalar_subquery()
        )

    cut = (
        select(
            o.id.label("office_id"),
            tenth(ranked.outstanding).label("amount"),
            tenth(ranked.customer_id).label("customer_id"),
        )
        .where(o.tenant_id == tenant_id)
        # Kept whole (not merged into the join, which would read the cut once a borrower).
        .offset(0)
        .subquery("cut")
    )
    return (
        select(b.customer_id)
        .join(cut, cut.c.office_id == b.office_id)
        .where(
            b.tenant_id == tenant_id,
            b.outstanding > 0,
            b.outstanding >= func.coalesce(cut.c.amount, 0),
            or_(
                cut.c.amount.is_(None),
                b.outstanding > cut.c.amount,
                b.customer_id <= cut.c.customer_id,
            ),
        )
    )


def inspection_recorded(first: dt.date, last: dt.date) -> Exists:
    """The loan (``models.Loan`` of the enclosing statement) has an inspection recorded
    from ``first`` to ``last``, both included (C1.4: 每季/每半年/每年检查)."""
    lo, d = models.Loan, models.DutyRecord
    return exists().where(
        d.tenant_id == lo.tenant_id,
        d.loan_id == lo.id,
        d.kind == DutyKind.INSPECTION,
        d.done_on >= first,
        d.done_on <= last,
    )


def _sub_intervals(start: dt.date, end: dt.date, months: int) -> list[tuple[dt.date, dt.date]]:
    """The ``months``-long intervals of the year that end within ``start``–``end``."""
    year = start.year
    intervals = []
    for first_month in range(1, 13, months):
        first = dt.date(year, first_month, 1)
        last_month = first_month + months - 1
        last = (
            dt.date(year, 12, 31)
            if last_month == 12
            else dt.date(year, last_month + 1, 1) - dt.timedelta(days=1)
        )
        if start <= last <= end:
            intervals.append((first, last))
    return intervals


async def missing_inspections(
    session: AsyncSession,
    tenant_id: str,
    start: dt.date,
    end: dt.date,
    manager_ids: set[uuid.UUID] | None,
    *,
    large_loan_threshold: Decimal,
) -> ManagerFigures:
    """Inspections due in the period (quarterly, half-yearly or yearly by loan) not reported."""
    lo, cu = models.Loan, models.Customer
    top = top_borrowers(tenant_id)
    quarterly = or_(
        cu.kind == CustomerKind.CORPORATE,
        lo.customer_id.in_(top),
        lo.principal >= large_loan_threshold,
    )
    half_yearly = and_(~quarterly, lo.principal >= INSPECTION_LARGE_INDIVIDUAL)
    yearly = and_(~quarterly, lo.principal < INSPECTION_LARGE_INDIVIDUAL)
    missing: dict[uuid.UUID, int] = defaultdict(int)
    for months, schedule in ((3, quarterly), (6, half_yearly), (12, yearly)):
        for first, last in _sub_intervals(start, end, months):
            reported = inspection_recorded(first, last)
            stmt = (
                select(lo.manager_id, func.count())
                .select_from(
                    lo.__table__.join(
                        cu.__table__, and_(cu.tenant_id == lo.tenant_id, cu.id == lo.customer_id)
                    )
                )
                .where(
                    lo.tenant_id == tenant_id,
                    lo.issued_on <= last,
                    or_(lo.balance > 0, lo.matures_on >= first),
                    schedule,
                    ~reported,
                    *_scope(lo.manager_id, manager_ids),
                )
                .group_by(lo.manager_id)
            )
            for mid, n in (await session.execute(stmt)).all():
                missing[mid] += int(n)
    return {mid: {"missing_inspection_reports": Decimal(n)} for mid, n in missing.items()}


async def movement_sums(
    session: AsyncSession,
    tenant_id: str,
    start: dt.date,
    end: dt.date,
    manager_ids: set[uuid.UUID] | None,
) -> ManagerFigures:
    """The loan book's movements dated from ``start`` to ``end``, summed by the manager they
    were recorded for: interest repaid, principal repaid on loans non-performing then,
    recoveries of written-off loans, non-performing balance written off."""
    m = LoanMovement
    npl = m.risk_class.in_(list(NON_PERFORMING))

    def total(kind: LoanMovementKind, *conditions: Any) -> Any:
        return func.sum(case((and_(m.kind == kind, *conditions), m.amount), else_=ZERO))

    stmt = (
        select(
            m.manager_id,
            total(LoanMovementKind.REPAYMENT_INTEREST),
            total(LoanMovementKind.REPAYMENT_PRINCIPAL, npl),
            total(LoanMovementKind.WRITE_OFF_RECOVERY),
            total(LoanMovementKind.WRITE_OFF, npl),
        )
        .where(
            m.tenant_id == tenant_id,
            m.kind.in_(list(MOVEMENT_KINDS)),
            m.moved_on >= start,
            m.moved_on <= end,
            *_scope(m.manager_id, manager_ids),
        )
        .group_by(m.manager_id)
    )
    return {
        mid: {
            "interest_recovered": Decimal(interest or 0),
            "npl_cash_recovered": Decimal(cash or 0),
            "writeoff_recovered": Decimal(recovered or 0),
            "npl_written_off": Decimal(written_off or 0),
        }
        for mid, interest, cash, recovered, written_off in (await session.execute(stmt)).all()
    }


MOVEMENT_KINDS = frozenset(
    {
        LoanMovementKind.REPAYMENT_INTEREST,
        LoanMovementKind.REPAYMENT_PRINCIPAL,
        LoanMovementKind.WRITE_OFF_RECOVERY,
        LoanMovementKind.WRITE_OFF,
    }
)
"""The movements the period figures sum."""
