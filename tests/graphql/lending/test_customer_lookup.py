"""customerByIdentityNumber: the whole number, checked, matched through the keyed hash,
within the caller's scope (each role × each scope of the matrix's world); never by part
of a number, never logged; createCustomer stores the hash it is found by."""

from __future__ import annotations

import logging
import random
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import Role
from server.identity_codes import make_resident_id, make_social_credit_code, mask_identity
from server.identity_lookup import identity_hash
from server.permissions import allowed_roles
from server.policy.registry import PolicyRegistry
from server.settings import Settings
from tests.conftest import Api
from tests.graphql.matrix import SCOPES, TENANT, World, build_world, user_of

ROLES = tuple(Role)
LOOKUP = "query($n: String!) { customerByIdentityNumber(idNumber: $n) { id idNumber } }"


@pytest.fixture
async def world(session: AsyncSession, registry: PolicyRegistry) -> World:
    return await build_world(session, registry)


async def _as(api: Api, world: World, role: Role, number: str) -> Any:
    token = api.token(TENANT, (role,), user_of(role), **world.claims(role))
    response = await api.post(LOOKUP, {"n": number}, token=token)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
async def test_found_only_within_the_callers_scope(api: Api, world: World, role: Role) -> None:
    found = 0
    for scope in SCOPES:
        for customer in (world.corners[scope].customer, world.corners[scope].corporate):
            body = await _as(api, world, role, customer.id_number)
            if role not in allowed_roles("query", "customerByIdentityNumber"):
                assert body.get("data") is None
                assert {e["extensions"]["code"] for e in body["errors"]} == {"PERMISSION_DENIED"}
                continue
            assert "errors" not in body, body
            answer = body["data"]["customerByIdentityNumber"]
            if str(customer.id) in world.visible[role]["Customer"]:
                shown = (
                    customer.id_number
                    if role is Role.AUDITOR
                    else mask_identity(customer.id_number)
                )
                assert answer == {"id": str(customer.id), "idNumber": shown}, (role, scope)
                found += 1
            else:
                assert answer is None, f"leak: {role.value} finds the {scope} customer"
    if role in allowed_roles("query", "customerByIdentityNumber"):
        assert found >= 2


async def test_the_number_is_normalised_as_it_is_stored(api: Api, session: AsyncSession) -> None:
    customer = (
        await session.execute(
            select(models.Customer).where(models.Customer.tenant_id == TENANT).limit(1)
        )
    ).scalar_one()
    data = await api(LOOKUP, {"n": f"  {customer.id_number.lower()} "})
    assert data["customerByIdentityNumber"]["id"] == str(customer.id)


async def _refusal(api: Api, number: str) -> dict[str, Any]:
    body = (await api.post(LOOKUP, {"n": number})).json()
    assert body["data"] == {"customerByIdentityNumber": None}
    error: dict[str, Any] = body["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "idNumber"}
    assert number.strip() not in error["message"] or not number.strip()
    return error


async def test_part_of_a_number_is_refused_not_searched(api: Api, session: AsyncSession) -> None:
    number = await session.scalar(
        select(models.Customer.id_number).where(models.Customer.tenant_id == TENANT).limit(1)
    )
    assert number is not None
    for part in (number[:17], number[:6], number[-4:], "", number + "0"):
        error = await _refusal(api, part)
        assert "GB 11643" in error["message"] and "GB 32100" in error["message"]


async def test_a_wrong_check_character_is_refused(api: Api) -> None:
    number = make_resident_id(random.Random(3))
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    await _refusal(api, wrong)


async def test_an_overlong_argument_is_refused_before_any_work(api: Api) -> None:
    error = await _refusal(api, "1" * 41)
    assert "longer than 40" in error["message"]


async def test_a_valid_number_nobody_has_is_null(api: Api) -> None:
    data = await api(LOOKUP, {"n": make_social_credit_code(random.Random(99))})
    assert data["customerByIdentityNumber"] is None


CREATE = """mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
  __typename ... on Customer { id } } }"""


async def test_a_created_customer_is_found_and_its_number_never_logged(
    api: Api, session: AsyncSession, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    manager = (
        await session.execute(
            select(models.Manager).where(models.Manager.tenant_id == TENANT).limit(1)
        )
    ).scalar_one()
    number = make_resident_id(random.Random(2026))
    caplog.set_level(logging.INFO)
    created = await api(
        CREATE,
        {
            "input": {
                "kind": "INDIVIDUAL",
                "segment": "FARMER",
                "name": "查找测试",
                "idNumber": number,
                "managerId": str(manager.id),
            }
        },
        roles=(Role.BRANCH_HEAD,),
    )
    customer_id = created["createCustomer"]["id"]
    data = await api(LOOKUP, {"n": number}, roles=(Role.AUDITOR,))
    assert data["customerByIdentityNumber"] == {"id": customer_id, "idNumber": number}
    stored = await session.scalar(
        select(models.Customer.id_number_hash).where(
            models.Customer.tenant_id == TENANT, models.Customer.id_number == number
        )
    )
    assert stored == identity_hash(settings.identity_lookup_key, number)
    assert caplog.records
    assert all(number not in r.getMessage() for r in caplog.records)
