"""The schema, as SQLAlchemy declarative models.

Tenant first: every table carries ``tenant_id`` as the first column of its
primary key, of every foreign key and of every index, so that a cluster
distributed by tenant can take the schema unchanged and no row is reachable
without naming its tenant. Money is exact: ``NUMERIC(18, 2)`` on PostgreSQL, integer fen on SQLite
(``server/db/types.py``).
The migrations in ``server/db/migrations`` create this schema; a test checks
that the two agree.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from server import domain
from server.db.types import ScaledDecimal
from server.ids import uuid7

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Money = ScaledDecimal(18, 2)
Score = ScaledDecimal(7, 2)
Rate = ScaledDecimal(9, 6)
Quantity = ScaledDecimal(18, 4)
TenantId = String(32)
Json = JSON().with_variant(JSON(none_as_null=True), "postgresql")


def enum_column(enum_cls: type[domain.LabelledEnum], column: str) -> Enum:
    """A VARCHAR with a CHECK of the allowed values (named after the column)."""
    return Enum(
        enum_cls,
        name=column,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {  # noqa: RUF012
        uuid.UUID: Uuid(),
        dt.datetime: DateTime(timezone=True),
        dt.date: Date(),
        Decimal: Money,
        str: String(200),
        dict[str, Any]: Json,
        list[Any]: Json,
    }


def _id() -> Mapped[uuid.UUID]:
    return mapped_column(Uuid(), default=uuid7)


def _created() -> Mapped[dt.datetime]:
    return mapped_column(DateTime(timezone=True), default=now, server_default=func.now())


class Tenant(Base):
    """A bank (农商银行) or county union (联社)."""

    __tablename__ = "tenants"
    tenant_id: Mapped[str] = mapped_column(TenantId, primary_key=True)
    name: Mapped[str]
    province: Mapped[str] = mapped_column(String(40))
    # Core parameters every tenant has (e.g. appeal_days); see server/services/tenant_settings.py.
    settings: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    created_at: Mapped[dt.datetime] = _created()


class TenantPolicy(Base):
    """The tenant's choice of plugin for one policy category, with its parameters."""

    __tablename__ = "tenant_policies"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    category: Mapped[domain.PolicyCategory] = mapped_column(
        enum_column(domain.PolicyCategory, "category")
    )
    plugin: Mapped[str] = mapped_column(String(80))
    plugin_version: Mapped[str] = mapped_column(String(40))
    parameters: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    selected_by: Mapped[str] = mapped_column(String(80))
    selected_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "category"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.tenant_id"]),
    )


class TenantPolicyChange(Base):
    """History of policy selections: who chose what, and when."""

    __tablename__ = "tenant_policy_changes"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = _id()
    category: Mapped[domain.PolicyCategory] = mapped_column(
        enum_column(domain.PolicyCategory, "category")
    )
    plugin: Mapped[str | None] = mapped_column(String(80))
    plugin_version: Mapped[str | None] = mapped_column(String(40))
    parameters: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    changed_by: Mapped[str] = mapped_column(String(80))
    changed_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.tenant_id"]),
    )


class Office(Base):
    """An office in the tenant's tree: head office → branch → outlet.

    ``path`` is the materialised path of ids from the root (``/a/b/c/``), so a
    subtree is one indexed prefix match on both databases.
    """

    __tablename__ = "offices"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = _id()
    parent_id: Mapped[uuid.UUID | None]
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str]
    kind: Mapped[domain.OfficeKind] = mapped_column(enum_column(domain.OfficeKind, "kind"))
    path: Mapped[str] = mapped_column(String(1000))
    depth: Mapped[int] = mapped_column(Integer)
    has_credit_clerk: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.tenant_id"]),
        ForeignKeyConstraint(["tenant_id", "parent_id"], ["offices.tenant_id", "offices.id"]),
        UniqueConstraint("tenant_id", "code"),
        Index(None, "tenant_id", "parent_id"),
        Index(None, "tenant_id", "path"),
    )


