"""Inputs of lending's mutations: customers, their facts, loans."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import UNSET

from server.graphql.enums import (
    CustomerKind,
    CustomerSegment,
    Guarantee,
    IndustryPolicy,
    LoanProduct,
    OperatingStatus,
    Prospects,
    RiskClass,
)
from server.graphql.scalars import DecimalValue, Money


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
