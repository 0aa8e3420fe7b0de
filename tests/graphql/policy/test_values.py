"""Plugin parameters as typed lists (parameterValues, effectiveParameterValues, defaultValue)
beside their JSON form, on the demo tenants' selections and a change of one."""

from __future__ import annotations

from typing import Any

import pytest

from server.domain import Role
from server.graphql.policy.values import parameter_text, parameter_values
from server.policy.registry import PolicyRegistry
from tests.conftest import Api
from tests.graphql.policy.test_set_tenant_policy import IN_TREE, run, set_policy

SELECTION = """{ tenant {
  policy { plugin parameters parameterValues { name value type }
           effectiveParameters effectiveParameterValues { name value type } } } }"""
HISTORY = "{ tenant { policyHistory { plugin parameters parameterValues { name value type } } } }"
DEFAULTS = "{ policies { name parameters { name type default defaultValue } } }"


async def state(api: Api, tenant: str) -> dict[str, Any]:
    """The tenant's selection and its history (two queries: each within the query budget)."""
    selection = (await run(api, SELECTION, roles=(Role.HR,), tenant=tenant))["tenant"]
    history = (await run(api, HISTORY, roles=(Role.HR,), tenant=tenant))["tenant"]
    return {**selection, **history}


def as_text(value: Any) -> str | None:
    """A JSON parameter value as the typed list gives it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def assert_same(typed: list[dict[str, Any]], stored: dict[str, Any], plugin: str | None) -> None:
    assert [(p["name"], p["value"]) for p in typed] == sorted(
        (k, as_text(v)) for k, v in stored.items()
    )
    declared = {p.name: p.type.value for p in IN_TREE[plugin].parameters} if plugin else {}
    assert all(p["type"] == declared[p["name"]] for p in typed)


@pytest.mark.parametrize("tenant", ["sd-demo", "ah-demo", "sx-demo", "cc-demo"])
async def test_the_demo_selections_read_typed(api: Api, tenant: str) -> None:
    data = await state(api, tenant)
    assert data["policy"]
    for selection in data["policy"]:
        plugin = selection["plugin"]
        assert_same(selection["parameterValues"], selection["parameters"], plugin)
        assert_same(selection["effectiveParameterValues"], selection["effectiveParameters"], plugin)
        assert len(selection["effectiveParameterValues"]) == len(IN_TREE[plugin].parameters)
    for change in data["policyHistory"]:
        assert_same(change["parameterValues"], change["parameters"], change["plugin"])


async def test_a_change_reads_typed(api: Api) -> None:
    result = await set_policy(api, "GRADING", "anhui", {"promote_at": "85", "demote_below": "55"})
    assert result["__typename"] == "Tenant", result
    data = await state(api, "sd-demo")
    (grading,) = [s for s in data["policy"] if s["plugin"] == "anhui"]
    assert grading["parameterValues"] == [
        {"name": "demote_below", "value": "55", "type": "DECIMAL"},
        {"name": "promote_at", "value": "85", "type": "DECIMAL"},
    ]
    assert_same(grading["effectiveParameterValues"], grading["effectiveParameters"], "anhui")
    last = data["policyHistory"][-1]
    assert (last["plugin"], last["parameterValues"]) == ("anhui", grading["parameterValues"])


async def test_every_default_reads_as_text(api: Api) -> None:
    plugins = (await run(api, DEFAULTS, roles=(Role.HR,)))["policies"]
    assert plugins
    for plugin in plugins:
        for p in plugin["parameters"]:
            assert p["defaultValue"] == as_text(p["default"]), (plugin["name"], p["name"])


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, None), (True, "true"), (False, "false"), (12, "12"), ("0.15", "0.15"), ("A", "A")],
)
def test_parameter_text(value: Any, text: str | None) -> None:
    assert parameter_text(value) == text


def test_a_plugin_no_longer_installed_gives_no_types(registry: PolicyRegistry) -> None:
    values = parameter_values(registry, "no_longer_installed", {"b": "1", "a": None})
    assert [(v.name, v.value, v.type) for v in values] == [("a", None, None), ("b", "1", None)]
    assert parameter_values(registry, None, {"x": 1})[0].type is None