class Manager(Base):
    """A credit customer manager (信贷客户经理)."""

    __tablename__ = "managers"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = _id()
    employee_no: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(80))
    office_id: Mapped[uuid.UUID]
    category: Mapped[domain.ManagerCategory] = mapped_column(
        enum_column(domain.ManagerCategory, "category")
    )
    status: Mapped[domain.ManagerStatus] = mapped_column(
        enum_column(domain.ManagerStatus, "status")
    )
    hire_date: Mapped[dt.date]
    birth_date: Mapped[dt.date]
    probation_ends_on: Mapped[dt.date | None]
    post_started_on: Mapped[dt.date | None]
    # Current tier, as the tenant's grading plugin names it (compared by rank).
    tier_code: Mapped[str | None] = mapped_column(String(40))
    tier_rank: Mapped[int | None] = mapped_column(Integer)
    tier_name: Mapped[str | None] = mapped_column(String(80))
    # Qualification profile.
    education: Mapped[domain.Education | None] = mapped_column(
        enum_column(domain.Education, "education")
    )
    professional_title: Mapped[domain.ProfessionalTitle | None] = mapped_column(
        enum_column(domain.ProfessionalTitle, "professional_title")
    )
    credit_exam: Mapped[domain.CreditExamResult | None] = mapped_column(
        enum_column(domain.CreditExamResult, "credit_exam")
    )
    credit_work_years: Mapped[Decimal | None] = mapped_column(ScaledDecimal(5, 2))
    system_proficiency: Mapped[domain.SystemProficiency | None] = mapped_column(
        enum_column(domain.SystemProficiency, "system_proficiency")
    )
    qualification_level: Mapped[str | None] = mapped_column(String(40))
    licence_no: Mapped[str | None] = mapped_column(String(40))
    licence_issued_on: Mapped[dt.date | None]
    licence_valid_until: Mapped[dt.date | None]
    # Notes the policies raise for people (e.g. DISMISSAL_REVIEW), kept until cleared.
    flags: Mapped[list[Any]] = mapped_column(Json, default=list)
    # The jurisdiction (管辖区): households, and those with a rating file passing review.
    jurisdiction_households: Mapped[int | None] = mapped_column(Integer)
    rated_households: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = _created()
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=now, onupdate=now, server_default=func.now()
    )
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.tenant_id"]),
        ForeignKeyConstraint(["tenant_id", "office_id"], ["offices.tenant_id", "offices.id"]),
        UniqueConstraint("tenant_id", "employee_no"),
        Index(None, "tenant_id", "office_id"),
        Index(None, "tenant_id", "tier_rank"),
        Index(None, "tenant_id", "status"),
        CheckConstraint("credit_work_years IS NULL OR credit_work_years >= 0", name="years"),
        CheckConstraint(
            "jurisdiction_households IS NULL OR jurisdiction_households >= 0", name="households"
        ),
    )


class ManagerTierChange(Base):
    """One entry of a manager's tier history, with its cause."""

    __tablename__ = "manager_tier_changes"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = _id()
    manager_id: Mapped[uuid.UUID]
    from_code: Mapped[str | None] = mapped_column(String(40))
    from_rank: Mapped[int | None] = mapped_column(Integer)
    from_name: Mapped[str | None] = mapped_column(String(80))
    to_code: Mapped[str | None] = mapped_column(String(40))
    to_rank: Mapped[int | None] = mapped_column(Integer)
    to_name: Mapped[str | None] = mapped_column(String(80))
    cause: Mapped[domain.TierChangeCause] = mapped_column(
        enum_column(domain.TierChangeCause, "cause")
    )
    appraisal_id: Mapped[uuid.UUID | None]
    violation_id: Mapped[uuid.UUID | None]
    reason: Mapped[str | None] = mapped_column(Text)
    plugin: Mapped[str | None] = mapped_column(String(80))
    plugin_version: Mapped[str | None] = mapped_column(String(40))
    effective_on: Mapped[dt.date]
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "manager_id"], ["managers.tenant_id", "managers.id"]),
        Index(None, "tenant_id", "manager_id", "effective_on"),
    )


