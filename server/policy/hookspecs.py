"""The hook contract between the core and policy plugins.

Each hook's docstring is its documentation. The core calls a hook on exactly
one plugin — the one the tenant selected for the hook's category — never on
all of them, so every hook is ``firstresult``. A plugin implements the hooks
of the categories it declares in :func:`policy_info` and no others.

A few hooks are optional (:data:`OPTIONAL_HOOKS_BY_CATEGORY`): a plugin of the
category may leave them out, and the core then uses the default the hook's
docstring gives.

Hooks are pure: frozen dataclasses in (``server.policy.types``), frozen
dataclasses out. ``params`` is the tenant's parameter set for the plugin: an
instance of the plugin's own declaration (``PluginInfo.params``, a
:class:`~server.policy.parameters.Parameters` subclass), validated, with
defaults filled in. ``period`` is the :class:`~server.policy.period.Period`
appraised. Every score, cap, class and effect a hook returns names the article
of the source document it applies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

import pluggy

from server.errors import Refusal
from server.policy.parameters import Parameters
from server.policy.period import Period
from server.policy.types import (
    AppraisalInput,
    AppraisalOutcome,
    Classification,
    CohortMember,
    CustomerFacts,
    FindingSpec,
    IndicatorSpec,
    LendingCap,
    LoanRequest,
    ManagerProfile,
    PenaltyEffect,
    PluginInfo,
    Tier,
    TierMove,
    ViolationCase,
)

PROJECT = "ruralcredit"
ENTRY_POINT_GROUP = "ruralcredit.policies"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --- identity ----------------------------------------------------------------


@hookspec(firstresult=True)
def policy_info() -> PluginInfo:
    """Describe the plugin: name, version, source documents, categories, parameters.

    :return: the plugin's :class:`PluginInfo`. ``name`` is what a tenant selects;
        ``version`` is stored with every result the plugin shapes; ``params``
        declares every number the source does not fix, with its default and
        bounds (``parameters`` lists them as specs).

    Stops at first non-None result.
    """
    raise NotImplementedError


# --- grading -----------------------------------------------------------------


@hookspec(firstresult=True)
def grading_tiers() -> tuple[Tier, ...]:
    """The grading policy's tiers, lowest rank first.

    :return: the ordered tiers; ranks are 0 or more and strictly grow (a higher rank
        is a better tier, whatever the tier is called).

    Stops at first non-None result.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def grading_indicators(period: Period, params: Parameters) -> tuple[IndicatorSpec, ...]:
    """The inputs an appraisal of this period needs.

    :param period: the period appraised (a year or a quarter).
    :param params: the tenant's parameters for the plugin.
    :return: every indicator the appraisal reads, with its unit, description and
        source. A required indicator the core cannot supply stops the appraisal
        with an error that lists the missing keys.

    Stops at first non-None result.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def grading_findings(period: Period, params: Parameters) -> tuple[FindingSpec, ...]:
    """The inspection finding codes an appraisal of this period scores, per item.

    Optional: without it the core takes any well-formed code for an appraisal that reads
    findings (an indicator of source ``FINDINGS``), and the plugin reports the codes it
    does not score as warnings. With it, ``recordInspectionFindings`` refuses every other
    (item, code) pair, listing these.

    :param period: the period appraised (a year or a quarter).
    :param params: the tenant's parameters for the plugin.
    :return: every (item, finding code) the appraisal reads, with a description.

    Stops at first non-None result.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def grading_cohort_figures(
    period: Period, cohort: tuple[CohortMember, ...], params: Parameters
) -> Mapping[str, Decimal]:
    """Tenant-wide figures an appraisal compares a manager with (e.g. averages).

    Called once per appraisal run, before any manager is appraised.

    :param period: the period appraised (a year or a quarter).
    :param cohort: every active manager of the tenant with their COMPUTED and
        RECORDED values for the period.
    :param params: the tenant's parameters for the plugin.
    :return: named figures, handed to every appraisal of the run as ``cohort``.

    Stops at first non-None result.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def grading_unscored_outcome(
    appraisal: AppraisalInput, params: Parameters
) -> AppraisalOutcome | None:
    """An outcome the policy reaches without scoring, before inputs are checked.

    Some managers are not scored at all: the policy refuses to grade them (e.g.
    still in probation) or places them without a score (e.g. the lowest tier in
    the year probation ended). The core asks this first, so such a manager needs
    none of the scoring inputs; for everyone else it reports missing inputs.

    :param appraisal: as for :func:`grading_appraise`, but ``values`` and
        ``plans`` may lack required keys.
    :param params: the tenant's parameters for the plugin (``appraisal.params``, typed).
    :return: the refusal or placement, or ``None`` when the manager is to be scored.

    Stops at first non-None result.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def grading_appraise(appraisal: AppraisalInput, params: Parameters) -> AppraisalOutcome:
    """Appraise one manager for one period.

    :param appraisal: the period, the manager's profile, values, plans, findings,
        the run's cohort figures, earlier confirmed appraisals and the parameters.
    :param params: the tenant's parameters for the plugin (``appraisal.params``, typed).
    :return: item scores (each with its article, inputs and explanation), total,
        tier and rating; or ``graded=False`` with the reason the policy refuses
        to grade. The same input always gives the same outcome.

    Stops at first non-None result.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def grading_tier_move(
    manager: ManagerProfile, outcome: AppraisalOutcome, period: Period, params: Parameters
) -> TierMove:
    """The tier change the policy makes when an appraisal is confirmed.

    :param manager: the manager, with the tier held now.
    :param outcome: the confirmed appraisal's outcome.
    :param period: the period the appraisal was for (some policies move tiers yearly only).
    :param params: the tenant's parameters for the plugin.
    :return: promotion, demotion, set or none, the tier moved to, the reason, the
        article and the flags (``TierMoveFlag.PROBATION_END`` when the move
        places a manager whose probation ended; notes for people).

    Stops at first non-None result.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def grading_tier_refusals(
    manager: ManagerProfile, tier: Tier, params: Parameters
) -> tuple[Refusal, ...]:
    """Whether the policy lets the manager hold ``tier`` now: its eligibility and ceilings.

    Asked for a tier set by hand (a manual tier change, when it is proposed and again
    when a second person confirms it, and a new manager's first tier), never for the
    moves of :func:`grading_tier_move`, which keep to the policy by themselves. The
    core's own rules come first and hold whatever the plugin answers (a disqualified
    manager, or one who has left, holds no tier).

    Optional: a plugin that does not implement it lets every manager hold every one of
    its tiers.

    :param manager: the manager, with the tier held now, status and qualification.
    :param tier: one of the policy's own tiers (from :func:`grading_tiers`).
    :param params: the tenant's parameters for the plugin.
    :return: one refusal per rule the tier breaks, each with its article (e.g. above
        the qualification ceiling, not graded while in probation); empty when allowed.

    Stops at first non-None result.
    """
    raise NotImplementedError


