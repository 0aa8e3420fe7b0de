"""Post-loan duties over GraphQL: a manager's duties as the client reads them, recordDuty and its
typed errors. Each duty rule is a service test (``tests/services/test_duties.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import business_today
from server.db import models
from tests.builders import Book
from tests.conftest import Api

TENANT = "sd-demo"

TODAY = business_today()

DUTIES = """
query($id: ID!, $asOf: Date) { manager(id: $id) {
  duties(asOf: $asOf) { loanId contractNo kind kindLabel dueOn overdue article } } }
"""

RECORD_DUTY = """
mutation($loan: ID!, $kind: DutyKind!, $on: Date!) {
  recordDuty(loanId: $loan, kind: $kind, doneOn: $on, note: "已办") {
    __typename
    ... on DutyRecorded { kind doneOn loan { id } }
    ... on InvalidInput { errors { field code } }
    ... on UserError { code message field }
  }
}
"""


@pytest.fixture
def book(session: AsyncSession) -> Book:
    return Book(session)


async def duties(
    api: Api, manager: models.Manager, as_of: dt.date, *, tenant: str = TENANT
) -> list[dict[str, Any]]:
    data = await api(DUTIES, {"id": str(manager.id), "asOf": as_of.isoformat()}, tenant=tenant)
    found: list[dict[str, Any]] = data["manager"]["duties"]
    return found


def of_kind(items: list[dict[str, Any]], kind: str, loan: models.Loan) -> list[dict[str, Any]]:
    return [d for d in items if d["kind"] == kind and d["loanId"] == str(loan.id)]


async def record(api: Api, loan: models.Loan, kind: str, on: dt.date) -> dict[str, Any]:
    data = await api(RECORD_DUTY, {"loan": str(loan.id), "kind": kind, "on": on.isoformat()})
    result: dict[str, Any] = data["recordDuty"]
    return result


async def test_a_collection_notice_falls_due_thirty_days_before_maturity(
    api: Api, book: Book
) -> None:
    manager = await book.manager()
    loan = await book.loan(
        manager, issued_on=TODAY - dt.timedelta(days=300), matures_on=TODAY + dt.timedelta(days=40)
    )
    due = TODAY + dt.timedelta(days=10)

    (notice,) = of_kind(await duties(api, manager, TODAY), "COLLECTION_NOTICE", loan)
    assert notice["dueOn"] == due.isoformat()
    assert notice["overdue"] is False
    assert notice["contractNo"] == loan.contract_no
    assert notice["kindLabel"] and notice["article"]

    (on_the_day,) = of_kind(await duties(api, manager, due), "COLLECTION_NOTICE", loan)
    assert on_the_day["overdue"] is False
    (late,) = of_kind(
        await duties(api, manager, due + dt.timedelta(days=1)), "COLLECTION_NOTICE", loan
    )
    assert late["overdue"] is True

    before = await book.duty_records()
    done = await record(api, loan, "COLLECTION_NOTICE", TODAY)
    assert done == {
        "__typename": "DutyRecorded",
        "kind": "COLLECTION_NOTICE",
        "doneOn": TODAY.isoformat(),
        "loan": {"id": str(loan.id)},
    }
    assert await book.duty_records() == before + 1
    for as_of in (TODAY, due + dt.timedelta(days=1)):
        assert of_kind(await duties(api, manager, as_of), "COLLECTION_NOTICE", loan) == []


@pytest.mark.parametrize("kind", ["COLLECTION_NOTICE", "OVERDUE_COLLECTION", "INSPECTION"])
async def test_a_duty_cannot_be_recorded_ahead(api: Api, book: Book, kind: str) -> None:
    manager = await book.manager()
    loan = await book.loan(manager, days_overdue=10)
    before = await book.duty_records()
    result = await record(api, loan, kind, TODAY + dt.timedelta(days=1))
    assert result["__typename"] == "InvalidInput", result
    assert result["errors"] == [{"field": "doneOn", "code": "NOT_IN_FUTURE"}]
    assert await book.duty_records() == before