class Customer(Base):
    """A loan customer: an individual or a corporate (法人) customer."""

    __tablename__ = "customers"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = _id()
    kind: Mapped[domain.CustomerKind] = mapped_column(enum_column(domain.CustomerKind, "kind"))
    segment: Mapped[domain.CustomerSegment] = mapped_column(
        enum_column(domain.CustomerSegment, "segment")
    )
    name: Mapped[str]
    # Resident ID (GB 11643) or unified social credit code (GB 32100); shown masked.
    id_number: Mapped[str] = mapped_column(String(18))
    manager_id: Mapped[uuid.UUID]
    office_id: Mapped[uuid.UUID]
    admission_status: Mapped[domain.AdmissionStatus] = mapped_column(
        enum_column(domain.AdmissionStatus, "admission_status")
    )
    admitted_on: Mapped[dt.date | None]
    last_credit_lapsed_on: Mapped[dt.date | None]
    blacklisted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Current class (classification plugin) and the exposure when it was set.
    class_code: Mapped[domain.CustomerClass | None] = mapped_column(
        enum_column(domain.CustomerClass, "class_code")
    )
    class_set_at: Mapped[dt.datetime | None]
    exposure_at_class_set: Mapped[Decimal | None] = mapped_column(Money)
    # Facts the classifier reads (loan facts come from the loans table).
    industry_policy: Mapped[domain.IndustryPolicy] = mapped_column(
        enum_column(domain.IndustryPolicy, "industry_policy")
    )
    licences_complete: Mapped[bool] = mapped_column(Boolean, default=True)
    operating_status: Mapped[domain.OperatingStatus] = mapped_column(
        enum_column(domain.OperatingStatus, "operating_status")
    )
    prospects: Mapped[domain.Prospects] = mapped_column(enum_column(domain.Prospects, "prospects"))
    last_bad_credit_on: Mapped[dt.date | None]
    malicious_evasion: Mapped[bool] = mapped_column(Boolean, default=False)
    major_litigation: Mapped[bool] = mapped_column(Boolean, default=False)
    contribution_score: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = _created()
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=now, onupdate=now, server_default=func.now()
    )
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.tenant_id"]),
        ForeignKeyConstraint(["tenant_id", "manager_id"], ["managers.tenant_id", "managers.id"]),
        ForeignKeyConstraint(["tenant_id", "office_id"], ["offices.tenant_id", "offices.id"]),
        UniqueConstraint("tenant_id", "id_number"),
        Index(None, "tenant_id", "manager_id", "id"),
        Index(None, "tenant_id", "office_id"),
        Index(None, "tenant_id", "class_code"),
        CheckConstraint(
            "contribution_score >= 0 AND contribution_score <= 100", name="contribution"
        ),
    )


class CustomerClassChange(Base):
    """One entry of a customer's class history, with the rules that decided it."""

    __tablename__ = "customer_class_changes"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = _id()
    customer_id: Mapped[uuid.UUID]
    from_class: Mapped[domain.CustomerClass | None] = mapped_column(
        enum_column(domain.CustomerClass, "from_class")
    )
    to_class: Mapped[domain.CustomerClass] = mapped_column(
        enum_column(domain.CustomerClass, "to_class")
    )
    rules: Mapped[list[Any]] = mapped_column(Json, default=list)
    plugin: Mapped[str] = mapped_column(String(80))
    plugin_version: Mapped[str] = mapped_column(String(40))
    changed_by: Mapped[str] = mapped_column(String(80))
    changed_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
        Index(None, "tenant_id", "customer_id", "changed_at"),
    )


class BlacklistEntry(Base):
    """An addition to or removal from the tenant's blacklist (不良信用客户名单库)."""

    __tablename__ = "blacklist_entries"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = _id()
    customer_id: Mapped[uuid.UUID]
    listed: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
        Index(None, "tenant_id", "customer_id"),
    )


