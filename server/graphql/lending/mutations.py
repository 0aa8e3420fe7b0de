"""Root mutations of lending: customers and loans, admission and the blacklist,
relationship transfers, post-loan duties and loan snapshots."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

import strawberry

from server.db import models
from server.graphql.context import Ctx
from server.graphql.enums import DutyKind
from server.graphql.errors import ErrorType
from server.graphql.inputs import given
from server.graphql.lending.admission import AdmissionRequest
from server.graphql.lending.inputs import (
    FACT_FIELDS,
    CreateCustomerInput,
    CreateLoanInput,
    CustomerFactsInput,
    SetLoanRiskClassInput,
)
from server.graphql.lending.loan_book import (
    LoanMovement,
    LoanRepaid,
    LoanStateInput,
    LoanStatesImported,
)
from server.graphql.lending.types import LoanSnapshotTaken
from server.graphql.mutation import mutation
from server.graphql.nodes import Customer, Loan
from server.graphql.paths import input_paths
from server.graphql.scalars import Money
from server.services import admission, customers, duties, loan_book, loan_states, loans, snapshots


@strawberry.type(description="A post-loan duty recorded as done.")
class DutyRecorded:
    loan: Loan
    kind: DutyKind
    done_on: dt.date


LoanSnapshotResult = Annotated[
    LoanSnapshotTaken | ErrorType, strawberry.union("LoanSnapshotResult")
]
DutyRecordedResult = Annotated[DutyRecorded | ErrorType, strawberry.union("RecordDutyResult")]
AdmissionResult = Annotated[AdmissionRequest | ErrorType, strawberry.union("AdmissionResult")]
CustomerResult = Annotated[Customer | ErrorType, strawberry.union("CustomerResult")]
CreateCustomerResult = Annotated[Customer | ErrorType, strawberry.union("CreateCustomerResult")]
UpdateCustomerFactsResult = Annotated[
    Customer | ErrorType, strawberry.union("UpdateCustomerFactsResult")
]
CreateLoanResult = Annotated[Loan | ErrorType, strawberry.union("CreateLoanResult")]
SetLoanRiskClassResult = Annotated[Loan | ErrorType, strawberry.union("SetLoanRiskClassResult")]
NOTHING = Money(Decimal("0.00"))
RecordRepaymentResult = Annotated[LoanRepaid | ErrorType, strawberry.union("RecordRepaymentResult")]
ImportLoanStatesResult = Annotated[
    LoanStatesImported | ErrorType, strawberry.union("ImportLoanStatesResult")
]


async def _decide(info: Ctx, id_: strawberry.ID, reason: str, *, approve: bool) -> AdmissionRequest:
    ctx = info.context
    row = await admission.decide_admission(
        ctx.session,
        ctx.principal,
        request_id=str(id_),
        approve=approve,
        reason=reason,
    )
    return AdmissionRequest.from_row(row)


async def _blacklist(
    info: Ctx, customer_id: strawberry.ID, reason: str, *, listed: bool
) -> Customer:
    ctx = info.context
    row = await admission.set_blacklisted(
        ctx.session,
        ctx.registry,
        ctx.principal,
        customer_id=str(customer_id),
        listed=listed,
        reason=reason,
    )
    return Customer.from_row(row)


@strawberry.type
class CreditControlMutation:
    @mutation(
        description=(
            "Record the loan book as it stands, dated asOf (a month or year end), for "
            "period-start and period-end appraisal figures."
        ),
        fields=input_paths(),
    )
    async def take_loan_snapshot(self, info: Ctx, as_of: dt.date) -> LoanSnapshotResult:
        ctx = info.context
        count = await snapshots.take_loan_snapshot(ctx.session, ctx.principal, as_of=as_of)
        return LoanSnapshotTaken(as_of=as_of, loans=count)

    @mutation(
        description="Record a post-loan duty done: a collection notice, an overdue collection "
        "or an inspection report.",
        fields=input_paths(),
    )
    async def record_duty(
        self,
        info: Ctx,
        loan_id: strawberry.ID,
        kind: DutyKind,
        done_on: dt.date,
        note: str | None = None,
    ) -> DutyRecordedResult:
        ctx = info.context
        record = await duties.record_duty(
            ctx.session, ctx.principal, loan_id=str(loan_id), kind=kind, done_on=done_on, note=note
        )
        loan = await ctx.get(models.Loan, (ctx.tenant_id, record.loan_id))
        assert loan is not None
        return DutyRecorded(loan=Loan.from_row(loan), kind=kind, done_on=done_on)

    @mutation(
        description="Ask for a corporate customer's first-credit admission.",
        fields=input_paths(),
    )
    async def request_admission(
        self, info: Ctx, customer_id: strawberry.ID, reason: str
    ) -> AdmissionResult:
        ctx = info.context
        row = await admission.request_admission(
            ctx.session, ctx.principal, customer_id=str(customer_id), reason=reason
        )
        return AdmissionRequest.from_row(row)

    @mutation(
        description="Approve an admission request (not your own).",
        fields=input_paths(overrides={"request_id": "id"}),
    )
    async def approve_admission(self, info: Ctx, id: strawberry.ID, reason: str) -> AdmissionResult:
        return await _decide(info, id, reason, approve=True)

    @mutation(
        description="Reject an admission request (not your own).",
        fields=input_paths(overrides={"request_id": "id"}),
    )
    async def reject_admission(self, info: Ctx, id: strawberry.ID, reason: str) -> AdmissionResult:
        return await _decide(info, id, reason, approve=False)

    @mutation(
        description="Put a customer on the blacklist, with the reason.",
        fields=input_paths(),
    )
    async def blacklist_customer(
        self, info: Ctx, customer_id: strawberry.ID, reason: str
    ) -> CustomerResult:
        return await _blacklist(info, customer_id, reason, listed=True)

    @mutation(
        description="Take a customer off the blacklist, with the reason.",
        fields=input_paths(),
    )
    async def unblacklist_customer(
        self, info: Ctx, customer_id: strawberry.ID, reason: str
    ) -> CustomerResult:
        return await _blacklist(info, customer_id, reason, listed=False)

    @mutation(
        description=(
            "Move a customer's credit relationship, and its outstanding loans, to a manager of "
            "another office (the customer's choice)."
        ),
        fields=input_paths(),
    )
    async def transfer_relationship(
        self, info: Ctx, customer_id: strawberry.ID, to_manager_id: strawberry.ID, reason: str
    ) -> CustomerResult:
        ctx = info.context
        row = await admission.transfer_relationship(
            ctx.session,
            ctx.principal,
            customer_id=str(customer_id),
            to_manager_id=str(to_manager_id),
            reason=reason,
        )
        return Customer.from_row(row)


@strawberry.type
class LendingMutation:
    @mutation(
        description="Add a loan customer, responsible manager and office.",
        fields=input_paths("input"),
    )
    async def create_customer(self, info: Ctx, input: CreateCustomerInput) -> CreateCustomerResult:
        ctx = info.context
        row = await customers.create_customer(
            ctx.session,
            ctx.registry,
            ctx.principal,
            kind=input.kind,
            segment=input.segment,
            name=input.name,
            id_number=input.id_number,
            manager_id=str(input.manager_id),
            facts=customers.CustomerFacts(**given(input.facts, FACT_FIELDS)),
            lookup_key=ctx.settings.identity_lookup_key,
        )
        return Customer.from_row(row)

    @mutation(
        description="Change the facts the classifier reads; only given ones.",
        fields=input_paths(overrides={"customer_id": "id"}),
    )
    async def update_customer_facts(
        self, info: Ctx, id: strawberry.ID, facts: CustomerFactsInput
    ) -> UpdateCustomerFactsResult:
        ctx = info.context
        row = await customers.update_customer_facts(
            ctx.session,
            ctx.registry,
            ctx.principal,
            customer_id=str(id),
            facts=given(facts, FACT_FIELDS),
        )
        return Customer.from_row(row)

    @mutation(
        description="Write a new loan (classed NORMAL, not overdue).",
        fields=input_paths("input"),
    )
    async def create_loan(self, info: Ctx, input: CreateLoanInput) -> CreateLoanResult:
        ctx = info.context
        row = await loans.create_loan(
            ctx.session,
            ctx.registry,
            ctx.principal,
            customer_id=str(input.customer_id),
            manager_id=str(input.manager_id) if input.manager_id else None,
            contract_no=input.contract_no,
            product=input.product,
            principal=input.principal,
            balance=input.balance,
            annual_rate=input.annual_rate,
            issued_on=input.issued_on,
            matures_on=input.matures_on,
            guarantee=input.guarantee,
            is_extension=input.is_extension,
            is_refinancing=input.is_refinancing,
        )
        return Loan.from_row(row)

    @mutation(
        description="Set a loan's five-category class and days overdue.",
        fields=input_paths("input"),
    )
    async def set_loan_risk_class(
        self, info: Ctx, input: SetLoanRiskClassInput
    ) -> SetLoanRiskClassResult:
        ctx = info.context
        row = await loans.set_loan_risk_class(
            ctx.session,
            ctx.registry,
            ctx.principal,
            loan_id=str(input.loan_id),
            risk_class=input.risk_class,
            days_overdue=input.days_overdue,
        )
        return Loan.from_row(row)

    @mutation(
        description="Record a repayment of a loan's principal and/or interest, dated on; the "
        "loan closes when its balance reaches 0.00. The customer's class is recomputed.",
        fields=input_paths(),
    )
    async def record_repayment(
        self,
        info: Ctx,
        loan_id: strawberry.ID,
        on: dt.date,
        principal: Money = NOTHING,
        interest: Money = NOTHING,
    ) -> RecordRepaymentResult:
        ctx = info.context
        row, moved = await loan_book.record_repayment(
            ctx.session,
            ctx.registry,
            ctx.principal,
            loan_id=str(loan_id),
            on=on,
            principal=principal,
            interest=interest,
        )
        return LoanRepaid(
            loan=Loan.from_row(row),
            status=row.status,
            balance=Money(row.balance),
            principal_repaid=Money(row.principal_repaid),
            interest_repaid=Money(row.interest_repaid),
            closed_on=row.closed_on,
            movements=[LoanMovement.from_values(m) for m in moved],
        )

    @mutation(
        description="Apply the core system's loan states as of asOf, by contract number: the "
        "movements are what changed since the stored state. All rows or none; the same rows "
        "again change nothing. At most RURALCREDIT_LOAN_IMPORT_MAX_ROWS rows a call.",
        fields=input_paths(),
    )
    async def import_loan_states(
        self, info: Ctx, as_of: dt.date, rows: list[LoanStateInput]
    ) -> ImportLoanStatesResult:
        ctx = info.context
        report = await loan_states.apply_loan_states(
            ctx.session,
            ctx.registry,
            ctx.principal,
            as_of=as_of,
            rows=[r.to_state() for r in rows],
            max_rows=ctx.settings.loan_import_max_rows,
        )
        return LoanStatesImported.from_report(report)
