"""Recorded appraisal inputs: task plans, indicator values, inspection findings, violations.

A figure or finding is taken only if the tenant's grading plugin reads it for the period
(``grading_indicators``: a recorded actual has source RECORDED, a plan TASK_PLAN; the
finding codes, where the plugin lists them, ``grading_findings``): a misspelled key
(``intrest_recovered``) is refused with the keys there are, never stored to be ignored.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from difflib import get_close_matches

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import PolicyCategory, ViolationKind, ViolationStatus
from server.errors import FieldProblem, InvalidInput, PolicyUnavailable, Problems
from server.policy import FindingSpec, IndicatorSource, IndicatorSpec, Period, parse_period
from server.policy.keys import is_finding_code, is_indicator_key, is_item_key
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.access import authorize, get_in_scope
from server.services.common import get_in_tenant
from server.services.policies import Selection, selection
from server.services.separation import refuse_own_record
from server.services.tenant_settings import tenant_today
from server.services.violations import record_status_change

MAX_FINDINGS_PER_CALL = 500


@dataclass(frozen=True)
class Figure:
    indicator: str
    value: Decimal


@dataclass(frozen=True)
class Finding:
    item: str
    finding: str
    count: int
    loan_id: str | None
    description: str | None


def _check_figures(figures: list[Figure], field: str, problems: Problems) -> None:
    if not figures:
        problems.add(field, "NOT_EMPTY", "give at least one figure")
    seen: set[str] = set()
    for i, f in enumerate(figures):
        if not is_indicator_key(f.indicator):
            problems.add(
                f"{field}[{i}].indicator",
                "FORMAT",
                "indicator keys are lower_snake_case, 1–60 characters",
            )
        if f.indicator in seen:
            problems.add(f"{field}[{i}].indicator", "DUPLICATE", f"{f.indicator} is given twice")
        seen.add(f.indicator)


@dataclass(frozen=True)
class AppraisalReads:
    """What the tenant's grading plugin reads for one period."""

    selection: Selection
    period: Period
    specs: tuple[IndicatorSpec, ...]
    findings: tuple[FindingSpec, ...] | None
    """The finding codes it scores; ``None`` when the plugin does not list them."""

    def keys(self, source: IndicatorSource) -> list[str]:
        return sorted({s.key for s in self.specs if s.source == source})

    def reads_findings(self) -> bool:
        return any(s.source == IndicatorSource.FINDINGS for s in self.specs)

    @property
    def whose(self) -> str:
        return f"the {self.selection.plugin} appraisal of {self.period.text}"


async def appraisal_reads(
    session: AsyncSession, registry: PolicyRegistry, tenant_id: str, period: str
) -> AppraisalReads:
    """The inputs the tenant's appraisal of ``period`` reads (``PolicyUnavailable`` when the
    tenant grades nobody: then it reads no figure at all)."""
    chosen = await selection(session, registry, tenant_id, PolicyCategory.GRADING)
    if chosen is None:
        raise PolicyUnavailable("the tenant has no grading policy: its appraisal reads no figures")
    parsed = parse_period(period)
    grading = registry.grading(chosen.plugin)
    return AppraisalReads(
        selection=chosen,
        period=parsed,
        specs=grading.indicators(parsed, chosen.params),
        findings=grading.findings(parsed, chosen.params),
    )


def _listing(keys: list[str]) -> str:
    return ", ".join(keys) if keys else "none"


