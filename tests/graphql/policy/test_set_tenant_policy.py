"""A tenant's policy selection over GraphQL: setTenantPolicy and its history.

Only a federation administrator chooses a tenant's plugins; every refused change
leaves the selection and its history exactly as they were; results made earlier
keep the plugin and version that made them.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

import plugins.anhui
import plugins.county_coop
import plugins.shandong
import plugins.shanxi_customer_class
from server.db import models
from server.domain import AppraisalStatus, Role
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

SET_POLICY = """
mutation($category: PolicyCategory!, $plugin: String, $parameters: JSON) {
  setTenantPolicy(category: $category, plugin: $plugin, parameters: $parameters) {
    __typename
    ... on Tenant { id policy { category plugin } }
    ... on UserError { code message field }
    ... on InvalidInput { errors { field code message } }
  }
}
"""

STATE = """
{ tenant {
    policy { category plugin pluginVersion parameters effectiveParameters selectedBy selectedAt }
    policyHistory { category plugin pluginVersion parameters changedBy changedAt }
} }
"""


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


async def state(api: Api, tenant: str = TENANT) -> dict[str, Any]:
    data = await run(api, STATE, roles=(Role.HR,), tenant=tenant)
    tenant_state: dict[str, Any] = data["tenant"]
    return tenant_state


async def set_policy(
    api: Api,
    category: str,
    plugin: str | None,
    parameters: Any = None,
    *,
    roles: tuple[Role, ...] = (Role.FEDERATION_ADMIN,),
    user: str = ADMIN,
) -> dict[str, Any]:
    variables: dict[str, Any] = {"category": category, "plugin": plugin}
    if parameters is not None:
        variables["parameters"] = parameters
    data = await run(api, SET_POLICY, variables, roles=roles, user=user)
    result: dict[str, Any] = data["setTenantPolicy"]
    return result


async def change_rows(session: AsyncSession) -> int:
    stmt = (
        select(func.count())
        .select_from(models.TenantPolicyChange)
        .where(models.TenantPolicyChange.tenant_id == TENANT)
    )
    return int(await session.scalar(stmt) or 0)


def json_default(spec: ParameterSpec) -> Any:
    return str(spec.default) if isinstance(spec.default, Decimal) else spec.default


def effective(plugin: str, stored: dict[str, Any]) -> dict[str, Any]:
    """The plugin's defaults (as JSON) with the tenant's own values over them."""
    return {p.name: json_default(p) for p in IN_TREE[plugin].parameters} | stored


@pytest.mark.parametrize(
    "roles",
    [
        (Role.HR,),
        (Role.HR, Role.RISK, Role.AUDITOR),
        (Role.INTEGRATOR,),
        (Role.MANAGER, Role.BRANCH_HEAD),
    ],
    ids=lambda roles: "+".join(r.value for r in roles),
)
async def test_only_a_federation_admin_sets_the_policy(
    api: Api, session: AsyncSession, roles: tuple[Role, ...]
) -> None:
    before = await state(api)
    rows = await change_rows(session)
    result = await set_policy(api, "GRADING", "anhui", roles=roles, user="someone.else")
    assert result["__typename"] == "PermissionDenied"
    assert result["code"] == "PERMISSION_DENIED"
    assert await state(api) == before
    assert await change_rows(session) == rows


ERROR_CASES = [
    pytest.param("GRADING", "henan", None, [("plugin", "UNKNOWN_PLUGIN")], id="unknown-plugin"),
    pytest.param(
        "CLASSIFICATION", "shandong", None, [("plugin", "CATEGORY_NOT_SERVED")], id="not-served"
    ),
    pytest.param(
        "LENDING",
        "shanxi_customer_class",
        None,
        [("plugin", "CATEGORY_NOT_SERVED")],
        id="classifier-as-lender",
    ),
    pytest.param(
        "GRADING",
        "shandong",
        {"bonus_points": "1"},
        [("parameters.bonus_points", "UNKNOWN_PARAMETER")],
        id="unknown-parameter",
    ),
    pytest.param(
        "GRADING",
        "shandong",
        {"deduction_per_case": 0.5},
        [("parameters.deduction_per_case", "PARAMETER_RANGE")],
        id="json-float",
    ),
    pytest.param(
        "GRADING",
        "shandong",
        {"deduction_per_case": True},
        [("parameters.deduction_per_case", "PARAMETER_RANGE")],
        id="json-boolean-for-decimal",
    ),
    pytest.param(
        "GRADING",
        "shandong",
        {"deduction_per_case": "-0.01"},
        [("parameters.deduction_per_case", "PARAMETER_RANGE")],
        id="below-minimum",
    ),
    pytest.param(
        "GRADING",
        "shandong",
        {"deduction_per_case": "2.01"},
        [("parameters.deduction_per_case", "PARAMETER_RANGE")],
        id="above-maximum",
    ),
    pytest.param(
        "GRADING",
        "shandong",
        {"deduction_per_case": None},
        [("parameters.deduction_per_case", "PARAMETER_RANGE")],
        id="null-not-nullable",
    ),
    pytest.param(
        "GRADING",
        "shandong",
        {"interest_cap": "19.99"},
        [("parameters.interest_cap", "PARAMETER_RANGE")],
        id="nullable-below-minimum",
    ),
    pytest.param(
        "CLASSIFICATION",
        "shanxi_customer_class",
        {"bad_record_years": "1.5"},
        [("parameters.bad_record_years", "PARAMETER_RANGE")],
        id="integer-not-whole",
    ),
    pytest.param(
        "CLASSIFICATION",
        "shanxi_customer_class",
        {"high_contribution_at": "abc"},
        [("parameters.high_contribution_at", "PARAMETER_RANGE")],
        id="not-a-number",
    ),
    pytest.param(
        "PENALTY",
        "anhui",
        {"violation_downgrade": "yes"},
        [("parameters.violation_downgrade", "PARAMETER_RANGE")],
        id="boolean-as-string",
    ),
    pytest.param(
        "LENDING",
        "county_coop",
        {"rotation_years": 0, "cap_cc_9": "1", "cap_cc_1": "-1"},
        [
            ("parameters.rotation_years", "PARAMETER_RANGE"),
            ("parameters.cap_cc_9", "UNKNOWN_PARAMETER"),
            ("parameters.cap_cc_1", "PARAMETER_RANGE"),
            # county_coop's caps are per county_coop tier; the tenant grades with shandong.
            ("plugin", "TIERS_OF_ANOTHER_PLUGIN"),
        ],
        id="every-problem-listed",
    ),
    pytest.param(
        "LENDING",
        "county_coop",
        {},
        [("plugin", "TIERS_OF_ANOTHER_PLUGIN")],
        id="caps-of-another-grading-plugins-tiers",
    ),
    pytest.param(
        "GRADING",
        "anhui",
        {"promote_at": "200"},
        [("parameters.promote_at", "PARAMETER_RANGE")],
        id="grading-parameters-before-any-move",
    ),
    pytest.param("GRADING", "shandong", [1, 2], [("parameters", "OBJECT")], id="not-an-object"),
    pytest.param(
        "PENALTY",
        None,
        {"violation_downgrade": False},
        [("parameters", "NO_PLUGIN")],
        id="off-with-parameters",
    ),
]


@pytest.mark.parametrize(("category", "plugin", "parameters", "expected"), ERROR_CASES)
async def test_refused_change_leaves_policy_and_history_alone(
    api: Api,
    session: AsyncSession,
    category: str,
    plugin: str | None,
    parameters: Any,
    expected: list[tuple[str, str]],
) -> None:
    before = await state(api)
    rows = await change_rows(session)
    result = await set_policy(api, category, plugin, parameters)
    assert result["__typename"] == "InvalidInput", result
    assert result["code"] == "INVALID_INPUT"
    assert [(e["field"], e["code"]) for e in result["errors"]] == expected
    assert all(e["message"] for e in result["errors"])
    assert result["field"] == expected[0][0]
    assert await state(api) == before
    assert await change_rows(session) == rows


SUCCESS_CASES = [
    pytest.param(
        "PENALTY",
        "anhui",
        {"violation_downgrade": False},
        {"violation_downgrade": False},
        id="boolean",
    ),
    pytest.param(
        "GRADING",
        "shandong",
        {"deduction_per_case": "1.25", "interest_cap": None},
        {"deduction_per_case": "1.25", "interest_cap": None},
        id="decimal-and-null",
    ),
    pytest.param(
        "CLASSIFICATION",
        "shanxi_customer_class",
        {"bad_record_years": "3"},
        {"bad_record_years": 3},
        id="integer-from-string",
    ),
    # county_coop's parameters are the plugin's, whichever category it serves (its
    # lending would read county_coop tiers, which this tenant does not grade with).
    pytest.param(
        "PENALTY", "county_coop", {"cap_cc_1": 250000}, {"cap_cc_1": "250000"}, id="json-integer"
    ),
    pytest.param("CLASSIFICATION", "shanxi_customer_class", None, {}, id="defaults"),
]


@pytest.mark.parametrize(("category", "plugin", "given", "stored"), SUCCESS_CASES)
async def test_change_replaces_selection_and_is_kept_in_history(
    api: Api,
    session: AsyncSession,
    category: str,
    plugin: str,
    given: dict[str, Any] | None,
    stored: dict[str, Any],
) -> None:
    before = await state(api)
    other_tenant = await state(api, "ah-demo")
    result = await set_policy(api, category, plugin, given, user="zhang.wei")
    assert result["__typename"] == "Tenant", result
    assert result["id"] == TENANT
    assert {"category": category, "plugin": plugin} in result["policy"]

    after = await state(api)
    selected = {p["category"]: p for p in after["policy"]}
    chosen = selected.pop(category)
    assert {k: v for k, v in chosen.items() if k != "selectedAt"} == {
        "category": category,
        "plugin": plugin,
        "pluginVersion": IN_TREE[plugin].version,
        "parameters": stored,
        "effectiveParameters": effective(plugin, stored),
        "selectedBy": "zhang.wei",
    }
    assert selected == {p["category"]: p for p in before["policy"] if p["category"] != category}

    history = after["policyHistory"]
    assert history[: len(before["policyHistory"])] == before["policyHistory"]
    assert [
        {k: v for k, v in h.items() if k != "changedAt"}
        for h in history[len(before["policyHistory"]) :]
    ] == [
        {
            "category": category,
            "plugin": plugin,
            "pluginVersion": IN_TREE[plugin].version,
            "parameters": stored,
            "changedBy": "zhang.wei",
        }
    ]
    assert await state(api, "ah-demo") == other_tenant


async def test_a_second_change_replaces_the_parameters_too(api: Api) -> None:
    first = await set_policy(api, "GRADING", "anhui", {"promote_at": "85", "demote_below": "55"})
    assert first["__typename"] == "Tenant", first
    second = await set_policy(api, "GRADING", "anhui", {"demote_below": "50"}, user="li.na")
    assert second["__typename"] == "Tenant", second
    after = await state(api)
    (grading,) = [p for p in after["policy"] if p["category"] == "GRADING"]
    assert grading["parameters"] == {"demote_below": "50"}
    assert grading["effectiveParameters"]["promote_at"] == "90"  # the default again
    assert grading["selectedBy"] == "li.na"
    assert [
        (h["plugin"], h["parameters"], h["changedBy"]) for h in after["policyHistory"][-2:]
    ] == [
        ("anhui", {"promote_at": "85", "demote_below": "55"}, ADMIN),
        ("anhui", {"demote_below": "50"}, "li.na"),
    ]


async def test_plugin_null_switches_the_category_off(api: Api, session: AsyncSession) -> None:
    before = await state(api)
    assert "PENALTY" in {p["category"] for p in before["policy"]}
    result = await set_policy(api, "PENALTY", None)
    assert result["__typename"] == "Tenant", result
    assert "PENALTY" not in {p["category"] for p in result["policy"]}

    after = await state(api)
    assert after["policy"] == [p for p in before["policy"] if p["category"] != "PENALTY"]
    assert len(after["policyHistory"]) == len(before["policyHistory"]) + 1
    last = after["policyHistory"][-1]
    assert {k: v for k, v in last.items() if k != "changedAt"} == {
        "category": "PENALTY",
        "plugin": None,
        "pluginVersion": None,
        "parameters": {},
        "changedBy": ADMIN,
    }
    stored = await session.get(models.TenantPolicy, (TENANT, "PENALTY"))
    assert stored is None


async def store_appraisal(session: AsyncSession) -> models.Appraisal:
    manager = (
        await session.execute(
            select(models.Manager)
            .where(models.Manager.tenant_id == TENANT)
            .order_by(models.Manager.id)
            .limit(1)
        )
    ).scalar_one()
    appraisal = models.Appraisal(
        tenant_id=TENANT,
        manager_id=manager.id,
        period="2024",
        status=AppraisalStatus.CONFIRMED,
        plugin="shandong",
        plugin_version="1.0.0",
        parameters={"deduction_per_case": "0.75"},
        inputs={"education": "BACHELOR_OR_HIGHER"},
        total=Decimal("88.25"),
        tier_code="SD_2",
        tier_rank=2,
        tier_name="二级客户经理",
        computed_by="hr-1",
        confirmed_by="hr-2",
    )
    session.add(appraisal)
    await session.commit()
    return appraisal


async def test_results_keep_the_plugin_and_version_they_were_made_with(
    api: Api, session: AsyncSession
) -> None:
    appraisal = await store_appraisal(session)
    result = await set_policy(api, "GRADING", "anhui", {"promote_at": "88"})
    assert result["__typename"] == "Tenant", result
    assert {"category": "GRADING", "plugin": "anhui"} in result["policy"]

    data = await run(
        api,
        """query($id: ID!) { appraisal(id: $id) {
             plugin pluginVersion parameters total tier { code rank } } }""",
        {"id": str(appraisal.id)},
        roles=(Role.HR,),
    )
    assert data["appraisal"] == {
        "plugin": "shandong",
        "pluginVersion": "1.0.0",
        "parameters": {"deduction_per_case": "0.75"},
        "total": "88.25",
        "tier": {"code": "SD_2", "rank": 2},
    }
    stored = await session.get(models.Appraisal, (TENANT, uuid.UUID(str(appraisal.id))))
    assert stored is not None
    await session.refresh(stored)
    assert (stored.plugin, stored.plugin_version) == ("shandong", "1.0.0")


async def test_omitting_the_plugin_is_a_typed_error(api: Api) -> None:
    data = await api(
        "mutation { setTenantPolicy(category: LENDING) { __typename ... on InvalidInput { errors { field code } } } }",
        roles=(Role.FEDERATION_ADMIN,),
    )
    assert data["setTenantPolicy"] == {
        "__typename": "InvalidInput",
        "errors": [{"field": "plugin", "code": "REQUIRED"}],
    }


SWITCH_GRADING = """
mutation {
  setTenantPolicy(category: GRADING, plugin: "anhui") {
    __typename
    ... on Tenant { policyHistory { category plugin managersMoved } }
  }
}
"""


async def test_a_new_grading_plugin_reports_the_managers_it_moved(
    api: Api, session: AsyncSession
) -> None:
    tenant = "sx-demo"
    holding = select(func.count()).where(
        models.Manager.tenant_id == tenant, models.Manager.tier_code.like("SD_%")
    )
    held = await session.scalar(holding)
    assert held
    data = await run(api, SWITCH_GRADING, tenant=tenant)
    result = data["setTenantPolicy"]
    assert result["__typename"] == "Tenant", result
    last = result["policyHistory"][-1]
    assert last == {"category": "GRADING", "plugin": "anhui", "managersMoved": held}
    assert all(h["managersMoved"] == 0 for h in result["policyHistory"][:-1])
    assert await session.scalar(holding) == 0
