"""A tenant's core parameters (``set_tenant_settings``): the appeal window, the large-loan
threshold and the licence's longest validity, changed by a federation administrator, only
those given, each within its range."""

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

#: The county union: its demo licences run a year, the default (the banks' run three years,
#: and their demo tenants say so in ``licence_validity_months``).
TENANT = "cc-demo"
ADMIN = principal(TENANT, (Role.FEDERATION_ADMIN,))
DEFAULTS = TenantSettings(
    appeal_days=15,
    large_loan_threshold=Decimal("5000000.00"),
    licence_validity_months=12,
    max_backdating_days=30,
)


async def test_the_defaults(session: AsyncSession) -> None:
    assert await tenant_settings(session, TENANT) == DEFAULTS
    assert (await tenant_settings(session, "sd-demo")).licence_validity_months == 36


async def test_the_licence_validity_changes_alone(session: AsyncSession) -> None:
    changed = await set_tenant_settings(
        session, ADMIN, appeal_days=None, large_loan_threshold=None, licence_validity_months=24
    )
    assert changed == TenantSettings(15, Decimal("5000000.00"), 24)
    assert await tenant_settings(session, TENANT) == changed


async def test_only_what_is_given_changes(session: AsyncSession) -> None:
    first = await set_tenant_settings(session, ADMIN, appeal_days=20, large_loan_threshold=None)
    assert first == TenantSettings(20, Decimal("5000000.00"), 12)
    second = await set_tenant_settings(
        session, ADMIN, appeal_days=None, large_loan_threshold=Decimal("1000000.00")
    )
    assert second == TenantSettings(20, Decimal("1000000.00"), 12)
    assert await tenant_settings(session, TENANT) == second


@pytest.mark.parametrize(
    ("days", "large", "months", "problems"),
    [
        (0, None, None, [("appeal_days", "RANGE")]),
        (366, None, None, [("appeal_days", "RANGE")]),
        (None, Decimal("0.00"), None, [("large_loan_threshold", "POSITIVE")]),
        (0, Decimal("-1"), None, [("appeal_days", "RANGE"), ("large_loan_threshold", "POSITIVE")]),
        (None, None, 0, [("licence_validity_months", "RANGE")]),
        (None, None, 61, [("licence_validity_months", "RANGE")]),
    ],
)
async def test_bad_settings_change_nothing(
    session: AsyncSession,
    days: int | None,
    large: Decimal | None,
    months: int | None,
    problems: list[tuple[str, str]],
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await set_tenant_settings(
            session,
            ADMIN,
            appeal_days=days,
            large_loan_threshold=large,
            licence_validity_months=months,
        )
    assert [(p.field, p.code) for p in refused.value.problems] == problems
    assert await tenant_settings(session, TENANT) == DEFAULTS


@pytest.mark.parametrize(("days", "allowed"), [(-1, False), (0, True), (366, True), (367, False)])
async def test_the_back_dating_allowance_is_0_to_366_days(
    session: AsyncSession, days: int, allowed: bool
) -> None:
    change = set_tenant_settings(
        session,
        ADMIN,
        appeal_days=None,
        large_loan_threshold=None,
        max_backdating_days=days,
    )
    if allowed:
        assert (await change).max_backdating_days == days
        assert (await tenant_settings(session, TENANT)).max_backdating_days == days
    else:
        with pytest.raises(InvalidInput) as refused:
            await change
        fields = [(p.field, p.code) for p in refused.value.problems]
        assert fields == [("max_backdating_days", "RANGE")]
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
    admin = Principal("sd-demo", "fed.admin", frozenset({Role.FEDERATION_ADMIN}), province="山东")
    own = await tenant_settings(session, "sd-demo")
    elsewhere = await tenant_settings(session, "ah-demo")
    changed = await set_tenant_settings(
        session, admin, appeal_days=40, large_loan_threshold=None, tenant="sd-second"
    )
    assert changed.appeal_days == 40
    assert (await tenant_settings(session, "sd-second")).appeal_days == 40
    assert await tenant_settings(session, "sd-demo") == own
    with pytest.raises(NotFound):
        await set_tenant_settings(
            session, admin, appeal_days=50, large_loan_threshold=None, tenant="ah-demo"
        )
    assert await tenant_settings(session, "ah-demo") == elsewhere
