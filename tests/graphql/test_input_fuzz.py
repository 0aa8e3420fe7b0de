"""A small fuzz over every mutation's inputs: values at the edges of each scalar (long and
odd text, the ends of the Int, Money, Decimal and date ranges, empty and odd JSON) must
come back as data or as a typed error — never ``INTERNAL_ERROR``.

The arguments are built from the schema itself, so a mutation or input field added later
is fuzzed without a word. Ids are real ones of the tenant (or not), so many calls get past
the look-ups to the rules and the writes. Seeded: a failure names its seed and replays.
"""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    get_named_type,
)
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import Role
from server.graphql.schema import build_schema
from server.permissions import allowed_roles
from tests.conftest import Api

TENANT = "sd-demo"
ROUNDS = 8
TEXT = [
    "",
    "   ",
    "x" * 5000,
    "长" * 300,
    "１２３",
    "١٢٣",
    "\u202e\u200b",
    "0",
    "-1",
    "9" * 40,
    "SD_1",
    "RETAIL",
    "2025",
    "https://hooks.example.cn/h",
]
INTS = [0, 1, -1, 2**31 - 1, -(2**31), 100, 10_000]
SCALARS: dict[str, list[Any]] = {
    "String": TEXT,
    "Int": INTS,
    "Float": [0.0, -1.5, 1e308],
    "Boolean": [True, False],
    "Money": ["0", "0.01", "9999999999999999.99", "1000000", "1e3", "0.001"],
    "Decimal": ["0", "-99999999999999.9999", "99999999999999.9999", "-0.0001", "100"],
    "Date": ["1900-01-01", "2199-12-31", "2025-02-28", "2026-12-31"],
    "DateTime": ["1900-01-01T00:00:00+08:00", "2199-12-31T23:59:59+00:00"],
    "Period": ["2000", "2100-Q4", "2025", "2025-Q1"],
    "JSON": [{}, [], {"a": "x" * 3000}, {"d": 1e308}, "text", 0, None, {"weights": {"x": -1}}],
    # A file goes only as a multipart part: whatever JSON holds in its place is refused.
    "Upload": ["PK\x03\x04", {"data": "x"}, 0, [], ""],
}


SANE: dict[str, Any] = {
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "Money": "1000.00",
    "Decimal": "1",
    "Date": "2025-06-30",
    "DateTime": "2025-06-30T08:00:00+08:00",
    "Period": "2025",
    "JSON": {},
    "Upload": "a file",
}
NASTY = 0.2
"""The chance of each value being taken from the edges rather than being ordinary."""
BY_MUTATION = {
    "Manager": "Manager",
    "Customer": "Customer",
    "Loan": "Loan",
    "Office": "Office",
    "Appraisal": "Appraisal",
    "Appeal": "Appraisal",
    "Violation": "Violation",
    "TierChange": "TierProposal",
    "Admission": "AdmissionRequest",
    "Webhook": "WebhookEndpoint",
}
"""What the ``id`` argument of a mutation names, by a word of the mutation's name."""
IDS_BY_NAME = {
    "managerId": "Manager",
    "customerId": "Customer",
    "loanId": "Loan",
    "officeId": "Office",
    "parentId": "Office",
    "appraisalId": "Appraisal",
}


EDGES: dict[str, list[Any]] = {
    "String": ["x" * 5000, "9" * 40, " "],
    "Int": [2**31 - 1, -(2**31)],
    "Float": [1e308],
    "Boolean": [],
    "Money": ["9999999999999999.99", "0"],
    "Decimal": ["99999999999999.9999", "-99999999999999.9999"],
    "Date": ["1900-01-01", "2199-12-31"],
    "DateTime": ["1900-01-01T00:00:00+08:00", "2199-12-31T23:59:59+00:00"],
    "Period": ["2000", "2100-Q4"],
    "JSON": [{"a": "x" * 3000}, [], {"d": 1e308}],
    "Upload": ["", {"data": "x"}],
}
"""The edge pass: each of these, for each leaf of its scalar, in an otherwise ordinary call."""
Leaf = tuple[tuple[str | int, ...], str]
REQUIRED: dict[tuple[str | int, ...], set[str]] = {}
"""The required fields of each input object met in the edge pass, by its path."""


