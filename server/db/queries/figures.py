"""Recorded figures of a period: the managers' task sheets, office totals and findings."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from server.db import models


async def sheet_lines(
    session: AsyncSession,
    model: type[models.IndicatorValue] | type[models.TaskPlan],
    amount: InstrumentedAttribute[Decimal],
    tenant_id: str,
    period: str,
) -> Sequence[Row[uuid.UUID, uuid.UUID, str, Decimal]]:
    """(manager, office, indicator, amount) of every line of the period's sheets of
    ``model`` (actuals or plans)."""
    rows = await session.execute(
        select(model.manager_id, model.office_id, model.indicator, amount).where(
            model.tenant_id == tenant_id, model.period == period
        )
    )
    return rows.all()


async def office_totals(
    session: AsyncSession, tenant_id: str, period: str
) -> Sequence[Row[uuid.UUID, str, Decimal]]:
    """(office, indicator, value) of the offices' own totals for the period."""
    f = models.OfficeFigure
    return (
        await session.execute(
            select(f.office_id, f.indicator, f.value).where(
                f.tenant_id == tenant_id, f.period == period
            )
        )
    ).all()


async def finding_counts(
    session: AsyncSession, tenant_id: str, period: str
) -> Sequence[Row[uuid.UUID, str, str, int]]:
    """(manager, item, finding, count) of the period's inspection findings, summed."""
    f = models.InspectionFinding
    return (
        await session.execute(
            select(f.manager_id, f.item, f.finding, func.sum(f.count))
            .where(f.tenant_id == tenant_id, f.period == period)
            .group_by(f.manager_id, f.item, f.finding)
            .order_by(f.manager_id, f.item, f.finding)
        )
    ).all()
