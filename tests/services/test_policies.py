"""A tenant's policy selection (``server.services.policies``) stays consistent: a lending
plugin never reads another grading plugin's tiers, and a new grading plugin moves every
manager to one of its own tiers (``server.services.policy_adoption``), with history and
events, in the same transaction."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import EventKind, ManagerStatus, PolicyCategory, Role, TierChangeCause
from server.errors import InvalidInput
from server.policy.registry import PolicyRegistry
from server.services import policies
from server.services.policy_adoption import standing_rank
from tests.conftest import principal


async def choose(
    session: AsyncSession,
    registry: PolicyRegistry,
    tenant: str,
    category: PolicyCategory,
    plugin: str | None,
) -> None:
    await policies.set_tenant_policy(
        session,
        registry,
        principal(tenant, (Role.FEDERATION_ADMIN,), "fed-1"),
        category=category,
        plugin=plugin,
        parameters={},
    )


async def tiers_held(session: AsyncSession, tenant: str) -> dict[str, str | None]:
    rows = await session.execute(
        select(models.Manager.id, models.Manager.tier_code)
        .where(models.Manager.tenant_id == tenant)
        .execution_options(populate_existing=True)
    )
    return {str(mid): code for mid, code in rows}


async def count(session: AsyncSession, model: Any, *where: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@pytest.mark.parametrize(
    ("old_rank", "old_count", "new_count", "new_rank"),
    [
        # shandong (三级 0, 二级 1, 一级 2) → anhui (助理 0 … 资深 7)
        (0, 3, 8, 1),
        (1, 3, 8, 4),
        (2, 3, 8, 6),
        # anhui → shandong: the bands of 8 over the bands of 3
        (0, 8, 3, 0),
        (2, 8, 3, 0),
        (3, 8, 3, 1),
        (4, 8, 3, 1),
        (5, 8, 3, 2),
        (7, 8, 3, 2),
        # county_coop (见习 0 … 四级 4) → shandong
        (0, 5, 3, 0),
        (1, 5, 3, 0),
        (2, 5, 3, 1),
        (3, 5, 3, 2),
        (4, 5, 3, 2),
        # the same number of tiers keeps every rank
        (0, 5, 5, 0),
        (4, 5, 5, 4),
        # a rank outside the old scale is read at its nearest end
        (9, 3, 8, 6),
    ],
)
def test_the_same_relative_standing(
    old_rank: int, old_count: int, new_count: int, new_rank: int
) -> None:
    assert standing_rank(old_rank, old_count, new_count) == new_rank


async def test_a_new_grading_plugin_moves_every_manager_to_its_tiers(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    tenant = "sx-demo"
    before = await tiers_held(session, tenant)
    movable = await session.scalars(
        select(models.Manager.id).where(
            models.Manager.tenant_id == tenant,
            models.Manager.tier_code.is_not(None),
            models.Manager.status.not_in((ManagerStatus.DISQUALIFIED, ManagerStatus.LEFT)),
        )
    )
    holding = {str(mid) for mid in movable}
    assert holding and all(str(before[mid]).startswith("SD_") for mid in holding)
    grade_events = (models.Event.tenant_id == tenant, models.Event.kind == EventKind.GRADE_CHANGED)
    events_before = await count(session, models.Event, *grade_events)
    await choose(session, registry, tenant, PolicyCategory.GRADING, "anhui")
    after = await tiers_held(session, tenant)
    assert all(str(after[mid]).startswith("AH_") for mid in holding)
    moves = (
        await session.scalars(
            select(models.ManagerTierChange).where(
                models.ManagerTierChange.tenant_id == tenant,
                models.ManagerTierChange.cause == TierChangeCause.POLICY_CHANGE,
            )
        )
    ).all()
    assert {str(m.manager_id) for m in moves} == holding
    assert all(m.from_code == before[str(m.manager_id)] for m in moves)
    assert all((m.plugin, m.to_code) == ("anhui", after[str(m.manager_id)]) for m in moves)
    # Within the qualification ceiling (第五条): never above the same relative standing.
    ceiling = {"SD_3": 1, "SD_2": 4, "SD_1": 6}
    assert all((m.to_rank or 0) <= ceiling[m.from_code or ""] for m in moves)
    assert {m.from_code for m in moves if m.to_rank == ceiling[m.from_code or ""]}
    events = await count(session, models.Event, *grade_events)
    assert events - events_before == len(moves)
    change = (
        await session.scalars(
            select(models.TenantPolicyChange)
            .where(
                models.TenantPolicyChange.tenant_id == tenant,
                models.TenantPolicyChange.category == PolicyCategory.GRADING,
            )
            .order_by(models.TenantPolicyChange.changed_at.desc())
            .limit(1)
        )
    ).one()
    assert (change.plugin, change.managers_moved) == ("anhui", len(moves))
    # Choosing the same plugin again moves nobody.
    await choose(session, registry, tenant, PolicyCategory.GRADING, "anhui")
    assert await tiers_held(session, tenant) == after


async def test_lending_caps_of_another_grading_plugins_tiers_are_refused(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await choose(session, registry, "sd-demo", PolicyCategory.LENDING, "county_coop")
    (problem,) = refused.value.problems
    assert (problem.field, problem.code) == ("plugin", "TIERS_OF_ANOTHER_PLUGIN")
    assert "county_coop" in problem.message and "shandong" in problem.message
    assert await session.get(models.TenantPolicy, ("sd-demo", PolicyCategory.LENDING)) is None


async def test_grading_under_a_lending_plugin_of_other_tiers_is_refused(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    tiers = await tiers_held(session, "cc-demo")
    with pytest.raises(InvalidInput) as refused:
        await choose(session, registry, "cc-demo", PolicyCategory.GRADING, "shandong")
    (problem,) = refused.value.problems
    assert (problem.field, problem.code) == ("plugin", "TIERS_OF_ANOTHER_PLUGIN")
    assert "county_coop" in problem.message and "shandong" in problem.message
    row = await session.get(models.TenantPolicy, ("cc-demo", PolicyCategory.GRADING))
    assert row is not None and row.plugin == "county_coop"
    assert await tiers_held(session, "cc-demo") == tiers
    # With lending switched off first, the tenant may change grading.
    await choose(session, registry, "cc-demo", PolicyCategory.LENDING, None)
    await choose(session, registry, "cc-demo", PolicyCategory.GRADING, "shandong")
    held = await tiers_held(session, "cc-demo")
    assert all(code is None or code.startswith("SD_") for code in held.values())
