"""Tenants: whether one exists."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models


async def tenant_exists(session: AsyncSession, tenant_id: str) -> bool:
    """Whether the tenant a token names is one this installation holds."""
    found = await session.scalar(
        select(models.Tenant.tenant_id).where(models.Tenant.tenant_id == tenant_id)
    )
    return found is not None
