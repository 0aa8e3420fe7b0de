"""Mutations: what they write, and the typed errors that write nothing."""

from __future__ import annotations

import random
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import Role
from server.identity_codes import make_resident_id, make_social_credit_code
from tests.conftest import Api

TENANT = "sd-demo"


async def _count(session: AsyncSession, model: Any) -> int:
    stmt = select(func.count()).select_from(model).where(model.tenant_id == TENANT)
    return int(await session.scalar(stmt) or 0)


async def _first(session: AsyncSession, model: Any, *conditions: Any) -> Any:
    stmt = select(model).where(model.tenant_id == TENANT, *conditions).limit(1)
    return (await session.execute(stmt)).scalar_one()


CREATE_MANAGER = """
mutation($input: CreateManagerInput!) { createManager(input: $input) {
  __typename
  ... on Manager { id employeeNo status tier { code name rank } tierHistory { cause toTier { code } }
                   qualification { education creditWorkYears } office { id } }
  ... on UserError { code message field }
  ... on InvalidInput { errors { field code message } }
} }
"""

CREATE_CUSTOMER = """
mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
  __typename
  ... on Customer { id kind admissionStatus idNumber office { id } manager { id } facts { contributionScore } }
  ... on UserError { code message field }
  ... on InvalidInput { errors { field code message } }
} }
"""

CREATE_LOAN = """
mutation($input: CreateLoanInput!) { createLoan(input: $input) {
  __typename
  ... on Loan { id principal balance annualRate riskClass office { id } manager { id } }
  ... on UserError { code message field }
  ... on InvalidInput { errors { field code message } }
} }
"""


def manager_input(office_id: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "employeeNo": "T-0001",
        "name": "测试经理",
        "officeId": office_id,
        "category": "RETAIL",
        "hireDate": "2018-03-01",
        "birthDate": "1990-05-17",
        "tierCode": "SD_2",
        "qualification": {"education": "BACHELOR_OR_HIGHER", "creditWorkYears": "6.50"},
        "jurisdictionHouseholds": 800,
        "ratedHouseholds": 700,
    }
    data.update(overrides)
    return data


async def test_create_office_tree_and_rules(api: Api, session: AsyncSession) -> None:
    head = await _first(session, models.Office, models.Office.kind == "HEAD_OFFICE")
    query = """mutation($i: CreateOfficeInput!) { createOffice(input: $i) { __typename
      ... on Office { id kind depth parent { id } } ... on UserError { code field } } }"""
    made = await api(
        query,
        {"i": {"code": "NEW-BR", "name": "新区支行", "kind": "BRANCH", "parentId": str(head.id)}},
    )
    branch = made["createOffice"]
    assert (branch["kind"], branch["depth"], branch["parent"]["id"]) == ("BRANCH", 1, str(head.id))
    outlet = await api(
        query,
        {"i": {"code": "NEW-OUT", "name": "新区网点", "kind": "OUTLET", "parentId": branch["id"]}},
    )
    assert outlet["createOffice"]["depth"] == 2
    before = await _count(session, models.Office)
    bad_parent = await api(
        query, {"i": {"code": "BAD", "name": "错", "kind": "OUTLET", "parentId": str(head.id)}}
    )
    assert bad_parent["createOffice"] == {
        "__typename": "InvalidInput",
        "code": "INVALID_INPUT",
        "field": "input.parentId",
    }
    duplicate = await api(
        query, {"i": {"code": "NEW-BR", "name": "重复", "kind": "BRANCH", "parentId": str(head.id)}}
    )
    assert duplicate["createOffice"] == {
        "__typename": "Conflict",
        "code": "CONFLICT",
        "field": "input.code",
    }
    second_head = await api(
        query, {"i": {"code": "HEAD2", "name": "第二总行", "kind": "HEAD_OFFICE"}}
    )
    assert second_head["createOffice"]["__typename"] == "Conflict"
    assert await _count(session, models.Office) == before


async def test_create_manager_with_initial_tier(api: Api, session: AsyncSession) -> None:
    office = await _first(session, models.Office, models.Office.kind == "OUTLET")
    data = await api(CREATE_MANAGER, {"input": manager_input(str(office.id))})
    m = data["createManager"]
    assert m["__typename"] == "Manager"
    assert m["tier"] == {"code": "SD_2", "name": "二级客户经理", "rank": 2}
    assert m["tierHistory"] == [{"cause": "INITIAL", "toTier": {"code": "SD_2"}}]
    assert m["qualification"] == {"education": "BACHELOR_OR_HIGHER", "creditWorkYears": "6.5"}


