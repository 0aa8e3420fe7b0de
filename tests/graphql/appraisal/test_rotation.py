"""The rotation list over GraphQL (``rotationDue``): who is due, when, in order. The rotation rules
are service tests (``tests/services/test_rotation.py``)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.builders import Book
from tests.conftest import Api

ROTATION = "query($asOf: Date) { rotationDue(asOf: $asOf) { dueOn manager { id postStartedOn } } }"


@pytest.mark.parametrize(
    ("as_of", "due"),
    [(dt.date(2024, 6, 10), True), (dt.date(2024, 6, 9), False)],
)
async def test_rotation_is_due_three_years_after_the_post_started(
    api: Api, session: AsyncSession, as_of: dt.date, due: bool
) -> None:
    book = Book(session, "cc-demo")
    started = dt.date(2021, 6, 10)
    manager = await book.manager(post_started_on=started)
    data = await api(ROTATION, {"asOf": as_of.isoformat()}, tenant="cc-demo")
    listed = {r["manager"]["id"]: r for r in data["rotationDue"]}
    assert (str(manager.id) in listed) is due
    if due:
        entry = listed[str(manager.id)]
        assert entry["dueOn"] == "2024-06-10"
        assert entry["manager"]["postStartedOn"] == started.isoformat()
    assert all(dt.date.fromisoformat(r["dueOn"]) <= as_of for r in data["rotationDue"])
    due_dates = [r["dueOn"] for r in data["rotationDue"]]
    assert due_dates == sorted(due_dates)
