"""Customers and their loans: classes, blacklist, admission, transfers, duties, snapshots."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from server import domain, loan_book
from server.db.models.base import (
    Base,
    Json,
    Money,
    Rate,
    TenantId,
    created_column,
    enum_column,
    id_column,
    now,
)
from server.db.types import UtcDateTime


class Customer(Base):
    """A loan customer: an individual or a corporate (法人) customer."""

    __tablename__ = "customers"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = id_column()
    kind: Mapped[domain.CustomerKind] = mapped_column(enum_column(domain.CustomerKind, "kind"))
    segment: Mapped[domain.CustomerSegment] = mapped_column(
        enum_column(domain.CustomerSegment, "segment")
    )
    name: Mapped[str]
    # Resident ID (GB 11643) or unified social credit code (GB 32100); shown masked.
    id_number: Mapped[str] = mapped_column(String(18))
    # HMAC of id_number under the lookup key (server.identity_lookup): exact lookup only.
    id_number_hash: Mapped[str] = mapped_column(String(64))
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
    created_at: Mapped[dt.datetime] = created_column()
    updated_at: Mapped[dt.datetime] = mapped_column(
        UtcDateTime(), default=now, onupdate=now, server_default=func.now()
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
        Index(None, "tenant_id", "id_number_hash"),
        Index(None, "tenant_id", "name", "id"),
        CheckConstraint(
            "contribution_score >= 0 AND contribution_score <= 100", name="contribution"
        ),
    )


class CustomerClassChange(Base):
    """One entry of a customer's class history, with the rules that decided it."""

    __tablename__ = "customer_class_changes"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = id_column()
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
    changed_at: Mapped[dt.datetime] = created_column()
    # The customer's total outstanding when this class was set (None: recorded before 0010).
    exposure: Mapped[Decimal | None] = mapped_column(Money)
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
        Index(None, "tenant_id", "customer_id", "changed_at"),
    )


class CustomerExposureMark(Base):
    """A customer's total outstanding after a change of it (a loan written, later repayments).

    The marks give the highest outstanding over a span (the MAINTAIN reference exposure
    of the Shanxi classification: the highest outstanding in the 12 months before the
    class was set), without a history of every loan's balance.
    """

    __tablename__ = "customer_exposure_marks"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = id_column()
    customer_id: Mapped[uuid.UUID]
    outstanding: Mapped[Decimal] = mapped_column(Money)
    recorded_at: Mapped[dt.datetime] = created_column()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
        Index(None, "tenant_id", "customer_id", "recorded_at"),
        CheckConstraint("outstanding >= 0", name="outstanding_not_negative"),
    )


class BlacklistEntry(Base):
    """An addition to or removal from the tenant's blacklist (不良信用客户名单库)."""

    __tablename__ = "blacklist_entries"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = id_column()
    customer_id: Mapped[uuid.UUID]
    listed: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = created_column()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
        Index(None, "tenant_id", "customer_id"),
    )


class AdmissionRequest(Base):
    """A request for first-credit admission (首次建立信贷关系客户准入, Art. 7)."""

    __tablename__ = "admission_requests"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = id_column()
    customer_id: Mapped[uuid.UUID]
    status: Mapped[domain.AdmissionDecision] = mapped_column(
        enum_column(domain.AdmissionDecision, "status")
    )
    reason: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(80))
    requested_at: Mapped[dt.datetime] = created_column()
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[dt.datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
        Index(None, "tenant_id", "customer_id", "requested_at"),
        # The work queue of pending requests, oldest (lowest time-ordered id) first.
        Index(None, "tenant_id", "status", "id"),
    )


class AdmissionLapse(Base):
    """An approved admission that lapsed (准入办法 第二条): no credit for more than 6 months
    since ``last_credit_on``, so the customer counts as new again (status ``LAPSED``)."""

    __tablename__ = "admission_lapses"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = id_column()
    customer_id: Mapped[uuid.UUID]
    # The approval or the last loan's maturity, whichever was later.
    last_credit_on: Mapped[dt.date]
    # The business date the lapse was recorded on.
    lapsed_on: Mapped[dt.date]
    # The user whose request found it, or the daily job.
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = created_column()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
        Index(None, "tenant_id", "customer_id", "lapsed_on"),
    )