async def test_duplicate_employee_number_writes_nothing(api: Api, session: AsyncSession) -> None:
    existing = await _first(session, models.Manager)
    before = (
        await _count(session, models.Manager),
        await _count(session, models.ManagerTierChange),
    )
    data = await api(
        CREATE_MANAGER,
        {"input": manager_input(str(existing.office_id), employeeNo=existing.employee_no)},
    )
    assert data["createManager"]["__typename"] == "Conflict"
    assert data["createManager"]["field"] == "input.employeeNo"
    after = (await _count(session, models.Manager), await _count(session, models.ManagerTierChange))
    assert after == before


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"tierCode": "CC_4"}, "input.tierCode", "UNKNOWN_TIER"),
        ({"employeeNo": "空 格"}, "input.employeeNo", "FORMAT"),
        ({"birthDate": "2010-01-01"}, "input.birthDate", "MIN_AGE"),
        ({"status": "PROBATION"}, "input.probationEndsOn", "REQUIRED"),
        ({"ratedHouseholds": 900}, "input.ratedHouseholds", "NOT_ABOVE_JURISDICTION"),
        ({"status": "DISQUALIFIED"}, "input.status", "INITIAL_STATUS"),
        ({"hireDate": "2999-01-01"}, "input.hireDate", "NOT_IN_FUTURE"),
    ],
)
async def test_create_manager_rules(
    api: Api, session: AsyncSession, overrides: dict[str, Any], field: str, code: str
) -> None:
    office = await _first(session, models.Office)
    before = await _count(session, models.Manager)
    data = await api(CREATE_MANAGER, {"input": manager_input(str(office.id), **overrides)})
    result = data["createManager"]
    assert result["__typename"] == "InvalidInput"
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in result["errors"]
    ]
    assert await _count(session, models.Manager) == before


async def test_update_manager_changes_only_given_fields(api: Api, session: AsyncSession) -> None:
    manager = await _first(session, models.Manager, models.Manager.status == "ACTIVE")
    query = """mutation($id: ID!, $i: UpdateManagerInput!) { updateManager(id: $id, input: $i) {
      __typename ... on Manager { name employeeNo status qualification { licenceNo } }
      ... on InvalidInput { errors { field code } } } }"""
    data = await api(
        query,
        {"id": str(manager.id), "i": {"name": "新名字", "qualification": {"licenceNo": None}}},
    )
    assert data["updateManager"] == {
        "__typename": "Manager",
        "name": "新名字",
        "employeeNo": manager.employee_no,
        "status": "ACTIVE",
        "qualification": {"licenceNo": None},
    }
    refused = await api(
        query, {"id": str(manager.id), "i": {"status": "DISQUALIFIED", "name": "x"}}
    )
    assert refused["updateManager"]["errors"] == [
        {"field": "input.status", "code": "DISQUALIFY_BY_VIOLATION"}
    ]
    await session.refresh(manager)
    assert manager.name == "新名字"


@pytest.mark.parametrize(
    "given", ["name", "officeId", "category", "hireDate", "birthDate", "status"]
)
async def test_update_manager_refuses_clearing_a_required_field(
    api: Api, session: AsyncSession, given: str
) -> None:
    """The client reads the field and the message in its own spelling."""
    manager = await _first(session, models.Manager, models.Manager.status == "ACTIVE")
    query = """mutation($id: ID!, $i: UpdateManagerInput!) { updateManager(id: $id, input: $i) {
      __typename ... on InvalidInput { field errors { field code message } } } }"""
    data = await api(query, {"id": str(manager.id), "i": {given: None}})
    assert data["updateManager"] == {
        "__typename": "InvalidInput",
        "field": f"input.{given}",
        "errors": [
            {"field": f"input.{given}", "code": "REQUIRED", "message": f"{given} cannot be null"}
        ],
    }


async def test_create_individual_and_corporate_customers(api: Api, session: AsyncSession) -> None:
    manager = await _first(session, models.Manager)
    rng = random.Random(7)
    person = await api(
        CREATE_CUSTOMER,
        {
            "input": {
                "kind": "INDIVIDUAL",
                "segment": "FARMER",
                "name": "王小二",
                "idNumber": make_resident_id(rng),
                "managerId": str(manager.id),
                "facts": {"contributionScore": 70},
            }
        },
    )
    company = await api(
        CREATE_CUSTOMER,
        {
            "input": {
                "kind": "CORPORATE",
                "segment": "ENTERPRISE",
                "name": "某某农业开发有限公司",
                "idNumber": make_social_credit_code(rng),
                "managerId": str(manager.id),
            }
        },
    )
    assert person["createCustomer"]["admissionStatus"] == "NOT_REQUIRED"
    assert person["createCustomer"]["facts"] == {"contributionScore": 70}
    assert company["createCustomer"]["admissionStatus"] == "REQUIRED"
    assert company["createCustomer"]["office"]["id"] == str(manager.office_id)


