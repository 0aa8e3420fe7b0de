"""The policy plugin API: everything a province's rules package imports, from one module.

A province's rules (grading tiers and appraisal, customer classification,
lending caps, penalties) live in plugins registered under the entry-point
group ``ruralcredit.policies``. The four in-tree plugins register exactly as a
federation's own package would::

    [project.entry-points."ruralcredit.policies"]
    my_province = "my_package.policy"

A plugin module implements hooks (``server/policy/hookspecs.py``) with
``@hookimpl`` — every hook of each category it declares in ``policy_info`` —
and imports nothing from the server but this module::

    from server.policy import AppraisalInput, AppraisalOutcome, Parameters, hookimpl

Plugins are pure: frozen dataclasses in, frozen dataclasses out. A plugin
declares its parameters once, as a :class:`Parameters` dataclass; every hook
receives the tenant's values as an instance of it. Builders for a plugin's
tests are in ``server.policy.testing``. The guide for plugin authors is
``docs/plugin-authors.md``.

Every explanation a plugin returns is in Chinese (``explanation``, the text people
read) with the English beside it (``explanation_en``); ``Explanation`` builds both.
"""

from server.errors import Refusal
from server.policy.explanations import (
    Explanation,
    bilingual_problem,
    percent,
    points,
    untranslated,
    yuan,
    zh,
)
from server.policy.hookspecs import ENTRY_POINT_GROUP, hookimpl
from server.policy.indicators import COMPUTED_INDICATORS
from server.policy.keys import (
    FINDING_CODE,
    INDICATOR_KEY,
    ITEM_KEY,
    is_finding_code,
    is_indicator_key,
    is_item_key,
)
from server.policy.parameters import (
    Parameters,
    ParameterSetProblem,
    ParameterSpec,
    Params,
    ParamValue,
    parameter,
)
from server.policy.period import Period, parse_period
from server.policy.scoring import CENT, ONE, ZERO, clamp, fmt, full_steps, ratio, round_score
from server.policy.types import (
    AppraisalInput,
    AppraisalOutcome,
    Classification,
    CohortMember,
    CustomerFacts,
    FindingCount,
    FindingSpec,
    IndicatorSpec,
    ItemScore,
    LendingCap,
    LoanRequest,
    ManagerProfile,
    MoneyLine,
    PenaltyEffect,
    PluginInfo,
    PriorAppraisal,
    RuleHit,
    Tier,
    TierMove,
    ViolationCase,
)
from server.policy.vocabulary import (
    NON_PERFORMING,
    CreditExamResult,
    CustomerClass,
    CustomerKind,
    Education,
    IndicatorSource,
    IndustryPolicy,
    LabelledEnum,
    LoanProduct,
    ManagerCategory,
    ManagerStatus,
    OperatingStatus,
    ParamType,
    PenaltyKind,
    PeriodKind,
    PolicyCategory,
    ProfessionalTitle,
    Prospects,
    RiskClass,
    SystemProficiency,
    TierChangeCause,
    TierDirection,
    TierMoveFlag,
    ViolationKind,
)

__all__ = [
    "CENT",
    "COMPUTED_INDICATORS",
    "ENTRY_POINT_GROUP",
    "FINDING_CODE",
    "INDICATOR_KEY",
    "ITEM_KEY",
    "NON_PERFORMING",
    "ONE",
    "ZERO",
    "AppraisalInput",
    "AppraisalOutcome",
    "Classification",
    "CohortMember",
    "CreditExamResult",
    "CustomerClass",
    "CustomerFacts",
    "CustomerKind",
    "Education",
    "Explanation",
    "FindingCount",
    "FindingSpec",
    "IndicatorSource",
    "IndicatorSpec",
    "IndustryPolicy",
    "ItemScore",
    "LabelledEnum",
    "LendingCap",
    "LoanProduct",
    "LoanRequest",
    "ManagerCategory",
    "ManagerProfile",
    "ManagerStatus",
    "MoneyLine",
    "OperatingStatus",
    "ParamType",
    "ParamValue",
    "ParameterSetProblem",
    "ParameterSpec",
    "Parameters",
    "Params",
    "PenaltyEffect",
    "PenaltyKind",
    "Period",
    "PeriodKind",
    "PluginInfo",
    "PolicyCategory",
    "PriorAppraisal",
    "ProfessionalTitle",
    "Prospects",
    "Refusal",
    "RiskClass",
    "RuleHit",
    "SystemProficiency",
    "Tier",
    "TierChangeCause",
    "TierDirection",
    "TierMove",
    "TierMoveFlag",
    "ViolationCase",
    "ViolationKind",
    "bilingual_problem",
    "clamp",
    "fmt",
    "full_steps",
    "hookimpl",
    "is_finding_code",
    "is_indicator_key",
    "is_item_key",
    "parameter",
    "parse_period",
    "percent",
    "points",
    "ratio",
    "round_score",
    "untranslated",
    "yuan",
    "zh",
]
