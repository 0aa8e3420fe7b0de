"""What every use case needs: ids found within the tenant or a scope, locked if asked."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.db.scope import Scope
from server.errors import NotFound

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
    """The row with this id in this tenant, or ``NotFound`` (another tenant's id included);
    the locks are :func:`get_in_scope`'s."""
    return await get_in_scope(
        session,
        model,
        Scope(tenant_id, whole_tenant=True),
        id_,
        field=field,
        entity=entity,
        for_update=for_update,
        for_share=for_share,
    )


async def get_in_scope(
    session: AsyncSession,
    model: type[ModelT],
    scope: Scope,
    id_: object,
    *,
    field: str,
    entity: str,
    for_update: bool = False,
    for_share: bool = False,
) -> ModelT:
    """The row with this id in the scope, or ``NotFound`` (out of scope included).

    ``for_update`` locks the row until the transaction ends, ``for_share`` only against
    changes (others may share it); see the lock order in :mod:`server.services`. A locked
    row is read afresh, even when the session holds it already, so that a check sees the
    version the lock protects.
    """
    key = parse_id(id_, field, entity)
    m: Any = model
    if not (for_update or for_share):
        row = (
            await session.execute(select(m).where(*scope.where(m), m.id == key))
        ).scalar_one_or_none()
    else:
        # Lock by key alone, then ask whether the locked row is in scope: PostgreSQL
        # re-checks a locked row that changed meanwhile against the conditions of the
        # locking statement, and a scope's sub-selects would there be judged on their
        # old rows (a customer moved within the subtree would seem out of it).
        lock = select(m).where(m.tenant_id == scope.tenant_id, m.id == key)
        lock = lock.with_for_update(read=not for_update).execution_options(populate_existing=True)
        row = (await session.execute(lock)).scalar_one_or_none()
        if row is not None and not scope.whole_tenant:
            inside = await session.scalar(select(m.id).where(*scope.where(m), m.id == key))
            row = row if inside is not None else None
    if row is None:
        raise NotFound(entity, id_, field)
    return row  # type: ignore[no-any-return]


async def require_tenant(session: AsyncSession, tenant_id: str) -> models.Tenant:
    tenant = await session.get(models.Tenant, tenant_id)
    if tenant is None:
        raise NotFound("Tenant", tenant_id, "tenant")
    return tenant
