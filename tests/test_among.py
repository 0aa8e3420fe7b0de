"""``among`` (``server.db.among``): one array parameter on PostgreSQL, ``IN`` elsewhere —
the same rows either way, none for no values."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.db.among import among
from server.policy.registry import PolicyRegistry
from tests.builders import bank
from tests.services.test_loan_book import a_loan


async def test_the_rows_of_the_values_and_none_for_no_values(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    world = bank(session, registry, "sd-demo")
    loans = [await a_loan(world) for _ in range(3)]
    lo = models.Loan
    wanted = [loans[0].contract_no, loans[2].contract_no, "NO-SUCH-CONTRACT"]
    found = await session.scalars(
        select(lo.id).where(lo.tenant_id == "sd-demo", among(lo.contract_no, wanted))
    )
    assert set(found) == {loans[0].id, loans[2].id}
    by_id = await session.scalars(
        select(lo.contract_no).where(lo.tenant_id == "sd-demo", among(lo.id, [loans[1].id]))
    )
    assert list(by_id) == [loans[1].contract_no]
    dated = await session.scalars(select(lo.id).where(among(lo.issued_on, [dt.date(1990, 1, 1)])))
    assert list(dated) == []
    none = await session.scalars(select(lo.id).where(among(lo.contract_no, [])))
    assert list(none) == []
