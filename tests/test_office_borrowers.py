"""``office_borrowers``, kept by the database (migration 0021): after loans are written,
repaid, imported, moved to another office or customer and deleted, each customer's
outstanding per office equals the loans' balances summed directly — on both databases;
and the top borrowers read from it are each office's 10 largest."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.db.queries.indicators import top_borrowers
from server.domain import Role
from server.policy.registry import PolicyRegistry
from server.services.loan_book import record_repayment
from server.services.loan_states import LoanState, apply_loan_states
from tests.builders import Bank, bank
from tests.conftest import principal
from tests.services.test_loan_book import ISSUED, TODAY

TENANT = "sd-demo"
RISK = principal(TENANT, (Role.RISK,))


async def kept(session: AsyncSession) -> dict[tuple[Any, Any], Decimal]:
    b = models.OfficeBorrower
    rows = await session.execute(
        select(b.office_id, b.customer_id, b.outstanding).where(
            b.tenant_id == TENANT, b.outstanding != 0
        )
    )
    return {(o, c): v for o, c, v in rows.all()}


async def summed(session: AsyncSession) -> dict[tuple[Any, Any], Decimal]:
    lo = models.Loan
    rows = await session.execute(
        select(lo.office_id, lo.customer_id, func.sum(lo.balance))
        .where(lo.tenant_id == TENANT)
        .group_by(lo.office_id, lo.customer_id)
    )
    return {(o, c): Decimal(v) for o, c, v in rows.all() if Decimal(v) != 0}


async def loan(
    world: Bank, customer: models.Customer, balance: str, principal: str = "100000.00"
) -> models.Loan:
    return await world.loan(
        customer,
        principal=principal,
        balance=balance,
        issued_on=ISSUED,
        matures_on=dt.date(2026, 9, 1),
    )


async def test_the_sums_follow_every_change_of_a_loan(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, TENANT)
    office, other_office = await world.offices()
    manager = await world.manager(office, tier="SD_2")
    first, second = await world.customer(manager), await world.customer(manager)
    await session.flush()
    assert await kept(session) == await summed(session)

    loans = [await loan(world, first, "40000.00"), await loan(world, first, "25000.50")]
    loans.append(await loan(world, second, "70000.00"))
    await session.flush()
    assert await kept(session) == await summed(session)
    b = models.OfficeBorrower
    mine = await session.scalar(
        select(b.outstanding).where(
            b.tenant_id == TENANT, b.office_id == office, b.customer_id == first.id
        )
    )
    assert mine is not None and mine >= Decimal("65000.50")

    await record_repayment(
        session,
        registry,
        RISK,
        loan_id=str(loans[0].id),
        on=TODAY,
        principal=Decimal("10000.00"),
        interest=Decimal("0.00"),
        today=TODAY,
    )
    await session.flush()
    assert await kept(session) == await summed(session)

    states = [
        LoanState(loans[1].contract_no, Decimal("0.00")),
        LoanState(loans[2].contract_no, Decimal("69000.00")),
    ]
    report = await apply_loan_states(
        session, registry, RISK, as_of=TODAY - dt.timedelta(days=1), rows=states, today=TODAY
    )
    assert report.applied and report.changed == 2
    assert await kept(session) == await summed(session)

    # A loan booked at another office, then of another customer: its balance moves along.
    lo = models.Loan
    moved = (lo.tenant_id == TENANT, lo.id == loans[2].id)
    await session.execute(update(lo).where(*moved).values(office_id=other_office))
    assert await kept(session) == await summed(session)
    await session.execute(update(lo).where(*moved).values(customer_id=first.id))
    assert await kept(session) == await summed(session)

    spare = await loan(world, second, "5000.00")
    await session.flush()
    await session.execute(delete(lo).where(lo.tenant_id == TENANT, lo.id == spare.id))
    assert await kept(session) == await summed(session)


async def borrowers(
    session: AsyncSession, registry: PolicyRegistry, amounts: list[str]
) -> list[models.Customer]:
    """Customers of one office, each with one loan of its amount (fully outstanding)."""
    world = bank(session, registry, TENANT)
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_2")
    customers = [await world.customer(manager) for _ in amounts]
    for customer, amount in zip(customers, amounts, strict=True):
        await loan(world, customer, amount, principal=amount)
    await session.flush()
    return customers


async def test_the_top_borrowers_are_each_offices_ten_largest(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    customers = await borrowers(session, registry, [f"{900000 + n}.00" for n in range(12)])
    sums = await summed(session)
    expected: set[Any] = set()
    for at in {o for o, _ in sums}:
        ranked = sorted(((v, c) for (o, c), v in sums.items() if o == at), reverse=True)
        expected |= {c for _, c in ranked[:10]}
    found = set((await session.execute(top_borrowers(TENANT))).scalars())
    assert found == expected
    # The two smallest of the twelve are below every other at this office's top.
    assert not {customers[0].id, customers[1].id} & found


async def test_of_equal_outstandings_at_the_cut_the_lower_ids_are_ranked_first(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    # Eleven equal borrowers above every other of the office: ten of them are its top.
    customers = await borrowers(session, registry, ["90000000.00"] * 11)
    found = set((await session.execute(top_borrowers(TENANT))).scalars())
    ids = sorted(c.id for c in customers)
    assert set(ids[:10]) <= found and ids[10] not in found
