"""Loans and duty records for the duty-compliance tests: the demo data of ``sd-demo`` and, at
a new outlet under one of its branches, three managers whose loans sit on every bound of
the notice and inspection rules, over the first half of 2026."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import CustomerKind, DutyKind, OfficeKind
from server.policy.registry import PolicyRegistry
from tests.builders import Bank
from tests.services.reports.book import TENANT, new_outlet, office

TODAY = dt.date(2026, 7, 15)
START, END = dt.date(2026, 1, 1), dt.date(2026, 6, 30)
"""The first half of 2026: the quarters Q1 and Q2 and the half year H1 end in it."""
LONG_AGO = dt.date(2025, 6, 1)
FAR_OFF = dt.date(2027, 12, 31)
"""The maturity of a loan whose notice falls after the period."""
NOTICE, INSPECTION = DutyKind.COLLECTION_NOTICE, DutyKind.INSPECTION


@dataclass
class DutyBook:
    head: models.Office
    branch: models.Office
    outlet: models.Office
    first: models.Manager
    """Notices on every bound, and a corporate loan inspected in one quarter of two."""
    second: models.Manager
    """The outlet's ten largest borrowers (quarterly) and half-yearly loans."""
    third: models.Manager
    """A large loan never inspected, and a corporate loan issued in the second quarter."""


def day(month: int, day_of_month: int, year: int = 2026) -> dt.date:
    return dt.date(year, month, day_of_month)


async def build_duty_book(session: AsyncSession, registry: PolicyRegistry) -> DutyBook:
    head = await office(session, models.Office.parent_id.is_(None))
    branch = await office(session, models.Office.kind == OfficeKind.BRANCH)
    outlet = await new_outlet(session, branch, "RPT11")
    bank = Bank(session, registry, TENANT)
    first = await bank.manager(outlet.id)
    second = await bank.manager(outlet.id)
    third = await bank.manager(outlet.id)

    async def loan(
        manager: models.Manager,
        *,
        principal: str = "20000.00",
        balance: str | None = None,
        issued_on: dt.date = LONG_AGO,
        matures_on: dt.date = FAR_OFF,
        kind: CustomerKind = CustomerKind.INDIVIDUAL,
        done: tuple[tuple[DutyKind, dt.date], ...] = (),
    ) -> models.Loan:
        customer = await bank.customer(manager, kind=kind)
        row = await bank.loan(
            customer,
            principal=principal,
            balance=balance or principal,
            issued_on=issued_on,
            matures_on=matures_on,
        )
        for kind_done, on in done:
            session.add(
                models.DutyRecord(
                    tenant_id=TENANT,
                    loan_id=row.id,
                    manager_id=manager.id,
                    kind=kind_done,
                    done_on=on,
                    note="已办",
                    recorded_by="duty-book",
                )
            )
        return row

    # Collection notices, due 30 days before maturity (first manager, small loans: yearly
    # inspections, none of which ends in the first half).
    await loan(first, matures_on=day(1, 31), done=((NOTICE, day(1, 1)),))  # due START, on time
    await loan(first, matures_on=day(3, 31), done=((NOTICE, day(2, 20)), (NOTICE, day(3, 10))))
    await loan(first, matures_on=day(4, 30), done=((NOTICE, day(4, 5)),))  # late
    await loan(first, matures_on=day(7, 30))  # due END, missing
    await loan(first, matures_on=day(7, 31))  # due 1 July: after the period
    await loan(first, matures_on=day(1, 30))  # due 31 December: before it
    closed = await loan(first, matures_on=day(5, 20), balance="0.00")  # closed before its day
    closed.closed_on = day(4, 10)
    on_the_day = await loan(first, matures_on=day(5, 20), balance="0.00")  # closed on its day
    on_the_day.closed_on = day(4, 20)
    await loan(first, issued_on=day(5, 10), matures_on=day(6, 5))  # issued after its day
    written_off = await loan(first, matures_on=day(7, 15), balance="0.00")  # before its day
    written_off.written_off_on = day(6, 1)
    written_late = await loan(first, matures_on=day(7, 15), balance="0.00")  # after: missing
    written_late.written_off_on = day(6, 20)
    # A corporate loan: quarterly, inspected in the first quarter only.
    await loan(
        first,
        principal="30000.00",
        kind=CustomerKind.CORPORATE,
        done=((INSPECTION, day(2, 14)),),
    )

    # The outlet's ten largest borrowers: quarterly; three inspected on the quarters' bounds.
    inspected = {
        0: ((INSPECTION, day(2, 1)), (INSPECTION, day(5, 1))),
        1: ((INSPECTION, day(3, 31)),),
        2: ((INSPECTION, day(4, 1)),),
    }
    for n in range(10):
        balance = Decimal("900000.00") + 1000 * n
        await loan(
            second, principal=str(balance + 1), balance=str(balance), done=inspected.get(n, ())
        )
    # Natural persons from 50,000: half-yearly.
    await loan(second, principal="60000.00", balance="50000.00", done=((INSPECTION, day(6, 30)),))
    await loan(second, principal="50000.00", balance="10000.00")  # missing
    await loan(second, principal="49999.99", balance="10000.00")  # yearly: none due
    await loan(second, principal="60000.00", balance="0.00", matures_on=day(12, 31, 2025))
    await loan(second, principal="60000.00", balance="0.00", matures_on=day(1, 1))  # missing

    # A large loan (the tenant's threshold, 5,000,000) on a small balance: quarterly.
    await loan(third, principal="5000000.00", balance="10000.00")
    await loan(
        third,
        principal="30000.00",
        kind=CustomerKind.CORPORATE,
        issued_on=day(5, 1),
        done=((INSPECTION, day(5, 15)),),
    )
    await session.flush()
    return DutyBook(head, branch, outlet, first, second, third)
