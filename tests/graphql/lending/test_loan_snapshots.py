"""takeLoanSnapshot over GraphQL: the book recorded as at a date, or a typed error that writes
nothing. What the snapshot holds is the job's test (``tests/jobs/test_snapshots.py``)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import business_today
from server.db import models
from server.domain import Role
from tests.conftest import Api

TENANT = "sd-demo"
TAKE = """mutation($on: Date!) { takeLoanSnapshot(asOf: $on) { __typename
  ... on LoanSnapshotTaken { asOf loans }
  ... on InvalidInput { errors { field code } }
  ... on UserError { code message field } } }"""


async def snapshot_rows(session: AsyncSession, as_of: dt.date) -> int:
    s = models.LoanSnapshot
    stmt = select(func.count()).select_from(s).where(s.tenant_id == TENANT, s.as_of == as_of)
    return int(await session.scalar(stmt) or 0)


@pytest.mark.parametrize("role", [Role.HR, Role.RISK])
async def test_a_snapshot_counts_the_loans_it_recorded(
    api: Api, session: AsyncSession, role: Role
) -> None:
    as_of = dt.date(2025, 6, 30)
    data = await api(TAKE, {"on": as_of.isoformat()}, roles=(role,))
    taken = data["takeLoanSnapshot"]
    assert taken["__typename"] == "LoanSnapshotTaken", taken
    assert taken["asOf"] == as_of.isoformat()
    assert taken["loans"] == await snapshot_rows(session, as_of) > 0


async def test_a_snapshot_dated_ahead_is_invalid_input(api: Api, session: AsyncSession) -> None:
    ahead = business_today() + dt.timedelta(days=1)
    data = await api(TAKE, {"on": ahead.isoformat()})
    refused = data["takeLoanSnapshot"]
    assert (refused["__typename"], refused["field"]) == ("InvalidInput", "asOf")
    assert refused["errors"] == [{"field": "asOf", "code": "NOT_IN_FUTURE"}]
    assert await snapshot_rows(session, ahead) == 0


async def test_an_auditor_takes_no_snapshot(api: Api, session: AsyncSession) -> None:
    as_of = dt.date(2025, 6, 30)
    data = await api(TAKE, {"on": as_of.isoformat()}, roles=(Role.AUDITOR,))
    result = data["takeLoanSnapshot"]
    assert result["__typename"] == "PermissionDenied", result
    assert "takeLoanSnapshot needs the role HR or RISK" in result["message"]
    assert await snapshot_rows(session, as_of) == 0
