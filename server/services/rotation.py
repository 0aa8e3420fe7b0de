"""Managers due to rotate to another post, as the tenant's lending policy decides."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import ManagerStatus, PolicyCategory
from server.policy.registry import PolicyRegistry
from server.services.policies import selection
from server.services.profiles import manager_profile


async def rotation_due(
    session: AsyncSession, registry: PolicyRegistry, tenant_id: str, as_of: dt.date
) -> list[tuple[models.Manager, dt.date]]:
    """Active managers whose rotation falls due on or before ``as_of``, earliest first.

    Managers on probation, suspended, disqualified or gone hold no post to rotate from.
    """
    lending = await selection(session, registry, tenant_id, PolicyCategory.LENDING)
    if lending is None:
        return []
    managers = (
        await session.execute(
            select(models.Manager)
            .where(
                models.Manager.tenant_id == tenant_id,
                models.Manager.status == ManagerStatus.ACTIVE,
                models.Manager.post_started_on.is_not(None),
            )
            .order_by(models.Manager.id)
        )
    ).scalars()
    due: list[tuple[models.Manager, dt.date]] = []
    for manager in managers:
        on = registry.lending(lending.plugin).rotation_due_on(
            manager_profile(manager), lending.params
        )
        if on is not None and on <= as_of:
            due.append((manager, on))
    due.sort(key=lambda pair: (pair[1], pair[0].employee_no))
    return due
