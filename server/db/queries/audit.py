"""The audit trail's writes (rows added, never changed) and the lookup of one target."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models


async def add_audit_entries(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert audit rows (column values, ``tenant_id`` included), and one ``AuditTarget``
    per id of each row's ``target_ids``: a statement for the entries, one for the targets."""
    if not rows:
        return
    await session.execute(insert(models.AuditEntry), list(rows))
    targets = [
        {"tenant_id": r["tenant_id"], "target_id": t, "entry_id": r["id"]}
        for r in rows
        for t in r["target_ids"]
    ]
    if targets:
        await session.execute(insert(models.AuditTarget), targets)


def entries_naming(tenant_id: str, target_id: str) -> Select[Any]:
    """The ids of the tenant's audit entries whose arguments named ``target_id``."""
    t = models.AuditTarget
    return select(t.entry_id).where(t.tenant_id == tenant_id, t.target_id == target_id)