def _value(
    kind: GraphQLInputType,
    rng: random.Random,
    ids: dict[str, list[str]],
    name: str,
    depth: int = 0,
    path: tuple[str | int, ...] = (),
    leaves: list[Leaf] | None = None,
    nasty: float = NASTY,
) -> Any:
    if isinstance(kind, GraphQLNonNull):
        return _value(kind.of_type, rng, ids, name, depth, path, leaves, nasty)
    if isinstance(kind, GraphQLList):
        count = 1 if nasty == 0.0 else rng.choice([0, 1, 1, 2])
        return [
            _value(kind.of_type, rng, ids, name, depth + 1, (*path, i), leaves, nasty)
            for i in range(count)
        ]
    if isinstance(kind, GraphQLEnumType):
        return rng.choice(list(kind.values))
    if isinstance(kind, GraphQLInputObjectType):
        if leaves is not None:
            REQUIRED[path] = {
                k for k, f in kind.fields.items() if isinstance(f.type, GraphQLNonNull)
            }
        built = {}
        for key, field in kind.fields.items():
            required = isinstance(field.type, GraphQLNonNull)
            # An ordinary value (nasty 0) gives every field, to put each at its edges.
            if required or (depth < 3 and (nasty == 0.0 or rng.random() < 0.6)):
                built[key] = _value(
                    field.type, rng, ids, key, depth + 1, (*path, key), leaves, nasty
                )
            elif nasty and rng.random() < 0.1:
                built[key] = None
        return built
    assert isinstance(kind, GraphQLScalarType)
    if leaves is not None and kind.name != "ID":
        leaves.append((path, kind.name))
    if kind.name == "ID":
        pool = ids.get("id", []) if name == "id" else ids.get(IDS_BY_NAME.get(name, ""), [])
        pool = pool or ids["any"]
        if rng.random() < nasty:
            return rng.choice(["not-an-id", "00000000-0000-0000-0000-000000000000", *ids["any"]])
        return rng.choice(pool)
    if rng.random() < nasty:
        return rng.choice(SCALARS[kind.name])
    if kind.name == "String":
        return f"FZ{rng.randrange(10**6)}"
    return SANE[kind.name]


def _type_text(kind: GraphQLInputType) -> str:
    return str(kind)


def _call(mutation: str, field: Any, variables: dict[str, Any], operation: str = "mutation") -> str:
    declared = ", ".join(f"${n}: {field.args[n].type}" for n in variables)
    passed = ", ".join(f"{n}: ${n}" for n in variables)
    return (
        f"{operation}{f'({declared})' if declared else ''} "
        f"{{ {mutation}{f'({passed})' if passed else ''} {{ __typename }} }}"
    )


def _token(api: Api, mutation: str, operation: str = "mutation") -> str:
    """A token of the roles the field allows; a manager's only when no other role may."""
    allowed = allowed_roles(operation, mutation)
    roles = tuple(sorted(allowed - {Role.MANAGER}) or allowed)
    return api.token(TENANT, roles, "fuzz-1")


async def _ids(session: AsyncSession) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"any": []}
    for model in (
        models.Manager,
        models.Customer,
        models.Loan,
        models.Office,
        models.Appraisal,
        models.Violation,
        models.TierProposal,
        models.AdmissionRequest,
        models.WebhookEndpoint,
    ):
        rows = await session.scalars(
            select(model.id).where(model.tenant_id == TENANT).order_by(model.id).limit(3)
        )
        found[model.__name__] = [str(r) for r in rows]
        found["any"].extend(found[model.__name__])
    return found


MUTATIONS = sorted(build_schema()._schema.mutation_type.fields)  # type: ignore[union-attr]


