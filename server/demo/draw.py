"""Drawing rows: weighted choices, time-ordered ids, dates and money, and one tenant's streams.

Every random choice of a demo tenant comes from its own :class:`TenantDraw`, so a
tenant's rows depend only on the seed, its id and ``today``, never on which other
tenants are loaded with it.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from bisect import bisect
from decimal import ROUND_DOWN, Decimal
from typing import Any, Generic, TypeVar

from server.demo.tenants import DEMO_TENANT_IDS, DemoTenant
from server.ids import uuid7
from server.policy.registry import PolicyRegistry

RECORDED_BY = "demo-data"
DEFAULT_TODAY = dt.date(2025, 12, 31)
DEFAULT_SEED = 20251
# Rows are stamped as written on the evening of ``today``, Beijing time.
CHINA_TIME = dt.timezone(dt.timedelta(hours=8))
LOAD_TIME = dt.time(20, 0)
# Loans on the book were issued at most this long before ``today``.
BOOK_DAYS = 3 * 365

Row = dict[str, Any]
T = TypeVar("T")


class Weighted(Generic[T]):
    """A fixed weighted choice, drawn with precomputed cumulative weights."""

    def __init__(self, *options: tuple[T, float]) -> None:
        self._values = [value for value, _ in options]
        self._cumulative: list[float] = []
        total = 0.0
        for _, weight in options:
            total += weight
            self._cumulative.append(total)
        if not self._values or total <= 0.0:
            raise ValueError("a weighted choice needs an option with a positive weight")
        self._total = total + 0.0
        self._last = len(self._values) - 1

    def pick(self, rng: random.Random) -> T:
        # What ``rng.choices(values, cum_weights=...)[0]`` does, without building its list
        # and checking its arguments again on every one of half a million draws: the same
        # draw from the stream, so the same rows.
        return self._values[bisect(self._cumulative, rng.random() * self._total, 0, self._last)]


class Clock:
    """Hands out time-ordered ids one millisecond apart, and the instant of each.

    A row's ``created_at`` is the instant in its id, so both orders agree.
    """

    _EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

    def __init__(self, start: dt.datetime, rng: random.Random) -> None:
        self._ms = (start - self._EPOCH) // dt.timedelta(milliseconds=1)
        self._rng = rng

    def tick(self) -> dt.datetime:
        self._ms += 1
        return self._EPOCH + dt.timedelta(milliseconds=self._ms)

    def next_id(self) -> tuple[uuid.UUID, dt.datetime]:
        at = self.tick()
        return uuid7(timestamp_ms=self._ms, rand=self._rng.randbytes(10)), at


def date_between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    """A uniformly drawn day from ``first`` to ``last`` inclusive."""
    return dt.date.fromordinal(rng.randint(first.toordinal(), last.toordinal()))


def money(rng: random.Random, band: tuple[int, int], *, unit: int) -> Decimal:
    """A principal in ``band`` (thousands of yuan), a multiple of ``unit`` yuan."""
    low, high = band[0] * 1000 // unit, band[1] * 1000 // unit
    return Decimal(rng.randint(low, high) * unit).quantize(Decimal("0.01"))


def share(amount: Decimal, permille: int) -> Decimal:
    """``permille``/1000 of ``amount``, rounded down to the fen (so never above it)."""
    return (amount * permille / 1000).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


class TenantDraw:
    """One tenant's random streams, clock and fixed facts; every generator draws from it."""

    def __init__(
        self, tenant: DemoTenant, *, seed: int, today: dt.date, registry: PolicyRegistry
    ) -> None:
        self.tenant = tenant
        self.today = today
        self.registry = registry
        self.rng = random.Random(f"{seed}/{tenant.tenant_id}")
        index = DEMO_TENANT_IDS.index(tenant.tenant_id)
        start = dt.datetime.combine(today, LOAD_TIME, CHINA_TIME) + dt.timedelta(hours=index)
        self.clock = Clock(
            start.astimezone(dt.UTC), random.Random(f"{seed}/{tenant.tenant_id}/ids")
        )
        grading = tenant.grading_plugin
        self.tiers = (
            tuple(sorted(registry.grading(grading).tiers(), key=lambda t: t.rank))
            if grading
            else ()
        )
        self.grading_version = registry.info(grading).version if grading else None
        self.earliest_issue = today - dt.timedelta(days=BOOK_DAYS)
