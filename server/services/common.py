"""What every use case needs: ids within the actor's tenant, and the role check."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import Role
from server.errors import NotFound, PermissionDenied
from server.principal import Principal

ModelT = TypeVar("ModelT", bound=models.Base)


def parse_id(value: object, field: str, entity: str) -> uuid.UUID:
    """An id the client sent; a malformed one is simply not found."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound(entity, value, field) from None


async def get_in_tenant(
    session: AsyncSession,
    model: type[ModelT],
    tenant_id: str,
    id_: object,
    *,
    field: str,
    entity: str,
    for_update: bool = False,
    for_share: bool = False,
) -> ModelT:
    """The row with this id in this tenant, or ``NotFound`` (another tenant's id included).

    ``for_update`` locks the row until the transaction ends, ``for_share`` only against
    changes (others may share it); see the lock order in :mod:`server.services`. A locked
    row is read afresh, even when the session holds it already, so that a check sees the
    version the lock protects.
    """
    key = parse_id(id_, field, entity)
    m: Any = model
    stmt = select(m).where(m.tenant_id == tenant_id, m.id == key)
    if for_update or for_share:
        stmt = stmt.with_for_update(read=not for_update).execution_options(populate_existing=True)
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        raise NotFound(entity, id_, field)
    return row  # type: ignore[no-any-return]


async def require_tenant(session: AsyncSession, tenant_id: str) -> models.Tenant:
    tenant = await session.get(models.Tenant, tenant_id)
    if tenant is None:
        raise NotFound("Tenant", tenant_id, "tenant")
    return tenant


def require_role(actor: Principal, allowed: tuple[Role, ...], action: str) -> None:
    """Refuse unless the actor holds one of ``allowed``."""
    if not actor.has_any(*allowed):
        names = " or ".join(r.value for r in allowed)
        raise PermissionDenied(f"{action} needs the role {names}")
