"""The audit trail: one row per mutation called, allowed or refused.

Rows are only ever added: an entry, and one ``AuditTarget`` per id it names (the
index by which the trail of one object is found). The API has no way to change or
remove one, and the migration that creates the tables adds triggers (PostgreSQL and
SQLite) that refuse ``UPDATE`` and ``DELETE`` of their rows (and ``TRUNCATE`` on
PostgreSQL) to every database user, the owner included — who could only get round
them by dropping the triggers. How a row is written is
``server.graphql.audit.trail``'s docstring.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.db.models.base import Base, Json, TenantId, id_column, now
from server.db.types import UtcDateTime

USER_ID_LENGTH = 200
OPERATION_LENGTH = 100
OUTCOME_LENGTH = 40
REQUEST_ID_LENGTH = 64
TARGET_ID_LENGTH = 100


class AuditEntry(Base):
    """One mutation as it was called — who, when, what, on which ids — and how it ended."""

    __tablename__ = "audit_entries"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    # A UUIDv7 drawn when the mutation is called: id order is time order.
    id: Mapped[uuid.UUID] = id_column()
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=now)
    request_id: Mapped[str] = mapped_column(String(REQUEST_ID_LENGTH))
    user_id: Mapped[str] = mapped_column(String(USER_ID_LENGTH))
    # The user id case-folded: persons compare case-insensitively, and this is indexed.
    user_key: Mapped[str] = mapped_column(String(USER_ID_LENGTH))
    # The caller's roles, sorted.
    roles: Mapped[list[Any]] = mapped_column(Json)
    # The mutation's field name (``createLoan``).
    operation: Mapped[str] = mapped_column(String(OPERATION_LENGTH))
    # The ids the arguments named (``id``, ``…Id``, ``…Ids``), in the order sent.
    target_ids: Mapped[list[Any]] = mapped_column(Json)
    # ``OK``, the typed error's code, ``INTERNAL_ERROR`` or ``ROLLED_BACK``.
    outcome: Mapped[str] = mapped_column(String(OUTCOME_LENGTH))
    # The arguments as JSON text, identity numbers masked, cut at a bound.
    input: Mapped[str] = mapped_column(Text)
    # The size of the whole JSON text in UTF-8 bytes (more than ``input`` holds: cut).
    input_bytes: Mapped[int] = mapped_column(Integer)
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.tenant_id"]),
        Index(None, "tenant_id", "at"),
        Index(None, "tenant_id", "operation", "id"),
        Index(None, "tenant_id", "user_key", "id"),
    )


class AuditTarget(Base):
    """One id an audit row's mutation named: how the trail of one object is found."""

    __tablename__ = "audit_targets"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    target_id: Mapped[str] = mapped_column(String(TARGET_ID_LENGTH))
    entry_id: Mapped[uuid.UUID]
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "target_id", "entry_id"),
        ForeignKeyConstraint(
            ["tenant_id", "entry_id"], ["audit_entries.tenant_id", "audit_entries.id"]
        ),
    )
