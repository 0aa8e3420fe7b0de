"""The installed plugins over GraphQL (``policies``): names, versions, sources, categories, tiers in
rank order, and each parameter with its default, bounds and article."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

import plugins.anhui
import plugins.county_coop
import plugins.shandong
import plugins.shanxi_customer_class
from server.domain import Role
from server.policy import ParameterSpec, PluginInfo
from tests.conftest import Api

TENANT = "sd-demo"
ADMIN = "fed.admin"

IN_TREE: dict[str, PluginInfo] = {
    module.NAME: module.policy_info()
    for module in (
        plugins.anhui,
        plugins.county_coop,
        plugins.shandong,
        plugins.shanxi_customer_class,
    )
}


async def run(
    api: Api,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    roles: tuple[Role, ...] = (Role.FEDERATION_ADMIN,),
    user: str = ADMIN,
    tenant: str = TENANT,
) -> dict[str, Any]:
    """Run an operation as ``user``; it must succeed at the GraphQL level."""
    response = await api.post(query, variables, token=api.token(tenant, roles, user))
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


def json_default(spec: ParameterSpec) -> Any:
    return str(spec.default) if isinstance(spec.default, Decimal) else spec.default


POLICIES = """
{ policies {
    name version title sources categories
    parameters { name type default minimum maximum choices nullable description article }
    tiers { code name rank externalTitle }
} }
"""


def expected_parameter(spec: ParameterSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "type": spec.type.value,
        "default": json_default(spec),
        "minimum": None if spec.minimum is None else str(spec.minimum),
        "maximum": None if spec.maximum is None else str(spec.maximum),
        "choices": list(spec.choices),
        "nullable": spec.nullable,
        "description": spec.description,
        "article": spec.article,
    }


async def test_policies_lists_the_installed_plugins(api: Api) -> None:
    data = await run(api, POLICIES, roles=(Role.HR,))
    listed = {p["name"]: p for p in data["policies"]}
    assert set(listed) >= set(IN_TREE)
    for name, info in IN_TREE.items():
        plugin = listed[name]
        assert plugin["version"] == info.version
        assert plugin["title"] == info.title
        assert plugin["sources"] == list(info.sources)
        assert set(plugin["categories"]) == {c.value for c in info.categories}
        assert plugin["parameters"] == [expected_parameter(p) for p in info.parameters]
        ranks = [t["rank"] for t in plugin["tiers"]]
        assert ranks == sorted(set(ranks)), "tiers in rank order, lowest first"


TIER_CODES = {
    "shandong": ["SD_3", "SD_2", "SD_1"],
    "anhui": [
        "AH_ASSISTANT",
        "AH_JUNIOR_1",
        "AH_JUNIOR_2",
        "AH_MID_1",
        "AH_MID_2",
        "AH_SENIOR_1",
        "AH_SENIOR_2",
        "AH_PRINCIPAL",
    ],
    "county_coop": ["CC_TRAINEE", "CC_1", "CC_2", "CC_3", "CC_4"],
    "shanxi_customer_class": [],
}


@pytest.mark.parametrize(("name", "codes"), sorted(TIER_CODES.items()))
async def test_policies_lists_grading_tiers_in_rank_order(
    api: Api, name: str, codes: list[str]
) -> None:
    data = await run(api, POLICIES, roles=(Role.HR,))
    (plugin,) = [p for p in data["policies"] if p["name"] == name]
    assert [t["code"] for t in plugin["tiers"]] == codes
    assert all(t["name"] and t["externalTitle"] for t in plugin["tiers"])


PARAMETER_SAMPLES = [
    ("shandong", "deduction_per_case", "DECIMAL", "0.5", "0", "2", False),
    ("shandong", "interest_cap", "DECIMAL", None, "20", None, True),
    ("anhui", "violation_downgrade", "BOOLEAN", True, None, None, False),
    ("anhui", "quarterly_weight", "DECIMAL", "0.4", "0", "1", False),
    ("shanxi_customer_class", "high_contribution_at", "INTEGER", 60, "0", "100", False),
    ("county_coop", "cap_cc_4", "DECIMAL", None, "0", None, True),
    ("county_coop", "rotation_years", "INTEGER", 3, "1", "20", False),
]


@pytest.mark.parametrize(
    ("plugin", "name", "type_", "default", "minimum", "maximum", "nullable"), PARAMETER_SAMPLES
)
async def test_policies_show_parameter_defaults_bounds_and_articles(
    api: Api,
    plugin: str,
    name: str,
    type_: str,
    default: Any,
    minimum: str | None,
    maximum: str | None,
    nullable: bool,
) -> None:
    data = await run(api, POLICIES, roles=(Role.HR,))
    (listed,) = [p for p in data["policies"] if p["name"] == plugin]
    (parameter,) = [p for p in listed["parameters"] if p["name"] == name]
    assert (
        parameter["type"],
        parameter["default"],
        parameter["minimum"],
        parameter["maximum"],
        parameter["nullable"],
    ) == (type_, default, minimum, maximum, nullable)
    assert parameter["article"].strip() and parameter["description"].strip()
