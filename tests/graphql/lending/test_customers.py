"""Customers over GraphQL: createCustomer and updateCustomerFacts with their typed errors, masked
identity numbers, classes and their history."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import Role
from server.identity_codes import make_resident_id, make_social_credit_code
from tests.conftest import Api

TENANT = "sd-demo"


async def _count(session: AsyncSession, model: Any, *conditions: Any) -> int:
    stmt = select(func.count()).select_from(model).where(model.tenant_id == TENANT, *conditions)
    return int(await session.scalar(stmt) or 0)


async def _first(session: AsyncSession, model: Any, *conditions: Any) -> Any:
    stmt = select(model).where(model.tenant_id == TENANT, *conditions).limit(1)
    return (await session.execute(stmt)).scalar_one()


CREATE_CUSTOMER = """
mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
  __typename
  ... on Customer { id kind admissionStatus idNumber office { id } manager { id } facts { contributionScore } }
  ... on UserError { code message field }
  ... on InvalidInput { errors { field code message } }
} }
"""


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


async def test_id_numbers_are_masked_except_for_auditors(api: Api, session: AsyncSession) -> None:
    customer = (
        await session.execute(
            select(models.Customer).where(models.Customer.tenant_id == TENANT).limit(1)
        )
    ).scalar_one()
    query = "query($id: ID!) { customer(id: $id) { idNumber } }"
    masked = await api(query, {"id": str(customer.id)}, roles=(Role.HR, Role.RISK))
    shown = await api(query, {"id": str(customer.id)}, roles=(Role.AUDITOR,))
    assert shown["customer"]["idNumber"] == customer.id_number
    value = masked["customer"]["idNumber"]
    assert value == customer.id_number[:3] + "*" * 11 + customer.id_number[-4:]


async def test_customer_class_and_history(api: Api) -> None:
    data = await api(
        """{ customers(first: 20, filter: {classes: [EXIT, RESTRICT]}) { totalCount edges { node {
             class classLabel classHistory { fromClass toClass plugin rules }
             loans { totalCount edges { node { riskClass } } } } } } }""",
        tenant="sx-demo",
    )
    edges = data["customers"]["edges"]
    assert edges
    for edge in edges:
        node = edge["node"]
        assert node["class"] in ("EXIT", "RESTRICT")
        assert node["classHistory"][-1]["toClass"] == node["class"]
        assert node["classHistory"][-1]["plugin"] == "shanxi_customer_class"
        assert node["classLabel"] in ("退出类", "限制类")
