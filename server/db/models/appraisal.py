"""Appraisal inputs and results: plans, figures, findings, appraisals, runs, violations."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from server import domain
from server.db.models.base import (
    Base,
    Json,
    Money,
    Quantity,
    Score,
    TenantId,
    created_column,
    enum_column,
    id_column,
)


class TaskPlan(Base):
    """A manager's planned figure for one indicator and period (任务计划), on the task sheet
    of one office (the manager's, or a former one within the period)."""

    __tablename__ = "task_plans"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    manager_id: Mapped[uuid.UUID]
    period: Mapped[str] = mapped_column(String(7))
    office_id: Mapped[uuid.UUID]
    indicator: Mapped[str] = mapped_column(String(60))
    plan: Mapped[Decimal] = mapped_column(Quantity)
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = created_column()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "manager_id", "period", "office_id", "indicator"),
        ForeignKeyConstraint(["tenant_id", "manager_id"], ["managers.tenant_id", "managers.id"]),
        ForeignKeyConstraint(["tenant_id", "office_id"], ["offices.tenant_id", "offices.id"]),
    )


class IndicatorValue(Base):
    """A recorded actual value of an indicator for a manager and period."""

    __tablename__ = "indicator_values"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    manager_id: Mapped[uuid.UUID]
    period: Mapped[str] = mapped_column(String(7))
    office_id: Mapped[uuid.UUID]
    indicator: Mapped[str] = mapped_column(String(60))
    value: Mapped[Decimal] = mapped_column(Quantity)
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = created_column()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "manager_id", "period", "office_id", "indicator"),
        ForeignKeyConstraint(["tenant_id", "manager_id"], ["managers.tenant_id", "managers.id"]),
        ForeignKeyConstraint(["tenant_id", "office_id"], ["offices.tenant_id", "offices.id"]),
    )


class OfficeFigure(Base):
    """An office's own total of an indicator for a period (营业机构任务完成总数)."""

    __tablename__ = "office_figures"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    office_id: Mapped[uuid.UUID]
    period: Mapped[str] = mapped_column(String(7))
    indicator: Mapped[str] = mapped_column(String(60))
    value: Mapped[Decimal] = mapped_column(Quantity)
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = created_column()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "office_id", "period", "indicator"),
        ForeignKeyConstraint(["tenant_id", "office_id"], ["offices.tenant_id", "offices.id"]),
    )


class InspectionFinding(Base):
    """A finding of the sample inspection of a manager's work (工作质量抽查)."""

    __tablename__ = "inspection_findings"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = id_column()
    manager_id: Mapped[uuid.UUID]
    period: Mapped[str] = mapped_column(String(7))
    item: Mapped[str] = mapped_column(String(20))
    finding: Mapped[str] = mapped_column(String(60))
    count: Mapped[int] = mapped_column(Integer, default=1)
    loan_id: Mapped[uuid.UUID | None]
    description: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = created_column()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "manager_id"], ["managers.tenant_id", "managers.id"]),
        Index(None, "tenant_id", "manager_id", "period"),
        CheckConstraint("count >= 1", name="count_positive"),
    )


