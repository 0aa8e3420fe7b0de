"""Bad input is a typed error naming the field, never ``INTERNAL_ERROR``, and writes nothing
(issue #9, item 9): NUL characters anywhere in the text of an operation, strings longer than
their column, cursors and dates out of range, null facts, non-ASCII digits."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import Role
from server.identity_codes import make_resident_id
from tests.conftest import Api

UPDATE_MANAGER = """mutation($id: ID!, $i: UpdateManagerInput!) { updateManager(id: $id, input: $i) {
  __typename ... on Manager { name } ... on InvalidInput { errors { field code } } } }"""
CREATE_CUSTOMER = """mutation($i: CreateCustomerInput!) { createCustomer(input: $i) {
  __typename ... on Customer { id } ... on InvalidInput { errors { field code } } } }"""
CREATE_LOAN = """mutation($i: CreateLoanInput!) { createLoan(input: $i) {
  __typename ... on Loan { id } ... on InvalidInput { errors { field code } } } }"""
GRADE_EVENTS = "query($after: String) { gradeEvents(after: $after) { latestCursor } }"
DUTIES = "query($id: ID!, $asOf: Date) { manager(id: $id) { duties(asOf: $asOf) { kind } } }"


async def _manager(session: AsyncSession) -> models.Manager:
    return (
        await session.execute(
            select(models.Manager)
            .where(models.Manager.tenant_id == "sd-demo", models.Manager.status == "ACTIVE")
            .order_by(models.Manager.employee_no)
            .limit(1)
        )
    ).scalar_one()


async def _count(session: AsyncSession, model: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _errors(api: Api, query: str, variables: dict[str, Any], **kw: Any) -> list[Any]:
    response = await api.post(query, variables, token=api.token(**kw))
    assert response.status_code == 200, response.text
    errors: list[Any] = response.json().get("errors", [])
    return errors


# --- NUL characters -------------------------------------------------------------------


async def test_a_nul_in_a_variable_is_refused_naming_its_path(
    api: Api, session: AsyncSession
) -> None:
    manager = await _manager(session)
    before = manager.name
    entries = await _count(session, models.AuditEntry)
    errors = await _errors(api, UPDATE_MANAGER, {"id": str(manager.id), "i": {"name": "王\x00五"}})
    assert [(e["extensions"]["code"], e["extensions"]["field"]) for e in errors] == [
        ("BAD_USER_INPUT", "$i.name")
    ]
    await session.refresh(manager)
    assert manager.name == before
    assert await _count(session, models.AuditEntry) == entries, "nothing ran, nothing recorded"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (
            'mutation { updateManager(id: "x", input: {qualification: {licenceNo: "A\\u0000"}})'
            " { __typename } }",
            "input.qualification.licenceNo",
        ),
        ('{ gradeEvents(after: "1\\u0000") { latestCursor } }', "after"),
        ('{ managers(filter: {search: "\\u0000"}) { totalCount } }', "filter.search"),
    ],
)
async def test_a_nul_in_a_literal_is_refused_naming_its_argument(
    api: Api, query: str, field: str
) -> None:
    errors = await _errors(api, query, {})
    assert [(e["extensions"]["code"], e["extensions"].get("field")) for e in errors] == [
        ("BAD_USER_INPUT", field)
    ]


async def test_a_nul_deep_in_json_variables_is_refused(api: Api) -> None:
    errors = await _errors(
        api,
        'mutation($p: JSON!) { setTenantPolicy(category: GRADING, plugin: "shandong",'
        " parameters: $p) { __typename } }",
        {"p": {"weights": ["ok", {"k\x00": 1}]}},
        roles=(Role.FEDERATION_ADMIN,),
    )
    assert [e["extensions"]["field"] for e in errors] == ["$p.weights[1]"]


# --- strings longer than their column -------------------------------------------------


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"qualification": {"licenceNo": "X" * 41}}, "input.qualification.licenceNo"),
        (
            {"qualification": {"qualificationLevel": "级" * 41}},
            "input.qualification.qualificationLevel",
        ),
    ],
)
async def test_a_string_longer_than_its_column_is_invalid_input(
    api: Api, session: AsyncSession, given: dict[str, Any], field: str
) -> None:
    manager = await _manager(session)
    data = await api(UPDATE_MANAGER, {"id": str(manager.id), "i": given})
    result = data["updateManager"]
    assert result["__typename"] == "InvalidInput"
    assert [(e["field"], e["code"]) for e in result["errors"]] == [(field, "MAX_LENGTH")]


async def test_a_string_as_long_as_its_column_is_stored(api: Api, session: AsyncSession) -> None:
    manager = await _manager(session)
    length = models.Manager.__table__.c.licence_no.type.length
    data = await api(
        UPDATE_MANAGER, {"id": str(manager.id), "i": {"qualification": {"licenceNo": "X" * length}}}
    )
    assert data["updateManager"]["__typename"] == "Manager"
    await session.refresh(manager)
    assert manager.licence_no == "X" * length


# --- cursors and dates out of range ---------------------------------------------------


@pytest.mark.parametrize(
    "after", ["1e30", "9223372036854775808", "99999999999999999999999", "-1", "１２", " 1", "1_0"]
)
async def test_a_cursor_out_of_range_is_refused(api: Api, after: str) -> None:
    errors = await _errors(api, GRADE_EVENTS, {"after": after}, roles=(Role.HR,))
    assert [(e["extensions"]["code"], e["extensions"]["field"]) for e in errors] == [
        ("BAD_USER_INPUT", "after")
    ]


async def test_the_largest_cursor_is_answered(api: Api) -> None:
    data = await api(GRADE_EVENTS, {"after": "9223372036854775807"}, roles=(Role.HR,))
    assert data["gradeEvents"]["latestCursor"] == "9223372036854775807"


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01", "1899-12-31", "2200-01-01"])
async def test_a_date_out_of_range_is_a_validation_error(
    api: Api, session: AsyncSession, as_of: str
) -> None:
    manager = await _manager(session)
    errors = await _errors(api, DUTIES, {"id": str(manager.id), "asOf": as_of})
    assert len(errors) == 1
    assert errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "$asOf" in errors[0]["message"] and "1900–2199" in errors[0]["message"]


@pytest.mark.parametrize("as_of", ["1900-01-01", "2199-12-31"])
async def test_the_ends_of_the_date_range_are_answered(
    api: Api, session: AsyncSession, as_of: str
) -> None:
    manager = await _manager(session)
    data = await api(DUTIES, {"id": str(manager.id), "asOf": as_of})
    assert isinstance(data["manager"]["duties"], list)


# --- facts and money ------------------------------------------------------------------


async def test_a_null_fact_on_a_new_customer_is_invalid_input(
    api: Api, session: AsyncSession
) -> None:
    manager = await _manager(session)
    before = await _count(session, models.Customer)
    data = await api(
        CREATE_CUSTOMER,
        {
            "i": {
                "kind": "INDIVIDUAL",
                "segment": "FARMER",
                "name": "王小二",
                "idNumber": make_resident_id(random.Random(7)),
                "managerId": str(manager.id),
                "facts": {"contributionScore": None},
            }
        },
    )
    result = data["createCustomer"]
    assert result["__typename"] == "InvalidInput"
    assert [(e["field"], e["code"]) for e in result["errors"]] == [
        ("input.facts.contributionScore", "REQUIRED")
    ]
    assert await _count(session, models.Customer) == before


@pytest.mark.parametrize("principal", ["１２３", "١٢٣", "۱۲۳", "１２３.００", "12.٥"])
async def test_money_takes_ascii_digits_only(
    api: Api, session: AsyncSession, principal: str
) -> None:
    customer = (
        await session.execute(
            select(models.Customer).where(models.Customer.tenant_id == "sd-demo").limit(1)
        )
    ).scalar_one()
    loan = {
        "customerId": str(customer.id),
        "contractNo": "HT-DIGITS-1",
        "product": "FARMER_MICRO_CREDIT",
        "principal": principal,
        "annualRate": "0.0435",
        "issuedOn": "2025-03-01",
        "maturesOn": "2026-03-01",
        "guarantee": "CREDIT",
    }
    errors = await _errors(api, CREATE_LOAN, {"i": loan})
    assert len(errors) == 1
    assert errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "Money" in errors[0]["message"]


@pytest.mark.parametrize("rate", ["０.０４", "0.٠٤"])
async def test_decimals_take_ascii_digits_only(api: Api, session: AsyncSession, rate: str) -> None:
    manager = await _manager(session)
    errors = await _errors(
        api,
        UPDATE_MANAGER,
        {"id": str(manager.id), "i": {"qualification": {"creditWorkYears": rate}}},
    )
    assert [e["extensions"]["code"] for e in errors] == ["GRAPHQL_VALIDATION_FAILED"]
