"""Types of lending: a customer's facts and histories, post-loan duties, loan snapshots.

``Customer`` and ``Loan`` link to the other domains' entities, so they live in
``server.graphql.nodes``.
"""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON

from server.db import models
from server.graphql.enums import CustomerClass, IndustryPolicy, OperatingStatus, Prospects
from server.graphql.lending.rules import ClassRule
from server.graphql.scalars import Money
from server.loan_book import LoanStatus
from server.services.duties import Duty


@strawberry.type(description="A post-loan duty: what to do for which loan, by when.")
class PostLoanDuty:
    loan_id: strawberry.ID
    contract_no: str
    kind: str
    kind_label: str
    due_on: dt.date
    overdue: bool
    article: str

    @classmethod
    def from_duty(cls, d: Duty) -> PostLoanDuty:
        return cls(
            loan_id=strawberry.ID(str(d.loan_id)),
            contract_no=d.contract_no,
            kind=d.kind.value,
            kind_label=d.kind.label,
            due_on=d.due_on,
            overdue=d.overdue,
            article=d.article,
        )


@strawberry.type(description="The facts the customer classifier reads.")
class CustomerFacts:
    industry_policy: IndustryPolicy
    licences_complete: bool
    operating_status: OperatingStatus
    prospects: Prospects
    last_bad_credit_on: dt.date | None
    malicious_evasion: bool
    major_litigation: bool
    contribution_score: int

    @classmethod
    def from_row(cls, r: models.Customer) -> CustomerFacts:
        return cls(
            industry_policy=r.industry_policy,
            licences_complete=r.licences_complete,
            operating_status=r.operating_status,
            prospects=r.prospects,
            last_bad_credit_on=r.last_bad_credit_on,
            malicious_evasion=r.malicious_evasion,
            major_litigation=r.major_litigation,
            contribution_score=r.contribution_score,
        )


@strawberry.type(description="One change of a customer's class, with the rules that decided it.")
class ClassChange:
    id: strawberry.ID
    from_class: CustomerClass | None
    to_class: CustomerClass
    rules: JSON = strawberry.field(deprecation_reason="use ruleHits")
    rule_hits: list[ClassRule] = strawberry.field(
        description="Every rule that decided the class, in the policy's order."
    )
    plugin: str
    plugin_version: str
    changed_by: str
    changed_at: dt.datetime

    @classmethod
    def from_row(cls, r: models.CustomerClassChange) -> ClassChange:
        return cls(
            id=strawberry.ID(str(r.id)),
            from_class=r.from_class,
            to_class=r.to_class,
            rules=JSON(r.rules),
            rule_hits=ClassRule.all_from_json(r.rules),
            plugin=r.plugin,
            plugin_version=r.plugin_version,
            changed_by=r.changed_by,
            changed_at=r.changed_at,
        )


@strawberry.type(description="An addition to or removal from the blacklist.")
class BlacklistEntry:
    listed: bool
    reason: str
    recorded_by: str
    recorded_at: dt.datetime

    @classmethod
    def from_row(cls, r: models.BlacklistEntry) -> BlacklistEntry:
        return cls(
            listed=r.listed, reason=r.reason, recorded_by=r.recorded_by, recorded_at=r.recorded_at
        )


@strawberry.type(
    description="An approved admission that lapsed (准入办法 第二条): no credit for more than "
    "6 months since lastCreditOn, so the customer needed admission again."
)
class AdmissionLapse:
    last_credit_on: dt.date = strawberry.field(
        description="The later of the approval and the last loan's maturity."
    )
    lapsed_on: dt.date = strawberry.field(description="The business date it was recorded on.")
    recorded_by: str = strawberry.field(
        description="The user whose request found it, or job:admission-lapse."
    )
    recorded_at: dt.datetime

    @classmethod
    def from_row(cls, r: models.AdmissionLapse) -> AdmissionLapse:
        return cls(
            last_credit_on=r.last_credit_on,
            lapsed_on=r.lapsed_on,
            recorded_by=r.recorded_by,
            recorded_at=r.recorded_at,
        )


@strawberry.type(description="A loan snapshot taken: the book as it stood at a date.")
class LoanSnapshotTaken:
    as_of: dt.date
    loans: int


@strawberry.type(
    description="What was repaid, written off and recovered of a loan, and whether it is "
    "closed (the loan book: balance = principal − principal repaid − written off)."
)
class LoanRepayments:
    status: LoanStatus
    principal_repaid: Money = strawberry.field(
        description="All principal repaid (before the loan was entered too)."
    )
    interest_repaid: Money = strawberry.field(description="All interest repaid since entry.")
    written_off_on: dt.date | None = strawberry.field(description="核销日期; null if not.")
    written_off_amount: Money | None = strawberry.field(description="The balance written off.")
    writeoff_recovered: Money = strawberry.field(description="Recovered after the write-off.")
    closed_on: dt.date | None = strawberry.field(description="结清日期; null while open.")

    @classmethod
    def from_row(cls, r: models.Loan) -> LoanRepayments:
        return cls(
            status=r.status,
            principal_repaid=Money(r.principal_repaid),
            interest_repaid=Money(r.interest_repaid),
            written_off_on=r.written_off_on,
            written_off_amount=None
            if r.written_off_amount is None
            else Money(r.written_off_amount),
            writeoff_recovered=Money(r.writeoff_recovered),
            closed_on=r.closed_on,
        )