class Loan(Base):
    """A credit business item (贷款 and the other 授信业务 of Art. 4)."""

    __tablename__ = "loans"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = _id()
    contract_no: Mapped[str] = mapped_column(String(40))
    customer_id: Mapped[uuid.UUID]
    manager_id: Mapped[uuid.UUID]
    office_id: Mapped[uuid.UUID]
    product: Mapped[domain.LoanProduct] = mapped_column(enum_column(domain.LoanProduct, "product"))
    principal: Mapped[Decimal] = mapped_column(Money)
    balance: Mapped[Decimal] = mapped_column(Money)
    annual_rate: Mapped[Decimal] = mapped_column(Rate)
    issued_on: Mapped[dt.date]
    matures_on: Mapped[dt.date]
    guarantee: Mapped[domain.Guarantee] = mapped_column(enum_column(domain.Guarantee, "guarantee"))
    risk_class: Mapped[domain.RiskClass] = mapped_column(
        enum_column(domain.RiskClass, "risk_class")
    )
    days_overdue: Mapped[int] = mapped_column(Integer, default=0)
    is_extension: Mapped[bool] = mapped_column(Boolean, default=False)
    is_refinancing: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = _created()
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=now, onupdate=now, server_default=func.now()
    )
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.tenant_id"]),
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
        ForeignKeyConstraint(["tenant_id", "manager_id"], ["managers.tenant_id", "managers.id"]),
        ForeignKeyConstraint(["tenant_id", "office_id"], ["offices.tenant_id", "offices.id"]),
        UniqueConstraint("tenant_id", "contract_no"),
        Index(None, "tenant_id", "manager_id", "risk_class"),
        # Keyset pages of a manager's or customer's loans read these in id order.
        Index(None, "tenant_id", "manager_id", "id"),
        Index(None, "tenant_id", "customer_id", "id"),
        Index(None, "tenant_id", "office_id"),
        Index(None, "tenant_id", "matures_on"),
        CheckConstraint("principal > 0", name="principal_positive"),
        CheckConstraint("balance >= 0 AND balance <= principal", name="balance_range"),
        CheckConstraint("days_overdue >= 0", name="days_overdue"),
        CheckConstraint("matures_on >= issued_on", name="term"),
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
    recorded_at: Mapped[dt.datetime] = _created()
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
    recorded_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "manager_id", "period", "office_id", "indicator"),
        ForeignKeyConstraint(["tenant_id", "manager_id"], ["managers.tenant_id", "managers.id"]),
        ForeignKeyConstraint(["tenant_id", "office_id"], ["offices.tenant_id", "offices.id"]),
    )


class InspectionFinding(Base):
    """A finding of the sample inspection of a manager's work (工作质量抽查)."""

    __tablename__ = "inspection_findings"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = _id()
    manager_id: Mapped[uuid.UUID]
    period: Mapped[str] = mapped_column(String(7))
    item: Mapped[str] = mapped_column(String(20))
    finding: Mapped[str] = mapped_column(String(60))
    count: Mapped[int] = mapped_column(Integer, default=1)
    loan_id: Mapped[uuid.UUID | None]
    description: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = _created()
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
    id: Mapped[uuid.UUID] = _id()
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
    graded: Mapped[bool] = mapped_column(Boolean, default=True)
    warnings: Mapped[list[Any]] = mapped_column(Json, default=list)
    pay: Mapped[list[Any]] = mapped_column(Json, default=list)
    tier_move: Mapped[dict[str, Any] | None] = mapped_column(Json)
    run_id: Mapped[uuid.UUID | None]
    computed_by: Mapped[str] = mapped_column(String(80))
    computed_at: Mapped[dt.datetime] = _created()
    confirmed_by: Mapped[str | None] = mapped_column(String(80))
    confirmed_at: Mapped[dt.datetime | None]
    appealed_at: Mapped[dt.datetime | None]
    appeal_reason: Mapped[str | None] = mapped_column(Text)
    review_reason: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "manager_id"], ["managers.tenant_id", "managers.id"]),
        UniqueConstraint("tenant_id", "manager_id", "period"),
        Index(None, "tenant_id", "period", "status"),
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
    # No foreign key to appraisals: items are written and removed only together with
    # their appraisal, in one transaction (server/services/appraisal.py), and a per-row
    # key check made re-running a whole tenant's appraisals many times slower.
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "appraisal_id", "position"),)


