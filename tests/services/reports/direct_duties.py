"""The duty-compliance figures computed directly: the tenant's loans and duty records read
with hand-written SQL, the duties counted loan by loan in Python from the rules as the spec
states them (none of the server's report or duty code), for the tests to compare with."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Date, String, Uuid, text
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models.base import Money

NOTICE_DAYS = 30  # 山东办法 第三条(四): 到期30天前书面催收
HALF_YEARLY_FROM = Decimal(50_000)  # C1.4: 自然人5万元及以上每半年检查
TOP = 10  # C1.4: 本机构前10大户按季检查
FREQUENCIES = {3: "QUARTERLY", 6: "HALF_YEARLY", 12: "YEARLY"}


@dataclass
class Expected:
    """Notices due, sent on time and late; inspections (due, done) by frequency."""

    notices_due: int = 0
    on_time: int = 0
    late: int = 0
    inspections: dict[str, tuple[int, int]] = field(
        default_factory=lambda: dict.fromkeys(FREQUENCIES.values(), (0, 0))
    )

    def add_inspection(self, frequency: str, due: int, done: int) -> None:
        d, m = self.inspections[frequency]
        self.inspections[frequency] = (d + due, m + done)

    def __iadd__(self, other: Expected) -> Expected:
        self.notices_due += other.notices_due
        self.on_time += other.on_time
        self.late += other.late
        for frequency, (due, done) in other.inspections.items():
            self.add_inspection(frequency, due, done)
        return self


@dataclass(frozen=True)
class LoanRow:
    id: uuid.UUID
    manager_id: uuid.UUID
    office_id: uuid.UUID
    path: str
    customer_id: uuid.UUID
    corporate: bool
    principal: Decimal
    balance: Decimal
    issued_on: dt.date
    matures_on: dt.date
    closed_on: dt.date | None
    written_off_on: dt.date | None


async def loans(session: AsyncSession, tenant: str) -> list[LoanRow]:
    statement = text(
        "SELECT l.id, l.manager_id, l.office_id, o.path, l.customer_id, c.kind, l.principal, "
        "l.balance, l.issued_on, l.matures_on, l.closed_on, l.written_off_on FROM loans l "
        "JOIN customers c ON c.tenant_id = l.tenant_id AND c.id = l.customer_id "
        "JOIN offices o ON o.tenant_id = l.tenant_id AND o.id = l.office_id "
        "WHERE l.tenant_id = :t"
    ).columns(
        # Money, the columns' own type: SQLite holds amounts as whole fen.
        id=Uuid(),
        manager_id=Uuid(),
        office_id=Uuid(),
        path=String(),
        customer_id=Uuid(),
        kind=String(),
        principal=Money,
        balance=Money,
        issued_on=Date(),
        matures_on=Date(),
        closed_on=Date(),
        written_off_on=Date(),
    )
    rows = (await session.execute(statement, {"t": tenant})).all()
    return [
        LoanRow(
            r.id,
            r.manager_id,
            r.office_id,
            r.path,
            r.customer_id,
            r.kind == "CORPORATE",
            Decimal(r.principal),
            Decimal(r.balance),
            r.issued_on,
            r.matures_on,
            r.closed_on,
            r.written_off_on,
        )
        for r in rows
    ]


async def records(session: AsyncSession, tenant: str) -> dict[tuple[uuid.UUID, str], list[dt.date]]:
    statement = text(
        "SELECT loan_id, kind, done_on FROM duty_records WHERE tenant_id = :t"
    ).columns(loan_id=Uuid(), kind=String(), done_on=Date())
    out: dict[tuple[uuid.UUID, str], list[dt.date]] = defaultdict(list)
    for loan_id, kind, done_on in (await session.execute(statement, {"t": tenant})).all():
        out[(loan_id, kind)].append(done_on)
    return out


def top_borrowers(book: list[LoanRow]) -> set[uuid.UUID]:
    """The 10 customers of each office with the largest outstanding balance there."""
    by_office: dict[uuid.UUID, dict[uuid.UUID, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for loan in book:
        if loan.balance > 0:
            by_office[loan.office_id][loan.customer_id] += loan.balance
    top: set[uuid.UUID] = set()
    for balances in by_office.values():
        ranked = sorted(balances.items(), key=lambda kv: kv[1], reverse=True)
        if len(ranked) > TOP:
            # A tie across the cut would make the top ten a matter of row order.
            assert ranked[TOP - 1][1] != ranked[TOP][1]
        top.update(customer for customer, _ in ranked[:TOP])
    return top


def intervals(months: int, start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The calendar quarters, halves or years that end from ``start`` to ``end``."""
    out = []
    for year in range(start.year, end.year + 1):
        for first_month in range(1, 13, months):
            first = dt.date(year, first_month, 1)
            after = first_month + months
            last = (
                dt.date(year + 1, 1, 1) if after > 12 else dt.date(year, after, 1)
            ) - dt.timedelta(days=1)
            if start <= last <= end:
                out.append((first, last))
    return out


async def compliance(
    session: AsyncSession,
    tenant: str,
    start: dt.date,
    end: dt.date,
    *,
    large_loan: Decimal,
) -> tuple[list[LoanRow], dict[uuid.UUID, Expected]]:
    """The tenant's loans, and each loan's duties from ``start`` to ``end``."""
    book = await loans(session, tenant)
    done = await records(session, tenant)
    top = top_borrowers(book)
    out: dict[uuid.UUID, Expected] = {}
    for loan in book:
        e = out[loan.id] = Expected()
        notice_day = loan.matures_on - dt.timedelta(days=NOTICE_DAYS)
        live_then = all(d is None or d > notice_day for d in (loan.closed_on, loan.written_off_on))
        if start <= notice_day <= end and loan.issued_on <= notice_day and live_then:
            notices = done.get((loan.id, "COLLECTION_NOTICE"), [])
            on_time = any(d <= notice_day for d in notices)
            e.notices_due += 1
            e.on_time += on_time
            e.late += bool(notices) and not on_time
        if loan.corporate or loan.customer_id in top or loan.principal >= large_loan:
            months = 3
        elif loan.principal >= HALF_YEARLY_FROM:
            months = 6
        else:
            months = 12
        inspected = done.get((loan.id, "INSPECTION"), [])
        for first, last in intervals(months, start, end):
            if loan.issued_on <= last and (loan.balance > 0 or loan.matures_on >= first):
                e.add_inspection(FREQUENCIES[months], 1, any(first <= d <= last for d in inspected))
    return book, out


def summed(per_loan: dict[uuid.UUID, Expected], loan_ids: list[uuid.UUID]) -> Expected:
    total = Expected()
    for loan_id in loan_ids:
        total += per_loan[loan_id]
    return total
