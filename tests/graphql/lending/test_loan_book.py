"""recordRepayment and importLoanStates over GraphQL: results, typed errors with the input
paths, the report's refusals by row and column, a manager's scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import business_today
from server.db import models
from server.db.models.lending import LoanMovement
from server.domain import Role
from tests.conftest import Api
from tests.graphql.audit.rows import rows_of, someone

TENANT = "sd-demo"

REPAY = """
mutation($loan: ID!, $on: Date!, $p: Money, $i: Money) {
  recordRepayment(loanId: $loan, on: $on, principal: $p, interest: $i) {
    __typename
    ... on LoanRepaid { status balance principalRepaid interestRepaid closedOn
      loan { id balance } movements { kind amount on riskClass source importId } }
    ... on NotFound { code field }
    ... on InvalidInput { errors { field code message } }
  }
}
"""

IMPORT = """
mutation($asOf: Date!, $rows: [LoanStateInput!]!) {
  importLoanStates(asOf: $asOf, rows: $rows) {
    __typename
    ... on LoanStatesImported { asOf rows applied importId new changed unchanged refused
      movements refusals { row contractNo field code message } }
    ... on InvalidInput { errors { field code } }
  }
}
"""


async def a_loan(session: AsyncSession, **conditions: Any) -> models.Loan:
    lo = models.Loan
    stmt = (
        select(lo)
        .where(lo.tenant_id == TENANT, lo.balance > 1000, lo.issued_on < business_today())
        .filter_by(**conditions)
        .order_by(lo.id)
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one()


async def movement_count(session: AsyncSession) -> int:
    stmt = select(func.count()).select_from(LoanMovement).where(LoanMovement.tenant_id == TENANT)
    return int(await session.scalar(stmt) or 0)


async def test_record_a_repayment(api: Api, session: AsyncSession) -> None:
    loan = await a_loan(session)
    today = business_today().isoformat()
    data = await api(REPAY, {"loan": str(loan.id), "on": today, "p": "1000.00", "i": "12.34"})
    repaid = data["recordRepayment"]
    assert repaid["__typename"] == "LoanRepaid"
    expected = str(loan.balance - Decimal("1000.00"))
    assert repaid["balance"] == repaid["loan"]["balance"] == expected
    assert repaid["interestRepaid"] == "12.34"
    assert (repaid["status"], repaid["closedOn"]) == ("ACTIVE", None)
    assert sorted((m["kind"], m["amount"], m["source"]) for m in repaid["movements"]) == [
        ("REPAYMENT_INTEREST", "12.34", "MANUAL"),
        ("REPAYMENT_PRINCIPAL", "1000.00", "MANUAL"),
    ]


async def test_repaid_in_full_over_graphql_the_loan_closes(api: Api, session: AsyncSession) -> None:
    loan = await a_loan(session)
    today = business_today().isoformat()
    data = await api(REPAY, {"loan": str(loan.id), "on": today, "p": str(loan.balance)})
    repaid = data["recordRepayment"]
    assert (repaid["status"], repaid["balance"], repaid["closedOn"]) == ("CLOSED", "0.00", today)
    assert "CLOSURE" in [m["kind"] for m in repaid["movements"]]


async def test_a_bad_repayment_names_its_argument_and_rule(api: Api, session: AsyncSession) -> None:
    loan = await a_loan(session)
    before = await movement_count(session)
    tomorrow = (business_today() + dt.timedelta(days=1)).isoformat()
    above = str(loan.balance + Decimal("0.01"))
    data = await api(REPAY, {"loan": str(loan.id), "on": tomorrow, "p": above})
    errors = data["recordRepayment"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("on", "NOT_IN_FUTURE")]
    today = business_today().isoformat()
    data = await api(REPAY, {"loan": str(loan.id), "on": today, "p": above})
    errors = data["recordRepayment"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("principal", "NOT_ABOVE_BALANCE")]
    assert await movement_count(session) == before


async def test_a_manager_cannot_repay_another_managers_loan(
    api: Api, session: AsyncSession
) -> None:
    loan = await a_loan(session)
    mine = await session.get(models.Manager, (TENANT, loan.manager_id))
    other = await session.scalar(
        select(models.Manager.employee_no)
        .where(models.Manager.tenant_id == TENANT, models.Manager.id != loan.manager_id)
        .order_by(models.Manager.employee_no)
        .limit(1)
    )
    assert mine is not None and other is not None
    today = business_today().isoformat()
    variables = {"loan": str(loan.id), "on": today, "p": "1.00"}
    data = await api(REPAY, variables, roles=(Role.MANAGER,), manager=other)
    assert data["recordRepayment"] == {
        "__typename": "NotFound",
        "code": "NOT_FOUND",
        "field": "loanId",
    }
    data = await api(REPAY, variables, roles=(Role.MANAGER,), manager=mine.employee_no)
    assert data["recordRepayment"]["__typename"] == "LoanRepaid"


async def test_import_loan_states_and_its_report(api: Api, session: AsyncSession) -> None:
    loan = await a_loan(session)
    as_of = business_today().isoformat()
    good = {
        "contractNo": loan.contract_no,
        "balance": str(loan.balance - Decimal("500.00")),
        "riskClass": "SPECIAL_MENTION",
        "daysOverdue": 12,
    }
    bad = {"contractNo": "NO-SUCH-CONTRACT", "balance": "1.00"}
    before = await movement_count(session)

    refused = (await api(IMPORT, {"asOf": as_of, "rows": [good, bad]}))["importLoanStates"]
    assert (refused["applied"], refused["changed"], refused["refused"]) == (False, 1, 1)
    assert [(r["row"], r["field"], r["code"]) for r in refused["refusals"]] == [
        (2, "contractNo", "UNKNOWN_CONTRACT")
    ]
    assert await movement_count(session) == before

    done = (await api(IMPORT, {"asOf": as_of, "rows": [good]}))["importLoanStates"]
    assert (done["applied"], done["new"], done["changed"], done["movements"]) == (True, 0, 1, 2)
    assert done["importId"] is not None
    again = (await api(IMPORT, {"asOf": as_of, "rows": [good]}))["importLoanStates"]
    assert (again["applied"], again["unchanged"], again["movements"], again["importId"]) == (
        True,
        1,
        0,
        None,
    )
    assert await movement_count(session) == before + 2
    row = {**good, "principalRepaid": "0.01"}
    mismatch = (await api(IMPORT, {"asOf": as_of, "rows": [row]}))["importLoanStates"]
    assert [(r["field"], r["code"]) for r in mismatch["refusals"]] == [
        ("principalRepaid", "BALANCE_MISMATCH")
    ]


async def test_import_is_risks_alone(api: Api, session: AsyncSession) -> None:
    loan = await a_loan(session)
    rows = [{"contractNo": loan.contract_no, "balance": str(loan.balance)}]
    as_of = business_today().isoformat()
    data = await api(IMPORT, {"asOf": as_of, "rows": rows}, roles=(Role.BRANCH_HEAD, Role.HR))
    assert data["importLoanStates"]["__typename"] == "PermissionDenied"


REPAYMENTS = """
query($id: ID!) { loan(id: $id) { balance repayments { status principalRepaid interestRepaid
  writtenOffOn writtenOffAmount writeoffRecovered closedOn } } }