class Violation(Base):
    """A recorded violation (the penalty plugin's input)."""

    __tablename__ = "violations"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = _id()
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
    recorded_at: Mapped[dt.datetime] = _created()
    confirmed_by: Mapped[str | None] = mapped_column(String(80))
    confirmed_at: Mapped[dt.datetime | None]
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "manager_id"], ["managers.tenant_id", "managers.id"]),
        Index(None, "tenant_id", "manager_id", "occurred_on"),
    )


class Event(Base):
    """The outbox: one row per grade or class change, written with the change."""

    __tablename__ = "events"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    cursor: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[domain.EventKind] = mapped_column(enum_column(domain.EventKind, "kind"))
    subject_id: Mapped[uuid.UUID]
    office_id: Mapped[uuid.UUID | None]
    payload: Mapped[dict[str, Any]] = mapped_column(Json)
    occurred_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "cursor"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.tenant_id"]),
        Index(None, "tenant_id", "kind", "cursor"),
    )


class LoanSnapshot(Base):
    """A loan as it stood at a date (month or year end), for period-start and -end figures."""

    __tablename__ = "loan_snapshots"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    as_of: Mapped[dt.date]
    loan_id: Mapped[uuid.UUID]
    manager_id: Mapped[uuid.UUID]
    customer_id: Mapped[uuid.UUID]
    office_id: Mapped[uuid.UUID]
    customer_kind: Mapped[domain.CustomerKind] = mapped_column(
        enum_column(domain.CustomerKind, "customer_kind")
    )
    balance: Mapped[Decimal] = mapped_column(Money)
    risk_class: Mapped[domain.RiskClass] = mapped_column(
        enum_column(domain.RiskClass, "risk_class")
    )
    days_overdue: Mapped[int] = mapped_column(Integer)
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "as_of", "loan_id"),
        ForeignKeyConstraint(["tenant_id", "loan_id"], ["loans.tenant_id", "loans.id"]),
        Index(None, "tenant_id", "as_of", "manager_id"),
    )


class DutyRecord(Base):
    """A post-loan duty done: a collection notice, an overdue collection, an inspection report."""

    __tablename__ = "duty_records"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = _id()
    loan_id: Mapped[uuid.UUID]
    manager_id: Mapped[uuid.UUID]
    kind: Mapped[domain.DutyKind] = mapped_column(enum_column(domain.DutyKind, "kind"))
    done_on: Mapped[dt.date]
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "loan_id"], ["loans.tenant_id", "loans.id"]),
        ForeignKeyConstraint(["tenant_id", "manager_id"], ["managers.tenant_id", "managers.id"]),
        Index(None, "tenant_id", "loan_id", "kind", "done_on"),
        Index(None, "tenant_id", "manager_id", "done_on"),
    )


class AdmissionRequest(Base):
    """A request for first-credit admission (首次建立信贷关系客户准入, Art. 7)."""

    __tablename__ = "admission_requests"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = _id()
    customer_id: Mapped[uuid.UUID]
    status: Mapped[domain.AdmissionDecision] = mapped_column(
        enum_column(domain.AdmissionDecision, "status")
    )
    reason: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(80))
    requested_at: Mapped[dt.datetime] = _created()
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[dt.datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
        Index(None, "tenant_id", "customer_id", "requested_at"),
    )


class RelationshipTransfer(Base):
    """A customer's credit relationship moved to another office (Art. 6.2: customer's choice)."""

    __tablename__ = "relationship_transfers"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = _id()
    customer_id: Mapped[uuid.UUID]
    from_office_id: Mapped[uuid.UUID]
    to_office_id: Mapped[uuid.UUID]
    from_manager_id: Mapped[uuid.UUID]
    to_manager_id: Mapped[uuid.UUID]
    reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
        Index(None, "tenant_id", "customer_id"),
    )


