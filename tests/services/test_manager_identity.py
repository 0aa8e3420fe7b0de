"""A manager's resident identity number (``server.services.manager_identity``, through the
manager use cases): GB 11643 with the manager's birth date, required for a new manager,
never cleared, one record per person in the tenant, and a lifetime ban that binds the
person. A refusal writes nothing, and no message shows the number."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import ManagerCategory, ManagerStatus, Role
from server.errors import Conflict, InvalidInput
from server.policy.registry import PolicyRegistry
from server.services import managers
from tests.builders import manager_holding
from tests.conftest import principal

TODAY = dt.date(2026, 3, 2)
HR = principal("sd-demo", (Role.HR,), "hr-1")


async def change(session: AsyncSession, manager: models.Manager, **changes: Any) -> Any:
    return await managers.update_manager(
        session, HR, manager_id=str(manager.id), changes=changes, today=TODAY
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


async def _managers(session: AsyncSession, tenant: str) -> int:
    stmt = (
        select(func.count()).select_from(models.Manager).where(models.Manager.tenant_id == tenant)
    )
    return int(await session.scalar(stmt) or 0)


BORN = dt.date(1992, 5, 17)
NUMBER = "370102199205170015"


@pytest.mark.parametrize(
    ("number", "rule"),
    [
        (None, "REQUIRED"),
        ("370102199205170016", "RESIDENT_ID_GB11643"),  # wrong check digit
        ("37010219920517001", "RESIDENT_ID_GB11643"),  # 17 characters
        ("37010219900101001X", "BIRTH_DATE_MATCH"),  # valid, born on another day
    ],
)
async def test_a_new_manager_needs_a_valid_resident_id(
    session: AsyncSession, registry: PolicyRegistry, number: str | None, rule: str
) -> None:
    before = await _managers(session, "sd-demo")
    fields = _fields(await _outlet(session, "sd-demo"), identity_number=number)
    with pytest.raises(InvalidInput) as refused:
        await managers.create_manager(session, registry, HR, fields, today=TODAY)
    assert [(p.field, p.code) for p in refused.value.problems] == [("identity_number", rule)]
    assert await _managers(session, "sd-demo") == before


async def test_the_resident_id_is_stored_whole_and_normalised(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    fields = _fields(await _outlet(session, "sd-demo"), identity_number=" 370102199205170023 ")
    made = await managers.create_manager(session, registry, HR, fields, today=TODAY)
    assert made.identity_number == "370102199205170023"
    lower = _fields(
        await _outlet(session, "sd-demo"),
        employee_no="NEW-0002",
        birth_date=dt.date(1990, 1, 1),
        identity_number=" 37010219900101001x ",
    )
    made = await managers.create_manager(session, registry, HR, lower, today=TODAY)
    assert made.identity_number == "37010219900101001X"


async def test_one_record_per_person(session: AsyncSession, registry: PolicyRegistry) -> None:
    office = await _outlet(session, "sd-demo")
    first = await managers.create_manager(session, registry, HR, _fields(office), today=TODAY)
    again = _fields(office, employee_no="NEW-0002")
    with pytest.raises(Conflict) as conflict:
        await managers.create_manager(session, registry, HR, again, today=TODAY)
    assert conflict.value.field == "identity_number"
    assert first.employee_no in conflict.value.message
    assert NUMBER not in conflict.value.message, "no identity number in messages"
    # Another tenant is another bank: the same person may work there.
    ah = principal("ah-demo", (Role.HR,), "hr-1")
    elsewhere = _fields(await _outlet(session, "ah-demo"), employee_no="NEW-0002")
    made = await managers.create_manager(session, registry, ah, elsewhere, today=TODAY)
    assert made.identity_number == NUMBER


async def _banned(session: AsyncSession, registry: PolicyRegistry) -> models.Manager:
    manager = await manager_holding(session, registry, "sd-demo", "SD_2", birth_date=BORN)
    manager.identity_number = NUMBER
    manager.status = ManagerStatus.DISQUALIFIED
    manager.banned_for_life = True
    await session.flush()
    return manager


async def test_a_person_banned_for_life_is_never_taken_on_again(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    banned = await _banned(session, registry)
    before = await _managers(session, "sd-demo")
    fields = _fields(await _outlet(session, "sd-demo"), employee_no="OTHER-NO-1")
    with pytest.raises(InvalidInput) as refused:
        await managers.create_manager(session, registry, HR, fields, today=TODAY)
    (problem,) = refused.value.problems
    assert (problem.field, problem.code) == ("identity_number", "LIFETIME_BAN")
    assert "第七条" in problem.message and NUMBER not in problem.message
    assert await _managers(session, "sd-demo") == before
    # Nor under an old record given the banned person's number.
    other = await manager_holding(session, registry, "sd-demo", "SD_2", birth_date=BORN)
    other.identity_number = None
    await session.flush()
    with pytest.raises(InvalidInput) as refused:
        await change(session, other, identity_number=NUMBER)
    assert [(p.field, p.code) for p in refused.value.problems] == [
        ("identity_number", "LIFETIME_BAN")
    ]
    # And the banned record keeps its number.
    with pytest.raises(InvalidInput) as refused:
        await change(session, banned, identity_number="370102199205170023")
    assert [p.code for p in refused.value.problems] == ["LIFETIME_BAN"]


async def test_a_record_without_a_number_gets_one_and_never_loses_it(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    manager = await manager_holding(session, registry, "sd-demo", "SD_2", birth_date=BORN)
    manager.identity_number = None
    await session.flush()
    updated = await change(session, manager, identity_number=NUMBER.lower())
    assert updated.identity_number == NUMBER
    with pytest.raises(InvalidInput) as refused:
        await change(session, manager, identity_number=None)
    assert [(p.field, p.code) for p in refused.value.problems] == [("identity_number", "REQUIRED")]
    with pytest.raises(InvalidInput) as refused:
        await change(session, manager, birth_date=dt.date(1992, 5, 18))
    assert [(p.field, p.code) for p in refused.value.problems] == [
        ("identity_number", "BIRTH_DATE_MATCH")
    ]
