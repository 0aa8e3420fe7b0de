"""How an appraisal's inputs and results are written down: JSON values and item rows."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from server.policy import AppraisalInput, ItemScore, MoneyLine, Tier


def to_json(value: Any) -> Any:
    """``value`` with decimals, dates and tiers as JSON values (decimals as exact strings)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, Tier):
        return {"code": value.code, "name": value.name, "rank": value.rank}
    return value


def inputs_json(
    appraisal: AppraisalInput,
    cohort_json: dict[str, Any] | None = None,
    sheets: dict[str, Any] | None = None,
) -> dict[str, Any]:
    profile = appraisal.manager
    extra = {"officeSheets": sheets} if sheets else {}
    return {
        **extra,
        "period": appraisal.period.text,
        "profile": to_json({k: getattr(profile, k) for k in profile.__dataclass_fields__}),
        "values": to_json(appraisal.values),
        "plans": to_json(appraisal.plans),
        "findings": [
            {"item": f.item, "finding": f.finding, "count": f.count} for f in appraisal.findings
        ],
        "cohort": to_json(appraisal.cohort) if cohort_json is None else cohort_json,
        "prior": [
            {"period": p.period, "total": to_json(p.total), "rating": p.rating}
            for p in appraisal.prior
        ],
    }


def money_json(m: MoneyLine) -> dict[str, Any]:
    return {
        "key": m.key,
        "name": m.name,
        "amount": str(m.amount),
        "article": m.article,
        "explanation": m.explanation,
        "explanation_en": m.explanation_en,
        "account": m.account,
    }


def item_rows(
    tenant_id: str, appraisal_id: uuid.UUID, items: Iterable[ItemScore]
) -> list[dict[str, Any]]:
    return [
        {
            "tenant_id": tenant_id,
            "appraisal_id": appraisal_id,
            "position": i,
            "key": item.key,
            "name": item.name,
            "article": item.article,
            "max_points": item.max_points,
            "score": item.score,
            "inputs": dict(item.inputs),
            "explanation": item.explanation,
            "explanation_en": item.explanation_en,
        }
        for i, item in enumerate(items)
    ]
