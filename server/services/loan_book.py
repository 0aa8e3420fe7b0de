"""The loan book: a loan's balance after it is written — repayments by hand, and what every
change of a loan sets off.

A loan keeps ``balance = principal - principal_repaid - written_off_amount``; each
change is a dated :class:`~server.db.models.lending.LoanMovement`. A change then flows
on as one made by hand does (:func:`follow_on`): a mark of each customer's outstanding
(``server.services.exposure``), the customer's class recomputed (its event written when
it changes, ``server.services.classification``), and the admission lapse clock
(准入办法 第二条): a corporate customer whose last credit ran out more than 6 months ago
and who now owes nothing lapses at once; one who just repaid lapses later by the daily
job (``server.services.admission``).

The bulk path (the core system's loan states) is :mod:`server.services.loan_states`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.db.among import among
from server.db.bulk import bulk_insert
from server.db.models.lending import LoanMovement
from server.domain import AdmissionStatus, CustomerKind
from server.errors import Problems
from server.ids import uuid7
from server.loan_book import LoanMovementKind, LoanStatus, MovementSource
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.access import authorize
from server.services.admission import lapse_if_due
from server.services.classification import reclassify
from server.services.exposure import MONEY_MAX
from server.services.loans import lock_loan
from server.services.tenant_settings import tenant_today

ZERO = Decimal("0.00")


def movement(
    loan: Any,
    kind: LoanMovementKind,
    amount: Decimal,
    on: dt.date,
    *,
    recorded_by: str,
    source: MovementSource = MovementSource.MANUAL,
    import_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """A movement of ``loan`` (a loan row, or any row with its columns) as the values of
    one insert; its class and manager are the loan's as it stands before the change."""
    return {
        "tenant_id": loan.tenant_id,
        "id": uuid7(),
        "loan_id": loan.id,
        "manager_id": loan.manager_id,
        "kind": kind,
        "amount": amount,
        "moved_on": on,
        "risk_class": loan.risk_class,
        "source": source,
        "import_id": import_id,
        "recorded_by": recorded_by,
        "recorded_at": models.now(),
    }


async def write_movements(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert the movements, one statement for all of them."""
    if rows:
        await session.execute(insert(LoanMovement), rows)


async def mark_exposures(
    session: AsyncSession, tenant_id: str, customer_ids: set[uuid.UUID]
) -> None:
    """A mark of each customer's outstanding as it is now: one read, one insert."""
    if not customer_ids:
        return
    lo = models.Loan
    totals = dict.fromkeys(customer_ids, ZERO)
    rows = await session.execute(
        select(lo.customer_id, func.sum(lo.balance))
        .where(lo.tenant_id == tenant_id, among(lo.customer_id, customer_ids))
        .group_by(lo.customer_id)
    )
    for customer_id, total in rows.all():
        totals[customer_id] = Decimal(total or 0)
    at = models.now()
    await bulk_insert(
        session,
        models.CustomerExposureMark,
        [
            {
                "tenant_id": tenant_id,
                "id": uuid7(),
                "customer_id": customer_id,
                "outstanding": min(total, MONEY_MAX),
                "recorded_at": at,
            }
            for customer_id, total in sorted(totals.items())
        ],
    )


async def follow_on(
    session: AsyncSession,
    registry: PolicyRegistry,
    actor: Principal,
    customer_ids: Iterable[uuid.UUID],
    *,
    today: dt.date,
    outstanding_changed: Iterable[uuid.UUID] | None = None,
) -> None:
    """What a change of these customers' loans sets off: a mark of the outstanding of those
    whose outstanding changed (by default all), their classes recomputed, lapses."""
    ids = set(customer_ids)
    if not ids:
        return
    await session.flush()
    marked = ids if outstanding_changed is None else set(outstanding_changed)
    await mark_exposures(session, actor.tenant_id, marked)
    await reclassify(session, registry, actor, ids, today=today)
    cu, lo = models.Customer, models.Loan
    owing = (
        select(lo.customer_id)
        .where(lo.tenant_id == actor.tenant_id, among(lo.customer_id, ids), lo.balance > 0)
        .distinct()
    )
    lapsing = await session.scalars(
        select(cu.id)
        .where(
            cu.tenant_id == actor.tenant_id,
            among(cu.id, ids),
            cu.kind == CustomerKind.CORPORATE,
            cu.admission_status == AdmissionStatus.APPROVED,
            cu.id.not_in(owing),
        )
        .order_by(cu.id)
    )
    for customer_id in lapsing.all():
        await lapse_if_due(
            session, actor.tenant_id, customer_id, today=today, recorded_by=actor.user_id
        )


async def record_repayment(
    session: AsyncSession,
    registry: PolicyRegistry,
    actor: Principal,
    *,
    loan_id: str,
    on: dt.date,
    principal: Decimal,
    interest: Decimal,
    today: dt.date | None = None,
) -> tuple[models.Loan, list[dict[str, Any]]]:
    """Record a repayment of principal and/or interest on ``on``; the loan closes when its
    balance reaches zero. Returns the loan and the movements written."""
    scope = authorize(actor, "recordRepayment")
    today = today or await tenant_today(session, actor.tenant_id)
    problems = Problems()
    for field, amount in (("principal", principal), ("interest", interest)):
        if amount < 0:
            problems.add(field, "NOT_NEGATIVE", f"{field} repaid cannot be below 0.00")
    if principal <= 0 and interest <= 0:
        problems.add("principal", "NOTHING_REPAID", "principal or interest must be more than 0.00")
    if on > today:
        problems.add("on", "NOT_IN_FUTURE", f"a repayment cannot be dated after {today}")
    problems.raise_if_any()
    loan = await lock_loan(session, actor, scope, loan_id)
    if on < loan.issued_on:
        problems.add("on", "BEFORE_ISSUE", f"the loan was issued on {loan.issued_on}")
    if loan.status == LoanStatus.WRITTEN_OFF:
        problems.add(
            "loan_id",
            "WRITTEN_OFF",
            f"the loan was written off on {loan.written_off_on}: money received is a recovery "
            "(the loan states' writeOffRecovered)",
        )
    elif loan.interest_repaid + interest > MONEY_MAX:
        problems.add(
            "interest",
            "TOTAL_TOO_LARGE",
            f"the loan's interest repaid would pass {MONEY_MAX} (it is {loan.interest_repaid})",
        )
    if loan.status != LoanStatus.WRITTEN_OFF and principal > loan.balance:
        problems.add(
            "principal",
            "NOT_ABOVE_BALANCE",
            f"principal repaid cannot exceed the balance {loan.balance}",
        )
    problems.raise_if_any()
    moved: list[dict[str, Any]] = []
    if principal > 0:
        moved.append(
            movement(
                loan, LoanMovementKind.REPAYMENT_PRINCIPAL, principal, on, recorded_by=actor.user_id
            )
        )
    if interest > 0:
        moved.append(
            movement(
                loan, LoanMovementKind.REPAYMENT_INTEREST, interest, on, recorded_by=actor.user_id
            )
        )
    loan.balance -= principal
    loan.principal_repaid += principal
    loan.interest_repaid += interest
    if loan.balance == 0 and loan.status == LoanStatus.ACTIVE:
        loan.status = LoanStatus.CLOSED
        loan.closed_on = on
        moved.append(movement(loan, LoanMovementKind.CLOSURE, ZERO, on, recorded_by=actor.user_id))
    await session.flush()
    await write_movements(session, moved)
    if principal > 0:
        await follow_on(session, registry, actor, [loan.customer_id], today=today)
    return loan, moved
