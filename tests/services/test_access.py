"""``acting_tenant``: the tenant a use case acts on — the actor's own, or one its province
claim reaches; any other is not found, whether it exists or not."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import Role
from server.errors import NotFound
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.access import acting_tenant
from tests.builders import small_tenant

SHANDONG_ADMIN = Principal(
    "sd-demo", "fed.admin", frozenset({Role.FEDERATION_ADMIN}), province="山东"
)


async def test_none_is_the_own_tenant(session: AsyncSession) -> None:
    assert (await acting_tenant(session, SHANDONG_ADMIN, None)).tenant_id == "sd-demo"


async def test_a_tenant_of_the_province(session: AsyncSession, registry: PolicyRegistry) -> None:
    await small_tenant(session, registry, "sd-second", "山东")
    found = await acting_tenant(session, SHANDONG_ADMIN, "sd-second")
    assert (found.tenant_id, found.province) == ("sd-second", "山东")


@pytest.mark.parametrize(
    ("actor", "tenant"),
    [
        (SHANDONG_ADMIN, "ah-demo"),
        (SHANDONG_ADMIN, "no-such-bank"),
        # Without a province claim no tenant is reached by name, not even the own one.
        (Principal("sd-demo", "hr", frozenset({Role.HR})), "sd-demo"),
    ],
)
async def test_any_other_is_not_found(session: AsyncSession, actor: Principal, tenant: str) -> None:
    with pytest.raises(NotFound) as missing:
        await acting_tenant(session, actor, tenant)
    assert missing.value.field == "tenant"
    assert str(missing.value) == f"Tenant {tenant} not found"
