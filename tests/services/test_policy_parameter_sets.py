"""A tenant's policy selection (``server.services.policies``): a parameter set that breaks a
rule joining several parameters is refused as a whole before anything is stored, each problem
naming its parameter; a set stored before the rule existed makes the policy unavailable."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import PolicyCategory, Role
from server.errors import InvalidInput, PolicyUnavailable
from server.policy.registry import PolicyRegistry
from server.services.policies import selection, set_tenant_policy
from tests.conftest import principal

ANHUI_WEIGHTS = (
    "performance_weight",
    "ethics_weight",
    "basic_management_weight",
    "credit_operation_weight",
    "service_quality_weight",
)


async def stored(session: AsyncSession, tenant: str) -> tuple[Any, ...]:
    """The tenant's selections and the length of its policy history."""
    rows = await session.execute(
        select(
            models.TenantPolicy.category, models.TenantPolicy.plugin, models.TenantPolicy.parameters
        )
        .where(models.TenantPolicy.tenant_id == tenant)
        .order_by(models.TenantPolicy.category)
    )
    history = await session.scalar(
        select(func.count())
        .select_from(models.TenantPolicyChange)
        .where(models.TenantPolicyChange.tenant_id == tenant)
    )
    return tuple(tuple(r) for r in rows.all()), history


@pytest.mark.parametrize(
    ("plugin", "category", "parameters", "fields", "code"),
    [
        (
            "anhui",
            PolicyCategory.GRADING,
            {"performance_weight": "90"},  # the five weights sum to 130
            ANHUI_WEIGHTS,
            "WEIGHTS_SUM_TO_100",
        ),
        (
            "anhui",
            PolicyCategory.GRADING,
            {"promote_at": "70", "demote_below": "70.01"},
            ("demote_below", "promote_at"),
            "DEMOTE_NOT_ABOVE_PROMOTE",
        ),
        (
            "county_coop",
            PolicyCategory.GRADING,
            {"level_cc_2_min": "85"},  # above 三级's 80
            ("level_cc_2_min", "level_cc_3_min"),
            "LEVEL_LINES_ASCENDING",
        ),
        (
            "county_coop",
            PolicyCategory.LENDING,
            {"cap_cc_2": "200000"},  # below 一级's 300,000
            ("cap_cc_1", "cap_cc_2"),
            "CAPS_ASCENDING",
        ),
    ],
)
async def test_an_inconsistent_parameter_set_is_refused_and_nothing_stored(
    session: AsyncSession,
    registry: PolicyRegistry,
    plugin: str,
    category: PolicyCategory,
    parameters: dict[str, str],
    fields: tuple[str, ...],
    code: str,
) -> None:
    # Each plugin on a tenant that grades with it, so that only the parameter set is wrong.
    tenant = {"anhui": "ah-demo", "county_coop": "cc-demo"}[plugin]
    before = await stored(session, tenant)
    with pytest.raises(InvalidInput) as raised:
        await set_tenant_policy(
            session,
            registry,
            principal(tenant, (Role.FEDERATION_ADMIN,)),
            category=category,
            plugin=plugin,
            parameters=parameters,
        )
    problems = raised.value.problems
    assert sorted(p.field for p in problems) == sorted(f"parameters.{f}" for f in fields)
    assert {p.code for p in problems} == {code}
    assert await stored(session, tenant) == before


async def test_a_consistent_set_is_stored(session: AsyncSession, registry: PolicyRegistry) -> None:
    tenant = "ah-demo"
    chosen = await set_tenant_policy(
        session,
        registry,
        principal(tenant, (Role.FEDERATION_ADMIN,)),
        category=PolicyCategory.GRADING,
        plugin="anhui",
        parameters={"performance_weight": "70", "ethics_weight": "0", "demote_below": "90"},
    )
    assert chosen is not None
    assert chosen.params["demote_below"] == chosen.params["promote_at"]
    row = await session.get(models.TenantPolicy, (tenant, PolicyCategory.GRADING))
    assert row is not None and row.parameters["performance_weight"] == "70"


async def test_a_stored_inconsistent_set_makes_the_policy_unavailable(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    tenant = "ah-demo"
    row = await session.get(models.TenantPolicy, (tenant, PolicyCategory.GRADING))
    assert row is not None and row.plugin == "anhui"
    row.parameters = {"performance_weight": "90"}  # stored before the set was checked
    await session.flush()
    with pytest.raises(PolicyUnavailable, match="sum to 130"):
        await selection(session, registry, tenant, PolicyCategory.GRADING)
