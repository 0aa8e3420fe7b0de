"""Limits before execution: a document too deep, with too many aliases or too many tokens
is refused at parsing or validation, one whose worst-case list items exceed the budget is
refused once its variables are known — each before any resolver or SQL runs; introspection
can be switched off."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from graphql import parse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.app import create_app
from server.graphql.limits import UNPAGED_LIST_SIZE, estimate_nodes, expanded_fields
from server.graphql.schema import build_schema
from server.policy.registry import PolicyRegistry
from server.settings import Settings

from ..conftest import Api, StatementLog

SCHEMA = build_schema()


def _nested_pages(*sizes: int) -> str:
    """managers(first: a) → office → managers(first: b) → …: one nested page per size."""
    inner = "id"
    for size in reversed(sizes):
        inner = f"managers(first: {size}) {{ edges {{ node {{ office {{ {inner} }} }} }} }}"
    return "{ " + inner + " }"


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


@asynccontextmanager
async def _api_with(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], registry: PolicyRegistry
) -> AsyncIterator[Api]:
    app = create_app(settings, sessionmaker=sessionmaker, registry=registry)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        yield Api(client, settings)


@pytest.mark.parametrize("introspection", [True, False])
async def test_introspection_can_be_switched_off(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
    introspection: bool,
) -> None:
    switched = dataclasses.replace(settings, introspection=introspection)
    async with _api_with(switched, sessionmaker, registry) as api:
        body = (await api.post("{ __schema { queryType { name } } }")).json()
    if introspection:
        assert body["data"] == {"__schema": {"queryType": {"name": "Query"}}}
    else:
        assert body.get("data") is None
        assert "introspection has been disabled" in body["errors"][0]["message"].lower()


PAGE = "edges { node { id } }"
U = UNPAGED_LIST_SIZE


@pytest.mark.parametrize(
    ("query", "variables", "nodes"),
    [
        ("{ viewer { userId } }", None, 0),
        (f"{{ managers(first: 7) {{ totalCount pageInfo {{ hasNextPage }} {PAGE} }} }}", None, 7),
        (f"{{ managers {{ {PAGE} }} }}", None, 20),  # no first: the default page size
        (f"{{ managers(first: null) {{ {PAGE} }} }}", None, 20),
        (_nested_pages(100, 100), None, 100 + 100 * 100),
        (_nested_pages(100, 100, 100), None, 100 + 100**2 + 100**3),
        (_nested_pages(5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5), None, sum(5**k for k in range(1, 12))),
        (f"query($n: Int) {{ managers(first: $n) {{ {PAGE} }} }}", {"n": 42}, 42),
        # Paging backwards counts last as forwards counts first; nodes counts its ids.
        (f"{{ managers(last: 60) {{ {PAGE} }} }}", None, 60),
        (
            f"{{ managers(last: 50) {{ edges {{ node {{ loans(first: 9) {{ {PAGE} }} }} }} }} }}",
            None,
            50 + 50 * 9,
        ),
        (
            f"{{ managers(first: 6) {{ edges {{ node {{ loans(last: 30) {{ {PAGE} }} }} }} }} }}",
            None,
            6 + 6 * 30,
        ),
        (
            '{ nodes(ids: ["a", "b", "c"]) { ... on Manager { loans(first: 4) '
            "{ edges { node { id } } } } } }",
            None,
            3 + 3 * 4,
        ),
        ("query($i: [ID!]!) { nodes(ids: $i) { id } }", {"i": ["x"] * 70}, 70),
        (f"query($n: Int) {{ managers(first: $n) {{ {PAGE} }} }}", {}, 20),
        (f"query($n: Int = 9) {{ managers(first: $n) {{ {PAGE} }} }}", {}, 9),
        (f"query($n: Int = 9) {{ managers(first: $n) {{ {PAGE} }} }}", {"n": 3}, 3),
        # Each alias counts; so does each spread of a fragment, expanded where it is spread.
        (
            f"{{ a: managers(first: 10) {{ {PAGE} }} b: managers(first: 10) {{ {PAGE} }} }}",
            None,
            20,
        ),
        (
            "fragment L on Manager { loans(first: 10) { edges { node { id } } } }"
            "{ managers(first: 10) { edges { node { ...L ... on Manager { x: loans(first: 2) "
            "{ edges { node { id } } } } } } } }",
            None,
            10 + 10 * (10 + 2),
        ),
        # Lists without first count as UNPAGED_LIST_SIZE items.
        ("{ offices { children { id } } }", None, U + U * U),
        ("{ managers(first: 10) { edges { node { tierHistory { cause } } } } }", None, 10 + 10 * U),
        # Lists of scalars or enums are values of their item, not items.
        ("{ policies { name sources categories tiers { code } } }", None, U + U * U),
        ("{ managers(first: 10) { edges { node { flags } } } }", None, 10),
        # A paged field that is itself a list, and a page that is not a connection.
        ('{ webhookDeliveries(webhookId: "x") { cursor } }', None, 50),
        ('{ webhookDeliveries(webhookId: "x", first: null) { cursor } }', None, 50),
        ('{ webhookDeliveries(webhookId: "x", first: 3) { cursor } }', None, 3),
        ("{ gradeEvents(first: 30) { events { cursor } latestCursor } }", None, 30),
        # A page below 1 is refused by its resolver: nothing beneath it runs.
        (
            "{ managers(first: -5) { edges { node { loans(first: 100) { totalCount } } } } }",
            None,
            0,
        ),
        # Introspection is as large as the schema, not as the data: it counts nothing.
        ("{ __schema { types { fields { args { name } } } } }", None, 0),
        # Variables that do not fit their types: execution refuses the operation anyway.
        (f"query($n: Int) {{ managers(first: $n) {{ {PAGE} }} }}", {"n": "many"}, 0),
    ],
)
def test_the_estimate_is_the_product_of_page_sizes_along_nested_lists(
    query: str, variables: dict[str, Any] | None, nodes: int
) -> None:
    assert estimate_nodes(SCHEMA._schema, parse(query), variables=variables) == nodes


def test_fragments_spread_many_times_are_counted_without_expanding_them_each_time() -> None:
    """Forty fragments, each spreading the next twice, stand for 2**40 selections: the
    estimate counts them all (and refuses the document) without walking each one."""
    fragments = [
        f"fragment F{i} on Office {{ a: parent {{ ...F{i + 1} }} b: parent {{ ...F{i + 1} }} }}"
        for i in range(40)
    ]
    fragments.append("fragment F40 on Office { children { id } }")
    document = parse("{ offices { ...F0 } } " + " ".join(fragments))
    assert estimate_nodes(SCHEMA._schema, document) == U + U * 2**40 * U


async def test_nested_pages_over_the_budget_are_refused_before_they_run(
    api: Api, statements: StatementLog, settings: Settings
) -> None:
    error = await _refused(api, statements, _nested_pages(100, 100, 100))
    assert error["message"] == (
        f"the query could return up to 1010100 list items, over the budget of "
        f"{settings.max_query_nodes}: ask for smaller pages (first) or fewer nested lists"
    )
    assert error["extensions"] == {
        "code": "QUERY_TOO_COSTLY",
        "estimate": 1010100,
        "budget": settings.max_query_nodes,
    }


async def test_a_document_at_the_default_budget_runs_and_one_item_more_is_refused(
    api: Api, settings: Settings
) -> None:
    assert settings.max_query_nodes == 1_000
    query = (
        "{ managers(first: 10) { edges { node { loans(first: %d) { edges { node { id } } } } } } }"
    )
    data = await api(query % 99)  # 10 + 10 × 99
    assert len(data["managers"]["edges"]) == 10
    body = (await api.post(query % 100)).json()
    assert body["errors"][0]["extensions"]["estimate"] == 10 + 10 * 100


async def test_page_sizes_given_as_variables_count(api: Api, statements: StatementLog) -> None:
    query = """query($n: Int!) { managers(first: $n) { edges { node {
      loans(first: $n) { edges { node { id } } } } } } }"""
    with statements.capture() as captured:
        response = await api.post(query, {"n": 32})
    error = response.json()["errors"][0]
    assert (error["extensions"]["code"], error["extensions"]["estimate"]) == (
        "QUERY_TOO_COSTLY",
        32 + 32 * 32,
    )
    assert len(captured) <= 1, captured
    data = await api(query, {"n": 31})  # 31 + 31 × 31 = 992
    assert data["managers"]["edges"]


@pytest.mark.parametrize(("first", "refused"), [(50, False), (51, True)])
async def test_the_budget_is_the_setting(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
    first: int,
    refused: bool,
) -> None:
    small = dataclasses.replace(settings, max_query_nodes=50)
    async with _api_with(small, sessionmaker, registry) as api:
        body = (await api.post(f"{{ managers(first: {first}) {{ {PAGE} }} }}")).json()
    if refused:
        assert body.get("data") is None
        assert body["errors"][0]["extensions"] == {
            "code": "QUERY_TOO_COSTLY",
            "estimate": 51,
            "budget": 50,
        }
    else:
        assert "errors" not in body
        assert body["data"]["managers"]["edges"]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("RURALCREDIT_MAX_QUERY_NODES", "0", "RURALCREDIT_MAX_QUERY_NODES must be at least 1"),
        ("RURALCREDIT_REQUEST_TIMEOUT_SECONDS", "0", "must be more than 0"),
        ("RURALCREDIT_STATEMENT_TIMEOUT_MS", "0", "must be at least 1"),
    ],
)
def test_limits_out_of_range_are_refused_at_start(
    tmp_path: Any, variable: str, value: str, message: str
) -> None:
    env = {"RURALCREDIT_DATA_DIR": str(tmp_path), "RURALCREDIT_JWT_SECRET": "s" * 40}
    with pytest.raises(ValueError, match=message):
        Settings.from_env({**env, variable: value})


def test_limits_come_from_the_environment(tmp_path: Any) -> None:
    env = {"RURALCREDIT_DATA_DIR": str(tmp_path), "RURALCREDIT_JWT_SECRET": "s" * 40}
    default = Settings.from_env(env)
    assert (
        default.max_query_nodes,
        default.request_timeout_seconds,
        default.statement_timeout_ms,
    ) == (1_000, 10.0, 9000)
    assert default.statement_timeout_ms < default.request_timeout_seconds * 1000
    given = Settings.from_env(
        {
            **env,
            "RURALCREDIT_MAX_QUERY_NODES": "500",
            "RURALCREDIT_REQUEST_TIMEOUT_SECONDS": "2.5",
            "RURALCREDIT_STATEMENT_TIMEOUT_MS": "2000",
        }
    )
    assert (given.max_query_nodes, given.request_timeout_seconds, given.statement_timeout_ms) == (
        500,
        2.5,
        2000,
    )


def _doubling(levels: int) -> str:
    """Each fragment spreads the next one twice (under two aliases): 2**levels selections."""
    fragments = [
        f"fragment F{i} on Office {{ a: parent {{ ...F{i + 1} }} b: parent {{ ...F{i + 1} }} }}"
        for i in range(levels)
    ]
    fragments.append(f"fragment F{levels} on Office {{ id }}")
    return "{ offices { ...F0 } } " + " ".join(fragments)


@pytest.mark.parametrize(
    ("document", "fields"),
    [
        ("{ viewer { userId } }", 2),
        ("fragment V on Viewer { userId roles } { a: viewer { ...V } b: viewer { ...V } }", 6),
        ("{ offices { ... on Office { id code } } }", 3),
        (_doubling(3), 1 + 2 + 4 + 8 + 8),
        (_doubling(40), 1 + sum(2**k for k in range(1, 41)) + 2**40),
        # A fragment spreading itself (refused by validation) counts once, not forever.
        ("fragment L on Office { id parent { ...L } } { offices { ...L } }", 3),
    ],
)
def test_fields_are_counted_with_fragments_expanded(document: str, fields: int) -> None:
    assert expanded_fields(parse(document)) == fields


async def test_a_document_expanding_past_the_token_limit_is_refused_before_validation(
    api: Api, statements: StatementLog, settings: Settings
) -> None:
    """Validation would report its aliases too (4,094 of them); it does not run."""
    with statements.capture() as captured:
        body = (await api.post(_doubling(11))).json()
    assert len(captured) <= 1, captured
    assert body.get("data") is None
    assert [e["message"] for e in body["errors"]] == [
        f"the document's fragments expand to {expanded_fields(parse(_doubling(11)))} fields, "
        f"more than the {settings.max_query_tokens} a document may hold"
    ]
    assert body["errors"][0]["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}


async def test_fragments_expanding_within_the_limit_are_validated_as_usual(api: Api) -> None:
    """62 aliases in 95 fields: the alias limit, in validation, refuses it."""
    body = (await api.post(_doubling(5))).json()
    assert [e["message"] for e in body["errors"]] == ["62 aliases found. Allowed: 30"]


def test_an_unpaged_list_counts_the_items_its_field_declares() -> None:
    """``byStatus`` holds one item per manager status and says so; ``byTier`` declares
    nothing and counts as an unpaged list."""
    from server import domain

    query = "{ provinceTenants { managers { byStatus { count } byTier { count } } } }"
    statuses = len(domain.ManagerStatus)
    assert estimate_nodes(SCHEMA._schema, parse(query)) == U * (1 + statuses + U)
