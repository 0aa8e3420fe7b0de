"""A tenant's core parameters (``set_tenant_settings``): the appeal window and the large-loan
threshold, changed by a federation administrator, only those given, each within its range."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import Role
from server.errors import InvalidInput, NotFound, PermissionDenied
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.tenant_settings import TenantSettings, set_tenant_settings, tenant_settings
from tests.builders import small_tenant
from tests.conftest import principal

TENANT = "sd-demo"
ADMIN = principal(TENANT, (Role.FEDERATION_ADMIN,))
DEFAULTS = TenantSettings(appeal_days=15, large_loan_threshold=Decimal("5000000.00"))


async def test_the_defaults(session: AsyncSession) -> None:
    assert await tenant_settings(session, TENANT) == DEFAULTS


async def test_only_what_is_given_changes(session: AsyncSession) -> None:
    first = await set_tenant_settings(session, ADMIN, appeal_days=20, large_loan_threshold=None)
    assert first == TenantSettings(20, Decimal("5000000.00"))
    second = await set_tenant_settings(
        session, ADMIN, appeal_days=None, large_loan_threshold=Decimal("1000000.00")
    )
    assert second == TenantSettings(20, Decimal("1000000.00"))
    assert await tenant_settings(session, TENANT) == second


@pytest.mark.parametrize(
    ("days", "large", "problems"),
    [
        (0, None, [("appeal_days", "RANGE")]),
        (366, None, [("appeal_days", "RANGE")]),
        (None, Decimal("0.00"), [("large_loan_threshold", "POSITIVE")]),
        (0, Decimal("-1"), [("appeal_days", "RANGE"), ("large_loan_threshold", "POSITIVE")]),
    ],
)
async def test_bad_settings_change_nothing(
    session: AsyncSession, days: int | None, large: Decimal | None, problems: list[tuple[str, str]]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await set_tenant_settings(session, ADMIN, appeal_days=days, large_loan_threshold=large)
    assert [(p.field, p.code) for p in refused.value.problems] == problems
    assert await tenant_settings(session, TENANT) == DEFAULTS


async def test_only_federation_admins(session: AsyncSession) -> None:
    with pytest.raises(PermissionDenied):
        await set_tenant_settings(
            session, principal(TENANT, (Role.HR,)), appeal_days=30, large_loan_threshold=None
        )
    assert await tenant_settings(session, TENANT) == DEFAULTS


async def test_a_tenant_of_the_province_by_name(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    await small_tenant(session, registry, "sd-second", "山东")
    admin = Principal(TENANT, "fed.admin", frozenset({Role.FEDERATION_ADMIN}), province="山东")
    changed = await set_tenant_settings(
        session, admin, appeal_days=40, large_loan_threshold=None, tenant="sd-second"
    )
    assert changed.appeal_days == 40
    assert (await tenant_settings(session, "sd-second")).appeal_days == 40
    assert await tenant_settings(session, TENANT) == DEFAULTS
    with pytest.raises(NotFound):
        await set_tenant_settings(
            session, admin, appeal_days=50, large_loan_threshold=None, tenant="ah-demo"
        )
    assert await tenant_settings(session, "ah-demo") == DEFAULTS