class AppraisalRun(Base):
    """A whole tenant appraised for one period: progress, and the cohort figures used."""

    __tablename__ = "appraisal_runs"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = _id()
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
    started_at: Mapped[dt.datetime] = _created()
    finished_at: Mapped[dt.datetime | None]
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.tenant_id"]),
        Index(None, "tenant_id", "period", "started_at"),
    )


class AccountMovement(Base):
    """A movement on a manager's account, e.g. the risk deposit (风险保证金)."""

    __tablename__ = "account_movements"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = _id()
    manager_id: Mapped[uuid.UUID]
    account: Mapped[str] = mapped_column(String(40))
    amount: Mapped[Decimal] = mapped_column(Money)
    direction: Mapped[str] = mapped_column(String(6))
    appraisal_id: Mapped[uuid.UUID | None]
    article: Mapped[str] = mapped_column(String(80))
    explanation: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "manager_id"], ["managers.tenant_id", "managers.id"]),
        Index(None, "tenant_id", "manager_id", "account", "recorded_at"),
        CheckConstraint("direction IN ('IN', 'OUT')", name="direction"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
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
    recorded_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "office_id", "period", "indicator"),
        ForeignKeyConstraint(["tenant_id", "office_id"], ["offices.tenant_id", "offices.id"]),
    )


class ManagerOfficeMove(Base):
    """A manager's move from one office to another, and when."""

    __tablename__ = "manager_office_moves"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = _id()
    manager_id: Mapped[uuid.UUID]
    from_office_id: Mapped[uuid.UUID]
    to_office_id: Mapped[uuid.UUID]
    moved_on: Mapped[dt.date]
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "manager_id"], ["managers.tenant_id", "managers.id"]),
        Index(None, "tenant_id", "manager_id", "moved_on"),
    )


class EventCounter(Base):
    """The last event cursor handed out per tenant.

    Taking the next cursor updates this row, whose lock is held until the
    transaction ends: a transaction with cursor N+1 cannot commit before the one
    holding N has ended, so cursors become visible in order and a reader that
    resumes after N never misses an event committed later with a smaller number.
    A rolled-back transaction gives its cursor back.
    """

    __tablename__ = "event_counters"
    tenant_id: Mapped[str] = mapped_column(TenantId, primary_key=True)
    last_cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    __table_args__ = (ForeignKeyConstraint(["tenant_id"], ["tenants.tenant_id"]),)


class WebhookEndpoint(Base):
    """An integrator's URL that receives the tenant's events, signed with its secret.

    The secret is kept in the clear because every delivery is signed with it; the
    API shows it only when it is issued (registration, rotation). Deliveries are
    created for events after ``enqueued_through``, which starts at the tenant's
    last cursor when the endpoint is registered: an endpoint receives what happens
    from then on (the event queries serve the history).
    """

    __tablename__ = "webhook_endpoints"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = _id()
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    # The EventKind values wanted.
    kinds: Mapped[list[Any]] = mapped_column(Json, default=list)
    status: Mapped[domain.WebhookStatus] = mapped_column(
        enum_column(domain.WebhookStatus, "status")
    )
    paused_reason: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    enqueued_through: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = _created()
    secret_rotated_at: Mapped[dt.datetime | None]
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.tenant_id"]),
    )


class WebhookDelivery(Base):
    """One event to send to one endpoint: sent in cursor order, retried until delivered."""

    __tablename__ = "webhook_deliveries"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = _id()
    endpoint_id: Mapped[uuid.UUID]
    cursor: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[domain.WebhookDeliveryStatus] = mapped_column(
        enum_column(domain.WebhookDeliveryStatus, "status")
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the next attempt may start; while one is in flight, the end of its lease.
    next_attempt_at: Mapped[dt.datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    delivered_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(
            ["tenant_id", "endpoint_id"],
            ["webhook_endpoints.tenant_id", "webhook_endpoints.id"],
        ),
        ForeignKeyConstraint(["tenant_id", "cursor"], ["events.tenant_id", "events.cursor"]),
        UniqueConstraint("tenant_id", "endpoint_id", "cursor"),
        Index(None, "tenant_id", "endpoint_id", "status", "cursor"),
    )
