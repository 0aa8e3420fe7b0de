"""The loan-book snapshot as a job: one transaction of its own, for the command line.

A mutation takes a snapshot inside its request's transaction through
:func:`server.services.snapshots.take_loan_snapshot`; this is the same work for a
caller without a transaction (``ruralcredit snapshot``), acting as the principal it
is given.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.principal import Principal
from server.services.snapshots import take_loan_snapshot


async def snapshot_loan_book(
    sessionmaker: async_sessionmaker[AsyncSession], actor: Principal, *, as_of: dt.date
) -> int:
    """Record the actor's tenant's loan book as at ``as_of`` and commit; returns the loans
    recorded."""
    async with sessionmaker() as session, session.begin():
        return await take_loan_snapshot(session, actor, as_of=as_of)