@pytest.mark.parametrize(
    ("kind", "segment", "id_number", "code"),
    [
        ("INDIVIDUAL", "FARMER", "110105194912310021", "RESIDENT_ID_GB11643"),
        ("INDIVIDUAL", "FARMER", "11010519491231002", "RESIDENT_ID_GB11643"),
        ("INDIVIDUAL", "FARMER", "110105194913310025", "RESIDENT_ID_GB11643"),
        ("CORPORATE", "ENTERPRISE", "91350100M000100Y42", "CREDIT_CODE_GB32100"),
        ("CORPORATE", "ENTERPRISE", "91350100M000100YI3", "CREDIT_CODE_GB32100"),
        ("CORPORATE", "ENTERPRISE", "11010519491231002X", "CREDIT_CODE_GB32100"),
    ],
)
async def test_invalid_identity_numbers_are_refused(
    api: Api, session: AsyncSession, kind: str, segment: str, id_number: str, code: str
) -> None:
    manager = await _first(session, models.Manager)
    before = await _count(session, models.Customer)
    data = await api(
        CREATE_CUSTOMER,
        {
            "input": {
                "kind": kind,
                "segment": segment,
                "name": "某客户",
                "idNumber": id_number,
                "managerId": str(manager.id),
            }
        },
    )
    result = data["createCustomer"]
    assert result["__typename"] == "InvalidInput"
    assert result["field"] == "input.idNumber"
    assert result["errors"][0]["code"] == code
    assert await _count(session, models.Customer) == before


async def test_duplicate_identity_number_is_a_conflict(api: Api, session: AsyncSession) -> None:
    customer = await _first(session, models.Customer, models.Customer.kind == "INDIVIDUAL")
    data = await api(
        CREATE_CUSTOMER,
        {
            "input": {
                "kind": "INDIVIDUAL",
                "segment": "FARMER",
                "name": "重名",
                "idNumber": customer.id_number,
                "managerId": str(customer.manager_id),
            }
        },
    )
    assert data["createCustomer"]["__typename"] == "Conflict"


def loan_input(customer_id: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "customerId": customer_id,
        "contractNo": "HT-2025-0001",
        "product": "FARMER_MICRO_CREDIT",
        "principal": "300000.00",
        "annualRate": "0.0435",
        "issuedOn": "2025-03-01",
        "maturesOn": "2026-03-01",
        "guarantee": "CREDIT",
    }
    data.update(overrides)
    return data


async def test_create_loan_and_set_its_class(api: Api, session: AsyncSession) -> None:
    customer = await _first(session, models.Customer, models.Customer.kind == "INDIVIDUAL")
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


async def test_record_plans_indicators_findings_and_violation(
    api: Api, session: AsyncSession
) -> None:
    loan = await _first(session, models.Loan)
    manager = await _first(session, models.Manager, models.Manager.id == loan.manager_id)
    data = await api(
        """mutation($m: ID!, $loan: ID!) {
          plan: recordTaskPlan(managerId: $m, period: "2025", plans: [
            {indicator: "deposits_net_increase", value: "5000000"},
            {indicator: "interest_recovered", value: "120000.50"}]) {
            __typename ... on FiguresRecorded { period figures { indicator value } } }
          again: recordTaskPlan(managerId: $m, period: "2025", plans: [
            {indicator: "interest_recovered", value: "130000"}]) { __typename }
          values: recordIndicators(managerId: $m, period: "2025-Q3", values: [
            {indicator: "deposits_net_increase", value: "-2500.25"}]) { __typename }
          findings: recordInspectionFindings(managerId: $m, period: "2025", findings: [
            {item: "C1.4", finding: "MISSING_REPORT", count: 2, loanId: $loan}]) {
            __typename ... on FindingsRecorded { findings { item finding count loanId } } }
          violation: recordViolation(input: {managerId: $m, kind: NOMINEE_LOAN,
            occurredOn: "2025-06-01", description: "冒名贷款一笔"}) {
            __typename ... on Violation { kind kindLabel status } }
        }""",
        {"m": str(manager.id), "loan": str(loan.id)},
        roles=(Role.HR, Role.RISK),
    )
    assert data["plan"]["figures"][1] == {"indicator": "interest_recovered", "value": "120000.5"}
    assert data["again"]["__typename"] == "FiguresRecorded"
    assert data["findings"]["findings"] == [
        {"item": "C1.4", "finding": "MISSING_REPORT", "count": 2, "loanId": str(loan.id)}
    ]
    assert data["violation"] == {
        "__typename": "Violation",
        "kind": "NOMINEE_LOAN",
        "kindLabel": "背冒名贷款",
        "status": "RECORDED",
    }
    plans = dict(
        (
            await session.execute(
                select(models.TaskPlan.indicator, models.TaskPlan.plan).where(
                    models.TaskPlan.tenant_id == TENANT,
                    models.TaskPlan.manager_id == manager.id,
                    models.TaskPlan.period == "2025",
                )
            )
        ).all()
    )
    assert plans == {
        "deposits_net_increase": Decimal("5000000"),
        "interest_recovered": Decimal("130000"),
    }
    value = await session.scalar(
        select(models.IndicatorValue.value).where(
            models.IndicatorValue.tenant_id == TENANT,
            models.IndicatorValue.manager_id == manager.id,
            models.IndicatorValue.period == "2025-Q3",
        )
    )
    assert value == Decimal("-2500.25")


