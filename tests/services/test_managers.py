"""A manager's tier set by hand (``managers.set_manager_tier``): HR only, with a reason, to a
tier of the tenant's grading plugin the manager does not hold yet; kept in the tier history."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import Role, TierChangeCause
from server.errors import Conflict, DomainError, InvalidInput, PermissionDenied
from server.policy.registry import PolicyRegistry
from server.services import managers
from tests.builders import manager_holding
from tests.conftest import principal

TENANT = "sd-demo"


async def tier_changes(session: AsyncSession, manager: models.Manager) -> int:
    change = models.ManagerTierChange
    stmt = (
        select(func.count())
        .select_from(change)
        .where(change.tenant_id == TENANT, change.manager_id == manager.id)
    )
    return int(await session.scalar(stmt) or 0)


async def test_hr_sets_a_tier_with_its_reason_in_the_history(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    manager = await manager_holding(session, registry, TENANT, "SD_3")
    moved = await managers.set_manager_tier(
        session,
        registry,
        principal(TENANT, (Role.HR,), "hr-1"),
        manager_id=str(manager.id),
        tier_code="SD_1",
        reason="  竞聘上岗  ",
    )
    assert (moved.tier_code, moved.tier_rank) == ("SD_1", 3)
    change = models.ManagerTierChange
    (last,) = (
        await session.execute(
            select(change).where(change.tenant_id == TENANT, change.manager_id == manager.id)
        )
    ).scalars()
    assert (last.cause, last.from_code, last.to_code) == (TierChangeCause.MANUAL, "SD_3", "SD_1")
    assert (last.reason, last.recorded_by, last.plugin) == ("竞聘上岗", "hr-1", "shandong")


@pytest.mark.parametrize(
    ("roles", "tier", "reason", "expected", "problems"),
    [
        ((Role.RISK,), "SD_1", "调整", PermissionDenied, None),
        ((Role.HR,), "CC_4", "调整", InvalidInput, [("tier_code", "UNKNOWN_TIER")]),
        ((Role.HR,), "SD_1", " ", InvalidInput, [("reason", "REQUIRED")]),
        ((Role.HR,), "SD_2", "调整", Conflict, None),
    ],
)
async def test_a_refused_tier_writes_nothing(
    session: AsyncSession,
    registry: PolicyRegistry,
    roles: tuple[Role, ...],
    tier: str,
    reason: str,
    expected: type[DomainError],
    problems: list[tuple[str, str]] | None,
) -> None:
    manager = await manager_holding(session, registry, TENANT, "SD_2")
    with pytest.raises(expected) as refused:
        await managers.set_manager_tier(
            session,
            registry,
            principal(TENANT, roles),
            manager_id=str(manager.id),
            tier_code=tier,
            reason=reason,
        )
    if problems is not None:
        assert isinstance(refused.value, InvalidInput)
        assert [(p.field, p.code) for p in refused.value.problems] == problems
    assert await tier_changes(session, manager) == 0
    await session.refresh(manager)
    assert manager.tier_code == "SD_2"
