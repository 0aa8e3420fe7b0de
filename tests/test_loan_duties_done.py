"""The duties done on each loan's row, kept by the database (migration 0022): after duty
records are written one by one, many in one statement (years apart, older ones after
newer), in bulk, changed and deleted, each loan's first notice, latest inspection year and
quarter bits equal what its records say — on both databases."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.db.bulk import bulk_insert
from server.db.engine import SQLITE_IMMEDIATE
from server.domain import DutyKind, Role
from server.policy.registry import PolicyRegistry
from server.services.duties import record_duty
from server.services.reports.duties_done import INSPECTION_WINDOW_YEARS, quarter_of
from tests.builders import bank
from tests.conftest import principal
from tests.services.test_loan_book import ISSUED
from tests.services.test_loan_races import Race, race  # noqa: F401 (the fixture)

TENANT = "sd-demo"
NOTICE, INSPECTION = DutyKind.COLLECTION_NOTICE, DutyKind.INSPECTION
Kept = dict[uuid.UUID, tuple[dt.date | None, int | None, int]]


async def kept(session: AsyncSession, loans: list[models.Loan]) -> Kept:
    lo = models.Loan
    rows = await session.execute(
        select(lo.id, lo.first_notice_on, lo.inspection_year, lo.inspection_quarters).where(
            lo.tenant_id == TENANT, lo.id.in_([loan.id for loan in loans])
        )
    )
    return {i: (n, y, q) for i, n, y, q in rows.all()}


async def counted(session: AsyncSession, loans: list[models.Loan]) -> Kept:
    """The three columns worked out here from the loans' records."""
    d = models.DutyRecord
    rows = await session.execute(
        select(d.loan_id, d.kind, d.done_on).where(
            d.tenant_id == TENANT, d.loan_id.in_([loan.id for loan in loans])
        )
    )
    records = rows.all()
    out: Kept = {}
    for loan in loans:
        mine = [(kind, day) for loan_id, kind, day in records if loan_id == loan.id]
        notices = [day for kind, day in mine if kind == NOTICE]
        inspections = [day for kind, day in mine if kind == INSPECTION]
        latest = max((day.year for day in inspections), default=None)
        bits = 0
        for day in inspections:
            assert latest is not None
            if latest - day.year < INSPECTION_WINDOW_YEARS:
                bits |= 1 << (4 * (latest - day.year) + quarter_of(day) - 1)
        out[loan.id] = (min(notices, default=None), latest, bits)
    return out


def record(loan: models.Loan, kind: DutyKind, day: dt.date) -> dict[str, Any]:
    return {
        "tenant_id": TENANT,
        "id": uuid.uuid4(),
        "loan_id": loan.id,
        "manager_id": loan.manager_id,
        "kind": kind,
        "done_on": day,
        "recorded_by": "test",
    }


async def new_loans(
    session: AsyncSession, registry: PolicyRegistry, count: int
) -> list[models.Loan]:
    """``count`` outstanding loans of one customer, not yet inspected."""
    world = bank(session, registry, TENANT)
    office, _ = await world.offices()
    customer = await world.customer(await world.manager(office, tier="SD_2"))
    loans = [
        await world.loan(
            customer,
            principal="80000.00",
            balance="80000.00",
            issued_on=ISSUED,
            matures_on=dt.date(2045, 1, 1),
        )
        for _ in range(count)
    ]
    await session.flush()
    return loans