def _check_keys(
    figures: list[Figure],
    field: str,
    reads: AppraisalReads,
    source: IndicatorSource,
    problems: Problems,
) -> None:
    """Every figure must be one the appraisal reads from ``source``; the message lists them."""
    valid = reads.keys(source)
    for i, f in enumerate(figures):
        if is_indicator_key(f.indicator) and f.indicator not in valid:
            close = get_close_matches(f.indicator, valid, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            problems.add(
                f"{field}[{i}].indicator",
                "UNKNOWN_INDICATOR",
                f"{reads.whose} reads no {source.value} figure {f.indicator}{hint}; "
                f"it reads: {_listing(valid)}",
            )


def _check_findings(findings: list[Finding], reads: AppraisalReads, problems: Problems) -> None:
    """Every finding must be one the appraisal scores; the message lists them."""
    if not reads.reads_findings():
        problems.add("findings", "NO_FINDINGS_READ", f"{reads.whose} reads no inspection findings")
        return
    if reads.findings is None:
        return
    codes: dict[str, list[str]] = {}
    for spec in reads.findings:
        codes.setdefault(spec.item, []).append(spec.finding)
    for i, f in enumerate(findings):
        if not (is_item_key(f.item) and is_finding_code(f.finding)):
            continue
        if f.item not in codes:
            problems.add(
                f"findings[{i}].item",
                "UNKNOWN_ITEM",
                f"{reads.whose} has no work-quality item {f.item}; "
                f"its items: {_listing(sorted(codes))}",
            )
        elif f.finding not in codes[f.item]:
            problems.add(
                f"findings[{i}].finding",
                "UNKNOWN_FINDING",
                f"{f.finding} is not a finding of item {f.item} in {reads.whose}; "
                f"its findings: {_listing(codes[f.item])}",
            )


async def _record_figures(
    session: AsyncSession,
    registry: PolicyRegistry,
    model: type[models.TaskPlan] | type[models.IndicatorValue],
    column: str,
    actor: Principal,
    manager_id: str,
    period: str,
    figures: list[Figure],
    field: str,
    office_id: str | None,
    operation: str,
    source: IndicatorSource,
) -> models.Manager:
    scope = authorize(actor, operation)
    problems = Problems()
    _check_figures(figures, field, problems)
    reads = await appraisal_reads(session, registry, actor.tenant_id, period)
    _check_keys(figures, field, reads, source, problems)
    problems.raise_if_any()
    manager = await get_in_scope(
        session, models.Manager, scope, manager_id, field="manager_id", entity="Manager"
    )
    refuse_own_record(actor, manager, "manager_id", act="record figures of")
    sheet = await _sheet_office(session, manager, office_id)
    for f in figures:
        await session.merge(
            model(
                tenant_id=actor.tenant_id,
                manager_id=manager.id,
                period=period,
                office_id=sheet,
                indicator=f.indicator,
                recorded_by=actor.user_id,
                recorded_at=dt.datetime.now(dt.UTC),
                **{column: f.value},
            )
        )
    await session.flush()
    return manager


async def _sheet_office(
    session: AsyncSession, manager: models.Manager, office_id: str | None
) -> uuid.UUID:
    """The office whose task sheet holds the figures: the manager's own by default, or an
    office the manager worked at before (山东办法 第十二条)."""
    if office_id is None:
        return manager.office_id
    office = await get_in_tenant(
        session, models.Office, manager.tenant_id, office_id, field="office_id", entity="Office"
    )
    if office.id == manager.office_id:
        return office.id
    former = await session.scalar(
        select(models.ManagerOfficeMove.id).where(
            models.ManagerOfficeMove.tenant_id == manager.tenant_id,
            models.ManagerOfficeMove.manager_id == manager.id,
            models.ManagerOfficeMove.from_office_id == office.id,
        )
    )
    if former is None:
        raise InvalidInput(
            [
                FieldProblem(
                    "office_id",
                    "NOT_THE_MANAGERS_OFFICE",
                    "the manager neither works nor worked at this office",
                )
            ]
        )
    return office.id


async def record_task_plan(
    session: AsyncSession,
    registry: PolicyRegistry,
    actor: Principal,
    *,
    manager_id: str,
    period: str,
    plans: list[Figure],
    office_id: str | None = None,
) -> models.Manager:
    """Set (or replace) the manager's planned figures for the period on an office's sheet;
    each a plan the tenant's appraisal of the period reads (source TASK_PLAN)."""
    return await _record_figures(
        session,
        registry,
        models.TaskPlan,
        "plan",
        actor,
        manager_id,
        period,
        plans,
        "plans",
        office_id,
        "recordTaskPlan",
        IndicatorSource.TASK_PLAN,
    )


async def record_indicators(
    session: AsyncSession,
    registry: PolicyRegistry,
    actor: Principal,
    *,
    manager_id: str,
    period: str,
    values: list[Figure],
    office_id: str | None = None,
) -> models.Manager:
    """Set (or replace) the manager's actual figures for the period on an office's sheet;
    each an actual the tenant's appraisal of the period reads (source RECORDED)."""
    return await _record_figures(
        session,
        registry,
        models.IndicatorValue,
        "value",
        actor,
        manager_id,
        period,
        values,
        "values",
        office_id,
        "recordIndicators",
        IndicatorSource.RECORDED,
    )


async def record_inspection_findings(
    session: AsyncSession,
    registry: PolicyRegistry,
    actor: Principal,
    *,
    manager_id: str,
    period: str,
    findings: list[Finding],
) -> list[models.InspectionFinding]:
    scope = authorize(actor, "recordInspectionFindings")
    problems = Problems()
    if not 1 <= len(findings) <= MAX_FINDINGS_PER_CALL:
        problems.add("findings", "COUNT", f"give 1–{MAX_FINDINGS_PER_CALL} findings")
    for i, f in enumerate(findings):
        if not is_item_key(f.item):
            problems.add(f"findings[{i}].item", "FORMAT", "item is an article key such as 'C1.4'")
        if not is_finding_code(f.finding):
            problems.add(
                f"findings[{i}].finding",
                "FORMAT",
                "finding is an UPPER_SNAKE code, 1–60 characters",
            )
        if not 1 <= f.count <= 1000:
            problems.add(f"findings[{i}].count", "RANGE", "count must be 1–1000")
    _check_findings(
        findings, await appraisal_reads(session, registry, actor.tenant_id, period), problems
    )
    problems.raise_if_any()
    manager = await get_in_scope(
        session, models.Manager, scope, manager_id, field="manager_id", entity="Manager"
    )
    refuse_own_record(actor, manager, "manager_id", act="record inspection findings of")
    rows: list[models.InspectionFinding] = []
    for i, f in enumerate(findings):
        loan_id = None
        if f.loan_id is not None:
            loan = await get_in_scope(
                session,
                models.Loan,
                scope,
                f.loan_id,
                field=f"findings[{i}].loan_id",
                entity="Loan",
            )
            loan_id = loan.id
        row = models.InspectionFinding(
            tenant_id=actor.tenant_id,
            manager_id=manager.id,
            period=period,
            item=f.item,
            finding=f.finding,
            count=f.count,
            loan_id=loan_id,
            description=f.description,
            recorded_by=actor.user_id,
        )
        session.add(row)
        rows.append(row)
    await session.flush()
    return rows


async def record_violation(
    session: AsyncSession,
    actor: Principal,
    *,
    manager_id: str,
    kind: ViolationKind,
    occurred_on: dt.date,
    description: str,
    evidence: str | None,
    today: dt.date | None = None,
) -> models.Violation:
    scope = authorize(actor, "recordViolation")
    today = today or await tenant_today(session, actor.tenant_id)
    problems = Problems()
    if occurred_on > today:
        problems.add("occurred_on", "NOT_IN_FUTURE", "a violation cannot be dated ahead")
    if not description.strip():
        problems.add("description", "REQUIRED", "describe the violation")
    problems.raise_if_any()
    manager = await get_in_scope(
        session, models.Manager, scope, manager_id, field="manager_id", entity="Manager"
    )
    refuse_own_record(actor, manager, "manager_id", act="record a violation of")
    violation = models.Violation(
        tenant_id=actor.tenant_id,
        manager_id=manager.id,
        kind=kind,
        occurred_on=occurred_on,
        description=description.strip(),
        evidence=evidence,
        status=ViolationStatus.RECORDED,
        recorded_by=actor.user_id,
    )
    session.add(violation)
    await session.flush()
    record_status_change(
        session, violation, ViolationStatus.RECORDED, actor.user_id, from_status=None
    )
    await session.flush()
    return violation


async def record_office_indicators(
    session: AsyncSession,
    registry: PolicyRegistry,
    actor: Principal,
    *,
    office_id: str,
    period: str,
    values: list[Figure],
) -> models.Office:
    """Set (or replace) an office's own totals for the period, against which the sum of its
    managers' figures is reconciled when appraisals run (山东办法 第十四条)."""
    scope = authorize(actor, "recordOfficeIndicators")
    problems = Problems()
    _check_figures(values, "values", problems)
    reads = await appraisal_reads(session, registry, actor.tenant_id, period)
    _check_keys(values, "values", reads, IndicatorSource.RECORDED, problems)
    problems.raise_if_any()
    office = await get_in_scope(
        session, models.Office, scope, office_id, field="office_id", entity="Office"
    )
    for f in values:
        await session.merge(
            models.OfficeFigure(
                tenant_id=actor.tenant_id,
                office_id=office.id,
                period=period,
                indicator=f.indicator,
                value=f.value,
                recorded_by=actor.user_id,
                recorded_at=dt.datetime.now(dt.UTC),
            )
        )
    await session.flush()
    return office
