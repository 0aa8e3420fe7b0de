"""The GraphQL boundary: one table turns each domain error into its schema type, and one
mechanism gives every mutation its savepoint, its errors as data, its field paths and its
audit row."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
import strawberry
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server import errors
from server.db import models
from server.domain import Role
from server.graphql.context import Context, Ctx
from server.graphql.errors import (
    ConflictError,
    ErrorType,
    InvalidInputError,
    MissingInputsError,
    NotFoundError,
    PermissionDeniedError,
    PolicyUnavailableError,
    RefusedError,
    to_error_type,
)
from server.graphql.mutation import MutationBoundary, mutation
from server.graphql.schema import build_schema
from server.permissions import TABLE, Rule
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.settings import Settings


class ContractTaken(errors.Conflict):
    """A domain error the table does not list: translated as its base class."""

    code = "CONTRACT_TAKEN"


@pytest.mark.parametrize(
    ("error", "expected", "schema_name"),
    [
        (
            errors.InvalidInput([errors.FieldProblem("input.name", "REQUIRED", "give a name")]),
            InvalidInputError,
            "InvalidInput",
        ),
        (errors.NotFound("Loan", "x", field="loanId"), NotFoundError, "NotFound"),
        (errors.Conflict("taken", field="input.code"), ConflictError, "Conflict"),
        (errors.PermissionDenied("needs HR"), PermissionDeniedError, "PermissionDenied"),
        (
            errors.Refused("loan", [errors.Refusal("CAP", "第八条", "over the cap")]),
            RefusedError,
            "Refused",
        ),
        (errors.PolicyUnavailable("not installed"), PolicyUnavailableError, "PolicyUnavailable"),
        (
            errors.MissingInputs("M1", [errors.MissingInput("deposits", "FIGURE", "not recorded")]),
            MissingInputsError,
            "MissingInputs",
        ),
        (
            ContractTaken("contract number taken", field="input.contractNo"),
            ConflictError,
            "Conflict",
        ),
    ],
)
def test_each_domain_error_becomes_its_schema_type(
    error: errors.DomainError, expected: type[Any], schema_name: str
) -> None:
    result = to_error_type(error)
    assert type(result) is expected
    assert result.__strawberry_definition__.name == schema_name
    assert (result.code, result.message, result.field) == (error.code, error.message, error.field)


def test_the_records_an_error_carries_are_kept() -> None:
    invalid = to_error_type(
        errors.InvalidInput(
            [
                errors.FieldProblem("input.name", "REQUIRED", "give a name"),
                errors.FieldProblem("input.code", "FORMAT", "letters and digits"),
            ]
        )
    )
    assert isinstance(invalid, InvalidInputError)
    assert [(e.field, e.code) for e in invalid.errors] == [
        ("input.name", "REQUIRED"),
        ("input.code", "FORMAT"),
    ]
    refused = to_error_type(errors.Refused("loan", [errors.Refusal("CAP", "第八条", "over")]))
    assert isinstance(refused, RefusedError)
    assert [(r.rule, r.article, r.message) for r in refused.refusals] == [("CAP", "第八条", "over")]
    missing = to_error_type(errors.MissingInputs("M1", [errors.MissingInput("k", "s", "r")]))
    assert isinstance(missing, MissingInputsError)
    assert [(m.key, m.source, m.reason) for m in missing.missing] == [("k", "s", "r")]


def test_a_domain_error_without_a_schema_type_is_a_bug() -> None:
    with pytest.raises(TypeError, match="no schema type for DomainError"):
        to_error_type(errors.DomainError("what went wrong?"))


def test_every_mutation_runs_in_the_boundary() -> None:
    mutation_type: Any = build_schema().get_type_by_name("Mutation")
    assert mutation_type.fields
    for field in mutation_type.fields:
        assert any(isinstance(e, MutationBoundary) for e in field.extensions), field.name


# --- the mechanism, on a schema of its own ----------------------------------------------


@strawberry.type
class Done:
    ok: bool


Outcome = Annotated[Done | ErrorType, strawberry.union("Outcome")]


def _invalid_contract_no() -> errors.InvalidInput:
    return errors.InvalidInput(
        [
            errors.FieldProblem("contract_no", "TAKEN", "contract number taken"),
            errors.FieldProblem("input.name", "REQUIRED", "give a name"),
        ]
    )


@strawberry.type
class Query:
    ok: bool = True


@strawberry.type
class Mutation:
    @mutation(description="Fails with a service's field names, passed on as they are.")
    async def as_named(self, info: Ctx) -> Outcome:
        raise _invalid_contract_no()

    @mutation(
        description="Fails with a field name mapped to its input path.",
        fields={"contract_no": "input.contractNo"},
    )
    async def mapped(self, info: Ctx) -> Outcome:
        raise _invalid_contract_no()

    @mutation(description="Fails with every field name rewritten.", fields=lambda f: f"input.{f}")
    async def rewritten(self, info: Ctx) -> Outcome:
        raise errors.NotFound("Loan", "x", field="loanId")

    @mutation(description="Loses a race for a unique key.")
    async def race(self, info: Ctx) -> Outcome:
        raise IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))

    @mutation(description="Succeeds.")
    async def succeed(self, info: Ctx) -> Outcome:
        return Done(ok=info.context.session.in_nested_transaction())


SCHEMA = strawberry.Schema(query=Query, mutation=Mutation)
OUTCOME = """__typename
  ... on Done { ok }
  ... on UserError { code field }
  ... on InvalidInput { errors { field code } }"""


async def _run(
    field: str,
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    registry: PolicyRegistry,
) -> dict[str, Any]:
    context = Context(
        session=session,
        principal=Principal("sd-demo", "hr-1", frozenset({Role.HR})),
        settings=settings,
        registry=registry,
        request_id="test",
        sessionmaker=sessionmaker,
    )
    result = await SCHEMA.execute(f"mutation {{ {field} {{ {OUTCOME} }} }}", context_value=context)
    assert result.errors is None, result.errors
    assert result.data is not None
    data: dict[str, Any] = result.data[field]
    return data


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (
            "asNamed",
            {
                "__typename": "InvalidInput",
                "code": "INVALID_INPUT",
                "field": "contract_no",
                "errors": [
                    {"field": "contract_no", "code": "TAKEN"},
                    {"field": "input.name", "code": "REQUIRED"},
                ],
            },
        ),
        (
            "mapped",
            {
                "__typename": "InvalidInput",
                "code": "INVALID_INPUT",
                "field": "input.contractNo",
                "errors": [
                    {"field": "input.contractNo", "code": "TAKEN"},
                    {"field": "input.name", "code": "REQUIRED"},
                ],
            },
        ),
        ("rewritten", {"__typename": "NotFound", "code": "NOT_FOUND", "field": "input.loanId"}),
        ("race", {"__typename": "Conflict", "code": "CONFLICT", "field": None}),
        ("succeed", {"__typename": "Done", "ok": True}),
    ],
)
async def test_the_boundary_returns_errors_as_data_with_their_paths(
    field: str,
    expected: dict[str, Any],
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    registry: PolicyRegistry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The boundary asks the permission table first: give this schema's fields a row.
    monkeypatch.setitem(TABLE, "mutation", {f: Rule(frozenset(Role)) for f in SCHEMA_FIELDS})
    assert await _run(field, session, sessionmaker, settings, registry) == expected
    assert not session.in_nested_transaction()


SCHEMA_FIELDS = ("asNamed", "mapped", "rewritten", "race", "succeed")


async def _recorded(session: AsyncSession) -> list[tuple[str, str]]:
    a = models.AuditEntry
    rows = await session.execute(
        select(a.operation, a.outcome).where(a.tenant_id == "sd-demo", a.request_id == "test")
    )
    return [(operation, outcome) for operation, outcome in rows.all()]


@pytest.mark.parametrize(
    ("field", "outcome"),
    [
        ("asNamed", "INVALID_INPUT"),
        ("rewritten", "NOT_FOUND"),
        ("race", "CONFLICT"),
        ("succeed", "OK"),
    ],
)
async def test_the_boundary_records_each_call_in_the_request_transaction(
    field: str,
    outcome: str,
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    registry: PolicyRegistry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(TABLE, "mutation", {f: Rule(frozenset(Role)) for f in SCHEMA_FIELDS})
    await _run(field, session, sessionmaker, settings, registry)
    assert await _recorded(session) == [(field, outcome)]


async def test_the_boundary_records_a_refusal_before_anything_runs(
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    registry: PolicyRegistry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(TABLE, "mutation", {"succeed": Rule(frozenset({Role.AUDITOR}))})
    data = await _run("succeed", session, sessionmaker, settings, registry)
    assert data == {"__typename": "PermissionDenied", "code": "PERMISSION_DENIED", "field": None}
    assert await _recorded(session) == [("succeed", "PERMISSION_DENIED")]
