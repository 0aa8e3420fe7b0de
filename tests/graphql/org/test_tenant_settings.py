"""A tenant's core parameters: appeal window and large-loan threshold."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import Role
from server.services.tenant_settings import TenantSettings
from tests.conftest import Api

SET = """mutation($days: Int, $large: Money) { setTenantSettings(appealDays: $days,
  largeLoanThreshold: $large) { __typename
  ... on Tenant { settings { appealDays largeLoanThreshold } }
  ... on InvalidInput { errors { field code } } } }"""


async def test_defaults_are_shown(api: Api) -> None:
    data = await api("{ tenant { settings { appealDays largeLoanThreshold } } }")
    assert data["tenant"]["settings"] == {"appealDays": 15, "largeLoanThreshold": "5000000.00"}


async def test_federation_admin_changes_only_what_is_given(api: Api, session: AsyncSession) -> None:
    first = await api(SET, {"days": 20}, roles=(Role.FEDERATION_ADMIN,))
    assert first["setTenantSettings"]["settings"] == {
        "appealDays": 20,
        "largeLoanThreshold": "5000000.00",
    }
    second = await api(SET, {"large": "1000000.00"}, roles=(Role.FEDERATION_ADMIN,))
    assert second["setTenantSettings"]["settings"] == {
        "appealDays": 20,
        "largeLoanThreshold": "1000000.00",
    }
    tenant = await session.get(models.Tenant, "sd-demo")
    assert tenant is not None
    await session.refresh(tenant)
    assert TenantSettings.from_json(tenant.settings).appeal_days == 20


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"days": 0}, [{"field": "appealDays", "code": "RANGE"}]),
        ({"days": 366}, [{"field": "appealDays", "code": "RANGE"}]),
        ({"large": "0.00"}, [{"field": "largeLoanThreshold", "code": "POSITIVE"}]),
    ],
)
async def test_bad_settings_change_nothing(
    api: Api, variables: dict[str, Any], expected: list[dict[str, str]]
) -> None:
    data = await api(SET, variables, roles=(Role.FEDERATION_ADMIN,))
    assert data["setTenantSettings"] == {"__typename": "InvalidInput", "errors": expected}
    shown = await api("{ tenant { settings { appealDays largeLoanThreshold } } }")
    assert shown["tenant"]["settings"] == {"appealDays": 15, "largeLoanThreshold": "5000000.00"}


async def test_only_federation_admins(api: Api) -> None:
    data = await api(SET, {"days": 30}, roles=(Role.HR,))
    assert data["setTenantSettings"]["__typename"] == "PermissionDenied"


ZONE = """mutation($zone: String) { setTenantSettings(timeZone: $zone) { __typename
  ... on Tenant { settings { timeZone } }
  ... on InvalidInput { errors { field code message } } } }"""


async def test_the_time_zone_is_the_servers_until_set(api: Api) -> None:
    shown = await api("{ tenant { settings { timeZone } } }")
    assert shown["tenant"]["settings"] == {"timeZone": "Asia/Shanghai"}
    changed = await api(ZONE, {"zone": "Asia/Urumqi"}, roles=(Role.FEDERATION_ADMIN,))
    assert changed["setTenantSettings"] == {
        "__typename": "Tenant",
        "settings": {"timeZone": "Asia/Urumqi"},
    }
    shown = await api("{ tenant { settings { timeZone } } }")
    assert shown["tenant"]["settings"] == {"timeZone": "Asia/Urumqi"}


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../../etc/passwd", "Asia/" + "x" * 80])
async def test_a_zone_that_is_no_iana_name_is_refused(api: Api, zone: str) -> None:
    data = await api(ZONE, {"zone": zone}, roles=(Role.FEDERATION_ADMIN,))
    result = data["setTenantSettings"]
    assert result["__typename"] == "InvalidInput"
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("timeZone", "TIME_ZONE")]
    assert "IANA" in result["errors"][0]["message"]
    shown = await api("{ tenant { settings { timeZone } } }")
    assert shown["tenant"]["settings"] == {"timeZone": "Asia/Shanghai"}
