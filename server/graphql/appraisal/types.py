"""Types of appraisal: items, figures, findings, runs, and a manager's accounts.

``Appraisal`` links to its manager, so it lives in ``server.graphql.nodes``; the
types that name a manager or office (violations, recorded figures, rotation) live
beside the fields that return them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry
from strawberry.scalars import JSON

from server.db import models
from server.graphql.appraisal.results import AppraisalRunProblem, CohortFigure, NamedValue
from server.graphql.ids import optional_id
from server.graphql.limits import MAX_ITEMS
from server.graphql.scalars import DecimalValue, Money, Period


@strawberry.type(description="A movement on a manager's account.")
class AccountMovement:
    amount: Money
    direction: str
    article: str
    explanation: str = strawberry.field(description="Why, in Chinese.")
    explanation_en: str = strawberry.field(
        description="The same in English (empty when the policy gave none)."
    )
    appraisal_id: strawberry.ID | None
    recorded_by: str
    recorded_at: dt.datetime


@strawberry.type(description="A manager's account (e.g. RISK_DEPOSIT) with balance and movements.")
class ManagerAccount:
    account: str
    balance: Money
    movements: list[AccountMovement]

    @classmethod
    def from_rows(cls, account: str, rows: list[models.AccountMovement]) -> ManagerAccount:
        balance = sum(
            (r.amount if r.direction == "IN" else -r.amount for r in rows), Decimal("0.00")
        )
        return cls(
            account=account,
            balance=balance,  # type: ignore[arg-type]
            movements=[
                AccountMovement(
                    amount=r.amount,  # type: ignore[arg-type]
                    direction=r.direction,
                    article=r.article,
                    explanation=r.explanation,
                    explanation_en=r.explanation_en,
                    appraisal_id=optional_id(r.appraisal_id),
                    recorded_by=r.recorded_by,
                    recorded_at=r.recorded_at,
                )
                for r in rows
            ],
        )

    @classmethod
    def all_from_rows(cls, rows: list[models.AccountMovement]) -> list[ManagerAccount]:
        """A manager's movements grouped into accounts, by account name."""
        by_account: dict[str, list[models.AccountMovement]] = {}
        for r in rows:
            by_account.setdefault(r.account, []).append(r)
        return [cls.from_rows(name, items) for name, items in sorted(by_account.items())]


#: The inputs one item is expected to name, for the query cost (the in-tree items name a
#: handful: the figures and parameters of their formula).
ITEM_INPUTS = 10


@strawberry.type(description="One scored item of an appraisal, with the article it applies.")
class AppraisalItem:
    key: str
    name: str
    article: str
    max_points: DecimalValue | None
    score: DecimalValue
    inputs: JSON = strawberry.field(deprecation_reason="use inputValues")
    input_values: list[NamedValue] = strawberry.field(
        description="The inputs the item used, by name, as the policy wrote them.",
        metadata={MAX_ITEMS: ITEM_INPUTS},
    )
    explanation: str = strawberry.field(description="Why the item scored so, in Chinese.")
    explanation_en: str = strawberry.field(
        description="The same in English (empty when the policy gave none)."
    )

    @classmethod
    def from_row(cls, r: models.AppraisalItem) -> AppraisalItem:
        return cls(
            key=r.key,
            name=r.name,
            article=r.article,
            max_points=r.max_points,  # type: ignore[arg-type]
            score=r.score,  # type: ignore[arg-type]
            inputs=JSON(r.inputs),
            input_values=NamedValue.all_from_json(r.inputs),
            explanation=r.explanation,
            explanation_en=r.explanation_en,
        )


@strawberry.type(description="A planned or actual indicator figure for a manager and period.")
class IndicatorFigure:
    indicator: str
    value: DecimalValue


@strawberry.type(description="A finding of the sample inspection of a manager's work.")
class InspectionFinding:
    id: strawberry.ID
    period: Period
    item: str
    finding: str
    count: int
    loan_id: strawberry.ID | None
    description: str | None
    recorded_by: str
    recorded_at: dt.datetime

    @classmethod
    def from_row(cls, r: models.InspectionFinding) -> InspectionFinding:
        return cls(
            id=strawberry.ID(str(r.id)),
            period=r.period,  # type: ignore[arg-type]
            item=r.item,
            finding=r.finding,
            count=r.count,
            loan_id=optional_id(r.loan_id),
            description=r.description,
            recorded_by=r.recorded_by,
            recorded_at=r.recorded_at,
        )


@strawberry.type(description="A whole tenant appraised for one period, with its progress.")
class AppraisalRun:
    id: strawberry.ID
    period: Period
    status: str = strawberry.field(
        description="QUEUED (waiting for a worker), RUNNING, DONE or FAILED (see problems)."
    )
    plugin: str
    plugin_version: str
    managers_total: int
    managers_done: int
    managers_skipped: int
    cohort: JSON = strawberry.field(
        description="The tenant-wide figures used (e.g. averages).",
        deprecation_reason="use cohortFigures",
    )
    cohort_figures: list[CohortFigure] = strawberry.field(
        description="The tenant-wide figures used (e.g. averages), by key."
    )
    problems: JSON = strawberry.field(
        description="Managers skipped, with their missing inputs.",
        deprecation_reason="use runProblems",
    )
    run_problems: list[AppraisalRunProblem] = strawberry.field(
        description="Managers skipped (with their missing inputs), offices whose figures do "
        "not reconcile, and why the run failed."
    )
    started_by: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    attempts: int = strawberry.field(
        description="How many times a worker took the run: more than 1 after an interruption."
    )

    @classmethod
    def from_row(cls, r: models.AppraisalRun) -> AppraisalRun:
        return cls(
            id=strawberry.ID(str(r.id)),
            period=r.period,  # type: ignore[arg-type]
            status=r.status.value,
            plugin=r.plugin,
            plugin_version=r.plugin_version,
            managers_total=r.managers_total,
            managers_done=r.managers_done,
            managers_skipped=r.managers_skipped,
            cohort=JSON(r.cohort),
            cohort_figures=CohortFigure.all_from_json(r.cohort),
            problems=JSON(r.problems),
            run_problems=AppraisalRunProblem.all_from_json(r.problems),
            started_by=r.started_by,
            started_at=r.started_at,
            finished_at=r.finished_at,
            attempts=r.attempts,
        )
