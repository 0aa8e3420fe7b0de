"""Builders for a plugin's tests: realistic inputs with sensible defaults, any field overridden.

Each builder returns a frozen input the core would hand a hook; keyword
arguments replace fields of the default. ``registry`` loads plugins as the
server does (it refuses an incomplete one) and calls their hooks as the
core calls them::

    from server.policy.testing import loan_request, manager_profile, registry

    import guangxi_policy

    lending = registry(guangxi_policy).lending("guangxi")
    refusals = lending.check(loan_request(amount=Decimal("300000.01")), {})

Parameters may be given as a mapping of raw values (``{"cap_level_1": "250000"}``,
validated as a tenant's would be) or as the plugin's own declaration.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from server.policy.parameters import Parameters
from server.policy.period import Period, parse_period
from server.policy.registry import PolicyRegistry
from server.policy.types import (
    AppraisalInput,
    CohortMember,
    CustomerFacts,
    LoanRequest,
    ManagerProfile,
    ViolationCase,
)
from server.policy.vocabulary import (
    CreditExamResult,
    CustomerKind,
    Education,
    IndustryPolicy,
    LoanProduct,
    ManagerCategory,
    ManagerStatus,
    OperatingStatus,
    ProfessionalTitle,
    Prospects,
    RiskClass,
    SystemProficiency,
    ViolationKind,
)


def registry(*plugins: object) -> PolicyRegistry:
    """A registry of exactly these plugin modules (or objects), checked as installed ones are."""
    return PolicyRegistry(plugins)


def manager_profile(**changes: Any) -> ManagerProfile:
    """An active retail manager out of probation since 2016, qualified (中级) and licensed
    until 2026, without a tier; ``changes`` replace any field."""
    profile = ManagerProfile(
        manager_id="M-1",
        employee_no="E0001",
        category=ManagerCategory.RETAIL,
        status=ManagerStatus.ACTIVE,
        hire_date=dt.date(2015, 3, 1),
        birth_date=dt.date(1985, 6, 15),
        probation_ends_on=dt.date(2016, 3, 1),
        post_started_on=dt.date(2022, 3, 1),
        education=Education.BACHELOR_OR_HIGHER,
        professional_title=ProfessionalTitle.INTERMEDIATE_OR_HIGHER,
        credit_exam=CreditExamResult.PASSED,
        credit_work_years=Decimal(5),
        system_proficiency=SystemProficiency.PROFICIENT,
        qualification_level="中级",
        licence_valid_until=dt.date(2026, 12, 31),
        jurisdiction_households=100,
        rated_households=80,
    )
    return dataclasses.replace(profile, **changes)


def appraisal_input(period: str | Period = "2025", **changes: Any) -> AppraisalInput:
    """An appraisal of :func:`manager_profile` for ``period`` with no values, plans,
    findings, cohort figures or earlier appraisals, at the plugin's default parameters;
    ``changes`` replace any field."""
    appraisal = AppraisalInput(
        period=parse_period(period) if isinstance(period, str) else period,
        manager=manager_profile(),
        values={},
        plans={},
        findings=(),
        cohort={},
        prior=(),
        params=Parameters(),
    )
    return dataclasses.replace(appraisal, **changes)


def cohort(*values: Mapping[str, Decimal], **changes: Any) -> tuple[CohortMember, ...]:
    """One member per mapping of values: managers ``M-1``, ``M-2`` … as
    :func:`manager_profile` with ``changes``."""
    return tuple(
        CohortMember(
            profile=manager_profile(manager_id=f"M-{n}", employee_no=f"E{n:04d}", **changes),
            values=dict(member),
        )
        for n, member in enumerate(values, start=1)
    )


def customer_facts(**changes: Any) -> CustomerFacts:
    """A sound individual customer on 30 June 2025: encouraged industry, licences complete,
    business normal, good prospects, no bad record, contribution 80, loans all NORMAL."""
    facts = CustomerFacts(
        customer_id="C-1",
        kind=CustomerKind.INDIVIDUAL,
        industry_policy=IndustryPolicy.ENCOURAGED,
        licences_complete=True,
        operating_status=OperatingStatus.NORMAL,
        prospects=Prospects.GOOD,
        last_bad_credit_on=None,
        blacklisted=False,
        malicious_evasion=False,
        major_litigation=False,
        contribution_score=80,
        worst_risk_class=RiskClass.NORMAL,
        max_days_overdue=0,
        as_of=dt.date(2025, 6, 30),
    )
    return dataclasses.replace(facts, **changes)


def loan_request(**changes: Any) -> LoanRequest:
    """A farmer micro-credit loan of 50,000.00 issued on 2 June 2025 by :func:`manager_profile`
    to an individual customer with no class and nothing outstanding."""
    request = LoanRequest(
        manager=manager_profile(),
        customer_id="C-1",
        customer_kind=CustomerKind.INDIVIDUAL,
        customer_class=None,
        product=LoanProduct.FARMER_MICRO_CREDIT,
        amount=Decimal("50000.00"),
        issued_on=dt.date(2025, 6, 2),
        exposure_now=Decimal("0.00"),
        exposure_at_class_set=None,
    )
    return dataclasses.replace(request, **changes)


def violation_case(**changes: Any) -> ViolationCase:
    """A nominee loan (背冒名贷款) by :func:`manager_profile` on 20 May 2025, the first of its
    kind that year, without the grading policy's tiers."""
    case = ViolationCase(
        kind=ViolationKind.NOMINEE_LOAN,
        occurred_on=dt.date(2025, 5, 20),
        manager=manager_profile(),
        confirmed_same_kind_this_year=1,
    )
    return dataclasses.replace(case, **changes)
