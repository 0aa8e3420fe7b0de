"""The office tree: a tenant's offices, and an office with the offices below it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models


def office_subtree(tenant_id: str, office_id: uuid.UUID, include_sub_offices: bool) -> Any:
    """Ids of an office and (optionally) every office below it, as a statement to select
    from or to use in ``IN``."""
    if not include_sub_offices:
        return select(literal(office_id))
    root_path = (
        select(models.Office.path)
        .where(models.Office.tenant_id == tenant_id, models.Office.id == office_id)
        .scalar_subquery()
    )
    return select(models.Office.id).where(
        models.Office.tenant_id == tenant_id,
        models.Office.path.like(root_path + "%"),
    )


async def subtree_office_ids(
    session: AsyncSession, tenant_id: str, office_id: uuid.UUID
) -> set[uuid.UUID]:
    """The office and every office below it (none when the tenant has no such office)."""
    rows = await session.execute(office_subtree(tenant_id, office_id, include_sub_offices=True))
    return set(rows.scalars())


async def offices_in_tree_order(
    session: AsyncSession, tenant_id: str, scope: Sequence[ColumnElement[bool]] = ()
) -> list[models.Office]:
    """The tenant's offices (those ``scope`` keeps), the head office first, then by depth
    and code."""
    rows = await session.execute(
        select(models.Office)
        .where(models.Office.tenant_id == tenant_id, *scope)
        .order_by(models.Office.depth, models.Office.code)
    )
    return list(rows.scalars())
