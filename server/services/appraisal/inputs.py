"""What an appraisal reads: the tenant's managers, figures, findings and prior results.

``prepare`` loads everything once for all managers of the tenant (SQL aggregation
and recorded figures) and has the plugin compute the tenant-wide cohort figures;
``appraisal_input`` hands one manager's share of it to the plugin.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.db.queries.appraisals import prior_results
from server.db.queries.figures import finding_counts
from server.db.queries.managers import managers_with_clerk_flag
from server.domain import ManagerStatus, PolicyCategory
from server.errors import MissingInput, PolicyUnavailable
from server.policy import (
    AppraisalInput,
    CohortMember,
    FindingCount,
    IndicatorSource,
    IndicatorSpec,
    ManagerProfile,
    Period,
    PriorAppraisal,
    Tier,
    parse_period,
)
from server.policy.registry import PolicyRegistry
from server.services.appraisal.sheets import OfficeSheets, office_sheets, reconcile
from server.services.appraisal.stored import to_json
from server.services.indicators import (
    AggregationRunner,
    computed_indicators,
    one_after_another,
    with_defaults,
)
from server.services.policies import Selection, selection
from server.services.profiles import manager_profile

APPRAISED_STATUSES = (ManagerStatus.PROBATION, ManagerStatus.ACTIVE, ManagerStatus.SUSPENDED)


@dataclass
class Prepared:
    """Everything a run reads, loaded once for all managers of the tenant."""

    tenant_id: str
    period: Period
    selection: Selection
    tiers: tuple[Tier, ...]
    specs: tuple[IndicatorSpec, ...]
    managers: dict[uuid.UUID, models.Manager]
    profiles: dict[uuid.UUID, ManagerProfile]
    values: dict[uuid.UUID, dict[str, Decimal]]
    plans: dict[uuid.UUID, dict[str, Decimal]]
    findings: dict[uuid.UUID, tuple[FindingCount, ...]]
    prior: dict[uuid.UUID, tuple[PriorAppraisal, ...]]
    unavailable: dict[str, str]
    cohort: Mapping[str, Decimal] = field(default_factory=dict)
    reconciliation: dict[uuid.UUID, list[str]] = field(default_factory=dict)
    """Per office: where its managers' figures exceed the office's own total."""
    params_json: dict[str, Any] = field(default_factory=dict)
    cohort_json: dict[str, Any] = field(default_factory=dict)
    sheets: OfficeSheets | None = None


async def grading_selection(
    session: AsyncSession, registry: PolicyRegistry, tenant_id: str
) -> Selection:
    chosen = await selection(session, registry, tenant_id, PolicyCategory.GRADING)
    if chosen is None:
        raise PolicyUnavailable("the tenant has no grading policy selected")
    return chosen


async def prepare(
    session: AsyncSession,
    registry: PolicyRegistry,
    tenant_id: str,
    period_text: str,
    *,
    today: dt.date | None = None,
    run_aggregations: AggregationRunner = one_after_another,
) -> Prepared:
    """Load the inputs of every appraisable manager and compute the cohort figures.

    ``run_aggregations`` runs the computed indicators' aggregations (in turn on
    ``session`` unless a job runs them on connections of its own).
    """
    period = parse_period(period_text)
    chosen = await grading_selection(session, registry, tenant_id)
    tiers = registry.grading(chosen.plugin).tiers()
    specs = registry.grading(chosen.plugin).indicators(period, chosen.params)
    rows = await managers_with_clerk_flag(session, tenant_id, APPRAISED_STATUSES)
    managers = {m.id: m for m, _ in rows}
    profiles = {
        m.id: manager_profile(m, tiers=tiers, office_has_credit_clerk=clerk) for m, clerk in rows
    }
    computed_keys = {s.key for s in specs if s.source == IndicatorSource.COMPUTED}
    figures = await computed_indicators(
        session, tenant_id, period, computed_keys, today=today, run_aggregations=run_aggregations
    )
    values: dict[uuid.UUID, dict[str, Decimal]] = {
        mid: with_defaults(figures.values.get(mid, {}), computed_keys, figures.unavailable)
        for mid in managers
    }
    sheets = await office_sheets(session, tenant_id, period, managers)
    for mid, (actuals, _) in sheets.combined.items():
        values[mid].update(actuals)
    plans = {mid: plan for mid, (_, plan) in sheets.combined.items()}
    found: dict[uuid.UUID, list[FindingCount]] = defaultdict(list)
    for mid, item, finding, count in await finding_counts(session, tenant_id, period.text):
        found[mid].append(FindingCount(item=item, finding=finding, count=int(count)))
    prior: dict[uuid.UUID, list[PriorAppraisal]] = defaultdict(list)
    for mid, p, total, rating in await prior_results(session, tenant_id, period.text, period.year):
        prior[mid].append(PriorAppraisal(period=p, total=total, rating=rating))
    prepared = Prepared(
        tenant_id=tenant_id,
        period=period,
        selection=chosen,
        tiers=tiers,
        specs=specs,
        managers=managers,
        profiles=profiles,
        values=values,
        plans=dict(plans),
        findings={k: tuple(v) for k, v in found.items()},
        prior={k: tuple(v) for k, v in prior.items()},
        unavailable=figures.unavailable,
    )
    prepared.sheets = sheets
    prepared.reconciliation = await reconcile(session, tenant_id, period, sheets)
    cohort = tuple(
        CohortMember(profile=profiles[mid], values=values[mid]) for mid in sorted(managers)
    )
    prepared.params_json = chosen.params_json
    prepared.cohort = dict(
        registry.grading(chosen.plugin).cohort_figures(period, cohort, chosen.params)
    )
    prepared.cohort_json = to_json(prepared.cohort)
    return prepared


def _absent(prepared: Prepared, manager_id: uuid.UUID, key: str, what: str) -> str:
    ignored = prepared.sheets.ignored.get(manager_id, {}) if prepared.sheets else {}
    return ignored.get(key) or f"no {key} {what} for the period"


def missing_inputs(prepared: Prepared, manager_id: uuid.UUID) -> list[MissingInput]:
    profile = prepared.profiles[manager_id]
    values = prepared.values[manager_id]
    plans = prepared.plans.get(manager_id, {})
    missing: list[MissingInput] = []
    for spec in prepared.specs:
        if not spec.required:
            continue
        if spec.source == IndicatorSource.COMPUTED and spec.key in prepared.unavailable:
            missing.append(MissingInput(spec.key, spec.source, prepared.unavailable[spec.key]))
        elif spec.source == IndicatorSource.RECORDED and spec.key not in values:
            missing.append(
                MissingInput(
                    spec.key, spec.source, _absent(prepared, manager_id, spec.key, "recorded")
                )
            )
        elif spec.source == IndicatorSource.TASK_PLAN and spec.key not in plans:
            missing.append(MissingInput(spec.key, spec.source, f"no plan for {spec.key} recorded"))
        elif spec.source == IndicatorSource.PROFILE and getattr(profile, spec.key, None) is None:
            missing.append(
                MissingInput(spec.key, spec.source, f"the manager's profile has no {spec.key}")
            )
    return missing


def appraisal_input(prepared: Prepared, manager_id: uuid.UUID) -> AppraisalInput:
    period = prepared.period
    return AppraisalInput(
        period=period,
        manager=prepared.profiles[manager_id],
        values=prepared.values[manager_id],
        plans=prepared.plans.get(manager_id, {}),
        findings=prepared.findings.get(manager_id, ()),
        cohort=prepared.cohort,
        prior=prepared.prior.get(manager_id, ()),
        params=prepared.selection.params,
    )