class Appraisal(Base):
    """One manager's appraisal for one period, with everything that shaped it."""

    __tablename__ = "appraisals"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = id_column()
    manager_id: Mapped[uuid.UUID]
    period: Mapped[str] = mapped_column(String(7))
    status: Mapped[domain.AppraisalStatus] = mapped_column(
        enum_column(domain.AppraisalStatus, "status")
    )
    plugin: Mapped[str] = mapped_column(String(80))
    plugin_version: Mapped[str] = mapped_column(String(40))
    parameters: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    inputs: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    total: Mapped[Decimal | None] = mapped_column(Score)
    tier_code: Mapped[str | None] = mapped_column(String(40))
    tier_rank: Mapped[int | None] = mapped_column(Integer)
    tier_name: Mapped[str | None] = mapped_column(String(80))
    rating: Mapped[str | None] = mapped_column(String(40))
    rating_label: Mapped[str | None] = mapped_column(String(40))
    explanation: Mapped[str | None] = mapped_column(Text)
    """The outcome's explanation in Chinese; ``explanation_en`` the same in English."""
    explanation_en: Mapped[str | None] = mapped_column(Text)
    graded: Mapped[bool] = mapped_column(Boolean, default=True)
    warnings: Mapped[list[Any]] = mapped_column(Json, default=list)
    pay: Mapped[list[Any]] = mapped_column(Json, default=list)
    tier_move: Mapped[dict[str, Any] | None] = mapped_column(Json)
    run_id: Mapped[uuid.UUID | None]
    computed_by: Mapped[str] = mapped_column(String(80))
    computed_at: Mapped[dt.datetime] = created_column()
    # Who made it again in an appeal's review (maker–checker: neither confirms it).
    recomputed_by: Mapped[str | None] = mapped_column(String(80))
    recomputed_at: Mapped[dt.datetime | None]
    confirmed_by: Mapped[str | None] = mapped_column(String(80))
    confirmed_at: Mapped[dt.datetime | None]
    appealed_by: Mapped[str | None] = mapped_column(String(80))
    appealed_at: Mapped[dt.datetime | None]
    appeal_reason: Mapped[str | None] = mapped_column(Text)
    review_reason: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "manager_id"], ["managers.tenant_id", "managers.id"]),
        UniqueConstraint("tenant_id", "manager_id", "period"),
        Index(None, "tenant_id", "period", "status"),
        # Keyset order of the appraisals list (orderBy PERIOD, TOTAL).
        Index(None, "tenant_id", "period", "id"),
        Index(None, "tenant_id", "total", "id"),
    )


class AppraisalItem(Base):
    """One scored item of an appraisal, with the article it applies."""

    __tablename__ = "appraisal_items"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    appraisal_id: Mapped[uuid.UUID]
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    article: Mapped[str] = mapped_column(String(80))
    max_points: Mapped[Decimal | None] = mapped_column(Score)
    score: Mapped[Decimal] = mapped_column(Score)
    inputs: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    explanation: Mapped[str] = mapped_column(Text)
    """In Chinese; ``explanation_en`` the same in English ("" when the plugin gave none)."""
    explanation_en: Mapped[str] = mapped_column(Text, default="")
    # No foreign key to appraisals: items are written and removed only together with
    # their appraisal, in one transaction (server/services/appraisal/ and
    # server/jobs/appraisal_run.py), and a per-row key check made re-running a whole
    # tenant's appraisals many times slower.
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "appraisal_id", "position"),)


ACTIVE_RUN = "status IN ('QUEUED', 'RUNNING')"
"""A run not yet finished: at most one per tenant and period (``uq_appraisal_runs_active``)."""


class AppraisalRun(Base):
    """A whole tenant appraised for one period: progress, and the cohort figures used.

    A worker holds the run while ``lease_until`` is in the future (``lease_owner`` names its
    attempt) and renews it as it goes; a run whose lease ran out was interrupted and is
    taken up again (``attempts`` counts the takes) by ``server.jobs.appraisal_run``."""

    __tablename__ = "appraisal_runs"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = id_column()
    period: Mapped[str] = mapped_column(String(7))
    status: Mapped[domain.RunStatus] = mapped_column(enum_column(domain.RunStatus, "status"))
    plugin: Mapped[str] = mapped_column(String(80))
    plugin_version: Mapped[str] = mapped_column(String(40))
    managers_total: Mapped[int] = mapped_column(Integer, default=0)
    managers_done: Mapped[int] = mapped_column(Integer, default=0)
    managers_skipped: Mapped[int] = mapped_column(Integer, default=0)
    cohort: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    problems: Mapped[list[Any]] = mapped_column(Json, default=list)
    started_by: Mapped[str] = mapped_column(String(80))
    started_by_manager: Mapped[str | None] = mapped_column(String(40))
    """The employee number the starter's token claims as their own (their record is skipped)."""
    started_at: Mapped[dt.datetime] = created_column()
    finished_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[dt.datetime | None]
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.tenant_id"]),
        Index(None, "tenant_id", "period", "started_at"),
        Index(
            "uq_appraisal_runs_active",
            "tenant_id",
            "period",
            unique=True,
            sqlite_where=text(ACTIVE_RUN),
            postgresql_where=text(ACTIVE_RUN),
        ),
        Index(None, "tenant_id", "status"),
    )


