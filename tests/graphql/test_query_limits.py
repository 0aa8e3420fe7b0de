"""Limits before execution: a document too deep, with too many aliases or too many tokens
is refused at parsing or validation, before any resolver or SQL runs; introspection can
be switched off."""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.app import create_app
from server.policy.registry import PolicyRegistry
from server.settings import Settings

from ..conftest import Api, StatementLog


def _nested_offices(levels: int) -> str:
    """managers → office → managers → office …, ``levels`` times: the depth attack."""
    inner = "id"
    for _ in range(levels):
        inner = f"managers(first: 5) {{ edges {{ node {{ office {{ {inner} }} }} }} }}"
    return "{ " + inner + " }"


async def _refused(api: Api, statements: StatementLog, query: str) -> dict[str, object]:
    with statements.capture() as captured:
        response = await api.post(query)
    assert response.status_code == 200
    body = response.json()
    assert body.get("data") is None
    # Only the token's tenant is looked up; no resolver read anything.
    assert len(captured) <= 1, captured
    error: dict[str, object] = body["errors"][0]
    return error


async def test_a_query_deeper_than_the_limit_is_refused_before_it_runs(
    api: Api, statements: StatementLog, settings: Settings
) -> None:
    error = await _refused(api, statements, _nested_offices(11))
    assert f"exceeds maximum operation depth of {settings.max_query_depth}" in str(error["message"])
    assert error["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}


async def test_a_query_at_the_limits_runs(api: Api) -> None:
    data = await api(_nested_offices(3))
    assert data["managers"]["edges"]


async def test_too_many_aliases_are_refused(
    api: Api, statements: StatementLog, settings: Settings
) -> None:
    fields = " ".join(f"a{i}: viewer {{ userId }}" for i in range(200))
    error = await _refused(api, statements, "{ " + fields + " }")
    assert f"200 aliases found. Allowed: {settings.max_query_aliases}" in str(error["message"])


async def test_a_document_over_the_token_limit_is_refused_at_parsing(
    api: Api, statements: StatementLog, settings: Settings
) -> None:
    fields = " ".join("viewer { userId }" for _ in range(2000))
    error = await _refused(api, statements, "{ " + fields + " }")
    assert f"more than {settings.max_query_tokens} tokens" in str(error["message"])


@pytest.mark.parametrize("introspection", [True, False])
async def test_introspection_can_be_switched_off(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
    introspection: bool,
) -> None:
    app = create_app(
        dataclasses.replace(settings, introspection=introspection),
        sessionmaker=sessionmaker,
        registry=registry,
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        api = Api(client, settings)
        body = (await api.post("{ __schema { queryType { name } } }")).json()
    if introspection:
        assert body["data"] == {"__schema": {"queryType": {"name": "Query"}}}
    else:
        assert body.get("data") is None
        assert "introspection has been disabled" in body["errors"][0]["message"].lower()