# --- classification ----------------------------------------------------------


@hookspec(firstresult=True)
def classify_customer(facts: CustomerFacts, params: Parameters) -> Classification:
    """Classify a loan customer from its facts.

    :param facts: the customer's own facts and those the core aggregates from its
        loans (worst five-category class, days overdue now).
    :param params: the tenant's parameters for the plugin.
    :return: the class and every rule that decided it (rule id, fact, value, article).

    Stops at first non-None result.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def classification_credit_check(request: LoanRequest, params: Parameters) -> tuple[Refusal, ...]:
    """Whether the customer's class allows this new credit or increase of exposure.

    :param request: the new loan, the customer's class, its exposure now, when the
        class was set and the reference exposure (the larger of that and the highest
        outstanding in the 12 months before the class was set), and whether the loan
        renews existing credit (借新还旧, 续贷, 展期).
    :param params: the tenant's parameters for the plugin.
    :return: one refusal per failed rule (empty when the class allows the loan).

    Stops at first non-None result.
    """
    raise NotImplementedError


# --- lending -----------------------------------------------------------------


@hookspec(firstresult=True)
def lending_cap(manager: ManagerProfile, on: dt.date, params: Parameters) -> LendingCap:
    """The largest single loan the manager may originate on a date.

    :param manager: the manager, with tier, status and licence.
    :param on: the date of the loan.
    :param params: the tenant's parameters for the plugin.
    :return: the cap (``amount`` None for no cap) with its article.

    Stops at first non-None result.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def lending_check(request: LoanRequest, params: Parameters) -> tuple[Refusal, ...]:
    """Check a new loan against the policy's lending rules (the cap included).

    :param request: the new loan and the manager who would own it.
    :param params: the tenant's parameters for the plugin.
    :return: one refusal per failed rule, each naming rule and article.

    Stops at first non-None result.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def lending_rotation_due_on(manager: ManagerProfile, params: Parameters) -> dt.date | None:
    """When the manager is due to rotate to another post, if the policy rotates.

    :param manager: the manager, with the date the current post started.
    :param params: the tenant's parameters for the plugin.
    :return: the due date, or ``None`` when no rotation applies.

    Stops at first non-None result.
    """
    raise NotImplementedError


# --- penalty -----------------------------------------------------------------


@hookspec(firstresult=True)
def penalty_effect(case: ViolationCase, params: Parameters) -> PenaltyEffect:
    """The effect of a confirmed violation.

    :param case: the violation, the manager (with tier) and the count of confirmed
        violations of the same kind in the calendar year; the policy's tiers.
    :param params: the tenant's parameters for the plugin.
    :return: down one tier (with the tier moved to), disqualify, disqualify for
        life, suspend or none, with the article and reason.

    Stops at first non-None result.
    """
    raise NotImplementedError


HOOKS_BY_CATEGORY = {
    "GRADING": (
        "grading_tiers",
        "grading_indicators",
        "grading_cohort_figures",
        "grading_unscored_outcome",
        "grading_appraise",
        "grading_tier_move",
    ),
    "CLASSIFICATION": ("classify_customer", "classification_credit_check"),
    "LENDING": ("lending_cap", "lending_check", "lending_rotation_due_on"),
    "PENALTY": ("penalty_effect",),
}
"""The hooks a plugin must implement for each category it declares."""

HOOKS_BY_CATEGORY_FLAT = tuple(h for hooks in HOOKS_BY_CATEGORY.values() for h in hooks)

OPTIONAL_HOOKS_BY_CATEGORY: dict[str, tuple[str, ...]] = {
    "GRADING": ("grading_tier_refusals", "grading_findings"),
    "CLASSIFICATION": (),
    "LENDING": (),
    "PENALTY": (),
}
"""The hooks a plugin of a category may implement; without one, the hook's documented default."""

OPTIONAL_HOOKS_FLAT = tuple(h for hooks in OPTIONAL_HOOKS_BY_CATEGORY.values() for h in hooks)
