"""The permission table: a row for every root field, no row for a field that does not
exist, the documentation rendered from it, and default deny where a row is missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.cli import ROLES_PATH
from server.db import models
from server.domain import Role
from server.graphql.schema import build_schema
from server.permissions import TABLE, allowed_roles, render_markdown, roles_sentence
from tests.conftest import Api

ROOT = Path(__file__).resolve().parents[1]


def _root_fields() -> dict[str, set[str]]:
    schema = build_schema()._schema
    return {
        "query": set(schema.query_type.fields),
        "mutation": set(schema.mutation_type.fields) if schema.mutation_type else set(),
        "subscription": set(schema.subscription_type.fields) if schema.subscription_type else set(),
    }


@pytest.mark.parametrize("kind", ["query", "mutation", "subscription"])
def test_every_root_field_has_a_row_and_every_row_a_field(kind: str) -> None:
    fields = _root_fields()[kind]
    rows = set(TABLE[kind])
    assert sorted(fields - rows) == [], f"root {kind} fields without a permission row"
    assert sorted(rows - fields) == [], f"permission rows for {kind} fields that do not exist"


def test_every_row_names_at_least_one_role() -> None:
    empty = [f"{kind}.{f}" for kind, rows in TABLE.items() for f, r in rows.items() if not r.roles]
    assert empty == []


def test_docs_roles_md_is_the_table() -> None:
    committed = (ROOT / ROLES_PATH).read_text(encoding="utf-8")
    assert committed == render_markdown(), (
        "docs/roles.md is out of date; regenerate it with `ruralcredit export-roles`"
    )


def test_the_rendering_shows_each_role_column() -> None:
    text = render_markdown()
    line = next(r for r in text.splitlines() if r.startswith("| `createLoan` |"))
    cells = [c.strip() for c in line.strip("|").split("|")]
    # field, then MANAGER, BRANCH_HEAD, HR, RISK, AUDITOR, INTEGRATOR, FEDERATION_ADMIN, note
    assert cells[1:8] == ["✓", "✓", "", "", "", "", ""]


async def test_a_field_without_a_row_is_refused_to_every_role(
    api: Api, monkeypatch: pytest.MonkeyPatch, session: AsyncSession
) -> None:
    monkeypatch.delitem(TABLE["query"], "offices")  # type: ignore[attr-defined]
    monkeypatch.delitem(TABLE["mutation"], "createOffice")  # type: ignore[attr-defined]
    assert allowed_roles("query", "offices") == frozenset()
    before = await session.scalar(select(func.count()).select_from(models.Office))
    everyone = tuple(Role)
    response = await api.post("{ offices { id } }", token=api.token(roles=everyone))
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "PERMISSION_DENIED"
    assert "offices is open to no role" in error["message"]
    created = await api.post(
        """mutation { createOffice(input: {code: "77777", name: "x", kind: OUTLET}) {
             __typename ... on UserError { code message } } }""",
        token=api.token(roles=everyone),
    )
    assert created.json()["errors"][0]["message"] == "createOffice is open to no role"
    assert await session.scalar(select(func.count()).select_from(models.Office)) == before


async def test_a_query_with_one_refused_root_field_runs_nothing(api: Api) -> None:
    response = await api.post(
        "{ viewer { userId } managers(first: 1) { totalCount } }",
        token=api.token(roles=(Role.INTEGRATOR,)),
    )
    body = response.json()
    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert "managers needs the role" in body["errors"][0]["message"]


async def test_root_fields_behind_fragments_are_checked(api: Api) -> None:
    query = """query { ...Root ... on Query { customers(first: 1) { totalCount } } }
               fragment Root on Query { viewer { userId } }"""
    response = await api.post(query, token=api.token(roles=(Role.INTEGRATOR,)))
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert "customers needs the role" in body["errors"][0]["message"]


@pytest.mark.parametrize("kind", ["query", "mutation", "subscription"])
def test_every_root_fields_description_names_its_roles(kind: str) -> None:
    schema = build_schema()._schema
    root = {
        "query": schema.query_type,
        "mutation": schema.mutation_type,
        "subscription": schema.subscription_type,
    }[kind]
    assert root is not None
    for name, f in root.fields.items():
        assert (f.description or "").endswith(roles_sentence(kind, name)), name
    if kind == "mutation":
        assert root.fields["createLoan"].description == (
            "Write a new loan (classed NORMAL, not overdue). Roles: MANAGER, BRANCH_HEAD."
        )
