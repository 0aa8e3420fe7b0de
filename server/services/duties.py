"""Post-loan duties: what each manager must do for their loans, and by when.

Source: 山东办法 第三条(四) and item C1.4 (core.md, post-loan duties):
- a written collection notice at least 30 days before maturity;
- once a loan is overdue, a collection at least once a quarter;
- inspection reports: corporate loans, the office's 10 largest borrowers and large
  loans quarterly, natural persons with 50,000 or more half-yearly, others yearly.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.db.queries.indicators import (
    INSPECTION_LARGE_INDIVIDUAL,
    NOTICE_DAYS_BEFORE_MATURITY,
    top_borrowers,
)
from server.domain import CustomerKind, DutyKind
from server.errors import FieldProblem, InvalidInput
from server.principal import Principal
from server.services.access import authorize, get_in_scope
from server.services.tenant_settings import tenant_settings, tenant_today

NOTICE_LOOKAHEAD_DAYS = 60
"""Notices appear in the list this many days before they fall due."""


@dataclass(frozen=True)
class Duty:
    loan_id: uuid.UUID
    contract_no: str
    kind: DutyKind
    due_on: dt.date
    overdue: bool
    article: str


def calendar_interval(on: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """The ``months``-long interval of the calendar year that holds ``on``."""
    first_month = (on.month - 1) // months * months + 1
    start = dt.date(on.year, first_month, 1)
    last_month = first_month + months - 1
    end = (
        dt.date(on.year, 12, 31)
        if last_month == 12
        else dt.date(on.year, last_month + 1, 1) - dt.timedelta(days=1)
    )
    return start, end


async def duties_for(
    session: AsyncSession,
    tenant_id: str,
    manager_ids: Iterable[uuid.UUID],
    today: dt.date,
) -> dict[uuid.UUID, list[Duty]]:
    """Due and overdue duties of each manager's outstanding loans, earliest first."""
    ids = set(manager_ids)
    lo, cu, d = models.Loan, models.Customer, models.DutyRecord
    loans = (
        await session.execute(
            select(lo, cu.kind)
            .join(cu, (cu.tenant_id == lo.tenant_id) & (cu.id == lo.customer_id))
            .where(lo.tenant_id == tenant_id, lo.manager_id.in_(ids), lo.balance > 0)
            .order_by(lo.manager_id, lo.id)
        )
    ).all()
    loan_ids = [loan.id for loan, _ in loans]
    done: dict[tuple[uuid.UUID, DutyKind], list[dt.date]] = defaultdict(list)
    if loan_ids:
        for loan_id, duty_kind, on in (
            await session.execute(
                select(d.loan_id, d.kind, d.done_on).where(
                    d.tenant_id == tenant_id, d.loan_id.in_(loan_ids)
                )
            )
        ).all():
            done[(loan_id, duty_kind)].append(on)
    top = set((await session.execute(top_borrowers(tenant_id))).scalars()) if loans else set()
    large = (await tenant_settings(session, tenant_id)).large_loan_threshold
    out: dict[uuid.UUID, list[Duty]] = {mid: [] for mid in ids}
    for loan, customer_kind in loans:
        duties = out[loan.manager_id]
        notice_due = loan.matures_on - dt.timedelta(days=NOTICE_DAYS_BEFORE_MATURITY)
        noticed = any(on <= notice_due for on in done[(loan.id, DutyKind.COLLECTION_NOTICE)])
        if not noticed and notice_due <= today + dt.timedelta(days=NOTICE_LOOKAHEAD_DAYS):
            duties.append(
                Duty(
                    loan.id,
                    loan.contract_no,
                    DutyKind.COLLECTION_NOTICE,
                    notice_due,
                    notice_due < today,
                    "山东办法 第三条(四): 到期30天前书面催收",
                )
            )
        if loan.days_overdue > 0:
            start, end = calendar_interval(today, 3)
            collected = any(
                start <= on <= end for on in done[(loan.id, DutyKind.OVERDUE_COLLECTION)]
            )
            if not collected:
                duties.append(
                    Duty(
                        loan.id,
                        loan.contract_no,
                        DutyKind.OVERDUE_COLLECTION,
                        end,
                        False,
                        "山东办法 第三条(四): 逾期后每季度至少催收一次",
                    )
                )
        if (
            customer_kind == CustomerKind.CORPORATE
            or loan.customer_id in top
            or loan.principal >= large
        ):
            months = 3
        elif loan.principal >= Decimal(INSPECTION_LARGE_INDIVIDUAL):
            months = 6
        else:
            months = 12
        start, end = calendar_interval(today, months)
        previous_end = start - dt.timedelta(days=1)
        previous_start = calendar_interval(previous_end, months)[0]
        inspections = done[(loan.id, DutyKind.INSPECTION)]
        if loan.issued_on <= previous_end and not any(
            previous_start <= on <= previous_end for on in inspections
        ):
            duties.append(
                Duty(
                    loan.id,
                    loan.contract_no,
                    DutyKind.INSPECTION,
                    previous_end,
                    True,
                    "山东办法 C1.4: 贷后检查报告",
                )
            )
        if not any(start <= on <= end for on in inspections):
            duties.append(
                Duty(
                    loan.id,
                    loan.contract_no,
                    DutyKind.INSPECTION,
                    end,
                    False,
                    "山东办法 C1.4: 贷后检查报告",
                )
            )
    for duties in out.values():
        duties.sort(key=lambda x: (x.due_on, x.contract_no, x.kind.value))
    return out


async def record_duty(
    session: AsyncSession,
    actor: Principal,
    *,
    loan_id: str,
    kind: DutyKind,
    done_on: dt.date,
    note: str | None,
    today: dt.date | None = None,
) -> models.DutyRecord:
    """Record a post-loan duty done for a loan; it counts for the loan's manager."""
    scope = authorize(actor, "recordDuty")
    if done_on > (today or await tenant_today(session, actor.tenant_id)):
        raise InvalidInput(
            [FieldProblem("done_on", "NOT_IN_FUTURE", "a duty cannot be done ahead")]
        )
    loan = await get_in_scope(session, models.Loan, scope, loan_id, field="loan_id", entity="Loan")
    record = models.DutyRecord(
        tenant_id=actor.tenant_id,
        loan_id=loan.id,
        manager_id=loan.manager_id,
        kind=kind,
        done_on=done_on,
        note=note,
        recorded_by=actor.user_id,
    )
    session.add(record)
    await session.flush()
    return record