"""


async def test_a_loan_read_shows_what_was_repaid_and_written_off(
    api: Api, session: AsyncSession
) -> None:
    """Loan.repayments reads the loan book as stored: after a repayment, then after the
    core system's write-off and a recovery on it."""
    loan = await a_loan(session)
    today = business_today().isoformat()
    await api(REPAY, {"loan": str(loan.id), "on": today, "p": "1000.00", "i": "12.34"})
    await session.refresh(loan)
    read = (await api(REPAYMENTS, {"id": str(loan.id)}))["loan"]
    assert read == {
        "balance": str(loan.balance),
        "repayments": {
            "status": "ACTIVE",
            "principalRepaid": str(loan.principal_repaid),
            "interestRepaid": "12.34",
            "writtenOffOn": None,
            "writtenOffAmount": None,
            "writeoffRecovered": "0.00",
            "closedOn": None,
        },
    }
    assert loan.principal_repaid == loan.principal - loan.balance

    written, repaid_before = str(loan.balance), str(loan.principal_repaid)
    row = {"contractNo": loan.contract_no, "balance": "0.00", "writtenOffOn": today}
    row |= {"writtenOffAmount": written, "writeoffRecovered": "300.00"}
    imported = await api(IMPORT, {"asOf": today, "rows": [row]}, roles=(Role.RISK,))
    assert imported["importLoanStates"]["__typename"] == "LoanStatesImported", imported
    read = (await api(REPAYMENTS, {"id": str(loan.id)}))["loan"]
    assert read["balance"] == "0.00"
    assert read["repayments"] == {
        "status": "WRITTEN_OFF",
        "principalRepaid": repaid_before,  # a write-off is no repayment
        "interestRepaid": "12.34",
        "writtenOffOn": today,
        "writtenOffAmount": written,
        "writeoffRecovered": "300.00",
        "closedOn": None,
    }


async def test_a_refused_batch_is_audited_as_refused_and_an_applied_one_as_ok(
    api: Api, session: AsyncSession
) -> None:
    """The report answers the refusal as data; the audit row still tells it apart."""
    loan = await a_loan(session)
    as_of = business_today().isoformat()
    user = someone("importer")
    good = {"contractNo": loan.contract_no, "balance": str(loan.balance - Decimal("1.00"))}
    bad = {"contractNo": "NO-SUCH-CONTRACT", "balance": "1.00"}
    refused = await api(IMPORT, {"asOf": as_of, "rows": [good, bad]}, user=user)
    applied = await api(IMPORT, {"asOf": as_of, "rows": [good]}, user=user)
    assert refused["importLoanStates"]["applied"] is False
    assert applied["importLoanStates"]["applied"] is True
    audited = await rows_of(session, user)
    assert [(r.operation, r.outcome) for r in audited] == [
        ("importLoanStates", "INVALID_INPUT"),
        ("importLoanStates", "OK"),
    ]
