"""The entity types that link to each other: Office, Manager, Customer, Loan, Appraisal.

A manager lists its loans and a loan names its manager; an office lists its managers
and a manager names its office. Types that refer to each other must share a module
(or their modules would import each other), so these five live here, thin: their
columns, and nested fields read through the request's loaders. The nested lists'
arguments are checked and their pages read in ``server.graphql.nested_lists``, and the
``…Label`` fields are made in ``server.graphql.labels``. Every other type —
and every query, mutation, filter, input and loader — lives in its domain's package.
"""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON

from server import domain
from server.db import models
from server.graphql import nested_lists
from server.graphql.appraisal import typed_fields
from server.graphql.appraisal.filters import AppraisalOrder
from server.graphql.appraisal.types import AppraisalItem, ManagerAccount
from server.graphql.context import Ctx
from server.graphql.enums import (
    AdmissionStatus,
    AppraisalStatus,
    CustomerClass,
    CustomerKind,
    CustomerSegment,
    Guarantee,
    LoanProduct,
    ManagerCategory,
    ManagerStatus,
    OfficeKind,
    RiskClass,
)
from server.graphql.ids import Node
from server.graphql.labels import label_of, optional_label_of
from server.graphql.lending.filters import CustomerOrder, LoanOrder, NestedLoanFilter
from server.graphql.lending.types import (
    AdmissionLapse,
    BlacklistEntry,
    ClassChange,
    CustomerFacts,
    LoanRepayments,
    PostLoanDuty,
)
from server.graphql.org.filters import ManagerOrder
from server.graphql.org.types import Qualification, Tier, TierChange, tier_from
from server.graphql.pagination import Connection
from server.graphql.scalars import DecimalValue, Money, Period
from server.identity_codes import mask_identity

UNMASKED_ID_ROLES = frozenset({domain.Role.AUDITOR})


@strawberry.type(description="An office: head office (总行/联社), branch (支行) or outlet (网点).")
class Office(Node):
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

    kind_label = label_of("kind")

    @strawberry.field
    async def parent(self, info: Ctx) -> Office | None:
        if self._row.parent_id is None:
            return None
        row = await info.context.loaders.org.office.load(self._row.parent_id)
        return Office.from_row(row) if row else None

    @strawberry.field
    async def children(self, info: Ctx) -> list[Office]:
        rows = await info.context.loaders.org.office_children.load(self._row.id)
        return [Office.from_row(r) for r in rows]

    @strawberry.field(description="Managers of this office (not of its sub-offices).")
    async def managers(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: ManagerOrder | None = None,
    ) -> Connection[Manager]:
        return await nested_lists.office_managers(
            info, self._row.id, Manager.from_row, first, after, last, before, order_by
        )


