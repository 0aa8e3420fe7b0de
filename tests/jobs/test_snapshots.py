"""The loan-snapshot job: the book as at a date, recorded in a transaction of its own."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.clock import business_today
from server.db import models
from server.domain import Role
from server.errors import InvalidInput, PermissionDenied
from server.jobs.snapshots import snapshot_loan_book
from server.principal import Principal

TENANT = "sd-demo"
OPERATOR = Principal(TENANT, "operator", frozenset({Role.HR}))
AS_OF = dt.date(2025, 6, 30)


async def _snapshot_rows(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> list[models.LoanSnapshot]:
    s = models.LoanSnapshot
    async with sessionmaker() as session:
        rows = await session.scalars(select(s).where(s.tenant_id == TENANT, s.as_of == AS_OF))
        return list(rows)


async def test_records_every_loan_issued_by_the_date_and_commits(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    count = await snapshot_loan_book(sessionmaker, OPERATOR, as_of=AS_OF)
    async with sessionmaker() as session:
        issued = await session.scalar(
            select(func.count())
            .select_from(models.Loan)
            .where(models.Loan.tenant_id == TENANT, models.Loan.issued_on <= AS_OF)
        )
    rows = await _snapshot_rows(sessionmaker)
    assert count == issued == len(rows) > 0
    assert {row.as_of for row in rows} == {AS_OF}


async def test_taken_again_it_replaces_that_dates_snapshot(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    first = await snapshot_loan_book(sessionmaker, OPERATOR, as_of=AS_OF)
    second = await snapshot_loan_book(sessionmaker, OPERATOR, as_of=AS_OF)
    assert first == second == len(await _snapshot_rows(sessionmaker))


async def test_a_date_ahead_is_refused_and_nothing_is_written(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    ahead = business_today() + dt.timedelta(days=1)
    with pytest.raises(InvalidInput):
        await snapshot_loan_book(sessionmaker, OPERATOR, as_of=ahead)
    s = models.LoanSnapshot
    async with sessionmaker() as session:
        written = await session.scalar(
            select(func.count()).select_from(s).where(s.tenant_id == TENANT, s.as_of == ahead)
        )
    assert written == 0


async def test_the_actor_needs_the_role_hr_or_risk(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    auditor = Principal(TENANT, "auditor-1", frozenset({Role.AUDITOR}))
    with pytest.raises(PermissionDenied, match="takeLoanSnapshot needs the role HR or RISK"):
        await snapshot_loan_book(sessionmaker, auditor, as_of=AS_OF)
    assert await _snapshot_rows(sessionmaker) == []
