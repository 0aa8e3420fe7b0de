"""Per-tenant policy selection: which plugin serves each category, with what parameters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import PolicyCategory
from server.errors import InvalidInput, PolicyUnavailable, Problems, UnknownPlugin
from server.policy import Params, PluginInfo
from server.policy import parameters as policy_parameters
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.access import acting_tenant, authorize


@dataclass(frozen=True)
class Selection:
    """The plugin a tenant uses for one category, with resolved parameters."""

    category: PolicyCategory
    plugin: str
    version: str
    params: Params

    @property
    def params_json(self) -> dict[str, Any]:
        return policy_parameters.to_json(self.params)


async def selection(
    session: AsyncSession, registry: PolicyRegistry, tenant_id: str, category: PolicyCategory
) -> Selection | None:
    """The tenant's selection for ``category``; ``None`` when the capability is off."""
    row = await session.get(models.TenantPolicy, (tenant_id, category))
    if row is None:
        return None
    try:
        info = registry.info(row.plugin)
    except UnknownPlugin:
        raise PolicyUnavailable(
            f"the {category.value} plugin {row.plugin} selected for this tenant is not installed"
        ) from None
    params, problems = policy_parameters.resolve(info, row.parameters)
    if problems:
        raise PolicyUnavailable(
            f"the stored parameters of {row.plugin} no longer fit version {info.version}: "
            + "; ".join(p.message for p in problems)
        )
    return Selection(category=category, plugin=info.name, version=info.version, params=params)


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
    if param_problems:
        raise InvalidInput(param_problems)
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
    session.add(
        models.TenantPolicyChange(
            tenant_id=tenant_id,
            category=category,
            plugin=info.name,
            plugin_version=info.version,
            parameters=given,
            changed_by=actor.user_id,
        )
    )
    await session.flush()
    return Selection(category=category, plugin=info.name, version=info.version, params=resolved)
