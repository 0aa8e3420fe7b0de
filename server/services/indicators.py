"""The indicators the core computes, by SQL aggregation over every manager at once.

Each figure is one aggregation (``server.db.queries.indicators``). End-of-period
figures read the loan snapshot taken at the period's end; for a period not yet
over, the live loans stand in for it. Start-of-period figures read the snapshot
of the day before the period starts. A figure whose snapshot is missing is
reported as unavailable, with the reason — never as 0.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from server.db.queries import indicators as queries
from server.db.queries.indicators import ZERO, ManagerFigures
from server.policy import Period
from server.policy.indicators import COMPUTED_INDICATORS
from server.services.tenant_settings import tenant_settings, tenant_today

END_KEYS = frozenset(
    {"customers_natural", "customers_corporate", "loan_balance", "npl_balance_end", "npl_ratio"}
)
"""The figures of the end-of-period state, read together by one aggregation."""
MOVEMENT_KEYS = frozenset(
    {"interest_recovered", "npl_cash_recovered", "writeoff_recovered", "npl_written_off"}
)
"""The figures summed from the loan book's movements of the period, by one aggregation."""
NET_REDUCTION = "npl_net_reduction"
NET_REDUCTION_READS = ("npl_balance_start", "npl_balance_end", "npl_written_off")
"""What the net reduction is computed from (its own figures, whether asked for or not)."""

Aggregation = Callable[[AsyncSession], Awaitable[ManagerFigures]]
"""One figure's statements; independent of the others, so any session may run it."""

AggregationRunner = Callable[[AsyncSession, Sequence[Aggregation]], Awaitable[list[ManagerFigures]]]
"""Runs aggregations and returns their figures in the order given."""


@dataclass
class ComputedFigures:
    """Per-manager values, and the keys that could not be computed (with the reason)."""

    values: dict[uuid.UUID, dict[str, Decimal]] = field(default_factory=lambda: defaultdict(dict))
    unavailable: dict[str, str] = field(default_factory=dict)


async def one_after_another(
    session: AsyncSession, aggregations: Sequence[Aggregation]
) -> list[ManagerFigures]:
    """Run the aggregations in turn on the caller's session."""
    return [await aggregation(session) for aggregation in aggregations]


async def computed_indicators(
    session: AsyncSession,
    tenant_id: str,
    period: Period,
    keys: Iterable[str],
    *,
    manager_ids: set[uuid.UUID] | None = None,
    today: dt.date | None = None,
    run_aggregations: AggregationRunner = one_after_another,
) -> ComputedFigures:
    """The COMPUTED indicators named in ``keys`` for every manager (or those given).

    A manager with no loans gets zeros for counts and sums, and coverage 1. Which
    snapshots exist is read on ``session``; the aggregations themselves are handed
    to ``run_aggregations``, which a job may run at the same time on connections
    of its own (each scans the book once).
    """
    wanted = set(keys)
    unknown = wanted - set(COMPUTED_INDICATORS)
    if unknown:
        raise ValueError(f"not computed by the core: {sorted(unknown)}")
    today = today or await tenant_today(session, tenant_id)
    asked = set(wanted)
    if NET_REDUCTION in wanted:
        wanted |= set(NET_REDUCTION_READS)
    out = ComputedFigures()
    parts: list[Aggregation] = []
    if wanted & END_KEYS:
        if await queries.snapshot_exists(session, tenant_id, period.end):
            parts.append(lambda s: queries.end_state(s, tenant_id, period.end, manager_ids))
        elif period.end >= today:
            parts.append(lambda s: queries.end_state(s, tenant_id, None, manager_ids))
        else:
            for key in wanted & END_KEYS:
                out.unavailable[key] = f"no loan snapshot as of {period.end} (period end)"
    if "npl_balance_start" in wanted:
        start = period.day_before_start
        if await queries.snapshot_exists(session, tenant_id, start):
            parts.append(lambda s: queries.npl_start(s, tenant_id, start, manager_ids))
        else:
            out.unavailable["npl_balance_start"] = (
                f"no loan snapshot as of {start} (day before the period)"
            )
    if "loans_issued" in wanted:
        parts.append(
            lambda s: queries.loans_issued(s, tenant_id, period.start, period.end, manager_ids)
        )
    if "notice_coverage" in wanted:
        parts.append(
            lambda s: queries.notice_coverage(s, tenant_id, period.start, period.end, manager_ids)
        )
    if "missing_inspection_reports" in wanted:

        async def inspections(s: AsyncSession) -> ManagerFigures:
            large = (await tenant_settings(s, tenant_id)).large_loan_threshold
            return await queries.missing_inspections(
                s, tenant_id, period.start, period.end, manager_ids, large_loan_threshold=large
            )

        parts.append(inspections)
    if wanted & MOVEMENT_KEYS:
        parts.append(
            lambda s: queries.movement_sums(s, tenant_id, period.start, period.end, manager_ids)
        )
    for figures in await run_aggregations(session, parts):
        for mid, values in figures.items():
            out.values[mid].update(values)
    if NET_REDUCTION in wanted:
        _net_reduction(out)
    for values in out.values.values():
        for key in set(values) - asked:
            del values[key]
    for key in set(out.unavailable) - asked:
        del out.unavailable[key]
    return out


def _net_reduction(out: ComputedFigures) -> None:
    """npl_balance_start − npl_balance_end − npl_written_off, for every manager with any of
    them (a missing one is 0: no such loans); unavailable when a snapshot is."""
    missing = [out.unavailable[key] for key in NET_REDUCTION_READS if key in out.unavailable]
    if missing:
        out.unavailable[NET_REDUCTION] = "; ".join(missing)
        return
    for values in out.values.values():
        if any(key in values for key in NET_REDUCTION_READS):
            start, end, written_off = (values.get(key, ZERO) for key in NET_REDUCTION_READS)
            values[NET_REDUCTION] = start - end - written_off


def with_defaults(
    values: dict[str, Decimal], keys: Iterable[str], unavailable: dict[str, str]
) -> dict[str, Decimal]:
    """A manager absent from a GROUP BY has no loans: zero counts and sums, full coverage."""
    filled = dict(values)
    for key in keys:
        if key in filled or key in unavailable:
            continue
        filled[key] = Decimal(1) if key == "notice_coverage" else ZERO
    return filled
