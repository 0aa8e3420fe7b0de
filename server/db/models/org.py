"""Tenants, their office trees, and the credit customer managers with their tier history."""

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
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from server import domain
from server.db.models.base import (
    Base,
    Json,
    TenantId,
    created_column,
    enum_column,
    id_column,
    now,
)
from server.db.types import ScaledDecimal, UtcDateTime


class Tenant(Base):
    """A bank (农商银行) or county union (联社)."""

    __tablename__ = "tenants"
    tenant_id: Mapped[str] = mapped_column(TenantId, primary_key=True)
    name: Mapped[str]
    province: Mapped[str] = mapped_column(String(40))
    # Core parameters every tenant has (e.g. appeal_days); see server/services/tenant_settings.py.
    settings: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    created_at: Mapped[dt.datetime] = created_column()


class Office(Base):
    """An office in the tenant's tree: head office → branch → outlet.

    ``path`` is the materialised path of ids from the root (``/a/b/c/``), so a
    subtree is one indexed prefix match on both databases.
    """

    __tablename__ = "offices"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = id_column()
    parent_id: Mapped[uuid.UUID | None]
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str]
    kind: Mapped[domain.OfficeKind] = mapped_column(enum_column(domain.OfficeKind, "kind"))
    path: Mapped[str] = mapped_column(String(1000))
    depth: Mapped[int] = mapped_column(Integer)
    has_credit_clerk: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = created_column()
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
    id: Mapped[uuid.UUID] = id_column()
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
    # Resident ID (GB 11643), stored whole, shown masked; one manager record per person in
    # the tenant. Null only on records made before managers carried it.
    identity_number: Mapped[str | None] = mapped_column(String(18))
    # Disqualified for life (终生取消资格): the person, by identity number, is never taken on
    # again in the tenant.
    banned_for_life: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Notes the policies raise for people (e.g. DISMISSAL_REVIEW), kept until cleared.
    flags: Mapped[list[Any]] = mapped_column(Json, default=list)
    # The jurisdiction (管辖区): households, and those with a rating file passing review.
    jurisdiction_households: Mapped[int | None] = mapped_column(Integer)
    rated_households: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = created_column()
    updated_at: Mapped[dt.datetime] = mapped_column(
        UtcDateTime(), default=now, onupdate=now, server_default=func.now()
    )
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.tenant_id"]),
        ForeignKeyConstraint(["tenant_id", "office_id"], ["offices.tenant_id", "offices.id"]),
        UniqueConstraint("tenant_id", "employee_no"),
        UniqueConstraint("tenant_id", "identity_number"),
        Index(None, "tenant_id", "office_id"),
        Index(None, "tenant_id", "tier_rank", "id"),
        Index(None, "tenant_id", "status"),
        # Keyset order of the managers list (orderBy NAME, HIRE_DATE).
        Index(None, "tenant_id", "name", "id"),
        Index(None, "tenant_id", "hire_date", "id"),
        CheckConstraint("credit_work_years IS NULL OR credit_work_years >= 0", name="years"),
        CheckConstraint(
            "jurisdiction_households IS NULL OR jurisdiction_households >= 0", name="households"
        ),
    )


class ManagerTierChange(Base):
    """One entry of a manager's tier history, with its cause."""

    __tablename__ = "manager_tier_changes"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = id_column()
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
    recorded_at: Mapped[dt.datetime] = created_column()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "manager_id"], ["managers.tenant_id", "managers.id"]),
        Index(None, "tenant_id", "manager_id", "effective_on"),
    )


class ManagerOfficeMove(Base):
    """A manager's move from one office to another, and when."""

    __tablename__ = "manager_office_moves"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = id_column()
    manager_id: Mapped[uuid.UUID]
    from_office_id: Mapped[uuid.UUID]
    to_office_id: Mapped[uuid.UUID]
    moved_on: Mapped[dt.date]
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = created_column()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "manager_id"], ["managers.tenant_id", "managers.id"]),
        Index(None, "tenant_id", "manager_id", "moved_on"),
    )


class TierProposal(Base):
    """A manual tier change (cause MANUAL): proposed by one HR person with the reason, and
    applied only when a second HR person confirms it (or ended when one rejects it)."""

    __tablename__ = "tier_proposals"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = id_column()
    manager_id: Mapped[uuid.UUID]
    # The tier held when proposed: a confirmation applies only from it.
    from_code: Mapped[str | None] = mapped_column(String(40))
    to_code: Mapped[str] = mapped_column(String(40))
    to_rank: Mapped[int] = mapped_column(Integer)
    to_name: Mapped[str] = mapped_column(String(80))
    plugin: Mapped[str] = mapped_column(String(80))
    plugin_version: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[domain.TierProposalStatus] = mapped_column(
        enum_column(domain.TierProposalStatus, "status")
    )
    proposed_by: Mapped[str] = mapped_column(String(80))
    proposed_at: Mapped[dt.datetime] = created_column()
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[dt.datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    tier_change_id: Mapped[uuid.UUID | None]
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "manager_id"], ["managers.tenant_id", "managers.id"]),
        ForeignKeyConstraint(
            ["tenant_id", "tier_change_id"],
            ["manager_tier_changes.tenant_id", "manager_tier_changes.id"],
        ),
        Index(None, "tenant_id", "manager_id", "status"),
        Index(None, "tenant_id", "status", "proposed_at"),
    )