@strawberry.type(description="A credit customer manager (信贷客户经理).")
class Manager(Node):
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

    @strawberry.field(
        description=(
            "Resident ID (GB 11643). Masked to the first 3 and last 4 characters for every "
            "role except AUDITOR; null for a record made before managers carried one."
        )
    )
    def identity_number(self, info: Ctx) -> str | None:
        number = self._row.identity_number
        if number is None or info.context.principal.has_any(*UNMASKED_ID_ROLES):
            return number
        return mask_identity(number)

    @strawberry.field(
        description="Disqualified for life (终生取消资格): the person is never taken on again."
    )
    def banned_for_life(self) -> bool:
        return self._row.banned_for_life

    category_label = label_of("category")
    status_label = label_of("status")

    @strawberry.field(description="The current tier; null until graded.")
    def tier(self) -> Tier | None:
        return tier_from(self._row.tier_code, self._row.tier_name, self._row.tier_rank)

    @strawberry.field
    def qualification(self) -> Qualification:
        return Qualification.from_row(self._row)

    @strawberry.field
    async def office(self, info: Ctx) -> Office:
        row = await info.context.loaders.org.office.load_referenced(self._row.office_id)
        return Office.from_row(row)

    @strawberry.field(description="Loans this manager is responsible for.")
    async def loans(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        filter: NestedLoanFilter | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: LoanOrder | None = None,
    ) -> Connection[Loan]:
        return await nested_lists.manager_loans(
            info, self._row.id, Loan.from_row, first, after, filter, last, before, order_by
        )

    @strawberry.field(description="Customers this manager is responsible for.")
    async def customers(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: CustomerOrder | None = None,
    ) -> Connection[Customer]:
        return await nested_lists.manager_customers(
            info, self._row.id, Customer.from_row, first, after, last, before, order_by
        )

    @strawberry.field
    async def appraisals(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: AppraisalOrder | None = None,
    ) -> Connection[Appraisal]:
        return await nested_lists.manager_appraisals(
            info, self._row.id, Appraisal.from_row, first, after, last, before, order_by
        )

    @strawberry.field(
        description=(
            "Due and overdue post-loan duties (collection notices, overdue collections, "
            "inspection reports) of this manager's outstanding loans, as of a date (today)."
        )
    )
    async def duties(self, info: Ctx, as_of: dt.date | None = None) -> list[PostLoanDuty]:
        day = as_of or await info.context.today()
        items = await info.context.loaders.lending.duties.loader.load((self._row.id, day))
        return [PostLoanDuty.from_duty(d) for d in items]

    @strawberry.field(description="The manager's accounts (e.g. the risk deposit 风险保证金).")
    async def accounts(self, info: Ctx) -> list[ManagerAccount]:
        rows = await info.context.loaders.appraisal.account_movements.load(self._row.id)
        return ManagerAccount.all_from_rows(rows)

    @strawberry.field(description="Notes the policies raised for people, e.g. DISMISSAL_REVIEW.")
    def flags(self) -> list[str]:
        return list(self._row.flags)

    @strawberry.field(description="Every tier this manager held, oldest first.")
    async def tier_history(self, info: Ctx) -> list[TierChange]:
        rows = await info.context.loaders.org.tier_history.load(self._row.id)
        return [TierChange.from_row(r) for r in rows]


@strawberry.type(description="A loan customer: an individual or a corporate (法人) customer.")
class Customer(Node):
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
        if info.context.principal.has_any(*UNMASKED_ID_ROLES):
            return self._row.id_number
        return mask_identity(self._row.id_number)

    kind_label = label_of("kind")
    segment_label = label_of("segment")
    class_label = optional_label_of("class_code")
    admission_status_label = label_of("admission_status")

    @strawberry.field
    def facts(self) -> CustomerFacts:
        return CustomerFacts.from_row(self._row)

    @strawberry.field(description="The responsible manager.")
    async def manager(self, info: Ctx) -> Manager:
        row = await info.context.loaders.org.manager.load_referenced(self._row.manager_id)
        return Manager.from_row(row)

    @strawberry.field(description="The office holding the credit relationship.")
    async def office(self, info: Ctx) -> Office:
        row = await info.context.loaders.org.office.load_referenced(self._row.office_id)
        return Office.from_row(row)

    @strawberry.field
    async def loans(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        filter: NestedLoanFilter | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: LoanOrder | None = None,
    ) -> Connection[Loan]:
        return await nested_lists.customer_loans(
            info, self._row.id, Loan.from_row, first, after, filter, last, before, order_by
        )

    @strawberry.field(description="Approved admissions that lapsed (Art. 2), oldest first.")
    async def admission_lapses(self, info: Ctx) -> list[AdmissionLapse]:
        rows = await info.context.loaders.lending.admission_lapses.load(self._row.id)
        return [AdmissionLapse.from_row(r) for r in rows]

    @strawberry.field(description="Additions to and removals from the blacklist, oldest first.")
    async def blacklist_history(self, info: Ctx) -> list[BlacklistEntry]:
        rows = await info.context.loaders.lending.blacklist_history.load(self._row.id)
        return [BlacklistEntry.from_row(r) for r in rows]

    @strawberry.field(description="Every class this customer held, oldest first.")
    async def class_history(self, info: Ctx) -> list[ClassChange]:
        rows = await info.context.loaders.lending.class_history.load(self._row.id)
        return [ClassChange.from_row(r) for r in rows]


