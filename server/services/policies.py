"""Per-tenant policy selection: which plugin serves each category, with what parameters."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import PolicyCategory
from server.errors import InvalidInput, Problems, UnknownPlugin
from server.policy import PluginInfo
from server.policy import parameters as policy_parameters
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.access import acting_tenant, authorize
from server.services.policy_adoption import adopt_grading
from server.services.selections import Selection as Selection
from server.services.selections import selection as selection


def _check_plugin(
    registry: PolicyRegistry, category: PolicyCategory, plugin: str, problems: Problems
) -> PluginInfo | None:
    try:
        info = registry.info(plugin)
    except UnknownPlugin:
        installed = ", ".join(registry.names())
        problems.add("plugin", "UNKNOWN_PLUGIN", f"no plugin {plugin} is installed ({installed})")
        return None
    if category not in info.categories:
        served = ", ".join(sorted(c.value for c in info.categories))
        problems.add(
            "plugin",
            "CATEGORY_NOT_SERVED",
            f"{plugin} does not serve {category.value} (it serves {served})",
        )
        return None
    return info


async def set_tenant_policy(
    session: AsyncSession,
    registry: PolicyRegistry,
    actor: Principal,
    *,
    category: PolicyCategory,
    plugin: str | None,
    parameters: dict[str, Any],
    tenant: str | None = None,
) -> Selection | None:
    """Choose (or, with ``plugin`` None, switch off) the plugin for one category of the
    actor's tenant, or of ``tenant`` when given (a tenant of the actor's province; any
    other is not found).

    The change is kept in that tenant's policy history, with the actor as who made it.
    Results made earlier keep the plugin, version and parameters they were made with. A
    problem with a parameter names it ``parameters.<name>``, as the plugin spells it.
    """
    authorize(actor, "setTenantPolicy")
    tenant_id = (await acting_tenant(session, actor, tenant)).tenant_id
    problems = Problems()
    if plugin is None:
        if parameters:
            problems.add("parameters", "NO_PLUGIN", "parameters need a plugin")
        problems.raise_if_any()
        await session.execute(
            delete(models.TenantPolicy).where(
                models.TenantPolicy.tenant_id == tenant_id,
                models.TenantPolicy.category == category,
            )
        )
        session.add(
            models.TenantPolicyChange(
                tenant_id=tenant_id,
                category=category,
                plugin=None,
                plugin_version=None,
                parameters={},
                changed_by=actor.user_id,
            )
        )
        await session.flush()
        return None
    info = _check_plugin(registry, category, plugin, problems)
    problems.raise_if_any()
    assert info is not None
    resolved, param_problems = policy_parameters.resolve(info, parameters)
    await _tiers_of_another_plugin(session, registry, tenant_id, category, info, problems)
    if param_problems or problems.items:
        raise InvalidInput([*param_problems, *problems.items])
    given = {k: v for k, v in policy_parameters.to_json(resolved).items() if k in parameters}
    row = await session.get(models.TenantPolicy, (tenant_id, category))
    if row is None:
        row = models.TenantPolicy(tenant_id=tenant_id, category=category)
        session.add(row)
    row.plugin = info.name
    row.plugin_version = info.version
    row.parameters = given
    row.selected_by = actor.user_id
    row.selected_at = models.now()
    change = models.TenantPolicyChange(
        tenant_id=tenant_id,
        category=category,
        plugin=info.name,
        plugin_version=info.version,
        parameters=given,
        changed_by=actor.user_id,
    )
    session.add(change)
    await session.flush()
    chosen = Selection(category=category, plugin=info.name, version=info.version, params=resolved)
    if category == PolicyCategory.GRADING:
        moves = await adopt_grading(session, registry, actor, tenant_id, chosen)
        change.managers_moved = len(moves)
        await session.flush()
    return chosen


def assumed_grading(info: PluginInfo) -> str | None:
    """The grading plugin whose tiers a lending plugin's caps are written for: a plugin that
    grades too reads the tier ranks of its own scale (county_coop's cap of rank 3 is 三级's
    5,000,000, while rank 3 under shandong is 一级), so it assumes its own; ``None`` when
    the plugin grades nothing and so reads no tier of a scale of its own."""
    return info.name if PolicyCategory.GRADING in info.categories else None


async def _tiers_of_another_plugin(
    session: AsyncSession,
    registry: PolicyRegistry,
    tenant_id: str,
    category: PolicyCategory,
    info: PluginInfo,
    problems: Problems,
) -> None:
    """Refuse a lending plugin that assumes another grading plugin's tiers than the tenant's,
    and a grading plugin other than the one the tenant's lending plugin assumes. A tenant
    changes both by switching lending off (or to a plugin that grades nothing) first."""
    if category == PolicyCategory.LENDING:
        grading = await session.get(models.TenantPolicy, (tenant_id, PolicyCategory.GRADING))
        wanted = assumed_grading(info)
        if grading is not None and wanted is not None and grading.plugin != wanted:
            problems.add(
                "plugin",
                "TIERS_OF_ANOTHER_PLUGIN",
                f"the lending caps of {info.name} are set per {wanted} tier, but the tenant "
                f"grades with {grading.plugin}: select {wanted} grading first, or a lending "
                "plugin for these tiers",
            )
    elif category == PolicyCategory.GRADING:
        lending = await session.get(models.TenantPolicy, (tenant_id, PolicyCategory.LENDING))
        if lending is None or lending.plugin == info.name:
            return
        try:
            lender = registry.info(lending.plugin)
        except UnknownPlugin:
            return
        if assumed_grading(lender) is not None:
            problems.add(
                "plugin",
                "TIERS_OF_ANOTHER_PLUGIN",
                f"the tenant's lending plugin {lending.plugin} sets its caps per "
                f"{lending.plugin} tier; {info.name} grades with other tiers: switch lending "
                "off or to a plugin for these tiers first",
            )
