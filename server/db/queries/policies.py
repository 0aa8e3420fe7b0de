"""A tenant's policy selection and the history of its changes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models


async def tenant_policies(session: AsyncSession, tenant_id: str) -> list[models.TenantPolicy]:
    """The plugin the tenant selected per category, by category."""
    rows = await session.execute(
        select(models.TenantPolicy)
        .where(models.TenantPolicy.tenant_id == tenant_id)
        .order_by(models.TenantPolicy.category)
    )
    return list(rows.scalars())


async def policy_changes(session: AsyncSession, tenant_id: str) -> list[models.TenantPolicyChange]:
    """Every change of the tenant's policy selection, oldest first."""
    rows = await session.execute(
        select(models.TenantPolicyChange)
        .where(models.TenantPolicyChange.tenant_id == tenant_id)
        .order_by(models.TenantPolicyChange.changed_at, models.TenantPolicyChange.id)
    )
    return list(rows.scalars())
