"""The recorded figures that count for each manager, by the office sheet they are on.

A manager's actuals and plans come from the sheets of the offices that count for
them (山东办法 第十二条, ``server.services.transfers``); the managers' sheets of an
office may not add up to more than the office's own total (第十四条).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.db.queries.figures import office_totals, sheet_lines
from server.db.queries.managers import office_moves_since
from server.policy import Period
from server.services.transfers import MIN_FULL_QUARTERS, counting_offices


@dataclass
class OfficeSheets:
    """Recorded figures by the office sheet they are on, and what counts per manager."""

    by_office: dict[tuple[uuid.UUID, str], Decimal]
    """(office, indicator) → the sum of actuals of its managers' sheets."""
    combined: dict[uuid.UUID, tuple[dict[str, Decimal], dict[str, Decimal]]]
    """Manager → (actuals, plans) from the sheets that count for them."""
    ignored: dict[uuid.UUID, dict[str, str]]
    """Manager → indicator → why a former office's figure does not count."""
    notes: dict[uuid.UUID, dict[str, Any]]
    """Manager → the sheets that counted, for the stored inputs (transfers only)."""


async def office_sheets(
    session: AsyncSession,
    tenant_id: str,
    period: Period,
    managers: dict[uuid.UUID, models.Manager],
) -> OfficeSheets:
    moves: dict[uuid.UUID, list[models.ManagerOfficeMove]] = defaultdict(list)
    for move in await office_moves_since(session, tenant_id, period.start):
        moves[move.manager_id].append(move)
    counting: dict[uuid.UUID, set[uuid.UUID]] = {}
    quarters: dict[uuid.UUID, dict[uuid.UUID, int]] = {}
    for mid in moves:
        if mid in managers:
            counting[mid], quarters[mid] = counting_offices(managers[mid], moves[mid], period)
    combined: dict[uuid.UUID, tuple[dict[str, Decimal], dict[str, Decimal]]] = defaultdict(
        lambda: ({}, {})
    )
    by_office: dict[tuple[uuid.UUID, str], Decimal] = defaultdict(Decimal)
    ignored: dict[uuid.UUID, dict[str, str]] = defaultdict(dict)
    notes: dict[uuid.UUID, dict[str, Any]] = defaultdict(dict)
    for model, column, position in (
        (models.IndicatorValue, models.IndicatorValue.value, 0),
        (models.TaskPlan, models.TaskPlan.plan, 1),
    ):
        for mid, office_id, key, amount in await sheet_lines(
            session, model, column, tenant_id, period.text
        ):
            if position == 0:
                by_office[(office_id, key)] += amount
            manager = managers.get(mid)
            if manager is None:
                continue
            offices = counting.get(mid, {manager.office_id})
            if office_id not in offices:
                n = quarters.get(mid, {}).get(office_id, 0)
                ignored[mid][key] = (
                    f"{key} is on the sheet of an office the manager worked at for {n} full "
                    f"quarter(s) of the period; 第十二条 adds a former office's figures after "
                    f"{MIN_FULL_QUARTERS}"
                )
                continue
            target = combined[mid][position]
            target[key] = target.get(key, Decimal(0)) + amount
            if mid in counting and len(counting[mid]) > 1:
                sheet = notes[mid].setdefault(str(office_id), {"actuals": {}, "plans": {}})
                sheet["actuals" if position == 0 else "plans"][key] = str(amount)
    return OfficeSheets(dict(by_office), dict(combined), dict(ignored), dict(notes))


async def reconcile(
    session: AsyncSession, tenant_id: str, period: Period, sheets: OfficeSheets
) -> dict[uuid.UUID, list[str]]:
    """The sum of an office's managers' sheets may not exceed the office's own total
    (山东办法 第十四条: 到人任务完成情况必须与营业机构任务完成总数相衔接)."""
    found: dict[uuid.UUID, list[str]] = defaultdict(list)
    for office_id, key, office_total in await office_totals(session, tenant_id, period.text):
        managers_total = sheets.by_office.get((office_id, key), Decimal(0))
        if managers_total > office_total:
            found[office_id].append(
                f"{key}: the office's managers add up to {managers_total}, above the office's "
                f"own {office_total} (第十四条)"
            )
    return dict(found)
