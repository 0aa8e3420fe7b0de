"""Typed forms of what an appraisal and a run store as JSON: pay lines, the tier move,
the cohort figures, the run's problems, an item's inputs.

Each type reads the stored JSON as the core writes it (``server.services.appraisal.stored``,
``server.services.appraisal.lifecycle``, ``server.jobs.appraisal_run``); plugins decide the
keys and values inside, never the shape, so these are core types.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import strawberry

from server.graphql.org.types import Tier
from server.graphql.scalars import DecimalValue


def decimal_or_none(value: Any) -> Decimal | None:
    """A stored decimal (an exact string, or a number from older rows); none when absent."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def tier_or_none(value: Any) -> Tier | None:
    """A stored tier ``{"code", "name", "rank"}``; none when absent."""
    if not isinstance(value, Mapping) or value.get("code") is None:
        return None
    return Tier(
        code=str(value["code"]),
        name=str(value.get("name") or value["code"]),
        rank=int(value.get("rank") or 0),
    )


@strawberry.type(description="A name and its value as text, e.g. an input an item used.")
class NamedValue:
    name: str
    value: str

    @classmethod
    def all_from_json(cls, stored: Any) -> list[NamedValue]:
        if not isinstance(stored, Mapping):
            return []
        return [cls(name=str(k), value=str(v)) for k, v in stored.items()]


@strawberry.type(
    description="An amount the policy derived (pay, profit share, risk-deposit withholding)."
)
class PayLine:
    key: str
    name: str
    amount: DecimalValue = strawberry.field(description="Yuan, exact.")
    article: str
    explanation: str = strawberry.field(description="How the amount was reached, in Chinese.")
    explanation_en: str = strawberry.field(
        description="The same in English (empty when the policy gave none)."
    )
    account: str | None = strawberry.field(
        description="The manager account the amount moves into at confirmation "
        "(e.g. RISK_DEPOSIT); null when it moves into none."
    )

    @classmethod
    def all_from_json(cls, stored: Any) -> list[PayLine]:
        if not isinstance(stored, list):
            return []
        return [
            cls(
                key=str(m.get("key", "")),
                name=str(m.get("name", "")),
                amount=decimal_or_none(m.get("amount")) or Decimal(0),  # type: ignore[arg-type]
                article=str(m.get("article", "")),
                explanation=str(m.get("explanation", "")),
                explanation_en=str(m.get("explanation_en", "")),
                account=m.get("account"),
            )
            for m in stored
            if isinstance(m, Mapping)
        ]


@strawberry.type(description="The tier change a policy made when the appraisal was confirmed.")
class TierMove:
    direction: str = strawberry.field(
        description="PROMOTION, DEMOTION, SET (placed without comparison: first grading, "
        "probation end) or NONE (no change), as the grading policy decided it."
    )
    to_tier: Tier | None = strawberry.field(description="The tier moved to; null for none.")
    reason: str
    article: str
    flags: list[str] = strawberry.field(
        description="What the move says beyond its direction: PROBATION_END, or notes for "
        "people such as DISMISSAL_REVIEW."
    )

    @classmethod
    def from_json(cls, stored: Any) -> TierMove | None:
        if not isinstance(stored, Mapping):
            return None
        return cls(
            direction=str(stored.get("direction", "")),
            to_tier=tier_or_none(stored.get("toTier")),
            reason=str(stored.get("reason", "")),
            article=str(stored.get("article", "")),
            flags=[str(f) for f in stored.get("flags") or []],
        )


@strawberry.type(description="A tenant-wide figure of an appraisal run (e.g. an average).")
class CohortFigure:
    key: str = strawberry.field(description="The figure's name, as the grading policy gives it.")
    value: DecimalValue

    @classmethod
    def all_from_json(cls, stored: Any) -> list[CohortFigure]:
        if not isinstance(stored, Mapping):
            return []
        figures = []
        for key, raw in stored.items():
            value = decimal_or_none(raw)
            if value is not None:
                figures.append(cls(key=str(key), value=value))  # type: ignore[arg-type]
        return figures


#: What each kind of run problem is, by its code (the GraphQL description lists them).
RUN_PROBLEM_CODES = {
    "MISSING_INPUTS": "a manager skipped for want of required inputs (see missing)",
    "SEPARATION_OF_DUTIES": "the manager record of whoever started the run, skipped: "
    "nobody appraises themselves",
    "RECONCILIATION": "an office whose sheet figures do not add up (see reconciliation)",
}


@strawberry.type(
    description="Why a run skipped a manager, an office's figures that do not reconcile, or "
    "why the run failed."
)
class AppraisalRunProblem:
    code: str = strawberry.field(
        description="; ".join(f"{k}: {v}" for k, v in RUN_PROBLEM_CODES.items())
        + "; any other code: the run failed (e.g. INTERRUPTED, POLICY_UNAVAILABLE)."
    )
    message: str
    manager_id: strawberry.ID | None = strawberry.field(
        description="The manager skipped (MISSING_INPUTS, SEPARATION_OF_DUTIES)."
    )
    employee_no: str | None
    office_id: strawberry.ID | None = strawberry.field(
        description="The office whose figures do not reconcile (RECONCILIATION)."
    )
    missing: list[str] = strawberry.field(
        description="The indicator keys the manager lacked (MISSING_INPUTS)."
    )
    reconciliation: list[str] = strawberry.field(
        description="What does not add up on the office's sheets (RECONCILIATION)."
    )

    @classmethod
    def from_json(cls, p: Mapping[str, Any]) -> AppraisalRunProblem:
        manager_id, office_id = p.get("managerId"), p.get("officeId")
        missing = [str(k) for k in p.get("missing") or []]
        reconciliation = [str(m) for m in p.get("reconciliation") or []]
        if "missing" in p:
            code, message = "MISSING_INPUTS", "missing inputs: " + ", ".join(missing)
        elif "separationOfDuties" in p:
            code = "SEPARATION_OF_DUTIES"
            message = f"{p['separationOfDuties']}: " + RUN_PROBLEM_CODES[code]
        elif "reconciliation" in p:
            code, message = "RECONCILIATION", "; ".join(reconciliation)
        else:
            code, message = str(p.get("error", "UNKNOWN")), str(p.get("message", ""))
        return cls(
            code=code,
            message=message,
            manager_id=None if manager_id is None else strawberry.ID(str(manager_id)),
            employee_no=p.get("employeeNo"),
            office_id=None if office_id is None else strawberry.ID(str(office_id)),
            missing=missing,
            reconciliation=reconciliation,
        )

    @classmethod
    def all_from_json(cls, stored: Any) -> list[AppraisalRunProblem]:
        if not isinstance(stored, list):
            return []
        return [cls.from_json(p) for p in stored if isinstance(p, Mapping)]
