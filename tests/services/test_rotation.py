"""Managers due to rotate to another post (``rotation_due``), as the tenant's lending policy
decides: three years after the post started, in the county union."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import ManagerStatus
from server.policy.registry import PolicyRegistry
from server.services.rotation import rotation_due
from tests.builders import Book


@pytest.mark.parametrize(
    ("as_of", "due"),
    [
        (dt.date(2024, 6, 10), True),
        (dt.date(2024, 6, 9), False),
        (dt.date(2026, 1, 1), True),
        (dt.date(2021, 6, 10), False),
    ],
)
async def test_rotation_is_due_three_years_after_the_post_started(
    session: AsyncSession, registry: PolicyRegistry, as_of: dt.date, due: bool
) -> None:
    book = Book(session, "cc-demo")
    started = dt.date(2021, 6, 10)
    manager = await book.manager(post_started_on=started)
    rotation = await rotation_due(session, registry, "cc-demo", as_of)
    listed = {m.id: (m, on) for m, on in rotation}
    assert (manager.id in listed) is due
    if due:
        entry, due_on = listed[manager.id]
        assert due_on == dt.date(2024, 6, 10)
        assert entry.post_started_on == started
    assert all(on <= as_of for _, on in rotation)
    due_dates = [on for _, on in rotation]
    assert due_dates == sorted(due_dates)


@pytest.mark.parametrize(
    ("status", "post_started_on"),
    [
        (ManagerStatus.LEFT, dt.date(2015, 1, 5)),
        (ManagerStatus.DISQUALIFIED, dt.date(2015, 1, 5)),
        (ManagerStatus.PROBATION, dt.date(2015, 1, 5)),
        (ManagerStatus.SUSPENDED, dt.date(2015, 1, 5)),
        (ManagerStatus.ACTIVE, None),
    ],
)
async def test_managers_out_of_post_are_not_rotated(
    session: AsyncSession,
    registry: PolicyRegistry,
    status: ManagerStatus,
    post_started_on: dt.date | None,
) -> None:
    book = Book(session, "cc-demo")
    manager = await book.manager(status=status, post_started_on=post_started_on)
    rotation = await rotation_due(session, registry, "cc-demo", dt.date(2026, 1, 1))
    assert manager.id not in {m.id for m, _ in rotation}


@pytest.mark.parametrize("tenant", ["sd-demo", "sx-demo", "ah-demo"])
async def test_no_rotation_without_a_rotating_lending_policy(
    session: AsyncSession, registry: PolicyRegistry, tenant: str
) -> None:
    book = Book(session, tenant)
    await book.manager(post_started_on=dt.date(2010, 1, 4))
    assert await rotation_due(session, registry, tenant, dt.date(2026, 1, 1)) == []
