"""``get_in_tenant``: a row of the actor's tenant, locked when a check reads it."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import ManagerStatus
from server.errors import NotFound
from server.policy.registry import PolicyRegistry
from server.services.common import get_in_tenant
from tests.builders import bank
from tests.conftest import StatementLog

LOCKS = [
    pytest.param({}, None, id="unlocked"),
    pytest.param({"for_update": True}, "FOR UPDATE", id="for_update"),
    pytest.param({"for_share": True}, "FOR SHARE", id="for_share"),
]


async def manager_row(session: AsyncSession, registry: PolicyRegistry) -> models.Manager:
    world = bank(session, registry, "cc-demo")
    office, _ = await world.offices()
    return await world.manager(office, tier="CC_2")


@pytest.mark.parametrize(("lock", "clause"), LOCKS)
async def test_the_lock_asked_for_is_taken_on_postgresql(
    session: AsyncSession,
    registry: PolicyRegistry,
    statements: StatementLog,
    lock: dict[str, bool],
    clause: str | None,
) -> None:
    manager = await manager_row(session, registry)
    with statements.capture() as sql:
        found = await get_in_tenant(
            session, models.Manager, "cc-demo", str(manager.id), field="id", entity="M", **lock
        )
    assert found is manager
    [select] = sql
    locks = [c for c in ("FOR UPDATE", "FOR SHARE") if c in select.upper()]
    # SQLite has no row locks: there a writer holds the database's write lock instead.
    dialect = session.get_bind().dialect.name
    assert locks == ([clause] if clause and dialect == "postgresql" else [])


@pytest.mark.parametrize("lock", [{"for_update": True}, {"for_share": True}])
async def test_a_locked_read_sees_the_row_as_stored_not_the_sessions_copy(
    session: AsyncSession, registry: PolicyRegistry, lock: dict[str, bool]
) -> None:
    """What a check reads under a lock is what the lock protects, even when the session
    loaded the row before (another mutation of the same request, say)."""
    manager = await manager_row(session, registry)
    await session.execute(
        update(models.Manager)
        .where(models.Manager.tenant_id == "cc-demo", models.Manager.id == manager.id)
        .values(status=ManagerStatus.SUSPENDED)
        .execution_options(synchronize_session=False)
    )
    assert manager.status is ManagerStatus.ACTIVE  # the session's copy is the old one
    found = await get_in_tenant(
        session, models.Manager, "cc-demo", str(manager.id), field="id", entity="M", **lock
    )
    assert found is manager
    assert found.status is ManagerStatus.SUSPENDED


async def test_another_tenants_row_is_not_found_even_locked(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    manager = await manager_row(session, registry)
    with pytest.raises(NotFound):
        await get_in_tenant(
            session,
            models.Manager,
            "sd-demo",
            str(manager.id),
            field="id",
            entity="M",
            for_share=True,
        )
