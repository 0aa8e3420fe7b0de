"""A tenant's core parameters (``set_tenant_settings``): the appeal window and the large-loan
threshold, changed by a federation administrator, only those given, each within its range."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import Role
from server.errors import InvalidInput, PermissionDenied
from server.services.tenant_settings import TenantSettings, set_tenant_settings, tenant_settings
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
