"""A tenant's selection of one policy category: the plugin, its version, its resolved
parameters (``server.services.policies`` changes it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import PolicyCategory
from server.errors import PolicyUnavailable, UnknownPlugin
from server.policy import Params
from server.policy import parameters as policy_parameters
from server.policy.registry import PolicyRegistry


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
