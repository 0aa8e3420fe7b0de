"""A customer's outstanding over time, and the reference exposure a class is measured by.

Whenever a customer's total outstanding changes (a loan is written; repayments later),
a mark of the new total is kept. The reference exposure of the current class is the
larger of the outstanding when the class was set and the highest outstanding in the
12 months before (the Shanxi 维持类 rule: new credit within the reference exposure);
both are read in SQL, never by loading the loans.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.services.periods import add_months

ZERO = Decimal("0.00")
# The largest amount a money column (NUMERIC(18, 2)) holds. Single loans may reach it, so
# a customer's total can pass it; a mark keeps it there, far above any reference that counts.
MONEY_MAX = Decimal("9999999999999999.99")
REFERENCE_MONTHS = 12  # shanxi_customer_class: the highest outstanding in the 12 months before


async def outstanding(session: AsyncSession, tenant_id: str, customer_id: uuid.UUID) -> Decimal:
    """The customer's total outstanding now (the balances of its loans)."""
    total = await session.scalar(
        select(func.sum(models.Loan.balance)).where(
            models.Loan.tenant_id == tenant_id, models.Loan.customer_id == customer_id
        )
    )
    return Decimal(total or 0)


async def record_exposure(
    session: AsyncSession, tenant_id: str, customer_id: uuid.UUID
) -> models.CustomerExposureMark:
    """Keep a mark of the customer's outstanding as it is now, after a change of it (at most
    :data:`MONEY_MAX`)."""
    mark = models.CustomerExposureMark(
        tenant_id=tenant_id,
        customer_id=customer_id,
        outstanding=min(await outstanding(session, tenant_id, customer_id), MONEY_MAX),
        recorded_at=models.now(),
    )
    session.add(mark)
    await session.flush()
    return mark


def months_before(at: dt.datetime, months: int) -> dt.datetime:
    """The same moment ``months`` earlier, the day clamped to the month's end."""
    day = add_months(at.date(), -months)
    return at.replace(year=day.year, month=day.month, day=day.day)


async def highest_outstanding(
    session: AsyncSession,
    tenant_id: str,
    customer_id: uuid.UUID,
    since: dt.datetime,
    until: dt.datetime,
) -> Decimal:
    """The highest outstanding from ``since`` to ``until`` (both included), from the marks.

    The outstanding at ``since`` is the last mark before it, which held until the next.
    """
    m = models.CustomerExposureMark
    mine = (m.tenant_id == tenant_id, m.customer_id == customer_id)
    peak = await session.scalar(
        select(func.max(m.outstanding)).where(*mine, m.recorded_at >= since, m.recorded_at <= until)
    )
    carried = await session.scalar(
        select(m.outstanding)
        .where(*mine, m.recorded_at < since)
        .order_by(m.recorded_at.desc(), m.id.desc())
        .limit(1)
    )
    return max(Decimal(peak or 0), Decimal(carried or 0))


async def reference_exposure(session: AsyncSession, customer: models.Customer) -> Decimal | None:
    """The larger of the outstanding when the current class was set and the highest
    outstanding in the 12 months before; ``None`` for a customer never classified."""
    if customer.class_set_at is None:
        return None
    at_class_set = customer.exposure_at_class_set or ZERO
    before = await highest_outstanding(
        session,
        customer.tenant_id,
        customer.id,
        months_before(customer.class_set_at, REFERENCE_MONTHS),
        customer.class_set_at,
    )
    return max(at_class_set, before)
