"""node(id:) and nodes(ids:): each role × each type × each scope finds exactly what the
type's own field finds (the matrix's world), null otherwise; nodes is bounded."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import Role
from server.permissions import allowed_roles
from server.policy.registry import PolicyRegistry
from tests.conftest import Api, StatementLog
from tests.graphql.matrix import KINDS, SCOPES, TENANT, World, build_world, user_of

ROLES = tuple(Role)
NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"


@pytest.fixture
async def world(session: AsyncSession, registry: PolicyRegistry) -> World:
    return await build_world(session, registry)


async def _as(api: Api, world: World, role: Role, query: str, variables: dict[str, Any]) -> Any:
    token = api.token(TENANT, (role,), user_of(role), **world.claims(role))
    response = await api.post(query, variables, token=token)
    assert response.status_code == 200, response.text
    return response.json()


def _targets(world: World) -> list[tuple[str, str, str]]:
    """(scope, type, id) of every corner's object of every Node type."""
    return [
        (scope, kind, world.corners[scope].ids()[kind.lower()])
        for scope in SCOPES
        for kind in KINDS
    ]


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
async def test_node_finds_each_type_only_within_the_scope(
    api: Api, world: World, role: Role
) -> None:
    tally: Counter[str] = Counter()
    for scope, kind, target in _targets(world):
        body = await _as(api, world, role, NODE, {"id": target})
        if role not in allowed_roles("query", "node"):
            codes = {e["extensions"]["code"] for e in body["errors"]}
            assert codes == {"PERMISSION_DENIED"} and body.get("data") is None
            tally["refused"] += 1
            continue
        assert "errors" not in body, body
        found = body["data"]["node"]
        if target in world.visible[role][kind]:
            assert found == {"__typename": kind, "id": target}, (role.value, scope, kind)
            tally["found"] += 1
        else:
            assert found is None, f"leak: {role.value} reads {scope} {kind} by node"
            tally["not found"] += 1
    if role in allowed_roles("query", "node"):
        assert tally["found"] and tally["not found"], tally
        # Nothing of another tenant, whatever the role.
        assert tally["not found"] >= len(KINDS)
    else:
        assert tally["refused"] == len(SCOPES) * len(KINDS)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.BRANCH_HEAD, Role.AUDITOR])
async def test_nodes_answers_each_id_as_node_does_in_order(
    api: Api, world: World, role: Role
) -> None:
    targets = _targets(world)
    ids = [t for _, _, t in targets] + ["not-an-id", str(uuid.uuid4())]
    body = await _as(api, world, role, NODES, {"ids": ids})
    assert "errors" not in body, body
    answers = body["data"]["nodes"]
    assert len(answers) == len(ids)
    for (_, kind, target), answer in zip(targets, answers, strict=False):
        expected = {"__typename": kind, "id": target}
        assert answer == (expected if target in world.visible[role][kind] else None)
    assert answers[-2:] == [None, None]


async def test_nodes_takes_at_most_a_hundred_ids(api: Api) -> None:
    body = (await api.post(NODES, {"ids": [str(uuid.uuid4()) for _ in range(101)]})).json()
    error = body["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "ids"}
    assert "at most 100" in error["message"]
    ok = (await api.post(NODES, {"ids": [str(uuid.uuid4()) for _ in range(100)]})).json()
    assert ok["data"]["nodes"] == [None] * 100


async def test_every_node_type_implements_node(api: Api) -> None:
    data = await api('{ __type(name: "Node") { possibleTypes { name } } }')
    assert sorted(t["name"] for t in data["__type"]["possibleTypes"]) == sorted(KINDS)


async def test_nodes_reads_one_statement_per_type_however_many_ids(
    api: Api, session: AsyncSession, statements: StatementLog
) -> None:
    loans = (
        (
            await session.execute(
                select(models.Loan.id).where(models.Loan.tenant_id == TENANT).limit(60)
            )
        )
        .scalars()
        .all()
    )
    ids = [str(i) for i in loans]
    counts = []
    for some in (ids[:5], ids):
        with statements.capture() as captured:
            data = await api(NODES, {"ids": some})
        assert [n["id"] for n in data["nodes"]] == some
        counts.append(len(captured))
    # One statement per Node type (and the request's own), for 5 ids as for 60.
    assert 5 <= counts[0] == counts[1] <= 5 + 3
