"""A manager's record (``server.services.managers``): status changes follow the allowed
transitions, a licence runs at most the tenant's ``licence_validity_months``, a first tier
keeps to the grading policy's ceiling, and nobody creates or changes their own record. A
refused change writes nothing. (Manual tier changes: ``test_tier_proposals``.)"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import ManagerCategory, ManagerStatus, Role
from server.errors import InvalidInput, Refused, SeparationOfDuties
from server.policy.registry import PolicyRegistry
from server.services import managers
from tests.builders import manager_holding
from tests.conftest import principal

TODAY = dt.date(2026, 3, 2)
HR = principal("sd-demo", (Role.HR,), "hr-1")

S = ManagerStatus


async def change(
    session: AsyncSession, manager: models.Manager, actor: Any = HR, **changes: Any
) -> models.Manager:
    return await managers.update_manager(
        session, actor, manager_id=str(manager.id), changes=changes, today=TODAY
    )


@pytest.mark.parametrize(
    ("before", "after", "code"),
    [
        (S.PROBATION, S.ACTIVE, None),
        (S.PROBATION, S.LEFT, None),
        (S.ACTIVE, S.SUSPENDED, None),
        (S.SUSPENDED, S.ACTIVE, None),
        (S.SUSPENDED, S.LEFT, None),
        (S.LEFT, S.ACTIVE, None),
        (S.ACTIVE, S.PROBATION, "STATUS_TRANSITION"),
        (S.LEFT, S.SUSPENDED, "STATUS_TRANSITION"),
        (S.SUSPENDED, S.DISQUALIFIED, "DISQUALIFY_BY_VIOLATION"),
        (S.DISQUALIFIED, S.ACTIVE, "DISQUALIFIED_IS_FINAL"),
        (S.DISQUALIFIED, S.DISQUALIFIED, "DISQUALIFIED_IS_FINAL"),
    ],
)
async def test_status_transitions(
    session: AsyncSession,
    registry: PolicyRegistry,
    before: ManagerStatus,
    after: ManagerStatus,
    code: str | None,
) -> None:
    manager = await manager_holding(session, registry, "sd-demo", "SD_2")
    manager.status = before
    manager.probation_ends_on = dt.date(2014, 8, 1)
    await session.flush()
    if code is None:
        assert (await change(session, manager, status=after)).status == after
        return
    with pytest.raises(InvalidInput) as refused:
        await change(session, manager, status=after)
    assert [(p.field, p.code) for p in refused.value.problems] == [("status", code)]
    await session.refresh(manager)
    assert manager.status is before


@pytest.mark.parametrize(
    ("tenant", "changes", "problems"),
    [
        (
            "sd-demo",
            {
                "licence_issued_on": dt.date(2025, 1, 1),
                "licence_valid_until": dt.date(2099, 12, 31),
            },
            [("licence_valid_until", "MAX_VALIDITY")],
        ),
        # Only the end date changes: it is measured from the issue date on record (2024-01-01).
        (
            "sd-demo",
            {"licence_valid_until": dt.date(2027, 1, 2)},
            [("licence_valid_until", "MAX_VALIDITY")],
        ),
        ("sd-demo", {"licence_valid_until": dt.date(2027, 1, 1)}, []),
        ("cc-demo", {"licence_valid_until": dt.date(2025, 1, 1)}, []),
        (
            "cc-demo",
            {"licence_valid_until": dt.date(2025, 1, 2)},
            [("licence_valid_until", "MAX_VALIDITY")],
        ),
        (
            "cc-demo",
            {
                "licence_issued_on": dt.date(2026, 3, 3),
                "licence_valid_until": dt.date(2026, 12, 31),
            },
            [("licence_issued_on", "NOT_IN_FUTURE")],
        ),
        ("cc-demo", {"licence_issued_on": None}, [("licence_issued_on", "REQUIRED")]),
        # A change that touches no licence date does not judge the licence on record.
        ("cc-demo", {"name": "改名"}, []),
    ],
)
async def test_a_licence_runs_at_most_the_tenants_validity(
    session: AsyncSession,
    registry: PolicyRegistry,
    tenant: str,
    changes: dict[str, Any],
    problems: list[tuple[str, str]],
) -> None:
    """Licences on record run from 2024-01-01 to 2099-12-31 (longer than any tenant allows)."""
    manager = await manager_holding(session, registry, tenant, None)
    manager.licence_issued_on = dt.date(2024, 1, 1)
    await session.flush()
    hr = principal(tenant, (Role.HR,), "hr-1")
    if not problems:
        changed = await change(session, manager, hr, **changes)
        assert all(getattr(changed, k) == v for k, v in changes.items())
        return
    with pytest.raises(InvalidInput) as refused:
        await change(session, manager, hr, **changes)
    assert [(p.field, p.code) for p in refused.value.problems] == problems
    await session.refresh(manager)
    assert (manager.licence_issued_on, manager.licence_valid_until) == (
        dt.date(2024, 1, 1),
        dt.date(2099, 12, 31),
    )


def _fields(office_id: str, **changes: Any) -> managers.ManagerFields:
    fields = managers.ManagerFields(
        employee_no="NEW-0001",
        name="新经理",
        office_id=office_id,
        category=ManagerCategory.RETAIL,
        hire_date=dt.date(2020, 3, 1),
        birth_date=dt.date(1992, 5, 17),
        identity_number="370102199205170015",
        licence_issued_on=dt.date(2026, 1, 1),
        licence_valid_until=dt.date(2026, 12, 31),
    )
    for key, value in changes.items():
        setattr(fields, key, value)
    return fields


async def _outlet(session: AsyncSession, tenant: str) -> str:
    office = await session.scalar(
        select(models.Office.id).where(
            models.Office.tenant_id == tenant, models.Office.kind == "OUTLET"
        )
    )
    return str(office)


async def _managers(session: AsyncSession, tenant: str) -> tuple[int, int]:
    counts = []
    for model in (models.Manager, models.ManagerTierChange):
        stmt = select(func.count()).select_from(model).where(model.tenant_id == tenant)
        counts.append(int(await session.scalar(stmt) or 0))
    return counts[0], counts[1]


@pytest.mark.parametrize(
    ("qualification", "tier", "refused"),
    [
        ("初级", "AH_PRINCIPAL", True),
        ("初级", "AH_JUNIOR_2", False),
        (None, "AH_ASSISTANT", False),
    ],
)
async def test_a_first_tier_keeps_to_the_ceiling(
    session: AsyncSession,
    registry: PolicyRegistry,
    qualification: str | None,
    tier: str,
    refused: bool,
) -> None:
    hr = principal("ah-demo", (Role.HR,), "hr-1")
    fields = _fields(await _outlet(session, "ah-demo"), qualification_level=qualification)
    before = await _managers(session, "ah-demo")
    if not refused:
        made = await managers.create_manager(
            session, registry, hr, fields, tier_code=tier, today=TODAY
        )
        assert made.tier_code == tier
        return
    with pytest.raises(Refused) as refusal:
        await managers.create_manager(session, registry, hr, fields, tier_code=tier, today=TODAY)
    assert [r.rule for r in refusal.value.refusals] == ["ABOVE_QUALIFICATION_CEILING"]
    assert await _managers(session, "ah-demo") == before


async def test_a_new_licence_runs_at_most_the_tenants_validity(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    hr = principal("cc-demo", (Role.HR,), "hr-1")
    fields = _fields(await _outlet(session, "cc-demo"), licence_valid_until=dt.date(2099, 12, 31))
    before = await _managers(session, "cc-demo")
    with pytest.raises(InvalidInput) as refused:
        await managers.create_manager(session, registry, hr, fields, today=TODAY)
    assert [(p.field, p.code) for p in refused.value.problems] == [
        ("licence_valid_until", "MAX_VALIDITY")
    ]
    assert await _managers(session, "cc-demo") == before


@pytest.mark.parametrize(
    ("user", "claim"),
    [("hr-1", "own"), ("own", None), ("own-upper", None)],
)
async def test_nobody_changes_their_own_record(
    session: AsyncSession, registry: PolicyRegistry, user: str, claim: str | None
) -> None:
    manager = await manager_holding(session, registry, "sd-demo", "SD_2")
    manager.status = ManagerStatus.SUSPENDED
    await session.flush()
    number = manager.employee_no
    name = {"own": number, "own-upper": number.upper()}.get(user, user)
    me = principal("sd-demo", (Role.HR, Role.MANAGER), name, manager=number if claim else None)
    with pytest.raises(SeparationOfDuties, match="OWN_RECORD") as refused:
        await change(session, manager, me, status=ManagerStatus.ACTIVE)
    assert refused.value.field == "manager_id"
    await session.refresh(manager)
    assert manager.status is ManagerStatus.SUSPENDED


@pytest.mark.parametrize("number", ["HR-7", "hr-7"])
async def test_nobody_creates_their_own_record(
    session: AsyncSession, registry: PolicyRegistry, number: str
) -> None:
    fields = _fields(await _outlet(session, "sd-demo"), employee_no=number)
    before = await _managers(session, "sd-demo")
    with pytest.raises(SeparationOfDuties, match="OWN_RECORD"):
        await managers.create_manager(
            session, registry, principal("sd-demo", (Role.HR,), "hr-7"), fields, today=TODAY
        )
    assert await _managers(session, "sd-demo") == before