class RelationshipTransfer(Base):
    """A customer's credit relationship moved to another office (Art. 6.2: customer's choice)."""

    __tablename__ = "relationship_transfers"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = id_column()
    customer_id: Mapped[uuid.UUID]
    from_office_id: Mapped[uuid.UUID]
    to_office_id: Mapped[uuid.UUID]
    from_manager_id: Mapped[uuid.UUID]
    to_manager_id: Mapped[uuid.UUID]
    reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = created_column()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
        Index(None, "tenant_id", "customer_id"),
    )


def _repaid_before_entry(context: Any) -> Decimal:
    """A new loan's principal repaid unless given: what its balance is short of the principal."""
    given = context.get_current_parameters()
    return Decimal(given["principal"]) - Decimal(given["balance"])


class Loan(Base):
    """A credit business item (贷款 and the other 授信业务 of Art. 4)."""

    __tablename__ = "loans"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = id_column()
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
    # The loan book (server.services.loan_book): balance = principal − principal_repaid
    # − written_off_amount, always; principal_repaid includes what was repaid before the
    # loan was entered (principal − its first balance), interest_repaid and
    # writeoff_recovered count from its entry, all three are cumulative.
    status: Mapped[loan_book.LoanStatus] = mapped_column(
        enum_column(loan_book.LoanStatus, "status"),
        default=loan_book.LoanStatus.ACTIVE,
        server_default=loan_book.LoanStatus.ACTIVE.value,
    )
    principal_repaid: Mapped[Decimal] = mapped_column(
        Money, default=_repaid_before_entry, server_default="0"
    )
    interest_repaid: Mapped[Decimal] = mapped_column(Money, default=Decimal(0), server_default="0")
    written_off_on: Mapped[dt.date | None]
    written_off_amount: Mapped[Decimal | None] = mapped_column(Money)
    writeoff_recovered: Mapped[Decimal] = mapped_column(
        Money, default=Decimal(0), server_default="0"
    )
    closed_on: Mapped[dt.date | None]
    # The post-loan duties done, kept by the database from the loan's duty records
    # (migration 0022; the duty-compliance report reads them): the first collection notice,
    # the latest year with an inspection, and a bit for each quarter with one in the
    # INSPECTION_WINDOW_YEARS up to it (server.services.reports.duties_done).
    first_notice_on: Mapped[dt.date | None]
    inspection_year: Mapped[int | None] = mapped_column(SmallInteger)
    inspection_quarters: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = created_column()
    updated_at: Mapped[dt.datetime] = mapped_column(
        UtcDateTime(), default=now, onupdate=now, server_default=func.now()
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
        Index(None, "tenant_id", "matures_on", "id"),
        # Keyset order of the loans list (orderBy PRINCIPAL, ISSUED_ON). Not the balance:
        # a day-end file changes every loan's, and an unindexed balance lets PostgreSQL
        # update the row in place (migration 0019, with the table's fill factor).
        Index(None, "tenant_id", "principal", "id"),
        Index(None, "tenant_id", "issued_on", "id"),
        CheckConstraint("principal > 0", name="principal_positive"),
        CheckConstraint("balance >= 0 AND balance <= principal", name="balance_range"),
        CheckConstraint("days_overdue >= 0", name="days_overdue"),
        CheckConstraint("matures_on >= issued_on", name="term"),
    )