@pytest.mark.parametrize(
    ("period", "figures", "where"),
    [
        ("2025-Q5", [{"indicator": "x", "value": "1"}], "Period"),
        ("2025", [{"indicator": "Bad Key", "value": "1"}], "plans[0].indicator"),
        (
            "2025",
            [{"indicator": "a", "value": "1"}, {"indicator": "a", "value": "2"}],
            "plans[1].indicator",
        ),
        ("2025", [{"indicator": "a", "value": 1.5}], "Decimal"),
    ],
)
async def test_bad_task_plans_write_nothing(
    api: Api, session: AsyncSession, period: str, figures: list[dict[str, Any]], where: str
) -> None:
    manager = await _first(session, models.Manager)
    before = await _count(session, models.TaskPlan)
    response = await api.post(
        """mutation($m: ID!, $p: Period!, $f: [FigureInput!]!) {
          recordTaskPlan(managerId: $m, period: $p, plans: $f) {
            __typename ... on InvalidInput { errors { field code } } } }""",
        {"m": str(manager.id), "p": period, "f": figures},
    )
    assert where in response.text
    assert await _count(session, models.TaskPlan) == before


async def test_update_customer_facts(api: Api, session: AsyncSession) -> None:
    customer = await _first(session, models.Customer)
    query = """mutation($id: ID!, $f: CustomerFactsInput!) { updateCustomerFacts(id: $id, facts: $f) {
      __typename ... on Customer { facts { majorLitigation contributionScore operatingStatus } }
      ... on InvalidInput { errors { field code } } } }"""
    ok = await api(
        query, {"id": str(customer.id), "f": {"majorLitigation": True, "contributionScore": 88}}
    )
    assert ok["updateCustomerFacts"]["facts"]["majorLitigation"] is True
    assert ok["updateCustomerFacts"]["facts"]["contributionScore"] == 88
    bad = await api(query, {"id": str(customer.id), "f": {"contributionScore": 101}})
    assert bad["updateCustomerFacts"]["errors"] == [
        {"field": "facts.contributionScore", "code": "RANGE"}
    ]
    await session.refresh(customer)
    assert customer.contribution_score == 88


@pytest.mark.parametrize(
    "given",
    [
        "industryPolicy",
        "licencesComplete",
        "operatingStatus",
        "prospects",
        "maliciousEvasion",
        "majorLitigation",
        "contributionScore",
    ],
)
async def test_update_customer_facts_refuses_clearing_a_fact(
    api: Api, session: AsyncSession, given: str
) -> None:
    """The client reads the field and the message in its own spelling."""
    customer = await _first(session, models.Customer)
    query = """mutation($id: ID!, $f: CustomerFactsInput!) { updateCustomerFacts(id: $id, facts: $f) {
      __typename ... on InvalidInput { field errors { field code message } } } }"""
    data = await api(query, {"id": str(customer.id), "f": {given: None}})
    assert data["updateCustomerFacts"] == {
        "__typename": "InvalidInput",
        "field": f"facts.{given}",
        "errors": [
            {"field": f"facts.{given}", "code": "REQUIRED", "message": f"{given} cannot be null"}
        ],
    }
