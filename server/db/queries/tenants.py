"""Tenants: whether one exists, and who a token names in it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.principal import Principal


async def tenant_exists(session: AsyncSession, tenant_id: str) -> bool:
    """Whether the tenant a token names is one this installation holds."""
    found = await session.scalar(
        select(models.Tenant.tenant_id).where(models.Tenant.tenant_id == tenant_id)
    )
    return found is not None


async def resolve_principal(session: AsyncSession, principal: Principal) -> Principal | str:
    """The principal if its claims hold, or why the token is refused.

    The tenant must exist; ``manager`` must name one of its managers, ``office`` one of
    its offices, ``province`` the tenant's own province. One statement.
    """
    tenant = models.Tenant
    manager = (
        select(models.Manager.id)
        .where(
            models.Manager.tenant_id == principal.tenant_id,
            models.Manager.employee_no == principal.manager,
        )
        .scalar_subquery()
    )
    office = (
        select(models.Office.id)
        .where(
            models.Office.tenant_id == principal.tenant_id,
            models.Office.code == principal.office,
        )
        .scalar_subquery()
    )
    row = (
        await session.execute(
            select(tenant.province, manager, office).where(tenant.tenant_id == principal.tenant_id)
        )
    ).one_or_none()
    if row is None:
        return "the token's tenant does not exist"
    province, manager_id, office_id = row
    if principal.manager is not None and manager_id is None:
        return "the token's manager is not a manager of its tenant"
    if principal.office is not None and office_id is None:
        return "the token's office is not an office of its tenant"
    if principal.province is not None and principal.province != province:
        return "the token's province is not its tenant's province"
    return principal
