"""The placement after probation (山东办法 第十三条) is recorded as the end of probation.

Shandong places a manager whose probation ended in the year in 三级 without
scoring and flags the move ``PROBATION_END``; confirming the appraisal records
the tier change with cause ``PROBATION_END``, not ``APPRAISAL``, in the history and in
the grade-change event, and a manager still ``PROBATION`` becomes ``ACTIVE``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import Role
from tests.conftest import Api

TENANT = "sd-demo"
PERIOD = "2026"
APPRAISAL = """
  __typename
  ... on Appraisal { id status graded tier { code } rating tierMove items { key } }
  ... on UserError { code message field }
"""
RUN = f'mutation($m: ID!) {{ runAppraisal(managerId: $m, period: "{PERIOD}") {{ {APPRAISAL} }} }}'
CONFIRM = f"mutation($id: ID!) {{ confirmAppraisal(id: $id) {{ {APPRAISAL} }} }}"
MANAGER = """query($m: ID!) { manager(id: $m) {
  status tier { code } flags tierHistory { cause appraisalId fromTier { code } toTier { code } reason }
} }"""


async def _as(api: Api, query: str, variables: dict[str, Any], user: str) -> dict[str, Any]:
    response = await api.post(query, variables, token=api.token(TENANT, (Role.HR,), user))
    body = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def _manager_out_of_probation(
    session: AsyncSession, tier: str | None, status: str = "ACTIVE"
) -> models.Manager:
    """A manager whose probation ended within the appraised year, holding ``tier``, with
    ``status`` (still PROBATION when HR has not changed it)."""
    manager = (
        await session.execute(
            select(models.Manager)
            .where(models.Manager.tenant_id == TENANT, models.Manager.status == "ACTIVE")
            .order_by(models.Manager.employee_no)
            .limit(1)
        )
    ).scalar_one()
    ranks = {"SD_1": (3, "一级客户经理"), None: (None, None)}
    rank, name = ranks[tier]
    await session.execute(
        update(models.Manager)
        .where(models.Manager.tenant_id == TENANT, models.Manager.id == manager.id)
        .values(
            probation_ends_on=dt.date(2026, 2, 1),
            status=status,
            tier_code=tier,
            tier_rank=rank,
            tier_name=name,
        )
    )
    return manager


@pytest.mark.parametrize(
    ("tier", "direction", "status"),
    [(None, "SET", "ACTIVE"), ("SD_1", "DEMOTION", "ACTIVE"), (None, "SET", "PROBATION")],
)
async def test_placement_after_probation_is_recorded_as_its_end(
    api: Api, session: AsyncSession, tier: str | None, direction: str, status: str
) -> None:
    manager = await _manager_out_of_probation(session, tier, status)
    draft = (await _as(api, RUN, {"m": str(manager.id)}, "hr-1"))["runAppraisal"]
    assert (draft["__typename"], draft["graded"], draft["items"]) == ("Appraisal", True, [])
    assert (draft["tier"], draft["rating"]) == ({"code": "SD_3"}, "PROBATION_END")
    confirmed = (await _as(api, CONFIRM, {"id": draft["id"]}, "hr-2"))["confirmAppraisal"]
    assert confirmed["status"] == "CONFIRMED", confirmed
    move = confirmed["tierMove"]
    assert (move["direction"], move["toTier"]["code"], move["article"]) == (
        direction,
        "SD_3",
        "第十三条",
    )
    assert move["flags"] == ["PROBATION_END"]
    after = (await _as(api, MANAGER, {"m": str(manager.id)}, "hr-2"))["manager"]
    assert after["tier"] == {"code": "SD_3"}
    assert after["status"] == "ACTIVE", "the end of probation puts the manager in post"
    last = after["tierHistory"][-1]
    assert last["cause"] == "PROBATION_END"
    assert (last["appraisalId"], last["fromTier"], last["toTier"]) == (
        draft["id"],
        None if tier is None else {"code": tier},
        {"code": "SD_3"},
    )
    assert "第十三条" in last["reason"]
    assert "PROBATION_END" not in after["flags"], "the cause is not kept as a note for people"
    event = await session.scalar(
        select(models.Event)
        .where(models.Event.tenant_id == TENANT, models.Event.subject_id == manager.id)
        .order_by(models.Event.cursor.desc())
        .limit(1)
    )
    assert event is not None and event.payload["cause"] == "PROBATION_END"