async def test_the_columns_follow_every_record_of_a_loan(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    loans = await new_loans(session, registry, 4)
    assert await kept(session, loans) == {loan.id: (None, None, 0) for loan in loans}

    first, second, third, fourth = loans
    # One by one: a quarter, the next quarter, a notice, an earlier notice, then an
    # older year (below the latest) and a later one (the mask moves on).
    for kind, day in [
        (INSPECTION, dt.date(2025, 2, 10)),
        (INSPECTION, dt.date(2025, 5, 1)),
        (NOTICE, dt.date(2025, 9, 1)),
        (NOTICE, dt.date(2025, 3, 1)),
        (INSPECTION, dt.date(2024, 12, 31)),
        (INSPECTION, dt.date(2027, 7, 1)),
    ]:
        session.add(models.DutyRecord(**record(first, kind, day)))
        await session.flush()
        assert await kept(session, loans) == await counted(session, loans)
    assert (await kept(session, [first]))[first.id][1] == 2027

    # Many in one statement, one loan's years apart: the latest first, then a year as
    # old as the window still holds, then one just past it (left to the records).
    latest = dt.date(2040, 11, 5)
    oldest_held = dt.date(latest.year - INSPECTION_WINDOW_YEARS + 1, 1, 2)
    beyond = dt.date(latest.year - INSPECTION_WINDOW_YEARS, 12, 30)
    await session.execute(
        insert(models.DutyRecord),
        [
            record(second, INSPECTION, latest),
            record(second, INSPECTION, oldest_held),
            record(second, INSPECTION, beyond),
            record(second, NOTICE, dt.date(2030, 1, 1)),
            record(third, INSPECTION, dt.date(2026, 8, 8)),
            record(third, INSPECTION, dt.date(2026, 9, 9)),
        ],
    )
    now = await kept(session, loans)
    assert now == await counted(session, loans)
    assert now[second.id][1] == latest.year
    assert now[second.id][2] == (1 << (4 * 0 + 3)) | (1 << (4 * (INSPECTION_WINDOW_YEARS - 1)))

    # A later year by more than the window: the older quarters all move out.
    session.add(models.DutyRecord(**record(first, INSPECTION, dt.date(2027 + 20, 1, 1))))
    await session.flush()
    assert (await kept(session, [first]))[first.id][2] == 1

    # In bulk (COPY on PostgreSQL).
    rows = [record(fourth, INSPECTION, dt.date(2020 + n % 6, 1 + n % 12, 1)) for n in range(40)]
    rows += [record(third, NOTICE, dt.date(2026, 1, 2))]
    for row in rows:
        row["kind"] = row["kind"].value
    await bulk_insert(session, models.DutyRecord, rows)
    assert await kept(session, loans) == await counted(session, loans)

    # Changed and deleted: the loans touched are counted again from their records.
    d = models.DutyRecord
    moved = await session.scalar(
        select(d.id).where(d.tenant_id == TENANT, d.loan_id == third.id, d.kind == INSPECTION)
    )
    await session.execute(
        update(d).where(d.tenant_id == TENANT, d.id == moved).values(loan_id=fourth.id)
    )
    assert await kept(session, loans) == await counted(session, loans)
    await session.execute(
        update(d)
        .where(d.tenant_id == TENANT, d.loan_id == first.id, d.done_on == dt.date(2047, 1, 1))
        .values(done_on=dt.date(2026, 4, 4))
    )
    assert await kept(session, loans) == await counted(session, loans)
    await session.execute(delete(d).where(d.tenant_id == TENANT, d.loan_id == second.id))
    assert (await kept(session, [second]))[second.id] == (None, None, 0)
    assert await kept(session, loans) == await counted(session, loans)


async def test_recording_a_duty_keeps_the_loan_row(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    """Through the service, as a branch head records them: the same columns."""
    (loan,) = await new_loans(session, registry, 1)
    actor = principal(TENANT, (Role.BRANCH_HEAD,))
    today = dt.date(2026, 6, 30)
    for kind, day in [(INSPECTION, dt.date(2026, 4, 2)), (NOTICE, dt.date(2026, 6, 1))]:
        await record_duty(
            session, actor, loan_id=str(loan.id), kind=kind, done_on=day, note=None, today=today
        )
    assert await kept(session, [loan]) == {loan.id: (dt.date(2026, 6, 1), 2026, 1 << 1)}


async def test_two_writers_of_one_loan_both_count(race: Race) -> None:  # noqa: F811
    """Two transactions record an inspection of the same loan at once, in different
    quarters, with a notice each: both are on the row after both commit. On PostgreSQL
    the second waits for the loan row the first one's trigger updated, then merges into
    the row as the first one left it; on SQLite the second waits for the write lock."""
    async with race.committed() as world:
        office, _ = await world.offices()
        customer = await world.customer(await world.manager(office, tier="CC_2"))
        loan = await world.loan(
            customer,
            principal="80000.00",
            balance="80000.00",
            issued_on=ISSUED,
            matures_on=dt.date(2045, 1, 1),
        )

    async def begin(session: AsyncSession) -> None:
        """A writing transaction, as the application begins one for a mutation."""
        if race.sqlite:
            await session.connection(execution_options={SQLITE_IMMEDIATE: True})

    async def write(session: AsyncSession, kind: DutyKind, day: dt.date) -> None:
        row = record(loan, kind, day)
        row["tenant_id"] = race.tenant
        session.add(models.DutyRecord(**row))
        await session.flush()

    async with race.sessions() as first:
        await begin(first)
        await write(first, INSPECTION, dt.date(2026, 2, 1))
        await write(first, NOTICE, dt.date(2026, 3, 1))

        async def second_writer() -> None:
            async with race.sessions() as second:
                await begin(second)
                await write(second, INSPECTION, dt.date(2026, 8, 1))
                await write(second, NOTICE, dt.date(2026, 1, 15))
                await second.commit()

        waiting = asyncio.create_task(second_writer())
        await asyncio.sleep(0.3)
        assert not waiting.done(), "the second writer did not wait for the first"
        await first.commit()
        await waiting
    async with race.sessions() as session:
        lo = models.Loan
        row = (
            await session.execute(
                select(lo.first_notice_on, lo.inspection_year, lo.inspection_quarters).where(
                    lo.tenant_id == race.tenant, lo.id == loan.id
                )
            )
        ).one()
    assert tuple(row) == (dt.date(2026, 1, 15), 2026, (1 << 0) | (1 << 2))
