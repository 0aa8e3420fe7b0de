"""The schema's remaining ``JSON`` fields and arguments, each with the reason it stays JSON.

A field of known shape is a typed object; a JSON field either is deprecated in favour of
its typed twin (named in the deprecation reason), or stands on ``ALLOWED`` with the reason
its shape cannot be in the schema. A new undeprecated JSON field or argument fails here.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    get_named_type,
)

from server.graphql.schema import build_schema

PLUGIN_PARAMETERS = "a plugin's parameters: each plugin declares its own names and types"

#: Undeprecated JSON fields and arguments, and why each stays JSON.
ALLOWED: dict[str, str] = {
    "Appraisal.parameters": PLUGIN_PARAMETERS + " (typed beside it: parameterValues)",
    "PolicyChange.parameters": PLUGIN_PARAMETERS + " (typed beside it: parameterValues)",
    "PolicySelection.parameters": PLUGIN_PARAMETERS + " (typed beside it: parameterValues)",
    "PolicySelection.effectiveParameters": PLUGIN_PARAMETERS
    + " (typed beside it: effectiveParameterValues)",
    "PolicyParameter.default": "a default of the parameter's own type, which the plugin "
    "declares (as text beside it: defaultValue)",
    "Mutation.setTenantPolicy(parameters)": "the input of " + PLUGIN_PARAMETERS + "; validated "
    "against the plugin's declaration, each problem naming its parameter",
}

#: The deprecated JSON fields, each with the typed field that replaces it.
DEPRECATED: dict[str, str] = {
    "Appraisal.inputs": "inputsRead",
    "Appraisal.pay": "payLines",
    "Appraisal.tierMove": "confirmedTierMove",
    "AppraisalItem.inputs": "inputValues",
    "AppraisalRun.cohort": "cohortFigures",
    "AppraisalRun.problems": "runProblems",
    "ChangeEvent.payload": "data",
    "ClassChange.rules": "ruleHits",
}


def _types() -> Iterator[GraphQLNamedType]:
    schema = build_schema()._schema
    for name, named in sorted(schema.type_map.items()):
        if not name.startswith("__"):
            yield named


def json_fields() -> dict[str, str | None]:
    """Every field and argument whose type is JSON, with its deprecation reason."""
    found: dict[str, str | None] = {}
    for named in _types():
        if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            continue
        for field_name, field in named.fields.items():
            if get_named_type(field.type).name == "JSON":
                found[f"{named.name}.{field_name}"] = getattr(field, "deprecation_reason", None)
            for arg_name, arg in getattr(field, "args", {}).items():
                if get_named_type(arg.type).name == "JSON":
                    found[f"{named.name}.{field_name}({arg_name})"] = arg.deprecation_reason
    return found


def test_every_undeprecated_json_field_is_allowed_with_a_reason() -> None:
    undeprecated = {name for name, reason in json_fields().items() if reason is None}
    assert undeprecated - set(ALLOWED) == set(), (
        "a new JSON field: give it a typed object, or add it to ALLOWED with the reason"
    )
    assert set(ALLOWED) - undeprecated == set(), "ALLOWED lists a field that is gone or typed"
    assert all(len(reason) > 20 for reason in ALLOWED.values())


def test_each_deprecated_json_field_names_its_typed_twin() -> None:
    deprecated = {name: reason for name, reason in json_fields().items() if reason is not None}
    assert set(deprecated) == set(DEPRECATED)
    schema = build_schema()._schema
    for name, twin in DEPRECATED.items():
        assert deprecated[name] == f"use {twin}"
        owner = schema.get_type(name.split(".")[0])
        assert isinstance(owner, GraphQLObjectType)
        typed = owner.fields[twin]
        assert get_named_type(typed.type).name != "JSON"
        assert typed.deprecation_reason is None


def test_a_json_field_is_found_wherever_it_is() -> None:
    """The finder sees fields of object types and arguments of root fields alike."""
    found = json_fields()
    assert "ChangeEvent.payload" in found
    assert "Mutation.setTenantPolicy(parameters)" in found
    assert found["Mutation.setTenantPolicy(parameters)"] is None
