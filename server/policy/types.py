"""Frozen dataclasses exchanged between the core and policy plugins.

Plugins receive plain data and return plain data: no database rows, no
GraphQL types, no I/O. Money and scores are ``Decimal``; dates are ``date``.
Plugins import these from ``server.policy``; the parameter types and the
policy enumerations are also importable from here, where the server has long
imported them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from server.policy.parameters import Parameters, ParameterSpec, Params
from server.policy.period import Period
from server.policy.vocabulary import (
    CreditExamResult,
    CustomerClass,
    CustomerKind,
    Education,
    IndicatorSource,
    IndustryPolicy,
    LoanProduct,
    ManagerCategory,
    ManagerStatus,
    OperatingStatus,
    PenaltyKind,
    PolicyCategory,
    ProfessionalTitle,
    Prospects,
    RiskClass,
    SystemProficiency,
    TierDirection,
    TierMoveFlag,
    ViolationKind,
)

# --- identity ----------------------------------------------------------------


@dataclass(frozen=True)
class PluginInfo:
    """What a policy plugin is: its name, version, sources, categories and parameters."""

    name: str
    version: str
    title: str
    sources: tuple[str, ...]
    categories: frozenset[PolicyCategory]
    params: type[Parameters] = Parameters
    """The plugin's parameter declaration: every hook receives an instance as ``params``."""
    parameters: tuple[ParameterSpec, ...] = field(init=False)
    """The declared parameters, one spec each (from ``params``)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", self.params.specs())


# --- shared inputs -----------------------------------------------------------


@dataclass(frozen=True)
class Tier:
    """One grade of the tenant's grading policy. Tiers compare by ``rank`` (0 = lowest)."""

    code: str
    name: str
    rank: int
    external_title: str


@dataclass(frozen=True)
class ManagerProfile:
    """A manager as the policies see one: status, tier, qualification profile."""

    manager_id: str
    employee_no: str
    category: ManagerCategory
    status: ManagerStatus
    hire_date: dt.date
    birth_date: dt.date
    probation_ends_on: dt.date | None = None
    post_started_on: dt.date | None = None
    tier: Tier | None = None
    education: Education | None = None
    professional_title: ProfessionalTitle | None = None
    credit_exam: CreditExamResult | None = None
    credit_work_years: Decimal | None = None
    system_proficiency: SystemProficiency | None = None
    qualification_level: str | None = None
    licence_valid_until: dt.date | None = None
    jurisdiction_households: int | None = None
    rated_households: int | None = None
    office_has_credit_clerk: bool = False


# --- grading -----------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorSpec:
    """An input an appraisal needs: its key, unit and where its value comes from."""

    key: str
    unit: str
    description: str
    source: IndicatorSource
    required: bool = True
    label: str = ""
    """The input's name in Chinese, as a form shows it (e.g. "收回贷款利息"); empty when the
    plugin gives none (the form falls back to ``description``)."""


@dataclass(frozen=True)
class FindingSpec:
    """An inspection finding code an appraisal scores: the item it reduces, its code, what it
    is (``recordInspectionFindings`` takes only these)."""

    item: str
    finding: str
    description: str


@dataclass(frozen=True)
class FindingCount:
    """Inspection findings of one kind for one appraisal item."""

    item: str
    finding: str
    count: int


@dataclass(frozen=True)
class PriorAppraisal:
    """A confirmed appraisal of the same manager, for policies that look back."""

    period: str
    total: Decimal | None
    rating: str | None


@dataclass(frozen=True)
class CohortMember:
    """One manager's values, for tenant-wide figures (averages) computed once per run."""

    profile: ManagerProfile
    values: Mapping[str, Decimal]


@dataclass(frozen=True)
class AppraisalInput:
    """Everything one appraisal may read. ``values`` holds COMPUTED and RECORDED
    indicators, ``plans`` the TASK_PLAN ones, both keyed by indicator key;
    ``cohort`` holds what ``grading_cohort_figures`` returned for the run;
    ``params`` the tenant's parameters as stored with the result (the hooks
    receive them typed, as their own ``params`` argument)."""

    period: Period
    manager: ManagerProfile
    values: Mapping[str, Decimal]
    plans: Mapping[str, Decimal]
    findings: tuple[FindingCount, ...]
    cohort: Mapping[str, Decimal]
    prior: tuple[PriorAppraisal, ...]
    params: Params


@dataclass(frozen=True)
class ItemScore:
    """One scored item: the article it applies, the inputs it used, why it scored so."""

    key: str
    name: str
    article: str
    max_points: Decimal | None
    score: Decimal
    inputs: Mapping[str, str]
    explanation: str
    """Why it scored so, in Chinese (the text people read)."""
    explanation_en: str = ""
    """The same in English; empty when the plugin gives none."""


