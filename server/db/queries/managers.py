"""Managers and their office moves, as the appraisal reads them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import Row, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import ManagerStatus


async def managers_with_clerk_flag(
    session: AsyncSession, tenant_id: str, statuses: Iterable[ManagerStatus]
) -> Sequence[Row[models.Manager, bool]]:
    """The tenant's managers in these statuses, by id, each with whether their office has
    a credit clerk."""
    return (
        await session.execute(
            select(models.Manager, models.Office.has_credit_clerk)
            .join(
                models.Office,
                and_(
                    models.Office.tenant_id == models.Manager.tenant_id,
                    models.Office.id == models.Manager.office_id,
                ),
            )
            .where(
                models.Manager.tenant_id == tenant_id,
                models.Manager.status.in_(statuses),
            )
            .order_by(models.Manager.id)
        )
    ).all()


async def office_moves_since(
    session: AsyncSession, tenant_id: str, since: dt.date
) -> list[models.ManagerOfficeMove]:
    """Every move between offices of the tenant's managers on or after ``since``."""
    return list(
        (
            await session.execute(
                select(models.ManagerOfficeMove).where(
                    models.ManagerOfficeMove.tenant_id == tenant_id,
                    models.ManagerOfficeMove.moved_on >= since,
                )
            )
        ).scalars()
    )