@strawberry.type(description="A loan or other credit business item.")
class Loan(Node):
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

    product_label = label_of("product")
    guarantee_label = label_of("guarantee")
    risk_class_label = label_of("risk_class")

    @strawberry.field(description="Repaid, written off, recovered; whether it is closed.")
    def repayments(self) -> LoanRepayments:
        return LoanRepayments.from_row(self._row)

    @strawberry.field(description="SUBSTANDARD, DOUBTFUL or LOSS (不良).")
    def non_performing(self) -> bool:
        return self._row.risk_class.non_performing

    @strawberry.field
    async def customer(self, info: Ctx) -> Customer:
        row = await info.context.loaders.lending.customer.load_referenced(self._row.customer_id)
        return Customer.from_row(row)

    @strawberry.field(description="The responsible manager.")
    async def manager(self, info: Ctx) -> Manager:
        row = await info.context.loaders.org.manager.load_referenced(self._row.manager_id)
        return Manager.from_row(row)

    @strawberry.field
    async def office(self, info: Ctx) -> Office:
        row = await info.context.loaders.org.office.load_referenced(self._row.office_id)
        return Office.from_row(row)


@strawberry.type(description="A manager's appraisal (考核) for one period.")
class Appraisal(Node):
    id: strawberry.ID
    period: Period
    status: AppraisalStatus
    plugin: str
    plugin_version: str
    parameters: JSON = strawberry.field(description=typed_fields.PARAMETERS_DESCRIPTION)
    parameter_values = typed_fields.parameter_values_field
    inputs: JSON = strawberry.field(deprecation_reason="use inputsRead")
    inputs_read = typed_fields.inputs_read_field
    total: DecimalValue | None
    graded: bool = strawberry.field(
        description="False when the policy refused to grade (the explanation says why)."
    )
    rating: str | None
    rating_label: str | None
    explanation: str | None = strawberry.field(
        description="The outcome explained in Chinese (why not graded, or the total and tier)."
    )
    explanation_en: str | None = strawberry.field(
        description="The same in English (empty when the policy gave none)."
    )
    warnings: list[str]
    pay: JSON = strawberry.field(
        description="Amounts the policy derived (pay, profit share, risk-deposit withholding).",
        deprecation_reason="use payLines",
    )
    pay_lines = typed_fields.pay_lines_field
    tier_move: JSON | None = strawberry.field(
        description="The tier change made at confirmation: direction, tier, reason, article.",
        deprecation_reason="use confirmedTierMove",
    )
    confirmed_tier_move = typed_fields.confirmed_tier_move_field
    computed_by: str
    computed_at: dt.datetime
    recomputed_by: str | None = strawberry.field(
        description="Who made it again in an appeal's review; neither they nor computedBy "
        "confirm it."
    )
    recomputed_at: dt.datetime | None
    confirmed_by: str | None
    confirmed_at: dt.datetime | None
    appealed_by: str | None
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
            explanation_en=r.explanation_en,
            warnings=list(r.warnings),
            pay=JSON(r.pay),
            tier_move=None if r.tier_move is None else JSON(r.tier_move),
            computed_by=r.computed_by,
            computed_at=r.computed_at,
            recomputed_by=r.recomputed_by,
            recomputed_at=r.recomputed_at,
            confirmed_by=r.confirmed_by,
            confirmed_at=r.confirmed_at,
            appealed_by=r.appealed_by,
            appealed_at=r.appealed_at,
            appeal_reason=r.appeal_reason,
            review_reason=r.review_reason,
            _row=r,
        )

    status_label = label_of("status")

    @strawberry.field(description="The tier this appraisal leads to.")
    def tier(self) -> Tier | None:
        return tier_from(self._row.tier_code, self._row.tier_name, self._row.tier_rank)

    @strawberry.field
    async def manager(self, info: Ctx) -> Manager:
        row = await info.context.loaders.org.manager.load_referenced(self._row.manager_id)
        return Manager.from_row(row)

    @strawberry.field
    async def items(self, info: Ctx) -> list[AppraisalItem]:
        rows = await info.context.loaders.appraisal.appraisal_items.load(self._row.id)
        return [AppraisalItem.from_row(r) for r in rows]