@dataclass(frozen=True)
class AppraisalOutcome:
    """The result of appraising one manager for one period.

    When ``graded`` is false the policy refused to grade (``explanation`` says
    why, with its article) and ``items``/``total``/``tier`` are empty.
    ``explanation`` is in Chinese, ``explanation_en`` the same in English (empty
    when the plugin gives none).
    """

    graded: bool
    explanation: str
    items: tuple[ItemScore, ...] = ()
    total: Decimal | None = None
    tier: Tier | None = None
    rating: str | None = None
    rating_label: str | None = None
    warnings: tuple[str, ...] = ()
    pay: tuple[MoneyLine, ...] = ()
    explanation_en: str = ""


@dataclass(frozen=True)
class MoneyLine:
    """An amount the policy derives (pay, profit share, risk-deposit withholding)."""

    key: str
    name: str
    amount: Decimal
    article: str
    explanation: str
    """How it was derived, in Chinese."""
    account: str | None = None
    """When set, the amount moves into this manager account (e.g. ``RISK_DEPOSIT``)."""
    explanation_en: str = ""
    """The same in English; empty when the plugin gives none."""


@dataclass(frozen=True)
class TierMove:
    """The tier change a policy makes when an appraisal is confirmed."""

    direction: TierDirection
    to_tier: Tier | None
    reason: str
    article: str
    flags: tuple[TierMoveFlag, ...] = ()
    """What the move says beyond its direction: ``PROBATION_END`` (the tier history's
    cause) or notes for people such as ``DISMISSAL_REVIEW``."""


# --- classification ----------------------------------------------------------


@dataclass(frozen=True)
class CustomerFacts:
    """The facts the classifier reads; loan facts come from the database."""

    customer_id: str
    kind: CustomerKind
    industry_policy: IndustryPolicy
    licences_complete: bool
    operating_status: OperatingStatus
    prospects: Prospects
    last_bad_credit_on: dt.date | None
    blacklisted: bool
    malicious_evasion: bool
    major_litigation: bool
    contribution_score: int
    worst_risk_class: RiskClass | None
    max_days_overdue: int
    as_of: dt.date


@dataclass(frozen=True)
class RuleHit:
    """A rule that decided a classification: its id, the fact and its value, the article."""

    rule: str
    fact: str
    value: str
    article: str


@dataclass(frozen=True)
class Classification:
    """The class a classification policy gives a customer, with every rule that decided it."""

    customer_class: CustomerClass
    rules: tuple[RuleHit, ...]


# --- lending -----------------------------------------------------------------


@dataclass(frozen=True)
class LendingCap:
    """The largest single loan a manager may originate; ``amount`` None = no cap."""

    amount: Decimal | None
    article: str
    explanation: str
    """Why, in Chinese."""
    explanation_en: str = ""
    """The same in English; empty when the plugin gives none."""


@dataclass(frozen=True)
class LoanRequest:
    """A new loan as the lending and classification policies see it."""

    manager: ManagerProfile
    customer_id: str
    customer_kind: CustomerKind
    customer_class: CustomerClass | None
    product: LoanProduct
    amount: Decimal
    issued_on: dt.date
    exposure_now: Decimal
    """The customer's total outstanding before this loan."""
    exposure_at_class_set: Decimal | None
    """The customer's total outstanding when the current class was set."""
    reference_exposure: Decimal | None = None
    """The larger of :attr:`exposure_at_class_set` and the customer's highest outstanding in
    the 12 months before the class was set; ``None`` when the class was never set."""
    is_renewal: bool = False
    """The loan renews credit the customer has (借新还旧, 续贷 or 展期): it repays existing
    outstanding rather than adding to it."""


# --- penalty -----------------------------------------------------------------


@dataclass(frozen=True)
class ViolationCase:
    """A confirmed violation with the counts some policies need (same calendar year)."""

    kind: ViolationKind
    occurred_on: dt.date
    manager: ManagerProfile
    confirmed_same_kind_this_year: int
    """Confirmed violations of this kind in the calendar year, this one included."""
    tiers: tuple[Tier, ...] = field(default=())


@dataclass(frozen=True)
class PenaltyEffect:
    """What a confirmed violation does to the manager, with the article and the reason."""

    effect: PenaltyKind
    article: str
    reason: str
    to_tier: Tier | None = None
    """For DOWN_ONE_TIER: the tier the manager moves to."""
