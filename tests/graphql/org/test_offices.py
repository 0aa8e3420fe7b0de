"""Offices over GraphQL: the tree and the tenant, createOffice and its rules, each office's managers."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from tests.conftest import Api

TENANT = "sd-demo"


async def _count(session: AsyncSession, model: Any, *conditions: Any) -> int:
    stmt = select(func.count()).select_from(model).where(model.tenant_id == TENANT, *conditions)
    return int(await session.scalar(stmt) or 0)


async def _first(session: AsyncSession, model: Any, *conditions: Any) -> Any:
    stmt = select(model).where(model.tenant_id == TENANT, *conditions).limit(1)
    return (await session.execute(stmt)).scalar_one()


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


async def test_tenant_policy_and_offices_tree(api: Api) -> None:
    data = await api(
        """{ tenant { id province policy { category plugin pluginVersion } }
             offices { id kind parent { id kind } children { kind } } }"""
    )
    policy = {p["category"]: p["plugin"] for p in data["tenant"]["policy"]}
    assert policy["GRADING"] == "shandong"
    for office in data["offices"]:
        if office["kind"] == "HEAD_OFFICE":
            assert office["parent"] is None
        elif office["kind"] == "BRANCH":
            assert office["parent"]["kind"] == "HEAD_OFFICE"
        else:
            assert office["parent"]["kind"] == "BRANCH"
            assert office["children"] == []


async def test_office_managers_are_that_offices_own(api: Api, session: AsyncSession) -> None:
    data = await api(
        "{ offices { id managers(first: 40) { totalCount edges { node { office { id } } } } } }"
    )
    for office in data["offices"]:
        expected = await session.scalar(
            select(func.count())
            .select_from(models.Manager)
            .where(
                models.Manager.tenant_id == "sd-demo",
                models.Manager.office_id == uuid.UUID(office["id"]),
            )
        )
        assert office["managers"]["totalCount"] == expected
        assert all(e["node"]["office"]["id"] == office["id"] for e in office["managers"]["edges"])
