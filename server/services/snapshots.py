"""Loan snapshots: the book as it stood at a date (a month or year end).

Period-start and period-end figures of appraisals read these, so an appraisal
of a finished year gives the same result whenever it is run. Taken in one
``INSERT … SELECT``; no loan row passes through Python. The day's totals per office
(``loan_snapshot_totals``, which the portfolio trend reads) are summed from it in a second.
Runs in the caller's transaction (the takeLoanSnapshot mutation's request, the
demo loader); ``ruralcredit snapshot`` runs it as a job, :mod:`server.jobs.snapshots`.
Whoever takes it needs the role HR or RISK.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, and_, case, cast, delete, func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.db.queries.province import ZERO
from server.domain import NON_PERFORMING
from server.errors import FieldProblem, InvalidInput
from server.principal import Principal
from server.services.access import authorize
from server.services.common import require_tenant
from server.services.tenant_settings import tenant_today


def _date_literal(session: AsyncSession, day: dt.date) -> Any:
    """A date constant in a SELECT list; PostgreSQL needs its type spelled out."""
    value = literal(day, Date())
    return value if session.get_bind().dialect.name == "sqlite" else cast(value, Date())


async def take_loan_snapshot(
    session: AsyncSession,
    actor: Principal,
    *,
    as_of: dt.date,
    today: dt.date | None = None,
) -> int:
    """Record every loan issued by ``as_of`` as it stands now; replaces that date's snapshot.

    The live book is the state at ``as_of`` only if taken on that day (or later,
    with no change since); so a date in the future is refused.
    """
    authorize(actor, "takeLoanSnapshot")
    if as_of > (today or await tenant_today(session, actor.tenant_id)):
        raise InvalidInput(
            [FieldProblem("as_of", "NOT_IN_FUTURE", "a snapshot cannot be dated ahead")]
        )
    tenant_id = actor.tenant_id
    await require_tenant(session, tenant_id)
    s, lo, cu = models.LoanSnapshot, models.Loan, models.Customer
    await session.execute(delete(s).where(s.tenant_id == tenant_id, s.as_of == as_of))
    source = (
        select(
            lo.tenant_id,
            _date_literal(session, as_of),
            lo.id,
            lo.manager_id,
            lo.customer_id,
            lo.office_id,
            cu.kind,
            lo.balance,
            lo.risk_class,
            lo.days_overdue,
        )
        .select_from(
            lo.__table__.join(
                cu.__table__, and_(cu.tenant_id == lo.tenant_id, cu.id == lo.customer_id)
            )
        )
        .where(lo.tenant_id == tenant_id, lo.issued_on <= as_of)
    )
    await session.execute(
        insert(s).from_select(
            [
                "tenant_id",
                "as_of",
                "loan_id",
                "manager_id",
                "customer_id",
                "office_id",
                "customer_kind",
                "balance",
                "risk_class",
                "days_overdue",
            ],
            source,
        )
    )
    await _total(session, tenant_id, as_of)
    count = await session.scalar(
        select(func.count()).select_from(s).where(s.tenant_id == tenant_id, s.as_of == as_of)
    )
    return int(count or 0)


async def _total(session: AsyncSession, tenant_id: str, as_of: dt.date) -> None:
    """The day's snapshot summed per office (``loan_snapshot_totals``), replacing what was."""
    s, t = models.LoanSnapshot, models.LoanSnapshotTotal
    await session.execute(delete(t).where(t.tenant_id == tenant_id, t.as_of == as_of))
    bad = func.sum(case((s.risk_class.in_(NON_PERFORMING), s.balance), else_=ZERO))
    await session.execute(
        insert(t).from_select(
            ["tenant_id", "as_of", "office_id", "loans", "balance", "non_performing_balance"],
            select(s.tenant_id, s.as_of, s.office_id, func.count(), func.sum(s.balance), bad)
            .where(s.tenant_id == tenant_id, s.as_of == as_of)
            .group_by(s.tenant_id, s.as_of, s.office_id),
        )
    )
