"""The appraisal run job: where the computed indicators' aggregations run."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from server.db.queries.indicators import ManagerFigures
from server.jobs.appraisal_run import concurrent_aggregations
from server.services.indicators import Aggregation, one_after_another

MANAGER = uuid.UUID(int=1)


def _recording(count: int) -> tuple[list[Aggregation], list[AsyncSession]]:
    """Aggregations that note the session they ran on and return their position."""
    used: list[AsyncSession] = []

    def aggregation(position: int) -> Aggregation:
        async def run(session: AsyncSession) -> ManagerFigures:
            used.append(session)
            return {MANAGER: {"position": Decimal(position)}}

        return run

    return [aggregation(i) for i in range(count)], used


def _positions(results: list[ManagerFigures]) -> list[Decimal]:
    return [figures[MANAGER]["position"] for figures in results]


async def test_in_turn_on_the_callers_session(session: AsyncSession) -> None:
    aggregations, used = _recording(3)
    results = await one_after_another(session, aggregations)
    assert _positions(results) == [0, 1, 2]
    assert used == [session] * 3


async def test_a_single_connection_runs_them_in_turn(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession
) -> None:
    aggregations, used = _recording(3)
    results = await concurrent_aggregations(sessionmaker)(session, aggregations)
    assert _positions(results) == [0, 1, 2]
    assert used == [session] * 3


async def test_an_engine_on_postgresql_gives_each_its_own_session(
    engine: AsyncEngine, session: AsyncSession
) -> None:
    aggregations, used = _recording(3)
    own = async_sessionmaker(engine, expire_on_commit=False)
    results = await concurrent_aggregations(own)(session, aggregations)
    assert _positions(results) == [0, 1, 2]
    if engine.dialect.name == "postgresql":
        assert session not in used
        assert len(set(map(id, used))) == 3
    else:
        assert used == [session] * 3
