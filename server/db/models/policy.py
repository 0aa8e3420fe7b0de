"""Each tenant's choice of policy plugin per category, and the history of its choices."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    ForeignKeyConstraint,
    Integer,
    PrimaryKeyConstraint,
    String,
    text,
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
)


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
    selected_at: Mapped[dt.datetime] = created_column()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "category"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.tenant_id"]),
    )


class TenantPolicyChange(Base):
    """History of policy selections: who chose what, and when."""

    __tablename__ = "tenant_policy_changes"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = id_column()
    category: Mapped[domain.PolicyCategory] = mapped_column(
        enum_column(domain.PolicyCategory, "category")
    )
    plugin: Mapped[str | None] = mapped_column(String(80))
    plugin_version: Mapped[str | None] = mapped_column(String(40))
    parameters: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    changed_by: Mapped[str] = mapped_column(String(80))
    changed_at: Mapped[dt.datetime] = created_column()
    managers_moved: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    """Managers moved to the new grading plugin's tiers by this change (cause POLICY_CHANGE)."""
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.tenant_id"]),
    )
