"""The payloads of the outbox's events: what subscribers and webhook receivers are sent."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from server.domain import CustomerClass, TierChangeCause
from server.policy import Tier


def _tier_json(code: str | None, name: str | None, rank: int | None) -> dict[str, Any] | None:
    if code is None:
        return None
    return {"code": code, "name": name, "rank": rank}


def office_json(office_id: uuid.UUID, code: str, name: str) -> dict[str, Any]:
    """The office an event happened at, as an integrator needs it: its id, code and name
    (an integrator reads no office otherwise)."""
    return {"id": str(office_id), "code": code, "name": name}


def grade_payload(
    *,
    manager_id: uuid.UUID,
    employee_no: str,
    name: str,
    office: dict[str, Any],
    from_tier: tuple[str | None, str | None, int | None],
    to_tier: Tier | None,
    cause: TierChangeCause,
    effective_on: dt.date,
    reason: str | None = None,
    appraisal_id: uuid.UUID | None = None,
    violation_id: uuid.UUID | None = None,
    plugin: str | None = None,
    plugin_version: str | None = None,
) -> dict[str, Any]:
    return {
        "manager": {"id": str(manager_id), "employeeNo": employee_no, "name": name},
        "office": office,
        "from": _tier_json(*from_tier),
        "to": _tier_json(to_tier.code, to_tier.name, to_tier.rank) if to_tier else None,
        "direction": direction(from_tier[2], to_tier.rank if to_tier else None),
        "cause": cause.value,
        "appraisalId": str(appraisal_id) if appraisal_id else None,
        "violationId": str(violation_id) if violation_id else None,
        "reason": reason,
        "plugin": plugin,
        "pluginVersion": plugin_version,
        "effectiveOn": effective_on.isoformat(),
    }


def class_payload(
    *,
    customer_id: uuid.UUID,
    name: str,
    office: dict[str, Any],
    from_class: CustomerClass | None,
    to_class: CustomerClass,
    rules: list[Any],
    plugin: str,
    plugin_version: str,
) -> dict[str, Any]:
    return {
        "customer": {"id": str(customer_id), "name": name},
        "office": office,
        "from": from_class.value if from_class else None,
        "to": to_class.value,
        "rules": rules,
        "plugin": plugin,
        "pluginVersion": plugin_version,
    }


def direction(from_rank: int | None, to_rank: int | None) -> str:
    """``SET`` (first tier), ``UP``, ``DOWN``, ``SAME``, or ``REMOVED`` (no tier any more:
    a disqualified manager holds none)."""
    if to_rank is None:
        return "REMOVED"
    if from_rank is None:
        return "SET"
    if to_rank > from_rank:
        return "UP"
    return "DOWN" if to_rank < from_rank else "SAME"
