"""Inputs of the organisation's mutations: offices and managers."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import UNSET

from server.graphql.enums import (
    CreditExamResult,
    Education,
    ManagerCategory,
    ManagerStatus,
    OfficeKind,
    ProfessionalTitle,
    SystemProficiency,
)
from server.graphql.scalars import DecimalValue


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


@strawberry.input
class CreateManagerInput:
    employee_no: str
    name: str
    office_id: strawberry.ID
    category: ManagerCategory
    hire_date: dt.date
    birth_date: dt.date
    identity_number: str = strawberry.field(
        description="Resident ID (GB 11643, check digit verified; its birth date is birthDate). "
        "One manager record per person in the tenant; a person disqualified for life "
        "(终生取消资格) is refused."
    )
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
    identity_number: str | None = strawberry.field(
        default=UNSET,
        description="Resident ID (GB 11643); recorded once for a manager made without one, "
        "corrected otherwise, never cleared; a lifetime-banned manager's is never changed.",
    )
    status: ManagerStatus | None = UNSET
    probation_ends_on: dt.date | None = UNSET
    post_started_on: dt.date | None = UNSET
    qualification: QualificationInput | None = UNSET
    jurisdiction_households: int | None = UNSET
    rated_households: int | None = UNSET


MANAGER_FIELDS = [
    "name",
    "office_id",
    "category",
    "hire_date",
    "birth_date",
    "identity_number",
    "status",
    "probation_ends_on",
    "post_started_on",
    "jurisdiction_households",
    "rated_households",
]
"""The fields of ``UpdateManagerInput`` that change the manager's record as given."""
