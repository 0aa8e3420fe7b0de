"""Output types. Each is built from its row; nested fields go through loaders."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import strawberry
from sqlalchemy import select
from strawberry.scalars import JSON
from strawberry.types import Info

from server import domain
from server.db import models
from server.graphql.context import Context
from server.graphql.enums import (
    AdmissionStatus,
    AppraisalStatus,
    CreditExamResult,
    CustomerClass,
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
    Role,
    SystemProficiency,
    TierChangeCause,
    ViolationKind,
    ViolationStatus,
)
from server.graphql.filters import (
    LoanCriteria,
)
from server.graphql.loaders import EntityLoader, ModelT
from server.graphql.pagination import Connection, page_args
from server.graphql.policy import PolicyChange, effective_parameters, policy_history
from server.graphql.scalars import DecimalValue, Money, Period
from server.identity_codes import mask_identity
from server.services.duties import Duty
from server.services.tenant_settings import TenantSettings

Ctx = Info[Context, None]


def _ctx(info: Ctx) -> Context:
    return info.context


@strawberry.type(description="A grade of the tenant's grading policy; compare by rank.")
class Tier:
    code: str
    name: str
    rank: int = strawberry.field(description="0 is the lowest; higher is better.")


async def _required(loader: EntityLoader[ModelT], id_: uuid.UUID) -> ModelT:
    """A row the current row refers to (same tenant, so always there)."""
    row = await loader.load(id_)
    assert row is not None
    return row


def _tier(code: str | None, name: str | None, rank: int | None) -> Tier | None:
    if code is None or rank is None:
        return None
    return Tier(code=code, name=name or code, rank=rank)


@strawberry.type(description="The policy plugin chosen for one category.")
class PolicySelection:
    category: PolicyCategory
    plugin: str
    plugin_version: str
    parameters: JSON = strawberry.field(description="The parameters the tenant set.")
    effective_parameters: JSON = strawberry.field(
        description="Every parameter the plugin reads: the tenant's, and defaults for the rest."
    )
    selected_by: str
    selected_at: dt.datetime


@strawberry.type(name="TenantSettings", description="Core parameters of a tenant.")
class TenantSettingsType:
    appeal_days: int = strawberry.field(
        description="Days after confirmation within which a manager may appeal (default 15)."
    )
    large_loan_threshold: Money = strawberry.field(
        description="Principal from which a loan is inspected quarterly (default 5,000,000)."
    )


@strawberry.type(description="A bank (农商银行) or county union (联社).")
class Tenant:
    id: strawberry.ID
    name: str
    province: str
    _row: strawberry.Private[models.Tenant]

    @classmethod
    def from_row(cls, row: models.Tenant) -> Tenant:
        return cls(id=strawberry.ID(row.tenant_id), name=row.name, province=row.province, _row=row)

    @strawberry.field(description="The plugin selected per policy category.")
    async def policy(self, info: Ctx) -> list[PolicySelection]:
        ctx = _ctx(info)
        rows = (
            await ctx.execute(
                select(models.TenantPolicy)
                .where(models.TenantPolicy.tenant_id == ctx.tenant_id)
                .order_by(models.TenantPolicy.category)
            )
        ).scalars()
        return [
            PolicySelection(
                category=r.category,
                plugin=r.plugin,
                plugin_version=r.plugin_version,
                parameters=JSON(r.parameters),
                effective_parameters=effective_parameters(ctx, r.plugin, r.parameters),
                selected_by=r.selected_by,
                selected_at=r.selected_at,
            )
            for r in rows
        ]

    @strawberry.field(description="Core parameters every tenant has, with their defaults.")
    def settings(self) -> TenantSettingsType:
        current = TenantSettings.from_json(self._row.settings)
        return TenantSettingsType(
            appeal_days=current.appeal_days,
            large_loan_threshold=current.large_loan_threshold,  # type: ignore[arg-type]
        )

    @strawberry.field(description="Every change of the policy selection, oldest first.")
    async def policy_history(self, info: Ctx) -> list[PolicyChange]:
        return await policy_history(_ctx(info))


@strawberry.type(description="Who is calling.")
class Viewer:
    user_id: str
    roles: list[Role]
    _tenant_id: strawberry.Private[str]

    @strawberry.field
    async def tenant(self, info: Ctx) -> Tenant | None:
        row = await _ctx(info).get(models.Tenant, self._tenant_id)
        return Tenant.from_row(row) if row else None


@strawberry.type(description="An office: head office (总行/联社), branch (支行) or outlet (网点).")
class Office:
    id: strawberry.ID
    code: str
    name: str
    kind: OfficeKind
    depth: int
    has_credit_clerk: bool
    _row: strawberry.Private[models.Office]

    @classmethod
    def from_row(cls, row: models.Office) -> Office:
        return cls(
            id=strawberry.ID(str(row.id)),
            code=row.code,
            name=row.name,
            kind=row.kind,
            depth=row.depth,
            has_credit_clerk=row.has_credit_clerk,
            _row=row,
        )

    @strawberry.field
    def kind_label(self) -> str:
        return self._row.kind.label

    @strawberry.field
    async def parent(self, info: Ctx) -> Office | None:
        if self._row.parent_id is None:
            return None
        row = await _ctx(info).loaders.office.load(self._row.parent_id)
        return Office.from_row(row) if row else None

    @strawberry.field
    async def children(self, info: Ctx) -> list[Office]:
        rows = await _ctx(info).loaders.office_children.load(self._row.id)
        return [Office.from_row(r) for r in rows]

    @strawberry.field(description="Managers of this office (not of its sub-offices).")
    async def managers(
        self, info: Ctx, first: int | None = None, after: str | None = None
    ) -> Connection[Manager]:
        ctx = _ctx(info)
        return await ctx.loaders.office_managers.page(
            self._row.id, page_args(ctx, first, after), Manager.from_row, None
        )


@strawberry.type(description="The qualification profile of a manager.")
class Qualification:
    education: Education | None
    professional_title: ProfessionalTitle | None
    credit_exam: CreditExamResult | None
    credit_work_years: DecimalValue | None
    system_proficiency: SystemProficiency | None
    qualification_level: str | None
    licence_no: str | None
    licence_issued_on: dt.date | None
    licence_valid_until: dt.date | None


@strawberry.type(description="One change of a manager's tier, with its cause.")
class TierChange:
    id: strawberry.ID
    from_tier: Tier | None
    to_tier: Tier | None
    cause: TierChangeCause
    cause_label: str
    appraisal_id: strawberry.ID | None
    violation_id: strawberry.ID | None
    reason: str | None
    plugin: str | None
    plugin_version: str | None
    effective_on: dt.date
    recorded_by: str
    recorded_at: dt.datetime

    @classmethod
    def from_row(cls, r: models.ManagerTierChange) -> TierChange:
        return cls(
            id=strawberry.ID(str(r.id)),
            from_tier=_tier(r.from_code, r.from_name, r.from_rank),
            to_tier=_tier(r.to_code, r.to_name, r.to_rank),
            cause=r.cause,
            cause_label=r.cause.label,
            appraisal_id=_opt_id(r.appraisal_id),
            violation_id=_opt_id(r.violation_id),
            reason=r.reason,
            plugin=r.plugin,
            plugin_version=r.plugin_version,
            effective_on=r.effective_on,
            recorded_by=r.recorded_by,
            recorded_at=r.recorded_at,
        )


def _opt_id(value: uuid.UUID | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


@strawberry.input(description="Narrows a manager's or customer's loans.")
class NestedLoanFilter:
    risk_classes: list[RiskClass] | None = None
    non_performing: bool | None = None
    overdue: bool | None = None


def _nested_loan_criteria(tenant_id: str, f: NestedLoanFilter | None) -> LoanCriteria | None:
    if f is None:
        return None
    return LoanCriteria(
        tenant_id=tenant_id,
        risk_classes=None if f.risk_classes is None else tuple(f.risk_classes),
        non_performing=f.non_performing,
        overdue=f.overdue,
    )


@strawberry.type(description="A credit customer manager (信贷客户经理).")
class Manager:
    id: strawberry.ID
    employee_no: str
    name: str
    category: ManagerCategory
    status: ManagerStatus
    hire_date: dt.date
    birth_date: dt.date
    probation_ends_on: dt.date | None
    post_started_on: dt.date | None
    jurisdiction_households: int | None
    rated_households: int | None
    _row: strawberry.Private[models.Manager]

    @classmethod
    def from_row(cls, r: models.Manager) -> Manager:
        return cls(
            id=strawberry.ID(str(r.id)),
            employee_no=r.employee_no,
            name=r.name,
            category=r.category,
            status=r.status,
            hire_date=r.hire_date,
            birth_date=r.birth_date,
            probation_ends_on=r.probation_ends_on,
            post_started_on=r.post_started_on,
            jurisdiction_households=r.jurisdiction_households,
            rated_households=r.rated_households,
            _row=r,
        )

    @strawberry.field
    def category_label(self) -> str:
        return self._row.category.label

    @strawberry.field
    def status_label(self) -> str:
        return self._row.status.label

    @strawberry.field(description="The current tier; null until graded.")
    def tier(self) -> Tier | None:
        return _tier(self._row.tier_code, self._row.tier_name, self._row.tier_rank)

    @strawberry.field
    def qualification(self) -> Qualification:
        r = self._row
        return Qualification(
            education=r.education,
            professional_title=r.professional_title,
            credit_exam=r.credit_exam,
            credit_work_years=r.credit_work_years,  # type: ignore[arg-type]
            system_proficiency=r.system_proficiency,
            qualification_level=r.qualification_level,
            licence_no=r.licence_no,
            licence_issued_on=r.licence_issued_on,
            licence_valid_until=r.licence_valid_until,
        )

    @strawberry.field
    async def office(self, info: Ctx) -> Office:
        return Office.from_row(await _required(_ctx(info).loaders.office, self._row.office_id))

    @strawberry.field(description="Loans this manager is responsible for.")
    async def loans(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        filter: NestedLoanFilter | None = None,
    ) -> Connection[Loan]:
        ctx = _ctx(info)
        return await ctx.loaders.manager_loans.page(
            self._row.id,
            page_args(ctx, first, after),
            Loan.from_row,
            _nested_loan_criteria(ctx.tenant_id, filter),
        )

    @strawberry.field(description="Customers this manager is responsible for.")
    async def customers(
        self, info: Ctx, first: int | None = None, after: str | None = None
    ) -> Connection[Customer]:
        ctx = _ctx(info)
        return await ctx.loaders.manager_customers.page(
            self._row.id, page_args(ctx, first, after), Customer.from_row, None
        )

    @strawberry.field
    async def appraisals(
        self, info: Ctx, first: int | None = None, after: str | None = None
    ) -> Connection[Appraisal]:
        ctx = _ctx(info)
        return await ctx.loaders.manager_appraisals.page(
            self._row.id, page_args(ctx, first, after), Appraisal.from_row, None
        )

    @strawberry.field(
        description=(
            "Due and overdue post-loan duties (collection notices, overdue collections, "
            "inspection reports) of this manager's outstanding loans, as of a date (today)."
        )
    )
    async def duties(self, info: Ctx, as_of: dt.date | None = None) -> list[PostLoanDuty]:
        day = as_of or dt.date.today()
        items = await _ctx(info).loaders.duties.loader.load((self._row.id, day))
        return [PostLoanDuty.from_duty(d) for d in items]

    @strawberry.field(description="The manager's accounts (e.g. the risk deposit 风险保证金).")
    async def accounts(self, info: Ctx) -> list[ManagerAccount]:
        rows = await _ctx(info).loaders.account_movements.load(self._row.id)
        by_account: dict[str, list[models.AccountMovement]] = {}
        for r in rows:
            by_account.setdefault(r.account, []).append(r)
        return [ManagerAccount.from_rows(name, items) for name, items in sorted(by_account.items())]

    @strawberry.field(description="Notes the policies raised for people, e.g. DISMISSAL_REVIEW.")
    def flags(self) -> list[str]:
        return list(self._row.flags)

    @strawberry.field(description="Every tier this manager held, oldest first.")
    async def tier_history(self, info: Ctx) -> list[TierChange]:
        rows = await _ctx(info).loaders.tier_history.load(self._row.id)
        return [TierChange.from_row(r) for r in rows]


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


@strawberry.type(description="A movement on a manager's account.")
class AccountMovement:
    amount: Money
    direction: str
    article: str
    explanation: str
    appraisal_id: strawberry.ID | None
    recorded_by: str
    recorded_at: dt.datetime


@strawberry.type(description="A manager's account (e.g. RISK_DEPOSIT) with balance and movements.")
class ManagerAccount:
    account: str
    balance: Money
    movements: list[AccountMovement]

    @classmethod
    def from_rows(cls, account: str, rows: list[models.AccountMovement]) -> ManagerAccount:
        balance = sum(
            (r.amount if r.direction == "IN" else -r.amount for r in rows), Decimal("0.00")
        )
        return cls(
            account=account,
            balance=balance,  # type: ignore[arg-type]
            movements=[
                AccountMovement(
                    amount=r.amount,  # type: ignore[arg-type]
                    direction=r.direction,
                    article=r.article,
                    explanation=r.explanation,
                    appraisal_id=_opt_id(r.appraisal_id),
                    recorded_by=r.recorded_by,
                    recorded_at=r.recorded_at,
                )
                for r in rows
            ],
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


@strawberry.type(description="One change of a customer's class, with the rules that decided it.")
class ClassChange:
    id: strawberry.ID
    from_class: CustomerClass | None
    to_class: CustomerClass
    rules: JSON
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
            plugin=r.plugin,
            plugin_version=r.plugin_version,
            changed_by=r.changed_by,
            changed_at=r.changed_at,
        )


UNMASKED_ID_ROLES = frozenset({domain.Role.AUDITOR})


@strawberry.type(description="A loan customer: an individual or a corporate (法人) customer.")
class Customer:
    id: strawberry.ID
    kind: CustomerKind
    segment: CustomerSegment
    name: str
    admission_status: AdmissionStatus
    admitted_on: dt.date | None
    blacklisted: bool
    customer_class: CustomerClass | None = strawberry.field(name="class")
    class_set_at: dt.datetime | None
    _row: strawberry.Private[models.Customer]

    @classmethod
    def from_row(cls, r: models.Customer) -> Customer:
        return cls(
            id=strawberry.ID(str(r.id)),
            kind=r.kind,
            segment=r.segment,
            name=r.name,
            admission_status=r.admission_status,
            admitted_on=r.admitted_on,
            blacklisted=r.blacklisted,
            customer_class=r.class_code,
            class_set_at=r.class_set_at,
            _row=r,
        )

    @strawberry.field(
        description=(
            "Resident ID (个人) or unified social credit code (法人). Masked to the first 3 "
            "and last 4 characters for every role except AUDITOR."
        )
    )
    def id_number(self, info: Ctx) -> str:
        if _ctx(info).principal.has_any(*UNMASKED_ID_ROLES):
            return self._row.id_number
        return mask_identity(self._row.id_number)

    @strawberry.field
    def kind_label(self) -> str:
        return self._row.kind.label

    @strawberry.field
    def segment_label(self) -> str:
        return self._row.segment.label

    @strawberry.field
    def class_label(self) -> str | None:
        return self._row.class_code.label if self._row.class_code else None

    @strawberry.field
    def admission_status_label(self) -> str:
        return self._row.admission_status.label

    @strawberry.field
    def facts(self) -> CustomerFacts:
        r = self._row
        return CustomerFacts(
            industry_policy=r.industry_policy,
            licences_complete=r.licences_complete,
            operating_status=r.operating_status,
            prospects=r.prospects,
            last_bad_credit_on=r.last_bad_credit_on,
            malicious_evasion=r.malicious_evasion,
            major_litigation=r.major_litigation,
            contribution_score=r.contribution_score,
        )

    @strawberry.field(description="The responsible manager.")
    async def manager(self, info: Ctx) -> Manager:
        return Manager.from_row(await _required(_ctx(info).loaders.manager, self._row.manager_id))

    @strawberry.field(description="The office holding the credit relationship.")
    async def office(self, info: Ctx) -> Office:
        return Office.from_row(await _required(_ctx(info).loaders.office, self._row.office_id))

    @strawberry.field
    async def loans(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        filter: NestedLoanFilter | None = None,
    ) -> Connection[Loan]:
        ctx = _ctx(info)
        return await ctx.loaders.customer_loans.page(
            self._row.id,
            page_args(ctx, first, after),
            Loan.from_row,
            _nested_loan_criteria(ctx.tenant_id, filter),
        )

    @strawberry.field(description="Additions to and removals from the blacklist, oldest first.")
    async def blacklist_history(self, info: Ctx) -> list[BlacklistEntry]:
        rows = await _ctx(info).loaders.blacklist_history.load(self._row.id)
        return [
            BlacklistEntry(
                listed=r.listed,
                reason=r.reason,
                recorded_by=r.recorded_by,
                recorded_at=r.recorded_at,
            )
            for r in rows
        ]

    @strawberry.field(description="Every class this customer held, oldest first.")
    async def class_history(self, info: Ctx) -> list[ClassChange]:
        rows = await _ctx(info).loaders.class_history.load(self._row.id)
        return [ClassChange.from_row(r) for r in rows]


@strawberry.type(description="A loan or other credit business item.")
class Loan:
    id: strawberry.ID
    contract_no: str
    product: LoanProduct
    principal: Money
    balance: Money
    annual_rate: DecimalValue = strawberry.field(description='Annual rate as a fraction: "0.0435".')
    issued_on: dt.date
    matures_on: dt.date
    guarantee: Guarantee
    risk_class: RiskClass
    days_overdue: int
    is_extension: bool
    is_refinancing: bool
    _row: strawberry.Private[models.Loan]

    @classmethod
    def from_row(cls, r: models.Loan) -> Loan:
        return cls(
            id=strawberry.ID(str(r.id)),
            contract_no=r.contract_no,
            product=r.product,
            principal=r.principal,  # type: ignore[arg-type]
            balance=r.balance,  # type: ignore[arg-type]
            annual_rate=r.annual_rate,  # type: ignore[arg-type]
            issued_on=r.issued_on,
            matures_on=r.matures_on,
            guarantee=r.guarantee,
            risk_class=r.risk_class,
            days_overdue=r.days_overdue,
            is_extension=r.is_extension,
            is_refinancing=r.is_refinancing,
            _row=r,
        )

    @strawberry.field
    def product_label(self) -> str:
        return self._row.product.label

    @strawberry.field
    def guarantee_label(self) -> str:
        return self._row.guarantee.label

    @strawberry.field
    def risk_class_label(self) -> str:
        return self._row.risk_class.label

    @strawberry.field(description="SUBSTANDARD, DOUBTFUL or LOSS (不良).")
    def non_performing(self) -> bool:
        return self._row.risk_class.non_performing

    @strawberry.field
    async def customer(self, info: Ctx) -> Customer:
        return Customer.from_row(
            await _required(_ctx(info).loaders.customer, self._row.customer_id)
        )

    @strawberry.field(description="The responsible manager.")
    async def manager(self, info: Ctx) -> Manager:
        return Manager.from_row(await _required(_ctx(info).loaders.manager, self._row.manager_id))

    @strawberry.field
    async def office(self, info: Ctx) -> Office:
        return Office.from_row(await _required(_ctx(info).loaders.office, self._row.office_id))


@strawberry.type(description="One scored item of an appraisal, with the article it applies.")
class AppraisalItem:
    key: str
    name: str
    article: str
    max_points: DecimalValue | None
    score: DecimalValue
    inputs: JSON
    explanation: str


@strawberry.type(description="A manager's appraisal (考核) for one period.")
class Appraisal:
    id: strawberry.ID
    period: Period
    status: AppraisalStatus
    plugin: str
    plugin_version: str
    parameters: JSON
    inputs: JSON
    total: DecimalValue | None
    graded: bool = strawberry.field(
        description="False when the policy refused to grade (the explanation says why)."
    )
    rating: str | None
    rating_label: str | None
    explanation: str | None
    warnings: list[str]
    pay: JSON = strawberry.field(
        description="Amounts the policy derived (pay, profit share, risk-deposit withholding)."
    )
    tier_move: JSON | None = strawberry.field(
        description="The tier change made at confirmation: direction, tier, reason, article."
    )
    computed_by: str
    computed_at: dt.datetime
    confirmed_by: str | None
    confirmed_at: dt.datetime | None
    appealed_at: dt.datetime | None
    appeal_reason: str | None
    review_reason: str | None
    _row: strawberry.Private[models.Appraisal]

    @classmethod
    def from_row(cls, r: models.Appraisal) -> Appraisal:
        return cls(
            id=strawberry.ID(str(r.id)),
            period=r.period,  # type: ignore[arg-type]
            status=r.status,
            plugin=r.plugin,
            plugin_version=r.plugin_version,
            parameters=JSON(r.parameters),
            inputs=JSON(r.inputs),
            total=r.total,  # type: ignore[arg-type]
            graded=r.graded,
            rating=r.rating,
            rating_label=r.rating_label,
            explanation=r.explanation,
            warnings=list(r.warnings),
            pay=JSON(r.pay),
            tier_move=None if r.tier_move is None else JSON(r.tier_move),
            computed_by=r.computed_by,
            computed_at=r.computed_at,
            confirmed_by=r.confirmed_by,
            confirmed_at=r.confirmed_at,
            appealed_at=r.appealed_at,
            appeal_reason=r.appeal_reason,
            review_reason=r.review_reason,
            _row=r,
        )

    @strawberry.field
    def status_label(self) -> str:
        return self._row.status.label

    @strawberry.field(description="The tier this appraisal leads to.")
    def tier(self) -> Tier | None:
        return _tier(self._row.tier_code, self._row.tier_name, self._row.tier_rank)

    @strawberry.field
    async def manager(self, info: Ctx) -> Manager:
        return Manager.from_row(await _required(_ctx(info).loaders.manager, self._row.manager_id))

    @strawberry.field
    async def items(self, info: Ctx) -> list[AppraisalItem]:
        rows = await _ctx(info).loaders.appraisal_items.load(self._row.id)
        return [
            AppraisalItem(
                key=r.key,
                name=r.name,
                article=r.article,
                max_points=r.max_points,  # type: ignore[arg-type]
                score=r.score,  # type: ignore[arg-type]
                inputs=JSON(r.inputs),
                explanation=r.explanation,
            )
            for r in rows
        ]


@strawberry.type(description="A planned or actual indicator figure for a manager and period.")
class IndicatorFigure:
    indicator: str
    value: DecimalValue


@strawberry.type(description="A finding of the sample inspection of a manager's work.")
class InspectionFinding:
    id: strawberry.ID
    period: Period
    item: str
    finding: str
    count: int
    loan_id: strawberry.ID | None
    description: str | None
    recorded_by: str
    recorded_at: dt.datetime

    @classmethod
    def from_row(cls, r: models.InspectionFinding) -> InspectionFinding:
        return cls(
            id=strawberry.ID(str(r.id)),
            period=r.period,  # type: ignore[arg-type]
            item=r.item,
            finding=r.finding,
            count=r.count,
            loan_id=_opt_id(r.loan_id),
            description=r.description,
            recorded_by=r.recorded_by,
            recorded_at=r.recorded_at,
        )


@strawberry.type(description="A recorded violation of a manager.")
class Violation:
    id: strawberry.ID
    kind: ViolationKind
    kind_label: str
    occurred_on: dt.date
    description: str
    evidence: str | None
    status: ViolationStatus
    recorded_by: str
    recorded_at: dt.datetime
    confirmed_by: str | None
    confirmed_at: dt.datetime | None
    effect: str | None = strawberry.field(
        description="What the penalty policy decided: DOWN_ONE_TIER, DISQUALIFY, "
        "DISQUALIFY_FOR_LIFE, SUSPEND or NONE."
    )
    effect_article: str | None
    effect_reason: str | None
    _row: strawberry.Private[models.Violation]

    @classmethod
    def from_row(cls, r: models.Violation) -> Violation:
        return cls(
            id=strawberry.ID(str(r.id)),
            kind=r.kind,
            kind_label=r.kind.label,
            occurred_on=r.occurred_on,
            description=r.description,
            evidence=r.evidence,
            status=r.status,
            recorded_by=r.recorded_by,
            recorded_at=r.recorded_at,
            confirmed_by=r.confirmed_by,
            confirmed_at=r.confirmed_at,
            effect=r.effect,
            effect_article=r.effect_article,
            effect_reason=r.effect_reason,
            _row=r,
        )

    @strawberry.field
    async def manager(self, info: Ctx) -> Manager:
        return Manager.from_row(await _required(_ctx(info).loaders.manager, self._row.manager_id))


@strawberry.type(description="A whole tenant appraised for one period, with its progress.")
class AppraisalRun:
    id: strawberry.ID
    period: Period
    status: str
    plugin: str
    plugin_version: str
    managers_total: int
    managers_done: int
    managers_skipped: int
    cohort: JSON = strawberry.field(description="The tenant-wide figures used (e.g. averages).")
    problems: JSON = strawberry.field(description="Managers skipped, with their missing inputs.")
    started_by: str
    started_at: dt.datetime
    finished_at: dt.datetime | None

    @classmethod
    def from_row(cls, r: models.AppraisalRun) -> AppraisalRun:
        return cls(
            id=strawberry.ID(str(r.id)),
            period=r.period,  # type: ignore[arg-type]
            status=r.status.value,
            plugin=r.plugin,
            plugin_version=r.plugin_version,
            managers_total=r.managers_total,
            managers_done=r.managers_done,
            managers_skipped=r.managers_skipped,
            cohort=JSON(r.cohort),
            problems=JSON(r.problems),
            started_by=r.started_by,
            started_at=r.started_at,
            finished_at=r.finished_at,
        )


@strawberry.type(description="A request for first-credit admission and its decision.")
class AdmissionRequest:
    id: strawberry.ID
    status: str
    reason: str | None
    requested_by: str
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str | None
    _row: strawberry.Private[models.AdmissionRequest]

    @classmethod
    def from_row(cls, r: models.AdmissionRequest) -> AdmissionRequest:
        return cls(
            id=strawberry.ID(str(r.id)),
            status=r.status.value,
            reason=r.reason,
            requested_by=r.requested_by,
            requested_at=r.requested_at,
            decided_by=r.decided_by,
            decided_at=r.decided_at,
            decision_reason=r.decision_reason,
            _row=r,
        )

    @strawberry.field
    async def customer(self, info: Ctx) -> Customer:
        return Customer.from_row(
            await _required(_ctx(info).loaders.customer, self._row.customer_id)
        )


@strawberry.type(description="An addition to or removal from the blacklist.")
class BlacklistEntry:
    listed: bool
    reason: str
    recorded_by: str
    recorded_at: dt.datetime


@strawberry.type(description="A manager due to rotate to another post (岗位轮换).")
class RotationDue:
    manager: Manager
    due_on: dt.date


@strawberry.type(description="A grade or customer-class change, as integrators receive it.")
class ChangeEvent:
    cursor: str = strawberry.field(description="Strictly increasing per tenant; resume after it.")
    kind: str
    occurred_at: dt.datetime
    payload: JSON

    @classmethod
    def from_row(cls, r: models.Event) -> ChangeEvent:
        return cls(
            cursor=str(r.cursor),
            kind=r.kind.value,
            occurred_at=r.occurred_at,
            payload=JSON(r.payload),
        )


@strawberry.type(description="Events after a cursor, oldest first.")
class EventPage:
    events: list[ChangeEvent]
    latest_cursor: str | None = strawberry.field(
        description="The cursor to store and resume after (the last event's, or the one given)."
    )
    has_more: bool
