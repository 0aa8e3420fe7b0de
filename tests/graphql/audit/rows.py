"""What the audit tests read back: a user's audit rows, and every table's row count."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models


def someone(prefix: str = "auditee") -> str:
    """A user id no other test uses, so that a test reads its own rows only."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def rows_of(session: AsyncSession, user: str, tenant: str = "sd-demo") -> list[Any]:
    a = models.AuditEntry
    statement = (
        select(a)
        .where(a.tenant_id == tenant, a.user_id == user)
        .order_by(a.id)
        .execution_options(populate_existing=True)
    )
    return list((await session.execute(statement)).scalars().all())


async def footprint(session: AsyncSession) -> dict[str, int]:
    """How many rows each table holds (all tenants): what a request wrote shows as a change."""
    counts = {}
    for table in models.Base.metadata.sorted_tables:
        counts[table.name] = int(await session.scalar(select(func.count()).select_from(table)) or 0)
    return counts


def grown(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """The tables whose row count changed, and by how much."""
    return {t: after[t] - before[t] for t in after if after[t] != before[t]}
