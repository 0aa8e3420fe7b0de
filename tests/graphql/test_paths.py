"""Domain field names → the client's input paths: the helper, and every mutation's declaration."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry.types.base import get_object_definition

from server import errors
from server.graphql.mutation import MutationBoundary
from server.graphql.paths import InputPaths, camel_case, input_paths, reported_as
from server.graphql.schema import build_schema


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("reason", "reason"),
        ("contract_no", "contractNo"),
        ("credit_work_years", "creditWorkYears"),
        ("cap_cc_9", "capCc9"),
        ("doneOn", "doneOn"),
    ],
)
def test_camel_case(name: str, expected: str) -> None:
    assert camel_case(name) == expected


@pytest.mark.parametrize(
    ("paths", "name", "expected"),
    [
        (input_paths(), "customer_id", "customerId"),
        (input_paths(), "facts.contribution_score", "facts.contributionScore"),
        (input_paths(), "kinds[1]", "kinds[1]"),
        (input_paths(), "findings[2].loan_id", "findings[2].loanId"),
        (input_paths("input"), "contract_no", "input.contractNo"),
        (input_paths("input"), "facts.last_bad_credit_on", "input.facts.lastBadCreditOn"),
        (input_paths(overrides={"appraisal_id": "id"}), "appraisal_id", "id"),
        (input_paths(overrides={"appraisal_id": "id"}), "reason", "reason"),
        (input_paths("input", overrides={"manager_id": "id"}), "manager_id", "id"),
        (input_paths("input", overrides={"manager_id": "id"}), "office_id", "input.officeId"),
        (input_paths(keys_of=("parameters",)), "parameters", "parameters"),
        (
            input_paths(keys_of=("parameters",)),
            "parameters.rotation_years",
            "parameters.rotation_years",
        ),
        (input_paths("input", keys_of=("extra",)), "extra.some_key", "input.extra.some_key"),
        (input_paths(keys_of=("parameters",)), "plugin_name", "pluginName"),
        (input_paths("input"), "tenant", "tenant"),
    ],
)
def test_input_paths(paths: InputPaths, name: str, expected: str) -> None:
    assert paths(name) == expected


def test_a_query_reports_a_domain_error_with_the_clients_paths() -> None:
    with pytest.raises(errors.NotFound) as found, reported_as(input_paths()):
        raise errors.NotFound("Webhook", "x", "webhook_id")
    assert found.value.field == "webhookId"
    assert found.value.message == "Webhook x not found"
    with pytest.raises(errors.InvalidInput) as invalid, reported_as(input_paths("input")):
        raise errors.InvalidInput(
            [
                errors.FieldProblem("contract_no", "FORMAT", "bad"),
                errors.FieldProblem("annual_rate", "RANGE", "too high"),
            ]
        )
    assert invalid.value.field == "input.contractNo"
    assert [(p.field, p.code, p.message) for p in invalid.value.problems] == [
        ("input.contractNo", "FORMAT", "bad"),
        ("input.annualRate", "RANGE", "too high"),
    ]
    with pytest.raises(errors.PermissionDenied) as denied, reported_as(input_paths()):
        raise errors.PermissionDenied("reading webhooks needs the role INTEGRATOR")
    assert denied.value.field is None


SCHEMA = build_schema()
NAMES = SCHEMA.config.name_converter
MUTATIONS = SCHEMA.get_type_by_name("Mutation")
assert MUTATIONS is not None and hasattr(MUTATIONS, "fields")
MUTATION_FIELDS: list[Any] = list(MUTATIONS.fields)


def _declared(field: Any) -> InputPaths:
    (boundary,) = [e for e in field.extensions if isinstance(e, MutationBoundary)]
    assert isinstance(boundary.path, InputPaths), f"{field.python_name} declares no input_paths"
    return boundary.path


def _head(path: str) -> str:
    return path.split(".")[0].split("[")[0]


@pytest.mark.parametrize("field", MUTATION_FIELDS, ids=lambda f: f.python_name)
def test_every_mutation_declares_its_input_paths(field: Any) -> None:
    """Each mutation maps domain names into its own arguments, spelled as the schema spells
    them: an argument (or input field) named in Python is found at its GraphQL name."""
    paths = _declared(field)
    arguments = {a.python_name: a for a in field.arguments}
    graphql_names = {NAMES.get_graphql_name(a) for a in field.arguments}
    assert paths.argument == ("input" if "input" in arguments else None)
    for target in paths.overrides.values():
        assert _head(target) in graphql_names, (field.python_name, target)
    for parent in paths.keys_of:
        assert _head(paths(parent)) in graphql_names, (field.python_name, parent)
    if paths.argument is None:
        for argument in field.arguments:
            assert paths(argument.python_name) == NAMES.get_graphql_name(argument)
    else:
        holder = get_object_definition(arguments[paths.argument].type, strict=True)
        for input_field in holder.fields:
            assert paths(input_field.python_name) == (
                f"{paths.argument}.{NAMES.get_graphql_name(input_field)}"
            )


def test_the_walk_sees_every_mutation() -> None:
    result = SCHEMA.execute_sync("{ __schema { mutationType { fields { name } } } }")
    assert result.data is not None
    served = {f["name"] for f in result.data["__schema"]["mutationType"]["fields"]}
    assert {NAMES.get_graphql_name(f) for f in MUTATION_FIELDS} == served
    assert len(served) == 40
