"""Repayments by hand (``server.services.loan_book.record_repayment``): the balance goes down
exactly, the loan closes at zero, every bound is refused with nothing written, and the
change flows on — exposure mark, customer class and its event, the admission lapse."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.db.models.lending import LoanMovement
from server.domain import AdmissionStatus, CustomerClass, CustomerKind, EventKind, RiskClass, Role
from server.errors import InvalidInput, NotFound
from server.loan_book import LoanMovementKind, LoanStatus, MovementSource
from server.policy.registry import PolicyRegistry
from server.services.classification import reclassify
from server.services.exposure import MONEY_MAX
from server.services.loan_book import record_repayment
from tests.builders import Bank, bank
from tests.conftest import principal

TODAY = dt.date(2026, 3, 16)
ISSUED = dt.date(2025, 9, 1)
RISK = principal("sd-demo", (Role.RISK,))


async def _count(session: AsyncSession, model: Any, tenant: str = "sd-demo") -> int:
    stmt = select(func.count()).select_from(model).where(model.tenant_id == tenant)
    return int(await session.scalar(stmt) or 0)


async def footprint(session: AsyncSession, tenant: str = "sd-demo") -> tuple[int, ...]:
    """The rows a repayment may write."""
    kinds = (LoanMovement, models.CustomerExposureMark, models.CustomerClassChange, models.Event)
    return tuple([await _count(session, m, tenant) for m in kinds])


async def a_loan(
    world: Bank, *, principal_: str = "10000.00", balance: str = "10000.00"
) -> models.Loan:
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_2")
    customer = await world.customer(manager)
    return await world.loan(
        customer,
        principal=principal_,
        balance=balance,
        issued_on=ISSUED,
        matures_on=dt.date(2026, 9, 1),
    )


async def repay(
    session: AsyncSession,
    registry: PolicyRegistry,
    loan: models.Loan,
    principal_: str = "0.00",
    interest: str = "0.00",
    *,
    on: dt.date = TODAY,
    actor: Any = RISK,
) -> tuple[models.Loan, list[dict[str, Any]]]:
    return await record_repayment(
        session,
        registry,
        actor,
        loan_id=str(loan.id),
        on=on,
        principal=Decimal(principal_),
        interest=Decimal(interest),
        today=TODAY,
    )


async def movements(session: AsyncSession, loan: models.Loan) -> list[tuple[Any, ...]]:
    m = LoanMovement
    rows = await session.execute(
        select(m.kind, m.amount, m.moved_on, m.risk_class, m.source, m.import_id)
        .where(m.tenant_id == loan.tenant_id, m.loan_id == loan.id)
        .order_by(m.moved_on, m.kind)
    )
    return [tuple(r) for r in rows.all()]


async def test_a_new_loan_keeps_what_was_repaid_before_it_was_entered(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    loan = await a_loan(bank(session, registry, "sd-demo"), balance="7500.25")
    assert loan.principal_repaid == Decimal("2499.75")
    assert (loan.interest_repaid, loan.status) == (Decimal(0), LoanStatus.ACTIVE)


async def test_a_repayment_lowers_the_balance_exactly_and_records_its_movements(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    loan = await a_loan(bank(session, registry, "sd-demo"))
    before = await footprint(session)

    row, moved = await repay(session, registry, loan, "3333.33", "41.07", on=TODAY)

    assert row.balance == Decimal("6666.67")
    assert (row.principal_repaid, row.interest_repaid) == (Decimal("3333.33"), Decimal("41.07"))
    assert row.balance + row.principal_repaid == row.principal
    assert (row.status, row.closed_on) == (LoanStatus.ACTIVE, None)
    assert [m["kind"] for m in moved] == [
        LoanMovementKind.REPAYMENT_PRINCIPAL,
        LoanMovementKind.REPAYMENT_INTEREST,
    ]
    assert await movements(session, loan) == [
        (
            LoanMovementKind.REPAYMENT_INTEREST,
            Decimal("41.07"),
            TODAY,
            RiskClass.NORMAL,
            MovementSource.MANUAL,
            None,
        ),
        (
            LoanMovementKind.REPAYMENT_PRINCIPAL,
            Decimal("3333.33"),
            TODAY,
            RiskClass.NORMAL,
            MovementSource.MANUAL,
            None,
        ),
    ]
    after = await footprint(session)
    assert after[0] == before[0] + 2
    assert after[1] == before[1] + 1  # one exposure mark of the new outstanding
    mark = await session.scalar(
        select(models.CustomerExposureMark.outstanding)
        .where(models.CustomerExposureMark.customer_id == loan.customer_id)
        .order_by(models.CustomerExposureMark.recorded_at.desc())
        .limit(1)
    )
    assert mark == Decimal("6666.67")


async def test_repaid_in_full_the_loan_closes(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    loan = await a_loan(bank(session, registry, "sd-demo"), balance="1200.50")
    on = TODAY - dt.timedelta(days=2)
    await repay(session, registry, loan, "200.50", on=on - dt.timedelta(days=30))
    row, moved = await repay(session, registry, loan, "1000.00", "5.00", on=on)

    assert (row.balance, row.status, row.closed_on) == (Decimal("0.00"), LoanStatus.CLOSED, on)
    assert row.principal_repaid == row.principal
    assert [m["kind"] for m in moved][-1] == LoanMovementKind.CLOSURE
    closures = [m for m in await movements(session, loan) if m[0] == LoanMovementKind.CLOSURE]
    assert closures == [
        (LoanMovementKind.CLOSURE, Decimal(0), on, RiskClass.NORMAL, MovementSource.MANUAL, None)
    ]
    # Interest may still come in on a closed loan; it does not close it twice.
    row, moved = await repay(session, registry, loan, interest="1.00")
    assert [m["kind"] for m in moved] == [LoanMovementKind.REPAYMENT_INTEREST]
    assert (row.status, row.closed_on) == (LoanStatus.CLOSED, on)


@pytest.mark.parametrize(
    ("principal_", "interest", "on", "field", "code"),
    [
        ("10000.01", "0.00", TODAY, "principal", "NOT_ABOVE_BALANCE"),
        ("-1.00", "5.00", TODAY, "principal", "NOT_NEGATIVE"),
        ("5.00", "-0.01", TODAY, "interest", "NOT_NEGATIVE"),
        ("0.00", "0.00", TODAY, "principal", "NOTHING_REPAID"),
        ("1.00", "0.00", TODAY + dt.timedelta(days=1), "on", "NOT_IN_FUTURE"),
        ("1.00", "0.00", ISSUED - dt.timedelta(days=1), "on", "BEFORE_ISSUE"),
    ],
)
async def test_every_bound_is_refused_with_nothing_written(
    session: AsyncSession,
    registry: PolicyRegistry,
    principal_: str,
    interest: str,
    on: dt.date,
    field: str,
    code: str,
) -> None:
    loan = await a_loan(bank(session, registry, "sd-demo"))
    before = await footprint(session)
    with pytest.raises(InvalidInput) as refused:
        await repay(session, registry, loan, principal_, interest, on=on)
    assert (field, code) in [(p.field, p.code) for p in refused.value.problems]
    assert await footprint(session) == before
    await session.refresh(loan)
    assert (loan.balance, loan.principal_repaid, loan.interest_repaid) == (
        Decimal("10000.00"),
        Decimal(0),
        Decimal(0),
    )


async def test_interest_repaid_stays_within_a_money_amount(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    loan = await a_loan(bank(session, registry, "sd-demo"))
    await repay(session, registry, loan, interest="0.02")
    before = await footprint(session)
    with pytest.raises(InvalidInput) as refused:
        await repay(session, registry, loan, interest=str(MONEY_MAX))
    assert [(p.field, p.code) for p in refused.value.problems] == [("interest", "TOTAL_TOO_LARGE")]
    assert await footprint(session) == before


async def test_a_written_off_loan_takes_no_repayment(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    loan = await a_loan(bank(session, registry, "sd-demo"))
    loan.balance, loan.written_off_amount = Decimal(0), Decimal("10000.00")
    loan.written_off_on, loan.status = ISSUED + dt.timedelta(days=90), LoanStatus.WRITTEN_OFF
    await session.flush()
    with pytest.raises(InvalidInput) as refused:
        await repay(session, registry, loan, interest="10.00")
    assert [(p.field, p.code) for p in refused.value.problems] == [("loan_id", "WRITTEN_OFF")]


async def test_a_manager_repays_own_loans_only(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, "sd-demo")
    mine, theirs = await a_loan(world), await a_loan(world)
    me = await session.get(models.Manager, ("sd-demo", mine.manager_id))
    assert me is not None
    actor = principal("sd-demo", (Role.MANAGER,), manager=me.employee_no)

    row, _ = await repay(session, registry, mine, "1.00", actor=actor)
    assert row.balance == Decimal("9999.00")
    before = await footprint(session)
    with pytest.raises(NotFound):
        await repay(session, registry, theirs, "1.00", actor=actor)
    assert await footprint(session) == before
    # Another tenant's loan is not found either.
    with pytest.raises(NotFound):
        await repay(session, registry, mine, "1.00", actor=principal("ah-demo", (Role.RISK,)))


async def test_the_customer_class_is_recomputed_and_its_event_written(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    tenant = "sx-demo"  # classified by shanxi_customer_class
    actor = principal(tenant, (Role.RISK,))
    loan = await a_loan(bank(session, registry, tenant))
    loan.risk_class = RiskClass.DOUBTFUL
    await session.flush()
    await reclassify(session, registry, actor, [loan.customer_id], today=TODAY)
    customer = await session.get(models.Customer, (tenant, loan.customer_id))
    assert customer is not None and customer.class_code == CustomerClass.EXIT
    before = await footprint(session, tenant)

    await repay(session, registry, loan, "10000.00", actor=actor)

    await session.refresh(customer)
    assert customer.class_code != CustomerClass.EXIT
    after = await footprint(session, tenant)
    assert (after[2], after[3]) == (before[2] + 1, before[3] + 1)
    kind = await session.scalar(
        select(models.Event.kind)
        .where(models.Event.tenant_id == tenant, models.Event.subject_id == loan.customer_id)
        .order_by(models.Event.cursor.desc())
        .limit(1)
    )
    assert kind == EventKind.CUSTOMER_CLASS_CHANGED
    # The closing movements keep the class the loan had when the money came in.
    assert {m[3] for m in await movements(session, loan)} == {RiskClass.DOUBTFUL}


@pytest.mark.parametrize(
    ("matures_on", "lapsed"),
    [(dt.date(2025, 2, 1), True), (TODAY, False)],
)
async def test_repaid_in_full_a_corporate_admission_lapses_when_its_credit_ran_out_long_ago(
    session: AsyncSession, registry: PolicyRegistry, matures_on: dt.date, lapsed: bool
) -> None:
    world = bank(session, registry, "sd-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_2")
    customer = await world.customer(
        manager, kind=CustomerKind.CORPORATE, admitted_on=dt.date(2024, 1, 5)
    )
    loan = await world.loan(
        customer,
        principal="5000.00",
        balance="5000.00",
        issued_on=dt.date(2024, 2, 1),
        matures_on=matures_on,
    )
    await repay(session, registry, loan, "4000.00")
    await session.refresh(customer)
    assert customer.admission_status == AdmissionStatus.APPROVED  # still owes 1000.00

    await repay(session, registry, loan, "1000.00")

    await session.refresh(customer)
    expected = AdmissionStatus.LAPSED if lapsed else AdmissionStatus.APPROVED
    assert customer.admission_status == expected
    lapses = await session.scalars(
        select(models.AdmissionLapse.last_credit_on).where(
            models.AdmissionLapse.tenant_id == "sd-demo",
            models.AdmissionLapse.customer_id == customer.id,
        )
    )
    assert lapses.all() == ([matures_on] if lapsed else [])
