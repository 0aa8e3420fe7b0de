"""setTenantPolicy and setTenantSettings with ``tenant``: a federation administrator changes
a tenant of its province, written in that tenant with who changed it; a tenant of another
province is not found, exactly like one that does not exist, and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import Role
from server.policy.registry import PolicyRegistry
from tests.builders import small_tenant
from tests.conftest import Api

ADMIN = "fed.admin"
SECOND = "sd-second"

SET_POLICY = """
mutation($tenant: ID, $plugin: String, $parameters: JSON) {
  setTenantPolicy(category: GRADING, plugin: $plugin, parameters: $parameters, tenant: $tenant) {
    __typename
    ... on Tenant { id province policy { category plugin selectedBy } policyHistory { changedBy } }
    ... on UserError { code message field }
    ... on InvalidInput { errors { field code } }
  }
}
"""

SET_SETTINGS = """
mutation($tenant: ID, $days: Int) {
  setTenantSettings(appealDays: $days, tenant: $tenant) {
    __typename
    ... on Tenant { id settings { appealDays } }
    ... on UserError { code message field }
    ... on InvalidInput { errors { field code } }
  }
}
"""


@pytest.fixture
async def second(session: AsyncSession, registry: PolicyRegistry) -> str:
    await small_tenant(session, registry, SECOND, "山东")
    return SECOND


async def call(
    api: Api,
    query: str,
    variables: dict[str, Any],
    *,
    roles: tuple[Role, ...] = (Role.FEDERATION_ADMIN,),
    tenant: str = "sd-demo",
) -> dict[str, Any]:
    response = await api.post(query, variables, token=api.token(tenant, roles, ADMIN))
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = next(iter(body["data"].values()))
    return result


async def footprint(session: AsyncSession, tenant: str) -> tuple[Any, ...]:
    """What a policy or settings change of ``tenant`` would alter."""
    policies = (
        await session.execute(
            select(
                models.TenantPolicy.category,
                models.TenantPolicy.plugin,
                models.TenantPolicy.parameters,
                models.TenantPolicy.selected_by,
            )
            .where(models.TenantPolicy.tenant_id == tenant)
            .order_by(models.TenantPolicy.category)
        )
    ).all()
    changes = await session.scalar(
        select(func.count())
        .select_from(models.TenantPolicyChange)
        .where(models.TenantPolicyChange.tenant_id == tenant)
    )
    settings = await session.scalar(
        select(models.Tenant.settings).where(models.Tenant.tenant_id == tenant)
    )
    return tuple(policies), changes, settings


@pytest.mark.parametrize("target", ["ah-demo", "cc-demo", "no-such-bank", ""])
async def test_a_tenant_of_another_province_is_not_found_and_nothing_is_written(
    api: Api, session: AsyncSession, target: str
) -> None:
    before = {t: await footprint(session, t) for t in ("sd-demo", "ah-demo", "cc-demo")}
    policy = await call(api, SET_POLICY, {"tenant": target, "plugin": "anhui"})
    settings = await call(api, SET_SETTINGS, {"tenant": target, "days": 30})
    for result in (policy, settings):
        assert result == {
            "__typename": "NotFound",
            "code": "NOT_FOUND",
            "message": f"Tenant {target} not found",
            "field": "tenant",
        }
    assert {t: await footprint(session, t) for t in before} == before


async def test_a_tenant_of_the_province_is_changed_in_that_tenant(
    api: Api, session: AsyncSession, second: str
) -> None:
    own = await footprint(session, "sd-demo")
    result = await call(
        api, SET_POLICY, {"tenant": second, "plugin": "anhui", "parameters": {"promote_at": "85"}}
    )
    assert result["__typename"] == "Tenant", result
    assert (result["id"], result["province"]) == (second, "山东")
    assert {"category": "GRADING", "plugin": "anhui", "selectedBy": ADMIN} in result["policy"]
    assert result["policyHistory"] == [{"changedBy": ADMIN}]

    stored = await session.get(models.TenantPolicy, (second, "GRADING"), populate_existing=True)
    assert stored is not None
    assert (stored.plugin, stored.parameters, stored.selected_by) == (
        "anhui",
        {"promote_at": "85"},
        ADMIN,
    )
    (change,) = (
        await session.execute(
            select(models.TenantPolicyChange).where(models.TenantPolicyChange.tenant_id == second)
        )
    ).scalars()
    assert (change.category, change.plugin, change.changed_by) == ("GRADING", "anhui", ADMIN)

    settings = await call(api, SET_SETTINGS, {"tenant": second, "days": 30})
    assert settings == {"__typename": "Tenant", "id": second, "settings": {"appealDays": 30}}
    tenant = await session.get(models.Tenant, second, populate_existing=True)
    assert tenant is not None and tenant.settings == {"appeal_days": 30}
    assert await footprint(session, "sd-demo") == own


async def test_without_tenant_the_own_tenant_changes(
    api: Api, session: AsyncSession, second: str
) -> None:
    others = await footprint(session, second)
    result = await call(api, SET_POLICY, {"tenant": None, "plugin": "anhui"})
    assert (result["__typename"], result["id"]) == ("Tenant", "sd-demo")
    settings = await call(api, SET_SETTINGS, {"days": 25})
    assert settings["id"] == "sd-demo"
    assert await footprint(session, second) == others


async def test_every_other_check_still_holds_for_a_tenant_of_the_province(
    api: Api, session: AsyncSession, second: str
) -> None:
    before = await footprint(session, second)
    unknown = await call(api, SET_POLICY, {"tenant": second, "plugin": "henan"})
    assert unknown["__typename"] == "InvalidInput"
    assert unknown["errors"] == [{"field": "plugin", "code": "UNKNOWN_PLUGIN"}]
    bad_days = await call(api, SET_SETTINGS, {"tenant": second, "days": 0})
    assert bad_days["errors"] == [{"field": "appealDays", "code": "RANGE"}]
    for roles in [(Role.HR,), (Role.HR, Role.RISK, Role.AUDITOR), (Role.INTEGRATOR,)]:
        refused = await call(api, SET_POLICY, {"tenant": second, "plugin": "anhui"}, roles=roles)
        assert refused["code"] == "PERMISSION_DENIED"
        refused = await call(api, SET_SETTINGS, {"tenant": second, "days": 30}, roles=roles)
        assert refused["code"] == "PERMISSION_DENIED"
    assert await footprint(session, second) == before


async def test_a_federation_admin_of_another_province_does_not_find_it(
    api: Api, session: AsyncSession, second: str
) -> None:
    before = await footprint(session, second)
    result = await call(api, SET_POLICY, {"tenant": second, "plugin": "anhui"}, tenant="ah-demo")
    assert (result["__typename"], result["field"]) == ("NotFound", "tenant")
    assert await footprint(session, second) == before