@pytest.mark.parametrize("mutation", MUTATIONS)
async def test_no_input_reaches_an_internal_error(
    api: Api, session: AsyncSession, mutation: str
) -> None:
    schema = build_schema()._schema
    assert schema.mutation_type is not None
    field = schema.mutation_type.fields[mutation]
    ids = await _ids(session)
    token = _token(api, mutation)
    failures = []
    for seed in range(ROUNDS):
        rng = random.Random(f"{mutation}-{seed}")
        variables: dict[str, Any] = {}
        for word, model in BY_MUTATION.items():
            if word.lower() in mutation.lower():
                ids["id"] = ids.get(model, [])
        for name, argument in field.args.items():
            if isinstance(argument.type, GraphQLNonNull) or rng.random() < 0.5:
                variables[name] = _value(argument.type, rng, ids, name)
        declared = ", ".join(f"${n}: {_type_text(field.args[n].type)}" for n in variables)
        passed = ", ".join(f"{n}: ${n}" for n in variables)
        query = (
            f"mutation{f'({declared})' if declared else ''} "
            f"{{ {mutation}{f'({passed})' if passed else ''} {{ __typename }} }}"
        )
        if await _internal_error(api, query, variables, token):
            failures.append((seed, variables))
    assert failures == []


async def _internal_error(api: Api, query: str, variables: dict[str, Any], token: str) -> bool:
    response = await api.post(query, variables, token=token)
    codes = [e.get("extensions", {}).get("code") for e in response.json().get("errors", [])]
    return response.status_code >= 500 or "INTERNAL_ERROR" in codes


def _only(full: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    """The required fields of ``full`` and, along ``path``, only what leads to ``value``."""

    def pruned(node: Any, at: tuple[str | int, ...], rest: tuple[str | int, ...]) -> Any:
        if not rest:
            return value
        step, *more = rest
        if isinstance(node, list):
            assert isinstance(step, int)
            return [pruned(node[step], (*at, step), tuple(more))]
        keep = REQUIRED.get(at, set()) if at else set(REQUIRED_ARGS)
        out = {k: copy.deepcopy(v) for k, v in node.items() if k in keep and k != step}
        out[str(step)] = pruned(node[step], (*at, step), tuple(more))
        return out

    return dict(pruned(full, (), path))


REQUIRED_ARGS: set[str] = set()


QUERIES = sorted(
    name
    for name, f in build_schema()._schema.query_type.fields.items()  # type: ignore[union-attr]
    if f.args and not isinstance(get_named_type(f.type), GraphQLScalarType)
)
"""The root queries with arguments that return objects (``{ __typename }`` selects them)."""


@pytest.mark.parametrize(
    ("operation", "mutation"),
    [*(("mutation", m) for m in MUTATIONS), *(("query", q) for q in QUERIES)],
)
async def test_no_edge_value_of_any_field_reaches_an_internal_error(
    api: Api, session: AsyncSession, operation: str, mutation: str
) -> None:
    """Each argument and input field in turn at each edge value of its scalar, the rest
    ordinary and only the required ones given: mutations and root queries alike."""
    schema = build_schema()._schema
    root = schema.mutation_type if operation == "mutation" else schema.query_type
    assert root is not None
    field = root.fields[mutation]
    ids = await _ids(session)
    for word, model in BY_MUTATION.items():
        if word.lower() in mutation.lower():
            ids["id"] = ids.get(model, [])
    token = _token(api, mutation, operation)
    rng = random.Random(mutation)
    leaves: list[Leaf] = []
    variables = {
        name: _value(argument.type, rng, ids, name, path=(name,), leaves=leaves, nasty=0.0)
        for name, argument in field.args.items()
    }
    failures = []
    REQUIRED_ARGS.clear()
    REQUIRED_ARGS.update(n for n, a in field.args.items() if isinstance(a.type, GraphQLNonNull))
    for path, scalar in leaves:
        for edge in EDGES[scalar]:
            changed = _only(variables, path, edge)
            query = _call(mutation, field, changed, operation)
            if await _internal_error(api, query, changed, token):
                failures.append((".".join(map(str, path)), str(edge)[:20]))
    assert failures == []
