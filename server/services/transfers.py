"""Which offices' task sheets count for a manager's appraisal (山东办法 第十二条).

A manager's figures come from the task-completion sheet of the office they work
at (经员工签字认可的任务完成考核表). A manager who moved between offices in the
period and worked at least two full quarters at the former office has that
office's figures added to the current office's (在原机构工作满二个季度的其经济指标
业绩考核与现机构业绩合并计算); a shorter stint's figures do not count.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from server.db import models
from server.policy import Period

MIN_FULL_QUARTERS = 2  # 第十二条: 在原机构工作满二个季度


@dataclass(frozen=True)
class Stint:
    office_id: uuid.UUID
    start: dt.date
    end: dt.date


def quarters_of_year(year: int) -> list[tuple[dt.date, dt.date]]:
    ends = [dt.date(year, 3, 31), dt.date(year, 6, 30), dt.date(year, 9, 30), dt.date(year, 12, 31)]
    return [(dt.date(year, 3 * i + 1, 1), ends[i]) for i in range(4)]


def full_quarters(start: dt.date, end: dt.date, period: Period) -> int:
    """Calendar quarters of the period that lie wholly within ``start``–``end``."""
    return sum(
        1
        for q_start, q_end in quarters_of_year(period.year)
        if period.start <= q_start and q_end <= period.end and start <= q_start and q_end <= end
    )


def former_stints(
    manager: models.Manager, moves: Sequence[models.ManagerOfficeMove]
) -> list[Stint]:
    """The manager's stints at offices they have left, from their moves in date order."""
    stints = []
    arrived = manager.hire_date
    for move in sorted(moves, key=lambda m: (m.moved_on, m.recorded_at)):
        stints.append(Stint(move.from_office_id, arrived, move.moved_on - dt.timedelta(days=1)))
        arrived = move.moved_on
    return stints


def counting_offices(
    manager: models.Manager, moves: Sequence[models.ManagerOfficeMove], period: Period
) -> tuple[set[uuid.UUID], dict[uuid.UUID, int]]:
    """The offices whose sheets count, and each former office's full quarters in the period."""
    offices = {manager.office_id}
    quarters: dict[uuid.UUID, int] = {}
    for stint in former_stints(manager, moves):
        if stint.end < period.start or stint.start > period.end:
            continue
        n = full_quarters(stint.start, stint.end, period)
        quarters[stint.office_id] = quarters.get(stint.office_id, 0) + n
    for office_id, n in quarters.items():
        if n >= MIN_FULL_QUARTERS:
            offices.add(office_id)
    return offices, quarters
