"""The figures the core computes from the loan book's movements
(``server.services.indicators``), each checked against a direct SQL sum."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.db.models.base import Money
from server.domain import RiskClass, Role
from server.policy import parse_period
from server.policy.registry import PolicyRegistry
from server.services.indicators import computed_indicators
from server.services.loan_book import record_repayment
from server.services.loan_states import LoanState, apply_loan_states
from tests.builders import bank
from tests.conftest import principal
from tests.services.test_loan_book import TODAY, a_loan

TENANT = "sd-demo"
RISK = principal(TENANT, (Role.RISK,))
PERIOD = parse_period("2026")
KEYS = (
    "interest_recovered",
    "npl_cash_recovered",
    "writeoff_recovered",
    "npl_written_off",
    "npl_net_reduction",
)


async def _repay(
    session: AsyncSession, registry: PolicyRegistry, loan: models.Loan, on: dt.date, p: str, i: str
) -> None:
    await record_repayment(
        session,
        registry,
        RISK,
        loan_id=str(loan.id),
        on=on,
        principal=Decimal(p),
        interest=Decimal(i),
        today=TODAY,
    )


async def _sql_sum(session: AsyncSession, sql: str, managers: set[uuid.UUID]) -> dict[Any, Any]:
    """``manager_id, total`` rows of a statement, the total read as money."""
    given = {
        "tenant": TENANT,
        "start": PERIOD.start,
        "end": PERIOD.end,
        "before": PERIOD.day_before_start,
    }
    stmt = (
        text(sql)
        .bindparams(
            bindparam("managers", expanding=True, type_=models.Loan.manager_id.type),
            **{name: value for name, value in given.items() if f":{name}" in sql},
        )
        .columns(manager_id=models.Loan.manager_id.type, total=Money)
    )
    rows = await session.execute(stmt, {"managers": sorted(managers)})
    return {mid: total for mid, total in rows.all()}


MOVEMENTS = (
    "SELECT manager_id, SUM(amount) AS total FROM loan_movements WHERE tenant_id = :tenant "
    "AND kind = '{kind}' AND moved_on >= :start AND moved_on <= :end AND manager_id IN :managers "
    "{npl}GROUP BY manager_id"
)
NPL_ONLY = "AND risk_class IN ('SUBSTANDARD', 'DOUBTFUL', 'LOSS') "


def _movements(kind: str, npl: bool = False) -> str:
    """The direct sum of one kind of movement (the kinds are this module's constants)."""
    return MOVEMENTS.format(kind=kind, npl=NPL_ONLY if npl else "")


async def test_the_ledger_figures_agree_with_direct_sums(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, TENANT)
    npl, normal, lost = [await a_loan(world, balance="9000.00") for _ in range(3)]
    npl.risk_class, lost.risk_class = RiskClass.SUBSTANDARD, RiskClass.LOSS
    await session.flush()
    # The start snapshot: the book as it stood the day before the period.
    for loan in (npl, normal, lost):
        session.add(
            models.LoanSnapshot(
                tenant_id=TENANT,
                as_of=PERIOD.day_before_start,
                loan_id=loan.id,
                manager_id=loan.manager_id,
                customer_id=loan.customer_id,
                office_id=loan.office_id,
                customer_kind="INDIVIDUAL",
                balance=loan.balance,
                risk_class=loan.risk_class,
                days_overdue=0,
            )
        )
    await session.flush()
    await _repay(session, registry, normal, PERIOD.day_before_start, "100.00", "7.00")  # before
    await _repay(session, registry, npl, dt.date(2026, 2, 1), "1000.00", "50.25")
    await _repay(session, registry, normal, dt.date(2026, 2, 2), "500.00", "20.10")
    written = LoanState(
        lost.contract_no,
        Decimal("0.00"),
        written_off_on=dt.date(2026, 3, 1),
        written_off_amount=Decimal("9000.00"),
    )
    await apply_loan_states(
        session, registry, RISK, as_of=dt.date(2026, 3, 2), rows=[written], today=TODAY
    )
    recovered = LoanState(lost.contract_no, Decimal("0.00"), writeoff_recovered=Decimal("333.33"))
    await apply_loan_states(
        session, registry, RISK, as_of=dt.date(2026, 3, 10), rows=[recovered], today=TODAY
    )
    managers = {npl.manager_id, normal.manager_id, lost.manager_id}

    figures = await computed_indicators(
        session, TENANT, PERIOD, KEYS, manager_ids=managers, today=TODAY
    )

    assert figures.unavailable == {}
    got = {key: {m: figures.values[m].get(key) for m in managers} for key in KEYS}
    direct = {
        "interest_recovered": await _sql_sum(session, _movements("REPAYMENT_INTEREST"), managers),
        "npl_cash_recovered": await _sql_sum(
            session, _movements("REPAYMENT_PRINCIPAL", npl=True), managers
        ),
        "writeoff_recovered": await _sql_sum(session, _movements("WRITE_OFF_RECOVERY"), managers),
        "npl_written_off": await _sql_sum(session, _movements("WRITE_OFF", npl=True), managers),
    }
    for key, sums in direct.items():
        assert {m: got[key][m] or Decimal(0) for m in managers} == {
            m: sums.get(m, Decimal(0)) for m in managers
        }, key
    assert got["interest_recovered"][normal.manager_id] == Decimal("20.10")  # not the 7.00
    assert got["npl_cash_recovered"][npl.manager_id] == Decimal("1000.00")
    assert got["writeoff_recovered"][lost.manager_id] == Decimal("333.33")

    start = await _sql_sum(
        session,
        "SELECT manager_id, SUM(balance) AS total FROM loan_snapshots WHERE tenant_id = :tenant "
        "AND as_of = :before AND risk_class IN ('SUBSTANDARD', 'DOUBTFUL', 'LOSS') "
        "AND manager_id IN :managers GROUP BY manager_id",
        managers,
    )
    end = await _sql_sum(
        session,
        "SELECT manager_id, SUM(balance) AS total FROM loans WHERE tenant_id = :tenant "
        "AND risk_class IN ('SUBSTANDARD', 'DOUBTFUL', 'LOSS') AND manager_id IN :managers "
        "GROUP BY manager_id",
        managers,
    )
    zero = Decimal(0)
    for m in managers:
        expected = start.get(m, zero) - end.get(m, zero) - direct["npl_written_off"].get(m, zero)
        assert (got["npl_net_reduction"][m] or zero) == expected, m
    # The write-off is no reduction: the NPL loan repaid 1000.00 reduced by 1000.00.
    assert got["npl_net_reduction"][npl.manager_id] == Decimal("1000.00")
    assert got["npl_net_reduction"][lost.manager_id] == Decimal("0.00")


async def test_the_net_reduction_needs_the_start_snapshot(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    loan = await a_loan(bank(session, registry, TENANT))
    period = parse_period("2019")
    figures = await computed_indicators(
        session, TENANT, period, ["npl_net_reduction"], manager_ids={loan.manager_id}, today=TODAY
    )
    assert "no loan snapshot" in figures.unavailable["npl_net_reduction"]
    assert set(figures.unavailable) == {"npl_net_reduction"}
