"""Loans over GraphQL: createLoan written, refused and with typed errors; setLoanRiskClass; filters."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import business_today
from server.db import models
from server.domain import NON_PERFORMING, AdmissionStatus, CustomerKind, ManagerStatus
from server.policy.registry import PolicyRegistry
from tests.builders import Bank, bank
from tests.conftest import Api

TENANT = "sd-demo"


async def _count(session: AsyncSession, model: Any, *conditions: Any) -> int:
    stmt = select(func.count()).select_from(model).where(model.tenant_id == TENANT, *conditions)
    return int(await session.scalar(stmt) or 0)


async def _first(session: AsyncSession, model: Any, *conditions: Any) -> Any:
    # The oldest record: without an order, PostgreSQL's pick depends on the index it reads.
    stmt = select(model).where(model.tenant_id == TENANT, *conditions).order_by(model.id).limit(1)
    return (await session.execute(stmt)).scalar_one()


CREATE_LOAN = """
mutation($input: CreateLoanInput!) { createLoan(input: $input) {
  __typename
  ... on Loan { id principal balance annualRate riskClass office { id } manager { id } }
  ... on UserError { code message field }
  ... on InvalidInput { errors { field code message } }
} }
"""


def loan_input(customer_id: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "customerId": customer_id,
        "contractNo": "HT-2025-0001",
        "product": "FARMER_MICRO_CREDIT",
        "principal": "300000.00",
        "annualRate": "0.0435",
        "issuedOn": business_today().isoformat(),
        "maturesOn": (business_today() + dt.timedelta(days=365)).isoformat(),
        "guarantee": "CREDIT",
    }
    data.update(overrides)
    return data


async def test_create_loan_and_set_its_class(api: Api, session: AsyncSession) -> None:
    m = models.Manager
    active = select(m.id).where(m.tenant_id == TENANT, m.status == ManagerStatus.ACTIVE)
    customer = await _first(
        session,
        models.Customer,
        models.Customer.kind == "INDIVIDUAL",
        models.Customer.manager_id.in_(active),
    )
    data = await api(
        CREATE_LOAN, {"input": loan_input(str(customer.id), principal="9999999999999999.99")}
    )
    loan = data["createLoan"]
    assert loan["principal"] == loan["balance"] == "9999999999999999.99"
    assert loan["office"]["id"] == str(customer.office_id)
    assert loan["manager"]["id"] == str(customer.manager_id)
    stored = await session.get(models.Loan, (TENANT, uuid.UUID(loan["id"])))
    assert stored is not None and stored.principal == Decimal("9999999999999999.99")
    changed = await api(
        """mutation($id: ID!) { setLoanRiskClass(input: {loanId: $id, riskClass: SUBSTANDARD,
             daysOverdue: 120}) { __typename ... on Loan { riskClass daysOverdue nonPerforming } } }""",
        {"id": loan["id"]},
    )
    assert changed["setLoanRiskClass"] == {
        "__typename": "Loan",
        "riskClass": "SUBSTANDARD",
        "daysOverdue": 120,
        "nonPerforming": True,
    }


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        (1.5, "not a JSON float"),
        (300000, "not a JSON int"),
        ("-100.00", "must not be negative"),
        ("12.345", "at most 2 decimal places"),
        ("1e5", "at most 2 decimal places"),
        ("abc", "at most 2 decimal places"),
    ],
)
async def test_bad_money_is_refused_before_anything_runs(
    api: Api, session: AsyncSession, principal: object, expected: str
) -> None:
    customer = await _first(session, models.Customer)
    before = await _count(session, models.Loan)
    response = await api.post(
        CREATE_LOAN, {"input": loan_input(str(customer.id), principal=principal)}
    )
    body = response.json()
    assert "data" not in body or body["data"] is None
    message = body["errors"][0]["message"]
    assert "principal" in message and expected in message, message
    assert await _count(session, models.Loan) == before


async def test_zero_principal_and_bad_terms_are_typed_errors(
    api: Api, session: AsyncSession
) -> None:
    customer = await _first(session, models.Customer, models.Customer.kind == "INDIVIDUAL")
    before = await _count(session, models.Loan)
    data = await api(
        CREATE_LOAN,
        {
            "input": loan_input(
                str(customer.id),
                principal="0.00",
                balance="10.00",
                annualRate="0.9",
                maturesOn="2024-01-01",
            )
        },
    )
    codes = {(e["field"], e["code"]) for e in data["createLoan"]["errors"]}
    assert codes == {
        ("input.principal", "POSITIVE"),
        ("input.balance", "NOT_ABOVE_PRINCIPAL"),
        ("input.annualRate", "RANGE"),
        ("input.maturesOn", "AFTER_ISSUE"),
    }
    assert await _count(session, models.Loan) == before


@pytest.mark.parametrize(
    ("issued_on", "code"),
    [
        (dt.date(1900, 1, 1), "BACKDATED_TOO_FAR"),
        (business_today() - dt.timedelta(days=31), "BACKDATED_TOO_FAR"),
        (business_today() + dt.timedelta(days=1), "NOT_IN_FUTURE"),
    ],
)
async def test_an_issue_date_far_back_or_ahead_is_a_typed_error(
    api: Api, session: AsyncSession, issued_on: dt.date, code: str
) -> None:
    customer = await _first(session, models.Customer, models.Customer.kind == "INDIVIDUAL")
    before = await _count(session, models.Loan)
    data = await api(
        CREATE_LOAN,
        {
            "input": loan_input(
                str(customer.id),
                issuedOn=issued_on.isoformat(),
                maturesOn=(business_today() + dt.timedelta(days=400)).isoformat(),
            )
        },
    )
    codes = {(e["field"], e["code"]) for e in data["createLoan"]["errors"]}
    assert codes == {("input.issuedOn", code)}
    assert await _count(session, models.Loan) == before


async def test_an_issue_date_before_1900_is_refused_before_anything_runs(
    api: Api, session: AsyncSession
) -> None:
    """``0001-01-01`` lies outside the dates the API takes (1900–2199): refused by the
    ``Date`` scalar, naming the variable, and no loan is written."""
    customer = await _first(session, models.Customer, models.Customer.kind == "INDIVIDUAL")
    before = await _count(session, models.Loan)
    variables = {"input": loan_input(str(customer.id), issuedOn="0001-01-01")}
    body = (await api.post(CREATE_LOAN, variables)).json()
    assert body.get("data") is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "issuedOn" in error["message"] and "1900–2199" in error["message"]
    assert await _count(session, models.Loan) == before


async def test_filter_non_performing_and_overdue(api: Api, session: AsyncSession) -> None:
    data = await api(
        """{ npl: loans(first: 100, filter: {nonPerforming: true}) {
               totalCount edges { node { riskClass nonPerforming daysOverdue } } }
             overdue: loans(filter: {overdue: true}) { totalCount }
             doubtful: loans(filter: {riskClasses: [DOUBTFUL, LOSS]}) { totalCount } }"""
    )
    npl_db = await _count(session, models.Loan, models.Loan.risk_class.in_(NON_PERFORMING))
    assert data["npl"]["totalCount"] == npl_db > 0
    assert all(e["node"]["nonPerforming"] for e in data["npl"]["edges"])
    assert data["overdue"]["totalCount"] == await _count(
        session, models.Loan, models.Loan.days_overdue > 0
    )
    assert data["doubtful"]["totalCount"] == await _count(
        session, models.Loan, models.Loan.risk_class.in_(["DOUBTFUL", "LOSS"])
    )


# --- the checks of a new loan, as the client sees them (every rule: tests/services) --------

ISSUE = business_today() - dt.timedelta(days=3)

CHECKED_LOAN = """
mutation($input: CreateLoanInput!) { createLoan(input: $input) {
  __typename
  ... on Loan { id contractNo principal balance riskClass issuedOn
                manager { id } office { id } customer { id } }
  ... on Refused { refusals { rule article message } }
  ... on UserError { code message field }
} }
"""


def checked_loan_input(
    customer: models.Customer,
    *,
    principal: str = "50000.00",
    issued_on: dt.date = ISSUE,
    manager: models.Manager | None = None,
) -> dict[str, Any]:
    corporate = customer.kind is CustomerKind.CORPORATE
    data: dict[str, Any] = {
        "customerId": str(customer.id),
        "contractNo": f"HT-{uuid.uuid4().hex[:20]}",
        "product": "WORKING_CAPITAL" if corporate else "FARMER_MICRO_CREDIT",
        "principal": principal,
        "annualRate": "0.0435",
        "issuedOn": issued_on.isoformat(),
        "maturesOn": (issued_on + dt.timedelta(days=365)).isoformat(),
        "guarantee": "CREDIT",
    }
    if manager is not None:
        data["managerId"] = str(manager.id)
    return data


async def create_checked_loan(api: Api, tenant: str, data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = (await api(CHECKED_LOAN, {"input": data}, tenant=tenant))["createLoan"]
    return result


async def assert_refused(
    api: Api, world: Bank, data: dict[str, Any], expected: set[str]
) -> list[dict[str, str]]:
    """The loan is Refused by exactly these rules, each once with an article; nothing written."""
    before = await world.footprint()
    result = await create_checked_loan(api, world.tenant, data)
    assert result["__typename"] == "Refused", result
    refusals: list[dict[str, str]] = result["refusals"]
    rules = [r["rule"] for r in refusals]
    assert sorted(rules) == sorted(expected), refusals
    assert len(rules) == len(set(rules)), f"a rule is listed twice: {rules}"
    for refusal in refusals:
        assert refusal["article"].strip(), refusal
        assert refusal["message"].strip(), refusal
    assert await world.footprint() == before
    return refusals


async def assert_written(api: Api, world: Bank, data: dict[str, Any]) -> dict[str, Any]:
    before = await world.footprint()
    result = await create_checked_loan(api, world.tenant, data)
    assert result["__typename"] == "Loan", result
    assert result["principal"] == data["principal"]
    assert result["customer"]["id"] == data["customerId"]
    assert (await world.footprint())[0] == before[0] + 1
    stored = await world.session.get(models.Loan, (world.tenant, uuid.UUID(result["id"])))
    assert stored is not None
    assert stored.principal == Decimal(data["principal"])
    return result


async def test_every_failed_rule_is_listed_in_a_county_union(
    api: Api, session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, "cc-demo")
    home, elsewhere = await world.offices()
    owner = await world.manager(home, tier="CC_2")
    stranger = await world.manager(
        elsewhere,
        tier="CC_1",
        status=ManagerStatus.SUSPENDED,
        licence_valid_until=ISSUE - dt.timedelta(days=1),
    )
    customer = await world.customer(
        owner, kind=CustomerKind.CORPORATE, admission=AdmissionStatus.REQUIRED, blacklisted=True
    )
    await assert_refused(
        api,
        world,
        checked_loan_input(customer, principal="300000.01", manager=stranger),
        {
            "MANAGER_NOT_ACTIVE",
            "LICENCE_NOT_VALID",
            "BLACKLISTED",
            "ADMISSION_REQUIRED",
            "RELATIONSHIP_ELSEWHERE",
            "AMOUNT_OVER_CAP",
        },
    )


async def test_a_loan_that_passes_every_check_is_written(
    api: Api, session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, "cc-demo")
    office, _ = await world.offices()
    manager = await world.manager(office, tier="CC_2")
    customer = await world.customer(
        manager, kind=CustomerKind.CORPORATE, admitted_on=ISSUE - dt.timedelta(days=1)
    )
    data = checked_loan_input(customer, principal="1000000.00")
    loan = await assert_written(api, world, data)
    assert loan["balance"] == "1000000.00"
    assert loan["riskClass"] == "NORMAL"
    assert loan["issuedOn"] == ISSUE.isoformat()
    assert loan["manager"]["id"] == str(manager.id)
    assert loan["office"]["id"] == str(office)
    assert loan["contractNo"] == data["contractNo"]
