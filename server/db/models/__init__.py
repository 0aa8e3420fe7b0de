"""The schema, as SQLAlchemy declarative models, one module per domain.

Tenant first: every table carries ``tenant_id`` as the first column of its
primary key, of every foreign key and of every index, so that a cluster
distributed by tenant can take the schema unchanged and no row is reachable
without naming its tenant. Money is exact: ``NUMERIC(18, 2)`` on PostgreSQL, integer fen on SQLite
(``server/db/types.py``).
The migrations in ``server/db/migrations`` create this schema; a test checks
that the two agree. Importing this package registers every table on
``Base.metadata``, which is what the migrations and that test compare.
"""

from __future__ import annotations

from server.db.models.appraisal import (
    AccountMovement,
    Appraisal,
    AppraisalItem,
    AppraisalRun,
    DailyJobRun,
    IndicatorValue,
    InspectionFinding,
    OfficeFigure,
    TaskPlan,
    Violation,
    ViolationStatusChange,
)
from server.db.models.audit import AuditEntry, AuditTarget
from server.db.models.base import (
    Base,
    now,
)
from server.db.models.events import (
    Event,
    EventCounter,
    WebhookDelivery,
    WebhookEndpoint,
)
from server.db.models.lending import (
    AdmissionLapse,
    AdmissionRequest,
    BlacklistEntry,
    Customer,
    CustomerClassChange,
    CustomerExposureMark,
    DutyRecord,
    Loan,
    LoanSnapshot,
    LoanSnapshotTotal,
    LoanStateImport,
    OfficeBorrower,
    RelationshipTransfer,
)
from server.db.models.org import (
    Manager,
    ManagerOfficeMove,
    ManagerTierChange,
    Office,
    Tenant,
    TierProposal,
)
from server.db.models.policy import (
    TenantPolicy,
    TenantPolicyChange,
)

__all__ = [
    "AccountMovement",
    "AdmissionLapse",
    "AdmissionRequest",
    "Appraisal",
    "AppraisalItem",
    "AppraisalRun",
    "AuditEntry",
    "AuditTarget",
    "Base",
    "BlacklistEntry",
    "Customer",
    "CustomerClassChange",
    "CustomerExposureMark",
    "DailyJobRun",
    "DutyRecord",
    "Event",
    "EventCounter",
    "IndicatorValue",
    "InspectionFinding",
    "Loan",
    "LoanSnapshot",
    "LoanSnapshotTotal",
    "LoanStateImport",
    "Manager",
    "ManagerOfficeMove",
    "ManagerTierChange",
    "Office",
    "OfficeBorrower",
    "OfficeFigure",
    "RelationshipTransfer",
    "TaskPlan",
    "Tenant",
    "TenantPolicy",
    "TenantPolicyChange",
    "TierProposal",
    "Violation",
    "ViolationStatusChange",
    "WebhookDelivery",
    "WebhookEndpoint",
    "now",
]