class LoanMovement(Base):
    """One dated change of a loan: a repayment, a write-off and its recoveries, a closure,
    a change of five-category class or of the extension / refinancing flags.

    ``risk_class`` is the loan's class when the movement happened (before a change of
    class recorded with it) and ``manager_id`` its responsible manager then, so figures
    by period and manager read the movements alone."""

    __tablename__ = "loan_movements"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = id_column()
    loan_id: Mapped[uuid.UUID]
    manager_id: Mapped[uuid.UUID]
    kind: Mapped[loan_book.LoanMovementKind] = mapped_column(
        enum_column(loan_book.LoanMovementKind, "kind")
    )
    amount: Mapped[Decimal] = mapped_column(Money)
    moved_on: Mapped[dt.date]
    risk_class: Mapped[domain.RiskClass] = mapped_column(
        enum_column(domain.RiskClass, "risk_class")
    )
    source: Mapped[loan_book.MovementSource] = mapped_column(
        enum_column(loan_book.MovementSource, "source")
    )
    # The import that derived it (source IMPORT), None when entered by hand.
    import_id: Mapped[uuid.UUID | None]
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = created_column()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "loan_id"], ["loans.tenant_id", "loans.id"]),
        ForeignKeyConstraint(["tenant_id", "manager_id"], ["managers.tenant_id", "managers.id"]),
        Index(None, "tenant_id", "loan_id", "moved_on"),
        # The period figures: movements of a kind between two dates, by manager.
        Index(None, "tenant_id", "kind", "moved_on", "manager_id"),
        Index(None, "tenant_id", "import_id"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
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


class LoanSnapshotTotal(Base):
    """A snapshot day's loans of one office summed: kept with the snapshot (taken and
    replaced in the same statement batch), so a trend across days reads a row per office
    and day, not every loan of every day."""

    __tablename__ = "loan_snapshot_totals"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    as_of: Mapped[dt.date]
    office_id: Mapped[uuid.UUID]
    loans: Mapped[int] = mapped_column(Integer)
    balance: Mapped[Decimal] = mapped_column(Money)
    non_performing_balance: Mapped[Decimal] = mapped_column(Money)
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "as_of", "office_id"),
        ForeignKeyConstraint(["tenant_id", "office_id"], ["offices.tenant_id", "offices.id"]),
    )


class OfficeBorrower(Base):
    """A customer's outstanding at one office: the balances of its loans booked there,
    summed. Kept by the database itself (triggers on ``loans``, migration 0021) on every
    insert, update and delete of a loan, so that the office's largest borrowers (C1.4:
    本机构前10大户) are read from these rows, not by summing the whole book each time.
    Its values are the loans' own: no key of its own to check."""

    __tablename__ = "office_borrowers"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    office_id: Mapped[uuid.UUID]
    customer_id: Mapped[uuid.UUID]
    # A sum of loans, which can pass what one loan's money holds: room for 38 digits on
    # PostgreSQL (SQLite keeps its integer fen).
    outstanding: Mapped[Decimal] = mapped_column(Money.with_variant(Numeric(38, 2), "postgresql"))
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "office_id", "customer_id"),
        # The largest of an office first.
        Index(None, "tenant_id", "office_id", "outstanding", "customer_id"),
    )


class DutyRecord(Base):
    """A post-loan duty done: a collection notice, an overdue collection, an inspection report."""

    __tablename__ = "duty_records"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = id_column()
    loan_id: Mapped[uuid.UUID]
    manager_id: Mapped[uuid.UUID]
    kind: Mapped[domain.DutyKind] = mapped_column(enum_column(domain.DutyKind, "kind"))
    done_on: Mapped[dt.date]
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = created_column()
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "loan_id"], ["loans.tenant_id", "loans.id"]),
        ForeignKeyConstraint(["tenant_id", "manager_id"], ["managers.tenant_id", "managers.id"]),
        Index(None, "tenant_id", "loan_id", "kind", "done_on"),
        Index(None, "tenant_id", "manager_id", "done_on"),
    )


class LoanStateImport(Base):
    """A loan-state file of the core system, imported as a job (``server.services.loan_imports``).

    The file is kept until the job has applied or refused it (then ``data`` is emptied);
    ``rows_done`` counts the rows checked so far, ``report`` holds the outcome: the counts
    and the first refused rows (row, column, rule, message)."""

    __tablename__ = "loan_state_imports"
    tenant_id: Mapped[str] = mapped_column(TenantId)
    id: Mapped[uuid.UUID] = id_column()
    as_of: Mapped[dt.date]
    status: Mapped[domain.ImportStatus] = mapped_column(enum_column(domain.ImportStatus, "status"))
    file_name: Mapped[str] = mapped_column(String(255))
    encoding: Mapped[str | None] = mapped_column(String(40))
    file_bytes: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    started_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = created_column()
    finished_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[dt.datetime | None]
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.tenant_id"]),
    )
