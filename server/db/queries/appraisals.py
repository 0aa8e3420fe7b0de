"""Appraisals and their items: drafts, confirmed results and scored items."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Row, delete, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import AppraisalStatus

DELETE_BATCH = 2000


async def prior_results(
    session: AsyncSession, tenant_id: str, period: str, year: int
) -> Sequence[Row[uuid.UUID, str, Decimal | None, str | None]]:
    """(manager, period, total, rating) of the confirmed appraisals of the year before and
    of ``year``, other than ``period`` itself, by manager and period."""
    a = models.Appraisal
    return (
        await session.execute(
            select(a.manager_id, a.period, a.total, a.rating)
            .where(
                a.tenant_id == tenant_id,
                a.status == AppraisalStatus.CONFIRMED,
                a.period != period,
                a.period >= str(year - 1),
                a.period < str(year + 1),
            )
            .order_by(a.manager_id, a.period)
        )
    ).all()


def _first_draft() -> ColumnElement[bool]:
    """A DRAFT never confirmed: not one made again in an appeal's review."""
    a = models.Appraisal
    return (a.status == AppraisalStatus.DRAFT) & a.appealed_at.is_(None)


async def confirmed_managers(
    session: AsyncSession, tenant_id: str, period: str, manager_ids: Iterable[uuid.UUID] | None
) -> set[uuid.UUID]:
    """The managers (of those given, or all) whose appraisal of the period is past its first
    DRAFT: confirmed, appealed, or made again in an appeal's review."""
    a = models.Appraisal
    stmt = select(a.manager_id).where(
        a.tenant_id == tenant_id,
        a.period == period,
        or_(a.status != AppraisalStatus.DRAFT, a.appealed_at.is_not(None)),
    )
    if manager_ids is not None:
        stmt = stmt.where(a.manager_id.in_(list(manager_ids)))
    return set((await session.execute(stmt)).scalars())


async def delete_drafts(
    session: AsyncSession,
    tenant_id: str,
    period: str,
    manager_ids: list[uuid.UUID] | None = None,
    *,
    except_run: uuid.UUID | None = None,
) -> None:
    """Remove the drafts of the period (of these managers, or all); confirmed ones stay, and
    so do drafts under an appeal's review; with ``except_run``, so do that run's drafts (a
    resumed run keeps what it wrote before it was interrupted).

    Deletes by explicit ids, in batches: a join-shaped DELETE lets a planner with stale
    statistics pick a quadratic plan right after a bulk load.
    """
    a = models.Appraisal
    drafts = select(a.id).where(a.tenant_id == tenant_id, a.period == period, _first_draft())
    if manager_ids is not None:
        drafts = drafts.where(a.manager_id.in_(manager_ids))
    if except_run is not None:
        drafts = drafts.where(or_(a.run_id.is_(None), a.run_id != except_run))
    ids = list((await session.execute(drafts)).scalars())
    for start in range(0, len(ids), DELETE_BATCH):
        batch = ids[start : start + DELETE_BATCH]
        await session.execute(
            delete(models.AppraisalItem).where(
                models.AppraisalItem.tenant_id == tenant_id,
                models.AppraisalItem.appraisal_id.in_(batch),
            )
        )
        await session.execute(delete(a).where(a.tenant_id == tenant_id, a.id.in_(batch)))


async def appraisal_by_id(
    session: AsyncSession,
    tenant_id: str,
    appraisal_id: uuid.UUID,
    scope: Sequence[ColumnElement[bool]] = (),
) -> models.Appraisal | None:
    """The tenant's appraisal with this id (if ``scope`` keeps it)."""
    a = models.Appraisal
    rows = await session.execute(
        select(a).where(a.tenant_id == tenant_id, a.id == appraisal_id, *scope)
    )
    return rows.scalar_one_or_none()


async def appraisal_items(
    session: AsyncSession, tenant_id: str, appraisal_id: uuid.UUID
) -> list[models.AppraisalItem]:
    """The appraisal's scored items in their order."""
    return list(
        (
            await session.execute(
                select(models.AppraisalItem)
                .where(
                    models.AppraisalItem.tenant_id == tenant_id,
                    models.AppraisalItem.appraisal_id == appraisal_id,
                )
                .order_by(models.AppraisalItem.position)
            )
        ).scalars()
    )


async def replace_items(
    session: AsyncSession, tenant_id: str, appraisal_id: uuid.UUID, rows: list[dict[str, Any]]
) -> None:
    """Put ``rows`` in place of the appraisal's scored items."""
    await session.execute(
        delete(models.AppraisalItem).where(
            models.AppraisalItem.tenant_id == tenant_id,
            models.AppraisalItem.appraisal_id == appraisal_id,
        )
    )
    if rows:
        await session.execute(insert(models.AppraisalItem), rows)
