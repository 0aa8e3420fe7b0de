"""The core system's loan states applied as of a date (``server.services.loan_states``):
each kind of row, each refusal, all-or-nothing, idempotent, scoped, class recomputed."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.db.models.lending import LoanMovement
from server.domain import CustomerClass, RiskClass, Role
from server.errors import InvalidInput, PermissionDenied
from server.loan_book import LoanMovementKind, LoanStatus, MovementSource
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.classification import reclassify
from server.services.loan_states import LoanState, LoanStatesReport, apply_loan_states
from tests.builders import Bank, bank
from tests.conftest import principal
from tests.services.test_loan_book import ISSUED, TODAY, a_loan, footprint

RISK = principal("sd-demo", (Role.RISK,))
AS_OF = TODAY - dt.timedelta(days=1)
K = LoanMovementKind


async def apply(
    session: AsyncSession,
    registry: PolicyRegistry,
    rows: list[LoanState],
    *,
    as_of: dt.date = AS_OF,
    actor: Principal = RISK,
    max_rows: int = 5000,
) -> LoanStatesReport:
    return await apply_loan_states(
        session, registry, actor, as_of=as_of, rows=rows, max_rows=max_rows, today=TODAY
    )


async def moved(session: AsyncSession, loan: models.Loan) -> list[tuple[Any, ...]]:
    m = LoanMovement
    rows = await session.execute(
        select(m.kind, m.amount, m.moved_on, m.risk_class)
        .where(m.tenant_id == loan.tenant_id, m.loan_id == loan.id)
        .order_by(m.moved_on, m.kind)
    )
    return [tuple(r) for r in rows.all()]


async def stored(session: AsyncSession, loan: models.Loan) -> models.Loan:
    await session.refresh(loan)
    return loan


async def loans(world: Bank, n: int, balance: str = "10000.00") -> list[models.Loan]:
    return [await a_loan(world, balance=balance) for _ in range(n)]


async def test_repayments_of_principal_and_interest(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    (loan,) = await loans(bank(session, registry, "sd-demo"), 1)
    state = LoanState(loan.contract_no, Decimal("7000.00"), interest_repaid=Decimal("120.40"))
    report = await apply(session, registry, [state])

    assert (report.applied, report.changed, report.unchanged, report.movements) == (True, 1, 0, 2)
    assert report.import_id is not None and report.refusals == []
    row = await stored(session, loan)
    assert (row.balance, row.principal_repaid, row.interest_repaid) == (
        Decimal("7000.00"),
        Decimal("3000.00"),
        Decimal("120.40"),
    )
    assert await moved(session, loan) == [
        (K.REPAYMENT_INTEREST, Decimal("120.40"), AS_OF, RiskClass.NORMAL),
        (K.REPAYMENT_PRINCIPAL, Decimal("3000.00"), AS_OF, RiskClass.NORMAL),
    ]
    sources = await session.scalars(
        select(LoanMovement.source).where(LoanMovement.import_id == report.import_id)
    )
    assert set(sources.all()) == {MovementSource.IMPORT}


async def test_the_same_rows_again_change_nothing(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, "sd-demo")
    first, second, third = await loans(world, 3)
    rows = [
        LoanState(first.contract_no, Decimal("0.00"), interest_repaid=Decimal("300.00")),
        LoanState(
            second.contract_no,
            Decimal("0.00"),
            written_off_on=AS_OF - dt.timedelta(days=10),
            written_off_amount=Decimal("10000.00"),
            writeoff_recovered=Decimal("800.00"),
        ),
        LoanState(
            third.contract_no,
            Decimal("9000.00"),
            risk_class=RiskClass.SUBSTANDARD,
            days_overdue=95,
            is_extension=True,
        ),
    ]
    once = await apply(session, registry, rows)
    assert (once.changed, once.unchanged) == (3, 0)
    before = await footprint(session)

    again = await apply(session, registry, rows)

    assert (again.applied, again.changed, again.unchanged, again.movements) == (True, 0, 3, 0)
    assert again.import_id is None
    assert await footprint(session) == before


async def test_a_write_off_and_its_recoveries(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    (loan,) = await loans(bank(session, registry, "sd-demo"), 1)
    loan.risk_class = RiskClass.LOSS
    await session.flush()
    written = AS_OF - dt.timedelta(days=40)
    await apply(
        session,
        registry,
        [
            LoanState(
                loan.contract_no,
                Decimal("0.00"),
                principal_repaid=Decimal("1500.00"),
                written_off_on=written,
                written_off_amount=Decimal("8500.00"),
            )
        ],
        as_of=AS_OF - dt.timedelta(days=30),
    )
    row = await stored(session, loan)
    assert (row.status, row.balance, row.written_off_amount) == (
        LoanStatus.WRITTEN_OFF,
        Decimal("0.00"),
        Decimal("8500.00"),
    )
    assert row.closed_on is None
    # Recovered later, in two imports; the write-off columns may be left out.
    for recovered, on in (("600.00", AS_OF), ("1000.00", TODAY)):
        state = LoanState(loan.contract_no, Decimal("0.00"), writeoff_recovered=Decimal(recovered))
        assert (await apply(session, registry, [state], as_of=on)).changed == 1
    assert await moved(session, loan) == [
        (K.WRITE_OFF, Decimal("8500.00"), written, RiskClass.LOSS),
        (K.REPAYMENT_PRINCIPAL, Decimal("1500.00"), AS_OF - dt.timedelta(days=30), RiskClass.LOSS),
        (K.WRITE_OFF_RECOVERY, Decimal("600.00"), AS_OF, RiskClass.LOSS),
        (K.WRITE_OFF_RECOVERY, Decimal("400.00"), TODAY, RiskClass.LOSS),
    ]
    assert (await stored(session, loan)).writeoff_recovered == Decimal("1000.00")


async def test_closure_on_the_date_given_or_as_of(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    given, derived = await loans(bank(session, registry, "sd-demo"), 2)
    closed = AS_OF - dt.timedelta(days=3)
    report = await apply(
        session,
        registry,
        [
            LoanState(given.contract_no, Decimal("0.00"), closed_on=closed),
            LoanState(derived.contract_no, Decimal("0.00")),
        ],
    )
    assert report.changed == 2
    assert ((await stored(session, given)).status, given.closed_on) == (LoanStatus.CLOSED, closed)
    assert ((await stored(session, derived)).status, derived.closed_on) == (
        LoanStatus.CLOSED,
        AS_OF,
    )
    assert (K.CLOSURE, Decimal(0), closed, RiskClass.NORMAL) in await moved(session, given)


async def test_class_days_overdue_and_flags(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    (loan,) = await loans(bank(session, registry, "sd-demo"), 1)
    state = LoanState(
        loan.contract_no,
        Decimal("10000.00"),
        risk_class=RiskClass.DOUBTFUL,
        days_overdue=200,
        is_extension=True,
        is_refinancing=True,
    )
    await apply(session, registry, [state])
    row = await stored(session, loan)
    assert (row.risk_class, row.days_overdue, row.is_extension, row.is_refinancing) == (
        RiskClass.DOUBTFUL,
        200,
        True,
        True,
    )
    amount = Decimal("10000.00")
    assert await moved(session, loan) == [
        (K.EXTENSION, amount, AS_OF, RiskClass.NORMAL),
        (K.RECLASSIFICATION, amount, AS_OF, RiskClass.NORMAL),
        (K.REFINANCING, amount, AS_OF, RiskClass.NORMAL),
    ]
    # Days overdue alone is a change without a movement.
    report = await apply(session, registry, [dataclasses.replace(state, days_overdue=201)])
    assert (report.changed, report.movements) == (1, 0)
    assert (await stored(session, loan)).days_overdue == 201


REFUSALS = [
    ({"contract_no": "NO-SUCH-LOAN"}, "contract_no", "UNKNOWN_CONTRACT"),
    ({"contract_no": "bad contract!"}, "contract_no", "FORMAT"),
    ({"balance": Decimal("10000.01")}, "balance", "BALANCE_INCREASED"),
    ({"balance": Decimal("-1.00")}, "balance", "RANGE"),
    (
        {"balance": Decimal("9000.00"), "principal_repaid": Decimal("900.00")},
        "principal_repaid",
        "BALANCE_MISMATCH",
    ),
    ({"interest_repaid": Decimal("-0.01")}, "interest_repaid", "RANGE"),
    ({"days_overdue": 36501}, "days_overdue", "RANGE"),
    ({"written_off_amount": Decimal("10000.00")}, "written_off_on", "WRITE_OFF_INCOMPLETE"),
    (
        {"written_off_on": AS_OF, "written_off_amount": Decimal("10000.00")},
        "balance",
        "WRITTEN_OFF_BALANCE",
    ),
    (
        {
            "balance": Decimal("0.00"),
            "written_off_on": AS_OF,
            "written_off_amount": Decimal("10000.01"),
        },
        "written_off_amount",
        "WRITE_OFF_ABOVE_BALANCE",
    ),
    (
        {
            "balance": Decimal("0.00"),
            "written_off_on": TODAY,
            "written_off_amount": Decimal("10000.00"),
        },
        "written_off_on",
        "AFTER_AS_OF",
    ),
    ({"writeoff_recovered": Decimal("1.00")}, "writeoff_recovered", "NOT_WRITTEN_OFF"),
    ({"closed_on": AS_OF}, "closed_on", "CLOSED_WITH_BALANCE"),
    (
        {"balance": Decimal("0.00"), "closed_on": ISSUED - dt.timedelta(days=1)},
        "closed_on",
        "BEFORE_ISSUE",
    ),
]


@pytest.mark.parametrize(("change", "field", "code"), REFUSALS)
async def test_one_refused_row_among_good_ones_writes_nothing(
    session: AsyncSession,
    registry: PolicyRegistry,
    change: dict[str, Any],
    field: str,
    code: str,
) -> None:
    world = bank(session, registry, "sd-demo")
    good, bad, other = await loans(world, 3)
    rows = [
        LoanState(good.contract_no, Decimal("5000.00"), interest_repaid=Decimal("10.00")),
        dataclasses.replace(LoanState(bad.contract_no, Decimal("10000.00")), **change),
        LoanState(other.contract_no, Decimal("10000.00")),
    ]
    before = await footprint(session)

    report = await apply(session, registry, rows)

    assert report.applied is False and report.import_id is None
    assert [(r.row, r.field, r.code) for r in report.refusals] == [(2, field, code)]
    assert (report.refused, report.changed, report.unchanged) == (1, 1, 1)
    assert await footprint(session) == before
    assert (await stored(session, good)).balance == Decimal("10000.00")


async def test_what_a_later_row_cannot_undo(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, "sd-demo")
    (loan,) = await loans(world, 1)
    await apply(
        session,
        registry,
        [
            LoanState(
                loan.contract_no,
                Decimal("8000.00"),
                interest_repaid=Decimal("50.00"),
                is_extension=True,
            )
        ],
    )
    cases = [
        ({"interest_repaid": Decimal("49.99")}, "interest_repaid", "DECREASED"),
        ({"is_extension": False}, "is_extension", "FLAG_CLEARED"),
        ({"balance": Decimal("8000.01")}, "balance", "BALANCE_INCREASED"),
    ]
    for change, field, code in cases:
        row = dataclasses.replace(LoanState(loan.contract_no, Decimal("8000.00")), **change)
        report = await apply(session, registry, [row])
        assert [(r.field, r.code) for r in report.refusals] == [(field, code)], change


async def test_a_contract_twice_and_the_bounds_of_the_call(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    (loan,) = await loans(bank(session, registry, "sd-demo"), 1)
    row = LoanState(loan.contract_no, Decimal("9000.00"))
    report = await apply(session, registry, [row, row])
    assert [(r.row, r.field, r.code) for r in report.refusals] == [(2, "contract_no", "DUPLICATE")]
    for rows, as_of, field, code in [
        ([row, row, row], AS_OF, "rows", "TOO_MANY"),
        ([], AS_OF, "rows", "EMPTY"),
        ([row], TODAY + dt.timedelta(days=1), "as_of", "NOT_IN_FUTURE"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            await apply(session, registry, rows, as_of=as_of, max_rows=2)
        assert [(p.field, p.code) for p in refused.value.problems] == [(field, code)]
    state = LoanState(loan.contract_no, Decimal("9000.00"))
    early = await apply(session, registry, [state], as_of=ISSUED - dt.timedelta(days=1))
    assert [(r.field, r.code) for r in early.refusals] == [("as_of", "BEFORE_ISSUE")]


async def test_only_risk_imports_and_only_its_tenant(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    (loan,) = await loans(bank(session, registry, "sd-demo"), 1)
    row = LoanState(loan.contract_no, Decimal("9000.00"))
    for roles in ((Role.HR,), (Role.MANAGER,), (Role.BRANCH_HEAD,), (Role.AUDITOR,)):
        with pytest.raises(PermissionDenied):
            await apply(session, registry, [row], actor=principal("sd-demo", roles))
    foreign = await apply(session, registry, [row], actor=principal("ah-demo", (Role.RISK,)))
    assert [(r.field, r.code) for r in foreign.refusals] == [("contract_no", "UNKNOWN_CONTRACT")]
    assert (await stored(session, loan)).balance == Decimal("10000.00")


async def test_the_customer_class_is_recomputed(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    tenant = "sx-demo"
    actor = principal(tenant, (Role.RISK,))
    (loan,) = await loans(bank(session, registry, tenant), 1)
    await reclassify(session, registry, actor, [loan.customer_id], today=TODAY)
    customer = await session.get(models.Customer, (tenant, loan.customer_id))
    assert customer is not None and customer.class_code != CustomerClass.EXIT
    before = await footprint(session, tenant)

    state = LoanState(loan.contract_no, Decimal("10000.00"), risk_class=RiskClass.LOSS)
    await apply(session, registry, [state], actor=actor)

    await session.refresh(customer)
    assert customer.class_code == CustomerClass.EXIT
    after = await footprint(session, tenant)
    # One movement, one class change and its event; no mark: the outstanding is the same.
    assert after == (before[0] + 1, before[1], before[2] + 1, before[3] + 1)
    # Interest alone moves nothing the class or the exposure reads.
    state = LoanState(loan.contract_no, Decimal("10000.00"), interest_repaid=Decimal("3.00"))
    await apply(session, registry, [state], actor=actor)
    assert await footprint(session, tenant) == (after[0] + 1, *after[1:])