class DailyJobRun(Base):
    """A daily job done for a tenant and business date: the row is the claim, written in
    the job's own transaction, so the job runs at most once per date whatever the number
    of workers (``server.jobs.daily``)."""

    __tablename__ = "daily_job_runs"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    job: Mapped[str] = mapped_column(String(80))
    business_date: Mapped[dt.date]
    result: Mapped[int] = mapped_column(Integer, default=0)
    """What the job reports, e.g. how many rows it changed."""
    finished_at: Mapped[dt.datetime] = created_column()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "job", "business_date"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.tenant_id"]),
    )


class Violation(Base):
    """A recorded violation (the penalty plugin's input)."""

    __tablename__ = "violations"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = id_column()
    manager_id: Mapped[uuid.UUID]
    kind: Mapped[domain.ViolationKind] = mapped_column(enum_column(domain.ViolationKind, "kind"))
    occurred_on: Mapped[dt.date]
    description: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    status: Mapped[domain.ViolationStatus] = mapped_column(
        enum_column(domain.ViolationStatus, "status")
    )
    effect: Mapped[str | None] = mapped_column(String(40))
    effect_article: Mapped[str | None] = mapped_column(String(80))
    effect_reason: Mapped[str | None] = mapped_column(Text)
    plugin: Mapped[str | None] = mapped_column(String(80))
    plugin_version: Mapped[str | None] = mapped_column(String(40))
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = created_column()
    confirmed_by: Mapped[str | None] = mapped_column(String(80))
    confirmed_at: Mapped[dt.datetime | None]
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "manager_id"], ["managers.tenant_id", "managers.id"]),
        Index(None, "tenant_id", "manager_id", "occurred_on"),
        Index(None, "tenant_id", "status", "occurred_on"),
    )


class ViolationStatusChange(Base):
    """One step of a violation's life: who moved it from which status to which, when, why.

    The first row of every violation is its recording (from none to RECORDED)."""

    __tablename__ = "violation_status_changes"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = id_column()
    violation_id: Mapped[uuid.UUID]
    from_status: Mapped[domain.ViolationStatus | None] = mapped_column(
        enum_column(domain.ViolationStatus, "from_status")
    )
    to_status: Mapped[domain.ViolationStatus] = mapped_column(
        enum_column(domain.ViolationStatus, "to_status")
    )
    reason: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(80))
    changed_at: Mapped[dt.datetime] = created_column()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(
            ["tenant_id", "violation_id"], ["violations.tenant_id", "violations.id"]
        ),
        Index(None, "tenant_id", "violation_id", "changed_at"),
    )


class AccountMovement(Base):
    """A movement on a manager's account, e.g. the risk deposit (风险保证金)."""

    __tablename__ = "account_movements"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = id_column()
    manager_id: Mapped[uuid.UUID]
    account: Mapped[str] = mapped_column(String(40))
    amount: Mapped[Decimal] = mapped_column(Money)
    direction: Mapped[str] = mapped_column(String(6))
    appraisal_id: Mapped[uuid.UUID | None]
    article: Mapped[str] = mapped_column(String(80))
    explanation: Mapped[str] = mapped_column(Text)
    explanation_en: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = created_column()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "manager_id"], ["managers.tenant_id", "managers.id"]),
        Index(None, "tenant_id", "manager_id", "account", "recorded_at"),
        CheckConstraint("direction IN ('IN', 'OUT')", name="direction"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
    )
