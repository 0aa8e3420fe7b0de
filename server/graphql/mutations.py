"""Root mutations. Each returns its result or a typed error; on error nothing is written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry
from strawberry import UNSET
from strawberry.scalars import JSON

from server.db import models
from server.domain import DutyKind, Role
from server.errors import FieldProblem
from server.errors import InvalidInput as InvalidInputError
from server.graphql.enums import (
    CreditExamResult,
    CustomerKind,
    CustomerSegment,
    Education,
    Guarantee,
    IndustryPolicy,
    LoanProduct,
    ManagerCategory,
    ManagerStatus,
    OfficeKind,
    OperatingStatus,
    PolicyCategory,
    ProfessionalTitle,
    Prospects,
    RiskClass,
    SystemProficiency,
    ViolationKind,
)
from server.graphql.errors import ErrorType, run_mutation
from server.graphql.scalars import DecimalValue, Money, Period
from server.graphql.types import (
    AdmissionRequest,
    Appraisal,
    AppraisalRun,
    Ctx,
    Customer,
    IndicatorFigure,
    InspectionFinding,
    Loan,
    Manager,
    Office,
    Tenant,
    Violation,
)
from server.services import (
    admission,
    appraisal,
    customers,
    duties,
    loans,
    managers,
    offices,
    penalties,
    policies,
    records,
    snapshots,
    tenant_settings,
)
from server.services.common import get_in_tenant, require_role


@strawberry.input
class CreateOfficeInput:
    code: str
    name: str
    kind: OfficeKind
    parent_id: strawberry.ID | None = None
    has_credit_clerk: bool = strawberry.field(
        default=False, description="The office has a credit back-office clerk (信贷内勤) post."
    )


@strawberry.input(description="A manager's qualification profile.")
class QualificationInput:
    education: Education | None = UNSET
    professional_title: ProfessionalTitle | None = UNSET
    credit_exam: CreditExamResult | None = UNSET
    credit_work_years: DecimalValue | None = UNSET
    system_proficiency: SystemProficiency | None = UNSET
    qualification_level: str | None = UNSET
    licence_no: str | None = UNSET
    licence_issued_on: dt.date | None = UNSET
    licence_valid_until: dt.date | None = UNSET


@strawberry.input
class CreateManagerInput:
    employee_no: str
    name: str
    office_id: strawberry.ID
    category: ManagerCategory
    hire_date: dt.date
    birth_date: dt.date
    status: ManagerStatus = ManagerStatus.ACTIVE
    probation_ends_on: dt.date | None = None
    post_started_on: dt.date | None = None
    tier_code: str | None = strawberry.field(
        default=None, description="Initial tier, a code of the tenant's grading policy."
    )
    qualification: QualificationInput | None = None
    jurisdiction_households: int | None = None
    rated_households: int | None = None


@strawberry.input(description="Only the fields given change; null clears an optional field.")
class UpdateManagerInput:
    name: str | None = UNSET
    office_id: strawberry.ID | None = UNSET
    office_moved_on: dt.date | None = strawberry.field(
        default=None,
        description="With a new officeId: the day the manager moved (today by default).",
    )
    category: ManagerCategory | None = UNSET
    hire_date: dt.date | None = UNSET
    birth_date: dt.date | None = UNSET
    status: ManagerStatus | None = UNSET
    probation_ends_on: dt.date | None = UNSET
    post_started_on: dt.date | None = UNSET
    qualification: QualificationInput | None = UNSET
    jurisdiction_households: int | None = UNSET
    rated_households: int | None = UNSET


@strawberry.input(description="Facts the customer classifier reads.")
class CustomerFactsInput:
    industry_policy: IndustryPolicy | None = UNSET
    licences_complete: bool | None = UNSET
    operating_status: OperatingStatus | None = UNSET
    prospects: Prospects | None = UNSET
    last_bad_credit_on: dt.date | None = UNSET
    malicious_evasion: bool | None = UNSET
    major_litigation: bool | None = UNSET
    contribution_score: int | None = UNSET


@strawberry.input
class CreateCustomerInput:
    kind: CustomerKind
    segment: CustomerSegment
    name: str
    id_number: str = strawberry.field(
        description="18-digit resident ID (GB 11643) or social credit code (GB 32100)."
    )
    manager_id: strawberry.ID
    facts: CustomerFactsInput | None = None


@strawberry.input
class CreateLoanInput:
    customer_id: strawberry.ID
    manager_id: strawberry.ID | None = strawberry.field(
        default=None, description="Defaults to the customer's responsible manager."
    )
    contract_no: str
    product: LoanProduct
    principal: Money
    balance: Money | None = strawberry.field(default=None, description="Defaults to principal.")
    annual_rate: DecimalValue = strawberry.field(description='A fraction, e.g. "0.0435".')
    issued_on: dt.date
    matures_on: dt.date
    guarantee: Guarantee
    is_extension: bool = False
    is_refinancing: bool = False


@strawberry.input
class SetLoanRiskClassInput:
    loan_id: strawberry.ID
    risk_class: RiskClass
    days_overdue: int


@strawberry.input
class FigureInput:
    indicator: str = strawberry.field(
        description="lower_snake_case key, e.g. deposits_net_increase"
    )
    value: DecimalValue


@strawberry.input
class FindingInput:
    item: str = strawberry.field(description="The appraisal item, e.g. C1.4.")
    finding: str = strawberry.field(description="UPPER_SNAKE code, e.g. MISSING_REPORT.")
    count: int = 1
    loan_id: strawberry.ID | None = None
    description: str | None = None


@strawberry.input
class RecordViolationInput:
    manager_id: strawberry.ID
    kind: ViolationKind
    occurred_on: dt.date
    description: str
    evidence: str | None = None


@strawberry.type(description="The figures recorded for a manager and period.")
class FiguresRecorded:
    manager: Manager
    period: Period
    figures: list[IndicatorFigure]


@strawberry.type(description="The inspection findings recorded.")
class FindingsRecorded:
    manager: Manager
    findings: list[InspectionFinding]


def _given(obj: Any, names: list[str]) -> dict[str, Any]:
    if obj is None or obj is UNSET:
        return {}
    return {n: getattr(obj, n) for n in names if getattr(obj, n) is not UNSET}


QUALIFICATION_FIELDS = [
    "education",
    "professional_title",
    "credit_exam",
    "credit_work_years",
    "system_proficiency",
    "qualification_level",
    "licence_no",
    "licence_issued_on",
    "licence_valid_until",
]
FACT_FIELDS = [
    "industry_policy",
    "licences_complete",
    "operating_status",
    "prospects",
    "last_bad_credit_on",
    "malicious_evasion",
    "major_litigation",
    "contribution_score",
]


def _figures_recorded(
    row: models.Manager, period: str, figures: list[records.Figure]
) -> FiguresRecorded:
    return FiguresRecorded(
        manager=Manager.from_row(row),
        period=period,  # type: ignore[arg-type]
        figures=[IndicatorFigure(indicator=f.indicator, value=f.value) for f in figures],  # type: ignore[arg-type]
    )


CreateOfficeResult = Annotated[
    Office | ErrorType,
    strawberry.union("CreateOfficeResult"),
]
CreateManagerResult = Annotated[
    Manager | ErrorType,
    strawberry.union("CreateManagerResult"),
]
UpdateManagerResult = Annotated[
    Manager | ErrorType,
    strawberry.union("UpdateManagerResult"),
]
CreateCustomerResult = Annotated[
    Customer | ErrorType,
    strawberry.union("CreateCustomerResult"),
]
UpdateCustomerFactsResult = Annotated[
    Customer | ErrorType,
    strawberry.union("UpdateCustomerFactsResult"),
]
CreateLoanResult = Annotated[
    Loan | ErrorType,
    strawberry.union("CreateLoanResult"),
]
SetLoanRiskClassResult = Annotated[
    Loan | ErrorType,
    strawberry.union("SetLoanRiskClassResult"),
]
RecordTaskPlanResult = Annotated[
    FiguresRecorded | ErrorType,
    strawberry.union("RecordTaskPlanResult"),
]
RecordIndicatorsResult = Annotated[
    FiguresRecorded | ErrorType,
    strawberry.union("RecordIndicatorsResult"),
]
RecordInspectionFindingsResult = Annotated[
    FindingsRecorded | ErrorType,
    strawberry.union("RecordInspectionFindingsResult"),
]
RecordViolationResult = Annotated[
    Violation | ErrorType,
    strawberry.union("RecordViolationResult"),
]


AppraisalResult = Annotated[
    Appraisal | ErrorType,
    strawberry.union("AppraisalResult"),
]
AppraisalRunResult = Annotated[
    AppraisalRun | ErrorType,
    strawberry.union("AppraisalRunResult"),
]
AdmissionResult = Annotated[
    AdmissionRequest | ErrorType,
    strawberry.union("AdmissionResult"),
]
CustomerResult = Annotated[
    Customer | ErrorType,
    strawberry.union("CustomerResult"),
]


@strawberry.type(description="A post-loan duty recorded as done.")
class DutyRecorded:
    loan: Loan
    kind: DutyKind
    done_on: dt.date


DutyRecordedResult = Annotated[
    DutyRecorded | ErrorType,
    strawberry.union("RecordDutyResult"),
]


@strawberry.type(description="A loan snapshot taken: the book as it stood at a date.")
class LoanSnapshotTaken:
    as_of: dt.date
    loans: int


LoanSnapshotResult = Annotated[
    LoanSnapshotTaken | ErrorType,
    strawberry.union("LoanSnapshotResult"),
]


@strawberry.type(description="An office's own totals recorded for a period.")
class OfficeFiguresRecorded:
    office: Office
    period: Period
    figures: list[IndicatorFigure]


OfficeFiguresResult = Annotated[
    OfficeFiguresRecorded | ErrorType,
    strawberry.union("RecordOfficeIndicatorsResult"),
]
SetTenantPolicyResult = Annotated[
    Tenant | ErrorType,
    strawberry.union("SetTenantPolicyResult"),
]


async def _decide(
    info: Ctx, id_: strawberry.ID, reason: str, *, approve: bool
) -> AdmissionRequest | ErrorType:
    ctx = info.context

    async def work() -> AdmissionRequest:
        row = await admission.decide_admission(
            ctx.session,
            ctx.tenant_id,
            ctx.principal.user_id,
            ctx.principal.roles,
            request_id=str(id_),
            approve=approve,
            reason=reason,
        )
        return AdmissionRequest.from_row(row)

    return await run_mutation(ctx, work)


async def _blacklist(
    info: Ctx, customer_id: strawberry.ID, reason: str, *, listed: bool
) -> Customer | ErrorType:
    ctx = info.context

    async def work() -> Customer:
        row = await admission.set_blacklisted(
            ctx.session,
            ctx.registry,
            ctx.tenant_id,
            ctx.principal.user_id,
            ctx.principal.roles,
            customer_id=str(customer_id),
            listed=listed,
            reason=reason,
        )
        return Customer.from_row(row)

    return await run_mutation(ctx, work)


SheetOffice = Annotated[
    strawberry.ID | None,
    strawberry.argument(
        description="The office whose task sheet this is: the manager's own by default, or "
        "one the manager moved from in the period."
    ),
]


async def _record_figures(
    info: Ctx,
    record: Callable[..., Awaitable[models.Manager]],
    argument: str,
    manager_id: strawberry.ID,
    period: str,
    given: list[FigureInput],
    office_id: strawberry.ID | None,
) -> FiguresRecorded | ErrorType:
    ctx = info.context
    figures = [records.Figure(f.indicator, f.value) for f in given]

    async def work() -> FiguresRecorded:
        row = await record(
            ctx.session,
            ctx.tenant_id,
            ctx.principal.user_id,
            manager_id=str(manager_id),
            period=period,
            office_id=str(office_id) if office_id else None,
            **{argument: figures},
        )
        return _figures_recorded(row, period, figures)

    return await run_mutation(ctx, work)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description=(
            "Set an office's own totals for a period; appraisal runs report where the sum of "
            "its managers' figures exceeds them (山东办法 第十四条)."
        )
    )
    async def record_office_indicators(
        self, info: Ctx, office_id: strawberry.ID, period: Period, values: list[FigureInput]
    ) -> OfficeFiguresResult:
        ctx = info.context
        figures = [records.Figure(v.indicator, v.value) for v in values]

        async def work() -> OfficeFiguresRecorded:
            office = await records.record_office_indicators(
                ctx.session,
                ctx.tenant_id,
                ctx.principal.user_id,
                office_id=str(office_id),
                period=period,
                values=figures,
            )
            return OfficeFiguresRecorded(
                office=Office.from_row(office),
                period=period,
                figures=[IndicatorFigure(indicator=f.indicator, value=f.value) for f in figures],  # type: ignore[arg-type]
            )

        return await run_mutation(ctx, work)

    @strawberry.mutation(
        description=(
            "Record the loan book as it stands, dated asOf (a month or year end), for "
            "period-start and period-end appraisal figures. Role HR or RISK."
        )
    )
    async def take_loan_snapshot(self, info: Ctx, as_of: dt.date) -> LoanSnapshotResult:
        ctx = info.context

        async def work() -> LoanSnapshotTaken:
            count = await snapshots.take_loan_snapshot(
                ctx.session, ctx.tenant_id, ctx.principal.roles, as_of=as_of
            )
            return LoanSnapshotTaken(as_of=as_of, loans=count)

        return await run_mutation(ctx, work)

    @strawberry.mutation(
        description="Record a post-loan duty done: a collection notice, an overdue collection "
        "or an inspection report."
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

        async def work() -> DutyRecorded:
            if done_on > dt.date.today():
                raise InvalidInputError(
                    [FieldProblem("doneOn", "NOT_IN_FUTURE", "a duty cannot be done ahead")]
                )
            loan = await get_in_tenant(
                ctx.session, models.Loan, ctx.tenant_id, loan_id, field="loanId", entity="Loan"
            )
            await duties.record_duty(
                ctx.session,
                ctx.tenant_id,
                ctx.principal.user_id,
                loan=loan,
                kind=kind,
                done_on=done_on,
                note=note,
            )
            return DutyRecorded(loan=Loan.from_row(loan), kind=kind, done_on=done_on)

        return await run_mutation(ctx, work)

    @strawberry.mutation(
        description="Ask for a corporate customer's first-credit admission. Role BRANCH_HEAD."
    )
    async def request_admission(
        self, info: Ctx, customer_id: strawberry.ID, reason: str
    ) -> AdmissionResult:
        ctx = info.context

        async def work() -> AdmissionRequest:
            row = await admission.request_admission(
                ctx.session,
                ctx.tenant_id,
                ctx.principal.user_id,
                ctx.principal.roles,
                customer_id=str(customer_id),
                reason=reason,
            )
            return AdmissionRequest.from_row(row)

        return await run_mutation(ctx, work)

    @strawberry.mutation(description="Approve an admission request (not your own). Role RISK.")
    async def approve_admission(
        self,
        info: Ctx,
        id: strawberry.ID,
        reason: str,
    ) -> AdmissionResult:
        return await _decide(info, id, reason, approve=True)

    @strawberry.mutation(description="Reject an admission request (not your own). Role RISK.")
    async def reject_admission(
        self,
        info: Ctx,
        id: strawberry.ID,
        reason: str,
    ) -> AdmissionResult:
        return await _decide(info, id, reason, approve=False)

    @strawberry.mutation(description="Put a customer on the blacklist, with the reason. Role RISK.")
    async def blacklist_customer(
        self, info: Ctx, customer_id: strawberry.ID, reason: str
    ) -> CustomerResult:
        return await _blacklist(info, customer_id, reason, listed=True)

    @strawberry.mutation(
        description="Take a customer off the blacklist, with the reason. Role RISK."
    )
    async def unblacklist_customer(
        self, info: Ctx, customer_id: strawberry.ID, reason: str
    ) -> CustomerResult:
        return await _blacklist(info, customer_id, reason, listed=False)

    @strawberry.mutation(
        description=(
            "Move a customer's credit relationship, and its outstanding loans, to a manager of "
            "another office (the customer's choice). Role BRANCH_HEAD or RISK."
        )
    )
    async def transfer_relationship(
        self, info: Ctx, customer_id: strawberry.ID, to_manager_id: strawberry.ID, reason: str
    ) -> CustomerResult:
        ctx = info.context

        async def work() -> Customer:
            row = await admission.transfer_relationship(
                ctx.session,
                ctx.tenant_id,
                ctx.principal.user_id,
                ctx.principal.roles,
                customer_id=str(customer_id),
                to_manager_id=str(to_manager_id),
                reason=reason,
            )
            return Customer.from_row(row)

        return await run_mutation(ctx, work)

    @strawberry.mutation(description="Appraise one manager for one period as a DRAFT. Role HR.")
    async def run_appraisal(
        self, info: Ctx, manager_id: strawberry.ID, period: Period
    ) -> AppraisalResult:
        ctx = info.context

        async def work() -> Appraisal:
            row = await appraisal.run_appraisal(
                ctx.session,
                ctx.registry,
                ctx.tenant_id,
                ctx.principal.user_id,
                ctx.principal.roles,
                manager_id=str(manager_id),
                period=period,
            )
            return Appraisal.from_row(row)

        return await run_mutation(ctx, work)

    @strawberry.mutation(
        description=(
            "Appraise every manager of the tenant for one period. Re-running replaces drafts, "
            "never confirmed results. Progress: query appraisalRun. Role HR."
        )
    )
    async def run_appraisals(self, info: Ctx, period: Period) -> AppraisalRunResult:
        ctx = info.context

        async def work() -> AppraisalRun:
            run_id = await appraisal.run_appraisals(
                ctx.sessionmaker,
                ctx.registry,
                ctx.tenant_id,
                ctx.principal.user_id,
                ctx.principal.roles,
                period=period,
            )
            row = await ctx.get(models.AppraisalRun, (ctx.tenant_id, run_id))
            assert row is not None
            await ctx.session.refresh(row)
            return AppraisalRun.from_row(row)

        return await run_mutation(ctx, work)

    @strawberry.mutation(
        description="Confirm a draft (a second person; the tier changes here). Role HR."
    )
    async def confirm_appraisal(self, info: Ctx, id: strawberry.ID) -> AppraisalResult:
        ctx = info.context

        async def work() -> Appraisal:
            row = await appraisal.confirm_appraisal(
                ctx.session,
                ctx.registry,
                ctx.tenant_id,
                ctx.principal.user_id,
                ctx.principal.roles,
                appraisal_id=str(id),
            )
            return Appraisal.from_row(row)

        return await run_mutation(ctx, work)

    @strawberry.mutation(
        description="Appeal your own confirmed appraisal within the appeal window. Role MANAGER."
    )
    async def appeal_appraisal(
        self,
        info: Ctx,
        id: strawberry.ID,
        reason: str,
    ) -> AppraisalResult:
        ctx = info.context

        async def work() -> Appraisal:
            row = await appraisal.appeal_appraisal(
                ctx.session,
                ctx.tenant_id,
                ctx.principal.user_id,
                ctx.principal.roles,
                appraisal_id=str(id),
                reason=reason,
            )
            return Appraisal.from_row(row)

        return await run_mutation(ctx, work)

    @strawberry.mutation(
        description=(
            "Decide an appeal with the review's reason; recompute makes the appraisal again "
            "from the current inputs (tier changes are recorded with cause APPEAL). Role HR."
        )
    )
    async def resolve_appeal(
        self,
        info: Ctx,
        id: strawberry.ID,
        reason: str,
        recompute: bool = False,
    ) -> AppraisalResult:
        ctx = info.context

        async def work() -> Appraisal:
            row = await appraisal.resolve_appeal(
                ctx.session,
                ctx.registry,
                ctx.tenant_id,
                ctx.principal.user_id,
                ctx.principal.roles,
                appraisal_id=str(id),
                reason=reason,
                recompute=recompute,
            )
            return Appraisal.from_row(row)

        return await run_mutation(ctx, work)

    @strawberry.mutation(
        description="Change your tenant's core parameters; only those given change. "
        "Role FEDERATION_ADMIN."
    )
    async def set_tenant_settings(
        self,
        info: Ctx,
        appeal_days: int | None = None,
        large_loan_threshold: Money | None = None,
    ) -> SetTenantPolicyResult:
        ctx = info.context

        async def work() -> Tenant:
            await tenant_settings.set_tenant_settings(
                ctx.session,
                ctx.tenant_id,
                ctx.principal.roles,
                appeal_days=appeal_days,
                large_loan_threshold=large_loan_threshold,
            )
            tenant = await ctx.get(models.Tenant, ctx.tenant_id)
            assert tenant is not None
            return Tenant.from_row(tenant)

        return await run_mutation(ctx, work)

    @strawberry.mutation(
        description=(
            "Choose the plugin (and its parameters) for one policy category of your tenant; "
            "plugin null switches the category off. Role FEDERATION_ADMIN."
        )
    )
    async def set_tenant_policy(
        self,
        info: Ctx,
        category: PolicyCategory,
        plugin: Annotated[
            str | None,
            strawberry.argument(description="The plugin's name; null switches the category off."),
        ] = UNSET,
        parameters: JSON | None = None,
    ) -> SetTenantPolicyResult:
        ctx = info.context

        async def work() -> Tenant:
            require_role(ctx.principal.roles, (Role.FEDERATION_ADMIN,), "setTenantPolicy")
            if plugin is UNSET:
                raise InvalidInputError(
                    [
                        FieldProblem(
                            "plugin",
                            "REQUIRED",
                            "give the plugin's name, or null to switch the category off",
                        )
                    ]
                )
            raw: Any = parameters if parameters is not None else {}
            if not isinstance(raw, dict):
                raise InvalidInputError(
                    [FieldProblem("parameters", "OBJECT", "parameters must be a JSON object")]
                )
            await policies.set_tenant_policy(
                ctx.session,
                ctx.registry,
                ctx.tenant_id,
                ctx.principal.user_id,
                category=category,
                plugin=plugin,
                raw_parameters=raw,
            )
            tenant = await ctx.get(models.Tenant, ctx.tenant_id)
            assert tenant is not None
            return Tenant.from_row(tenant)

        return await run_mutation(ctx, work)

    @strawberry.mutation(description="Add an office to the tenant's tree.")
    async def create_office(
        self,
        info: Ctx,
        input: CreateOfficeInput,
    ) -> CreateOfficeResult:
        ctx = info.context

        async def work() -> Office:
            row = await offices.create_office(
                ctx.session,
                ctx.tenant_id,
                code=input.code,
                name=input.name,
                kind=input.kind,
                parent_id=input.parent_id,
                has_credit_clerk=input.has_credit_clerk,
            )
            return Office.from_row(row)

        return await run_mutation(ctx, work)

    @strawberry.mutation(description="Add a credit customer manager.")
    async def create_manager(
        self,
        info: Ctx,
        input: CreateManagerInput,
    ) -> CreateManagerResult:
        ctx = info.context

        async def work() -> Manager:
            fields = managers.ManagerFields(
                employee_no=input.employee_no,
                name=input.name,
                office_id=str(input.office_id),
                category=input.category,
                hire_date=input.hire_date,
                birth_date=input.birth_date,
                status=input.status,
                probation_ends_on=input.probation_ends_on,
                post_started_on=input.post_started_on,
                jurisdiction_households=input.jurisdiction_households,
                rated_households=input.rated_households,
                **_given(input.qualification, QUALIFICATION_FIELDS),
            )
            row = await managers.create_manager(
                ctx.session,
                ctx.registry,
                ctx.tenant_id,
                ctx.principal.user_id,
                fields,
                tier_code=input.tier_code,
            )
            return Manager.from_row(row)

        return await run_mutation(ctx, work)

    @strawberry.mutation(
        description="Set a manager's tier by hand, with the reason (cause MANUAL). Role HR."
    )
    async def set_manager_tier(
        self, info: Ctx, manager_id: strawberry.ID, tier_code: str, reason: str
    ) -> UpdateManagerResult:
        ctx = info.context

        async def work() -> Manager:
            row = await managers.set_manager_tier(
                ctx.session,
                ctx.registry,
                ctx.tenant_id,
                ctx.principal.user_id,
                ctx.principal.roles,
                manager_id=str(manager_id),
                tier_code=tier_code,
                reason=reason,
            )
            return Manager.from_row(row)

        return await run_mutation(ctx, work)

    @strawberry.mutation(description="Change a manager's record; only the given fields change.")
    async def update_manager(
        self,
        info: Ctx,
        id: strawberry.ID,
        input: UpdateManagerInput,
    ) -> UpdateManagerResult:
        ctx = info.context
        changes = _given(
            input,
            [
                "name",
                "office_id",
                "category",
                "hire_date",
                "birth_date",
                "status",
                "probation_ends_on",
                "post_started_on",
                "jurisdiction_households",
                "rated_households",
            ],
        )
        changes.update(_given(input.qualification, QUALIFICATION_FIELDS))

        async def work() -> Manager:
            row = await managers.update_manager(
                ctx.session,
                ctx.tenant_id,
                str(id),
                changes,
                user_id=ctx.principal.user_id,
                office_moved_on=input.office_moved_on,
            )
            return Manager.from_row(row)

        return await run_mutation(ctx, work)

    @strawberry.mutation(description="Add a loan customer, responsible manager and office.")
    async def create_customer(
        self,
        info: Ctx,
        input: CreateCustomerInput,
    ) -> CreateCustomerResult:
        ctx = info.context

        async def work() -> Customer:
            row = await customers.create_customer(
                ctx.session,
                ctx.registry,
                ctx.tenant_id,
                ctx.principal.user_id,
                kind=input.kind,
                segment=input.segment,
                name=input.name,
                id_number=input.id_number,
                manager_id=str(input.manager_id),
                facts=customers.CustomerFacts(**_given(input.facts, FACT_FIELDS)),
            )
            return Customer.from_row(row)

        return await run_mutation(ctx, work)

    @strawberry.mutation(description="Change the facts the classifier reads; only given ones.")
    async def update_customer_facts(
        self,
        info: Ctx,
        id: strawberry.ID,
        facts: CustomerFactsInput,
    ) -> UpdateCustomerFactsResult:
        ctx = info.context

        async def work() -> Customer:
            row = await customers.update_customer_facts(
                ctx.session,
                ctx.registry,
                ctx.tenant_id,
                ctx.principal.user_id,
                str(id),
                _given(facts, FACT_FIELDS),
            )
            return Customer.from_row(row)

        return await run_mutation(ctx, work)

    @strawberry.mutation(description="Write a new loan (classed NORMAL, not overdue).")
    async def create_loan(
        self,
        info: Ctx,
        input: CreateLoanInput,
    ) -> CreateLoanResult:
        ctx = info.context

        async def work() -> Loan:
            row = await loans.create_loan(
                ctx.session,
                ctx.registry,
                ctx.tenant_id,
                ctx.principal.user_id,
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

        return await run_mutation(ctx, work)

    @strawberry.mutation(description="Set a loan's five-category class and days overdue.")
    async def set_loan_risk_class(
        self,
        info: Ctx,
        input: SetLoanRiskClassInput,
    ) -> SetLoanRiskClassResult:
        ctx = info.context

        async def work() -> Loan:
            row = await loans.set_loan_risk_class(
                ctx.session,
                ctx.registry,
                ctx.tenant_id,
                ctx.principal.user_id,
                loan_id=str(input.loan_id),
                risk_class=input.risk_class,
                days_overdue=input.days_overdue,
            )
            return Loan.from_row(row)

        return await run_mutation(ctx, work)

    @strawberry.mutation(description="Set a manager's planned figures (任务计划) for a period.")
    async def record_task_plan(
        self,
        info: Ctx,
        manager_id: strawberry.ID,
        period: Period,
        plans: list[FigureInput],
        office_id: SheetOffice = None,
    ) -> RecordTaskPlanResult:
        return await _record_figures(
            info, records.record_task_plan, "plans", manager_id, period, plans, office_id
        )

    @strawberry.mutation(description="Set a manager's actual indicator figures for a period.")
    async def record_indicators(
        self,
        info: Ctx,
        manager_id: strawberry.ID,
        period: Period,
        values: list[FigureInput],
        office_id: SheetOffice = None,
    ) -> RecordIndicatorsResult:
        return await _record_figures(
            info, records.record_indicators, "values", manager_id, period, values, office_id
        )

    @strawberry.mutation(
        description="Record findings of the sample inspection of a manager's work."
    )
    async def record_inspection_findings(
        self,
        info: Ctx,
        manager_id: strawberry.ID,
        period: Period,
        findings: list[FindingInput],
    ) -> RecordInspectionFindingsResult:
        ctx = info.context
        items = [
            records.Finding(
                item=f.item,
                finding=f.finding,
                count=f.count,
                loan_id=str(f.loan_id) if f.loan_id else None,
                description=f.description,
            )
            for f in findings
        ]

        async def work() -> FindingsRecorded:
            rows = await records.record_inspection_findings(
                ctx.session,
                ctx.tenant_id,
                ctx.principal.user_id,
                manager_id=str(manager_id),
                period=period,
                findings=items,
            )
            manager = await ctx.loaders.manager.load(rows[0].manager_id)
            assert manager is not None
            return FindingsRecorded(
                manager=Manager.from_row(manager),
                findings=[InspectionFinding.from_row(r) for r in rows],
            )

        return await run_mutation(ctx, work)

    @strawberry.mutation(
        description=(
            "Confirm a recorded violation (another person than the recorder); the tenant's "
            "penalty policy decides the effect, which applies at once. Role RISK."
        )
    )
    async def confirm_violation(self, info: Ctx, id: strawberry.ID) -> RecordViolationResult:
        ctx = info.context

        async def work() -> Violation:
            row = await penalties.confirm_violation(
                ctx.session,
                ctx.registry,
                ctx.tenant_id,
                ctx.principal.user_id,
                ctx.principal.roles,
                violation_id=str(id),
            )
            return Violation.from_row(row)

        return await run_mutation(ctx, work)

    @strawberry.mutation(
        description="Record a manager's violation (to be confirmed by another person). Role RISK."
    )
    async def record_violation(
        self,
        info: Ctx,
        input: RecordViolationInput,
    ) -> RecordViolationResult:
        ctx = info.context

        async def work() -> Violation:
            row = await records.record_violation(
                ctx.session,
                ctx.tenant_id,
                ctx.principal.user_id,
                manager_id=str(input.manager_id),
                kind=input.kind,
                occurred_on=input.occurred_on,
                description=input.description,
                evidence=input.evidence,
                roles=ctx.principal.roles,
            )
            return Violation.from_row(row)

        return await run_mutation(ctx, work)
