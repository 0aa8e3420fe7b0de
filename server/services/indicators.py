"""The indicators the core computes, by SQL aggregation over every manager at once.

No loan row is loaded into Python: each figure is one ``GROUP BY manager_id``
statement. End-of-period figures read the loan snapshot taken at the period's
end; for a period not yet over, the live loans stand in for it. Start-of-period
figures read the snapshot of the day before the period starts. A figure whose
snapshot is missing is reported as unavailable, with the reason — never as 0.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
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
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from server.db import models
from server.domain import NON_PERFORMING, CustomerKind, DutyKind
from server.policy.indicators import COMPUTED_INDICATORS
from server.services.periods import Period
from server.services.tenant_settings import tenant_settings

ZERO = Decimal(0)
NOTICE_DAYS_BEFORE_MATURITY = 30  # 山东办法 第三条(四): 到期30天前书面催收
INSPECTION_LARGE_INDIVIDUAL = Decimal(50_000)  # C1.4: 自然人5万元及以上每半年检查
TOP_BORROWERS_PER_OFFICE = 10  # C1.4: 本机构前10大户按季检查


@dataclass
class ComputedFigures:
    """Per-manager values, and the keys that could not be computed (with the reason)."""

    values: dict[uuid.UUID, dict[str, Decimal]] = field(default_factory=lambda: defaultdict(dict))
    unavailable: dict[str, str] = field(default_factory=dict)


def days_before(session: AsyncSession, column: Any, days: int) -> ColumnElement[Any]:
    """``column - days`` for a DATE column, on PostgreSQL and SQLite."""
    if session.get_bind().dialect.name == "sqlite":
        shifted: ColumnElement[Any] = func.date(column, f"-{int(days)} days")
    else:
        shifted = column - literal_column(str(int(days)))
    return shifted


async def _snapshot_exists(session: AsyncSession, tenant_id: str, as_of: dt.date) -> bool:
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


async def _end_state(
    session: AsyncSession,
    tenant_id: str,
    as_of: dt.date | None,
    manager_ids: set[uuid.UUID] | None,
    out: ComputedFigures,
) -> None:
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
    for mid, natural, corporate, total, npl in (await session.execute(stmt)).all():
        total = Decimal(total or 0)
        npl = Decimal(npl or 0)
        out.values[mid].update(
            customers_natural=Decimal(natural),
            customers_corporate=Decimal(corporate),
            loan_balance=total,
            npl_balance_end=npl,
            npl_ratio=(npl / total) if total > 0 else ZERO,
        )


async def _npl_start(
    session: AsyncSession,
    tenant_id: str,
    as_of: dt.date,
    manager_ids: set[uuid.UUID] | None,
    out: ComputedFigures,
) -> None:
    s = models.LoanSnapshot
    stmt = (
        select(s.manager_id, _npl(s.risk_class, s.balance))
        .where(s.tenant_id == tenant_id, s.as_of == as_of, *_scope(s.manager_id, manager_ids))
        .group_by(s.manager_id)
    )
    for mid, npl in (await session.execute(stmt)).all():
        out.values[mid]["npl_balance_start"] = Decimal(npl or 0)


async def _loans_issued(
    session: AsyncSession,
    tenant_id: str,
    period: Period,
    manager_ids: set[uuid.UUID] | None,
    out: ComputedFigures,
) -> None:
    lo = models.Loan
    stmt = (
        select(lo.manager_id, func.sum(lo.principal))
        .where(
            lo.tenant_id == tenant_id,
            lo.issued_on >= period.start,
            lo.issued_on <= period.end,
            *_scope(lo.manager_id, manager_ids),
        )
        .group_by(lo.manager_id)
    )
    for mid, issued in (await session.execute(stmt)).all():
        out.values[mid]["loans_issued"] = Decimal(issued or 0)


async def _notice_coverage(
    session: AsyncSession,
    tenant_id: str,
    period: Period,
    manager_ids: set[uuid.UUID] | None,
    out: ComputedFigures,
) -> None:
    lo, d = models.Loan, models.DutyRecord
    noticed = exists().where(
        d.tenant_id == lo.tenant_id,
        d.loan_id == lo.id,
        d.kind == DutyKind.COLLECTION_NOTICE,
        d.done_on <= days_before(session, lo.matures_on, NOTICE_DAYS_BEFORE_MATURITY),
    )
    due = or_(
        and_(lo.matures_on >= period.start, lo.matures_on <= period.end),
        and_(lo.days_overdue > 0, lo.balance > 0, lo.matures_on <= period.end),
    )
    stmt = (
        select(lo.manager_id, func.count(), func.sum(case((noticed, 1), else_=0)))
        .where(lo.tenant_id == tenant_id, due, *_scope(lo.manager_id, manager_ids))
        .group_by(lo.manager_id)
    )
    for mid, total, with_notice in (await session.execute(stmt)).all():
        out.values[mid]["notice_coverage"] = Decimal(int(with_notice or 0)) / Decimal(int(total))


def top_borrowers(tenant_id: str) -> Select[Any]:
    """The customers who are among the 10 largest borrowers (by balance) of their office
    (C1.4: 本机构前10大户按季检查)."""
    lo = models.Loan
    ranked = (
        select(
            lo.customer_id.label("customer_id"),
            func.row_number()
            .over(partition_by=lo.office_id, order_by=func.sum(lo.balance).desc())
            .label("position"),
        )
        .where(lo.tenant_id == tenant_id, lo.balance > 0)
        .group_by(lo.office_id, lo.customer_id)
        .subquery()
    )
    return select(ranked.c.customer_id).where(ranked.c.position <= TOP_BORROWERS_PER_OFFICE)


def _sub_intervals(period: Period, months: int) -> list[tuple[dt.date, dt.date]]:
    """The ``months``-long intervals of the year that end within the period."""
    intervals = []
    for first_month in range(1, 13, months):
        start = dt.date(period.year, first_month, 1)
        last_month = first_month + months - 1
        end = (
            dt.date(period.year, 12, 31)
            if last_month == 12
            else dt.date(period.year, last_month + 1, 1) - dt.timedelta(days=1)
        )
        if period.start <= end <= period.end:
            intervals.append((start, end))
    return intervals


async def _missing_inspections(
    session: AsyncSession,
    tenant_id: str,
    period: Period,
    manager_ids: set[uuid.UUID] | None,
    out: ComputedFigures,
) -> None:
    lo, cu, d = models.Loan, models.Customer, models.DutyRecord
    top = top_borrowers(tenant_id)
    large = (await tenant_settings(session, tenant_id)).large_loan_threshold
    quarterly = or_(
        cu.kind == CustomerKind.CORPORATE, lo.customer_id.in_(top), lo.principal >= large
    )
    half_yearly = and_(~quarterly, lo.principal >= INSPECTION_LARGE_INDIVIDUAL)
    yearly = and_(~quarterly, lo.principal < INSPECTION_LARGE_INDIVIDUAL)
    missing: dict[uuid.UUID, int] = defaultdict(int)
    for months, schedule in ((3, quarterly), (6, half_yearly), (12, yearly)):
        for start, end in _sub_intervals(period, months):
            reported = exists().where(
                d.tenant_id == lo.tenant_id,
                d.loan_id == lo.id,
                d.kind == DutyKind.INSPECTION,
                d.done_on >= start,
                d.done_on <= end,
            )
            stmt = (
                select(lo.manager_id, func.count())
                .select_from(
                    lo.__table__.join(
                        cu.__table__, and_(cu.tenant_id == lo.tenant_id, cu.id == lo.customer_id)
                    )
                )
                .where(
                    lo.tenant_id == tenant_id,
                    lo.issued_on <= end,
                    or_(lo.balance > 0, lo.matures_on >= start),
                    schedule,
                    ~reported,
                    *_scope(lo.manager_id, manager_ids),
                )
                .group_by(lo.manager_id)
            )
            for mid, n in (await session.execute(stmt)).all():
                missing[mid] += int(n)
    for mid, n in missing.items():
        out.values[mid]["missing_inspection_reports"] = Decimal(n)


async def computed_indicators(
    session: AsyncSession,
    tenant_id: str,
    period: Period,
    keys: Iterable[str],
    *,
    manager_ids: set[uuid.UUID] | None = None,
    today: dt.date | None = None,
    sessionmaker: async_sessionmaker[AsyncSession] | None = None,
) -> ComputedFigures:
    """The COMPUTED indicators named in ``keys`` for every manager (or those given).

    A manager with no loans gets zeros for counts and sums, and coverage 1. With a
    ``sessionmaker`` on PostgreSQL the aggregations run at the same time on
    separate connections (each scans the book once; the server has cores to spare).
    A sessionmaker bound to a single connection (as in tests) runs them in turn.
    """
    wanted = set(keys)
    unknown = wanted - set(COMPUTED_INDICATORS)
    if unknown:
        raise ValueError(f"not computed by the core: {sorted(unknown)}")
    today = today or dt.date.today()
    out = ComputedFigures()
    parts: list[Callable[[AsyncSession], Awaitable[None]]] = []
    end_keys = {
        "customers_natural",
        "customers_corporate",
        "loan_balance",
        "npl_balance_end",
        "npl_ratio",
    }
    if wanted & end_keys:
        if await _snapshot_exists(session, tenant_id, period.end):
            parts.append(lambda s: _end_state(s, tenant_id, period.end, manager_ids, out))
        elif period.end >= today:
            parts.append(lambda s: _end_state(s, tenant_id, None, manager_ids, out))
        else:
            for key in wanted & end_keys:
                out.unavailable[key] = f"no loan snapshot as of {period.end} (period end)"
    if "npl_balance_start" in wanted:
        start = period.day_before_start
        if await _snapshot_exists(session, tenant_id, start):
            parts.append(lambda s: _npl_start(s, tenant_id, start, manager_ids, out))
        else:
            out.unavailable["npl_balance_start"] = (
                f"no loan snapshot as of {start} (day before the period)"
            )
    if "loans_issued" in wanted:
        parts.append(lambda s: _loans_issued(s, tenant_id, period, manager_ids, out))
    if "notice_coverage" in wanted:
        parts.append(lambda s: _notice_coverage(s, tenant_id, period, manager_ids, out))
    if "missing_inspection_reports" in wanted:
        parts.append(lambda s: _missing_inspections(s, tenant_id, period, manager_ids, out))
    parallel = (
        sessionmaker is not None
        and isinstance(sessionmaker.kw.get("bind"), AsyncEngine)
        and session.get_bind().dialect.name == "postgresql"
        and len(parts) > 1
    )
    if not parallel or sessionmaker is None:
        for part in parts:
            await part(session)
        return out

    async def on_own_connection(part: Callable[[AsyncSession], Awaitable[None]]) -> None:
        async with sessionmaker() as own, own.begin():
            await part(own)

    await asyncio.gather(*(on_own_connection(part) for part in parts))
    return out


def with_defaults(
    values: dict[str, Decimal], keys: Iterable[str], unavailable: dict[str, str]
) -> dict[str, Decimal]:
    """A manager absent from a GROUP BY has no loans: zero counts and sums, full coverage."""
    filled = dict(values)
    for key in keys:
        if key in filled or key in unavailable:
            continue
        filled[key] = Decimal(1) if key == "notice_coverage" else ZERO
    return filled
