"""Appraisals: gather the inputs, call the tenant's grading plugin, keep everything.

One manager (``run_appraisal``) or the whole tenant (``run_appraisals``) for one
period. Inputs come from SQL aggregation (``server.services.indicators``) and
from recorded plans, actuals, findings and profiles; tenant-wide figures
(averages) are computed once per run by the plugin. Each appraisal is stored
with its inputs, parameters, plugin name and version, items, total, tier and
explanation: the same inputs and version give the same result.

Life cycle: DRAFT → CONFIRMED (by HR, not the person who ran it; the tier moves
here) → APPEALED (by the manager, within ``appeal_days``) → CONFIRMED again by
HR with the review's reason.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.db import models
from server.db.bulk import bulk_insert
from server.domain import (
    AppraisalStatus,
    ManagerStatus,
    PolicyCategory,
    Role,
    RunStatus,
    TierChangeCause,
)
from server.errors import (
    Conflict,
    DomainError,
    FieldProblem,
    InvalidInput,
    MissingInput,
    MissingInputs,
    PolicyUnavailable,
    UnknownPlugin,
)
from server.ids import uuid7
from server.policy import parameters as policy_parameters
from server.policy.registry import PolicyRegistry
from server.policy.types import (
    AppraisalInput,
    AppraisalOutcome,
    CohortMember,
    FindingCount,
    IndicatorSource,
    IndicatorSpec,
    ItemScore,
    ManagerProfile,
    MoneyLine,
    Params,
    PriorAppraisal,
    Tier,
    TierDirection,
    TierMove,
)
from server.policy.vocabulary import TierMoveFlag
from server.services import events
from server.services.common import get_in_tenant, require_role
from server.services.indicators import computed_indicators, with_defaults
from server.services.periods import Period, parse_period
from server.services.policies import Selection, selection
from server.services.profiles import manager_profile, tier_of
from server.services.tenant_settings import TenantSettings
from server.services.transfers import MIN_FULL_QUARTERS, counting_offices

APPRAISED_STATUSES = (ManagerStatus.PROBATION, ManagerStatus.ACTIVE, ManagerStatus.SUSPENDED)
CHUNK = 500
DELETE_BATCH = 2000


@dataclass
class RunTimings:
    """Where a batch run spent its time, in seconds."""

    sql: float = 0.0
    """Loading inputs: SQL aggregation and recorded figures (with the cohort figures)."""
    plugin: float = 0.0
    """Building each manager's input and calling the plugin."""
    write: float = 0.0
    """Storing drafts, items and progress."""


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


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, Tier):
        return {"code": value.code, "name": value.name, "rank": value.rank}
    return value


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
    sessionmaker: async_sessionmaker[AsyncSession] | None = None,
) -> Prepared:
    """Load the inputs of every appraisable manager and compute the cohort figures."""
    period = parse_period(period_text)
    chosen = await grading_selection(session, registry, tenant_id)
    tiers = registry.grading(chosen.plugin).tiers()
    specs = registry.grading(chosen.plugin).indicators(period, chosen.params)
    rows = (
        await session.execute(
            select(models.Manager, models.Office.has_credit_clerk)
            .join(
                models.Office,
                and_(
                    models.Office.tenant_id == models.Manager.tenant_id,
                    models.Office.id == models.Manager.office_id,
                ),
            )
            .where(
                models.Manager.tenant_id == tenant_id,
                models.Manager.status.in_(APPRAISED_STATUSES),
            )
            .order_by(models.Manager.id)
        )
    ).all()
    managers = {m.id: m for m, _ in rows}
    profiles = {
        m.id: manager_profile(m, tiers=tiers, office_has_credit_clerk=clerk) for m, clerk in rows
    }
    computed_keys = {s.key for s in specs if s.source == IndicatorSource.COMPUTED}
    figures = await computed_indicators(
        session, tenant_id, period, computed_keys, today=today, sessionmaker=sessionmaker
    )
    values: dict[uuid.UUID, dict[str, Decimal]] = {
        mid: with_defaults(figures.values.get(mid, {}), computed_keys, figures.unavailable)
        for mid in managers
    }
    sheets = await _office_sheets(session, tenant_id, period, managers)
    for mid, (actuals, _) in sheets.combined.items():
        values[mid].update(actuals)
    plans = {mid: plan for mid, (_, plan) in sheets.combined.items()}
    found: dict[uuid.UUID, list[FindingCount]] = defaultdict(list)
    f = models.InspectionFinding
    for mid, item, finding, count in (
        await session.execute(
            select(f.manager_id, f.item, f.finding, func.sum(f.count))
            .where(f.tenant_id == tenant_id, f.period == period.text)
            .group_by(f.manager_id, f.item, f.finding)
            .order_by(f.manager_id, f.item, f.finding)
        )
    ).all():
        found[mid].append(FindingCount(item=item, finding=finding, count=int(count)))
    prior: dict[uuid.UUID, list[PriorAppraisal]] = defaultdict(list)
    a = models.Appraisal
    for mid, p, total, rating in (
        await session.execute(
            select(a.manager_id, a.period, a.total, a.rating)
            .where(
                a.tenant_id == tenant_id,
                a.status == AppraisalStatus.CONFIRMED,
                a.period != period.text,
                a.period >= str(period.year - 1),
                a.period < str(period.year + 1),
            )
            .order_by(a.manager_id, a.period)
        )
    ).all():
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
    prepared.reconciliation = await _reconcile(session, tenant_id, period, sheets)
    cohort = tuple(
        CohortMember(profile=profiles[mid], values=values[mid]) for mid in sorted(managers)
    )
    prepared.params_json = chosen.params_json
    prepared.cohort = dict(
        registry.grading(chosen.plugin).cohort_figures(period, cohort, chosen.params)
    )
    prepared.cohort_json = _json(prepared.cohort)
    return prepared


@dataclass
class OfficeSheets:
    """Recorded figures by the office sheet they are on, and what counts per manager."""

    by_office: dict[tuple[uuid.UUID, str], Decimal]
    """(office, indicator) → the sum of actuals of its managers' sheets."""
    combined: dict[uuid.UUID, tuple[dict[str, Decimal], dict[str, Decimal]]]
    """Manager → (actuals, plans) from the sheets that count for them."""
    ignored: dict[uuid.UUID, dict[str, str]]
    """Manager → indicator → why a former office's figure does not count."""
    notes: dict[uuid.UUID, dict[str, Any]]
    """Manager → the sheets that counted, for the stored inputs (transfers only)."""


async def _office_sheets(
    session: AsyncSession,
    tenant_id: str,
    period: Period,
    managers: dict[uuid.UUID, models.Manager],
) -> OfficeSheets:
    moves: dict[uuid.UUID, list[models.ManagerOfficeMove]] = defaultdict(list)
    for move in (
        await session.execute(
            select(models.ManagerOfficeMove).where(
                models.ManagerOfficeMove.tenant_id == tenant_id,
                models.ManagerOfficeMove.moved_on >= period.start,
            )
        )
    ).scalars():
        moves[move.manager_id].append(move)
    counting: dict[uuid.UUID, set[uuid.UUID]] = {}
    quarters: dict[uuid.UUID, dict[uuid.UUID, int]] = {}
    for mid in moves:
        if mid in managers:
            counting[mid], quarters[mid] = counting_offices(managers[mid], moves[mid], period)
    combined: dict[uuid.UUID, tuple[dict[str, Decimal], dict[str, Decimal]]] = defaultdict(
        lambda: ({}, {})
    )
    by_office: dict[tuple[uuid.UUID, str], Decimal] = defaultdict(Decimal)
    ignored: dict[uuid.UUID, dict[str, str]] = defaultdict(dict)
    notes: dict[uuid.UUID, dict[str, Any]] = defaultdict(dict)
    for model, column, position in (
        (models.IndicatorValue, models.IndicatorValue.value, 0),
        (models.TaskPlan, models.TaskPlan.plan, 1),
    ):
        rows = await session.execute(
            select(model.manager_id, model.office_id, model.indicator, column).where(
                model.tenant_id == tenant_id, model.period == period.text
            )
        )
        for mid, office_id, key, amount in rows.all():
            if position == 0:
                by_office[(office_id, key)] += amount
            manager = managers.get(mid)
            if manager is None:
                continue
            offices = counting.get(mid, {manager.office_id})
            if office_id not in offices:
                n = quarters.get(mid, {}).get(office_id, 0)
                ignored[mid][key] = (
                    f"{key} is on the sheet of an office the manager worked at for {n} full "
                    f"quarter(s) of the period; 第十二条 adds a former office's figures after "
                    f"{MIN_FULL_QUARTERS}"
                )
                continue
            target = combined[mid][position]
            target[key] = target.get(key, Decimal(0)) + amount
            if mid in counting and len(counting[mid]) > 1:
                sheet = notes[mid].setdefault(str(office_id), {"actuals": {}, "plans": {}})
                sheet["actuals" if position == 0 else "plans"][key] = str(amount)
    return OfficeSheets(dict(by_office), dict(combined), dict(ignored), dict(notes))


async def _reconcile(
    session: AsyncSession, tenant_id: str, period: Period, sheets: OfficeSheets
) -> dict[uuid.UUID, list[str]]:
    """The sum of an office's managers' sheets may not exceed the office's own total
    (山东办法 第十四条: 到人任务完成情况必须与营业机构任务完成总数相衔接)."""
    f = models.OfficeFigure
    totals = (
        await session.execute(
            select(f.office_id, f.indicator, f.value).where(
                f.tenant_id == tenant_id, f.period == period.text
            )
        )
    ).all()
    found: dict[uuid.UUID, list[str]] = defaultdict(list)
    for office_id, key, office_total in totals:
        managers_total = sheets.by_office.get((office_id, key), Decimal(0))
        if managers_total > office_total:
            found[office_id].append(
                f"{key}: the office's managers add up to {managers_total}, above the office's "
                f"own {office_total} (第十四条)"
            )
    return dict(found)


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


def _appraise(
    registry: PolicyRegistry, prepared: Prepared, manager_id: uuid.UUID
) -> tuple[AppraisalInput, AppraisalOutcome]:
    """The plugin's outcome for one manager: unscored (refusal or placement) when the policy
    says so, else scored — which needs every required input."""
    appraisal = appraisal_input(prepared, manager_id)
    plugin = prepared.selection.plugin
    unscored = registry.grading(plugin).unscored_outcome(appraisal)
    if unscored is not None:
        return appraisal, unscored
    missing = missing_inputs(prepared, manager_id)
    if missing:
        raise MissingInputs(prepared.managers[manager_id].employee_no, missing)
    outcome = registry.grading(plugin).appraise(appraisal)
    return appraisal, outcome


def inputs_json(
    appraisal: AppraisalInput,
    cohort_json: dict[str, Any] | None = None,
    sheets: dict[str, Any] | None = None,
) -> dict[str, Any]:
    profile = appraisal.manager
    extra = {"officeSheets": sheets} if sheets else {}
    return {
        **extra,
        "period": appraisal.period.text,
        "profile": _json({k: getattr(profile, k) for k in profile.__dataclass_fields__}),
        "values": _json(appraisal.values),
        "plans": _json(appraisal.plans),
        "findings": [
            {"item": f.item, "finding": f.finding, "count": f.count} for f in appraisal.findings
        ],
        "cohort": _json(appraisal.cohort) if cohort_json is None else cohort_json,
        "prior": [
            {"period": p.period, "total": _json(p.total), "rating": p.rating}
            for p in appraisal.prior
        ],
    }


def _appraisal_values(
    prepared: Prepared,
    manager_id: uuid.UUID,
    appraisal: AppraisalInput,
    outcome: AppraisalOutcome,
    user_id: str,
    run_id: uuid.UUID | None,
) -> dict[str, Any]:
    return {
        "tenant_id": prepared.tenant_id,
        "manager_id": manager_id,
        "period": prepared.period.text,
        "status": AppraisalStatus.DRAFT.value,
        "plugin": prepared.selection.plugin,
        "plugin_version": prepared.selection.version,
        "parameters": prepared.params_json,
        "inputs": inputs_json(
            appraisal,
            prepared.cohort_json,
            prepared.sheets.notes.get(manager_id) if prepared.sheets else None,
        ),
        "graded": outcome.graded,
        "total": outcome.total,
        "tier_code": outcome.tier.code if outcome.tier else None,
        "tier_rank": outcome.tier.rank if outcome.tier else None,
        "tier_name": outcome.tier.name if outcome.tier else None,
        "rating": outcome.rating,
        "rating_label": outcome.rating_label,
        "explanation": outcome.explanation,
        "warnings": [
            *outcome.warnings,
            *prepared.reconciliation.get(prepared.managers[manager_id].office_id, []),
        ],
        "pay": [_money_json(m) for m in outcome.pay],
        "tier_move": None,
        "run_id": run_id,
        "computed_by": user_id,
        "computed_at": models.now(),
    }


def _money_json(m: MoneyLine) -> dict[str, Any]:
    return {
        "key": m.key,
        "name": m.name,
        "amount": str(m.amount),
        "article": m.article,
        "explanation": m.explanation,
        "account": m.account,
    }


def _item_rows(
    tenant_id: str, appraisal_id: uuid.UUID, items: Iterable[ItemScore]
) -> list[dict[str, Any]]:
    return [
        {
            "tenant_id": tenant_id,
            "appraisal_id": appraisal_id,
            "position": i,
            "key": item.key,
            "name": item.name,
            "article": item.article,
            "max_points": item.max_points,
            "score": item.score,
            "inputs": dict(item.inputs),
            "explanation": item.explanation,
        }
        for i, item in enumerate(items)
    ]


async def _delete_drafts(
    session: AsyncSession,
    tenant_id: str,
    period: str,
    manager_ids: list[uuid.UUID] | None = None,
) -> None:
    """Remove the drafts of the period (of these managers, or all); confirmed ones stay.

    Deletes by explicit ids, in batches: a join-shaped DELETE lets a planner with stale
    statistics pick a quadratic plan right after a bulk load.
    """
    a = models.Appraisal
    drafts = select(a.id).where(
        a.tenant_id == tenant_id, a.period == period, a.status == AppraisalStatus.DRAFT
    )
    if manager_ids is not None:
        drafts = drafts.where(a.manager_id.in_(manager_ids))
    ids = list((await session.execute(drafts)).scalars())
    for start in range(0, len(ids), DELETE_BATCH):
        batch = ids[start : start + DELETE_BATCH]
        await session.execute(
            delete(models.AppraisalItem).where(
                models.AppraisalItem.tenant_id == tenant_id,
                models.AppraisalItem.appraisal_id.in_(batch),
            )
        )
        await session.execute(delete(a).where(a.tenant_id == tenant_id, a.id.in_(batch)))


async def _write_drafts(
    session: AsyncSession,
    prepared: Prepared,
    results: list[tuple[uuid.UUID, AppraisalInput, AppraisalOutcome]],
    user_id: str,
    run_id: uuid.UUID | None,
    *,
    replace: bool = True,
) -> list[uuid.UUID]:
    """Store drafts; with ``replace``, first remove these managers' earlier drafts of the
    period. Confirmed appraisals are never touched."""
    if not results:
        return []
    a = models.Appraisal
    if replace:
        await _delete_drafts(
            session, prepared.tenant_id, prepared.period.text, [mid for mid, _, _ in results]
        )
    rows, items = [], []
    ids = []
    for mid, appraisal, outcome in results:
        appraisal_id = uuid7()
        ids.append(appraisal_id)
        rows.append(
            {
                "id": appraisal_id,
                **_appraisal_values(prepared, mid, appraisal, outcome, user_id, run_id),
            }
        )
        items += _item_rows(prepared.tenant_id, appraisal_id, outcome.items)
    await bulk_insert(session, a, rows)
    await bulk_insert(session, models.AppraisalItem, items)
    return ids


async def _confirmed_managers(
    session: AsyncSession, tenant_id: str, period: str, manager_ids: Iterable[uuid.UUID] | None
) -> set[uuid.UUID]:
    a = models.Appraisal
    stmt = select(a.manager_id).where(
        a.tenant_id == tenant_id, a.period == period, a.status != AppraisalStatus.DRAFT
    )
    if manager_ids is not None:
        stmt = stmt.where(a.manager_id.in_(list(manager_ids)))
    return set((await session.execute(stmt)).scalars())


async def run_appraisal(
    session: AsyncSession,
    registry: PolicyRegistry,
    tenant_id: str,
    user_id: str,
    roles: frozenset[Role],
    *,
    manager_id: str,
    period: str,
    today: dt.date | None = None,
) -> models.Appraisal:
    """Appraise one manager for one period as a DRAFT (replacing an earlier draft)."""
    require_role(roles, (Role.HR,), "runAppraisal")
    manager = await get_in_tenant(
        session, models.Manager, tenant_id, manager_id, field="managerId", entity="Manager"
    )
    if await _confirmed_managers(session, tenant_id, period, [manager.id]):
        raise Conflict(
            f"the {period} appraisal of {manager.employee_no} is already confirmed", "period"
        )
    prepared = await prepare(session, registry, tenant_id, period, today=today)
    if manager.id not in prepared.managers:
        raise InvalidInput(
            [
                FieldProblem(
                    "managerId",
                    "NOT_APPRAISABLE",
                    f"a manager who is {manager.status.value} is not appraised",
                )
            ]
        )
    appraisal, outcome = _appraise(registry, prepared, manager.id)
    (new_id,) = await _write_drafts(
        session, prepared, [(manager.id, appraisal, outcome)], user_id, None
    )
    await session.flush()
    row = await session.get(models.Appraisal, (tenant_id, new_id))
    assert row is not None
    return row


async def run_appraisals(
    sessionmaker: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
    tenant_id: str,
    user_id: str,
    roles: frozenset[Role],
    *,
    period: str,
    today: dt.date | None = None,
    timings: RunTimings | None = None,
) -> uuid.UUID:
    """Appraise every appraisable manager of the tenant; progress is committed per chunk.

    Idempotent and restartable: a new run replaces the drafts of the period and
    never touches confirmed appraisals. A manager with missing inputs is skipped
    and listed in the run's problems.
    """
    require_role(roles, (Role.HR,), "runAppraisals")
    async with sessionmaker() as session, session.begin():
        chosen = await grading_selection(session, registry, tenant_id)
        run = models.AppraisalRun(
            tenant_id=tenant_id,
            period=period,
            status=RunStatus.RUNNING,
            plugin=chosen.plugin,
            plugin_version=chosen.version,
            started_by=user_id,
        )
        session.add(run)
        await session.flush()
        run_id = run.id
    timings = timings if timings is not None else RunTimings()
    try:
        async with sessionmaker() as session:
            async with session.begin():
                started = time.perf_counter()
                prepared = await prepare(
                    session, registry, tenant_id, period, today=today, sessionmaker=sessionmaker
                )
                confirmed = await _confirmed_managers(session, tenant_id, period, None)
                # Re-running the period replaces every draft of it, at once.
                await _delete_drafts(session, tenant_id, period)
                todo = [mid for mid in prepared.managers if mid not in confirmed]
                await _update_run(
                    session,
                    tenant_id,
                    run_id,
                    managers_total=len(todo),
                    cohort=_json(prepared.cohort),
                )
                timings.sql += time.perf_counter() - started
            problems: list[dict[str, Any]] = [
                {"officeId": str(office_id), "reconciliation": messages}
                for office_id, messages in prepared.reconciliation.items()
            ]
            done = skipped = 0
            for start in range(0, len(todo), CHUNK):
                started = time.perf_counter()
                results = []
                for mid in todo[start : start + CHUNK]:
                    try:
                        results.append((mid, *_appraise(registry, prepared, mid)))
                    except MissingInputs as missing:
                        skipped += 1
                        problems.append(
                            {
                                "managerId": str(mid),
                                "employeeNo": prepared.managers[mid].employee_no,
                                "missing": [m.key for m in missing.missing],
                            }
                        )
                timings.plugin += time.perf_counter() - started
                started = time.perf_counter()
                async with session.begin():
                    await _write_drafts(session, prepared, results, user_id, run_id, replace=False)
                    done += len(results)
                    await _update_run(
                        session,
                        tenant_id,
                        run_id,
                        managers_done=done,
                        managers_skipped=skipped,
                        problems=problems,
                    )
                timings.write += time.perf_counter() - started
            async with session.begin():
                await _update_run(
                    session, tenant_id, run_id, status=RunStatus.DONE, finished_at=models.now()
                )
            if session.get_bind().dialect.name == "postgresql":
                # As after any bulk load: fresh statistics keep later plans sane.
                async with session.begin():
                    await session.execute(text("ANALYZE appraisals, appraisal_items"))
    except DomainError as error:
        async with sessionmaker() as session, session.begin():
            await _update_run(
                session,
                tenant_id,
                run_id,
                status=RunStatus.FAILED,
                finished_at=models.now(),
                problems=[{"error": error.code, "message": error.message}],
            )
    return run_id


async def _update_run(
    session: AsyncSession, tenant_id: str, run_id: uuid.UUID, **values: Any
) -> None:
    run = await session.get(models.AppraisalRun, (tenant_id, run_id))
    assert run is not None
    for key, value in values.items():
        setattr(run, key, value)
    await session.flush()


# --- confirmation and appeal ---------------------------------------------------


def _stored_outcome(
    row: models.Appraisal, items: list[models.AppraisalItem], tiers: tuple[Tier, ...]
) -> AppraisalOutcome:
    return AppraisalOutcome(
        graded=row.graded,
        explanation=row.explanation or "",
        items=tuple(
            ItemScore(
                key=i.key,
                name=i.name,
                article=i.article,
                max_points=i.max_points,
                score=i.score,
                inputs=dict(i.inputs),
                explanation=i.explanation,
            )
            for i in items
        ),
        total=row.total,
        tier=tier_of(row.tier_code, row.tier_name, row.tier_rank, tiers),
        rating=row.rating,
        rating_label=row.rating_label,
        warnings=tuple(row.warnings),
        pay=tuple(
            MoneyLine(
                key=m["key"],
                name=m["name"],
                amount=Decimal(m["amount"]),
                article=m["article"],
                explanation=m["explanation"],
                account=m.get("account"),
            )
            for m in row.pay
        ),
    )


def _params_of(registry: PolicyRegistry, row: models.Appraisal) -> Params:
    """The appraisal's own plugin version and parameters; refuse if that version is gone."""
    try:
        info = registry.info(row.plugin)
    except UnknownPlugin:
        raise PolicyUnavailable(f"plugin {row.plugin} is no longer installed") from None
    if info.version != row.plugin_version:
        raise PolicyUnavailable(
            f"this appraisal was made with {row.plugin} {row.plugin_version}; "
            f"{info.version} is installed now: run the appraisal again"
        )
    params, problems = policy_parameters.resolve(info, row.parameters)
    if problems:
        raise PolicyUnavailable("; ".join(p.message for p in problems))
    return params


async def _apply_tier_move(
    session: AsyncSession,
    registry: PolicyRegistry,
    row: models.Appraisal,
    manager: models.Manager,
    outcome: AppraisalOutcome,
    params: Params,
    user_id: str,
    cause: TierChangeCause,
    reason_prefix: str = "",
) -> TierMove:
    tiers = registry.grading(row.plugin).tiers()
    office = await session.get(models.Office, (manager.tenant_id, manager.office_id))
    profile = manager_profile(
        manager, tiers=tiers, office_has_credit_clerk=bool(office and office.has_credit_clerk)
    )
    move = registry.grading(row.plugin).tier_move(
        profile, outcome, parse_period(row.period), params
    )
    row.tier_move = {
        "direction": move.direction.value,
        "toTier": _json(move.to_tier),
        "reason": move.reason,
        "article": move.article,
        "flags": list(move.flags),
    }
    notes = set(move.flags) - {TierMoveFlag.PROBATION_END}
    if notes:
        manager.flags = sorted(set(manager.flags) | notes)
    target = move.to_tier
    if (
        move.direction != TierDirection.NONE
        and target is not None
        and target.code != manager.tier_code
    ):
        ending = TierMoveFlag.PROBATION_END in move.flags
        effective_cause = TierChangeCause.PROBATION_END if ending else cause
        await events.change_tier(
            session,
            manager,
            target,
            cause=effective_cause,
            recorded_by=user_id,
            reason=f"{reason_prefix}{move.reason} ({move.article})",
            appraisal_id=row.id,
            plugin=row.plugin,
            plugin_version=row.plugin_version,
        )
    return move


async def _load_for_decision(
    session: AsyncSession, tenant_id: str, appraisal_id: str
) -> tuple[models.Appraisal, models.Manager, list[models.AppraisalItem]]:
    row = await get_in_tenant(
        session,
        models.Appraisal,
        tenant_id,
        appraisal_id,
        field="id",
        entity="Appraisal",
        for_update=True,
    )
    manager = await get_in_tenant(
        session,
        models.Manager,
        tenant_id,
        row.manager_id,
        field="id",
        entity="Manager",
        for_update=True,
    )
    items = list(
        (
            await session.execute(
                select(models.AppraisalItem)
                .where(
                    models.AppraisalItem.tenant_id == tenant_id,
                    models.AppraisalItem.appraisal_id == row.id,
                )
                .order_by(models.AppraisalItem.position)
            )
        ).scalars()
    )
    return row, manager, items


async def confirm_appraisal(
    session: AsyncSession,
    registry: PolicyRegistry,
    tenant_id: str,
    user_id: str,
    roles: frozenset[Role],
    *,
    appraisal_id: str,
) -> models.Appraisal:
    """A second person (HR) confirms a draft; the tier change takes effect here."""
    require_role(roles, (Role.HR,), "confirmAppraisal")
    row, manager, items = await _load_for_decision(session, tenant_id, appraisal_id)
    if row.status != AppraisalStatus.DRAFT:
        raise Conflict(f"only a DRAFT can be confirmed; this one is {row.status.value}", "id")
    if row.computed_by == user_id:
        raise Conflict("the person who ran the appraisal cannot confirm it (maker–checker)", "id")
    params = _params_of(registry, row)
    outcome = _stored_outcome(row, items, registry.grading(row.plugin).tiers())
    if row.graded:
        await _apply_tier_move(
            session, registry, row, manager, outcome, params, user_id, TierChangeCause.APPRAISAL
        )
        for line in outcome.pay:
            if line.account:
                session.add(
                    models.AccountMovement(
                        tenant_id=tenant_id,
                        manager_id=manager.id,
                        account=line.account,
                        amount=line.amount,
                        direction="IN",
                        appraisal_id=row.id,
                        article=line.article,
                        explanation=line.explanation,
                        recorded_by=user_id,
                    )
                )
    row.status = AppraisalStatus.CONFIRMED
    row.confirmed_by = user_id
    row.confirmed_at = models.now()
    await session.flush()
    return row


async def appeal_appraisal(
    session: AsyncSession,
    tenant_id: str,
    user_id: str,
    roles: frozenset[Role],
    *,
    appraisal_id: str,
    reason: str,
    now: dt.datetime | None = None,
) -> models.Appraisal:
    """The manager appeals a confirmed appraisal of their own, within ``appeal_days``."""
    require_role(roles, (Role.MANAGER,), "appealAppraisal")
    row, manager, _ = await _load_for_decision(session, tenant_id, appraisal_id)
    if manager.employee_no != user_id:
        raise Conflict("a manager may appeal only their own appraisal", "id")
    if row.status != AppraisalStatus.CONFIRMED or row.confirmed_at is None:
        raise Conflict(
            f"only a CONFIRMED appraisal can be appealed; this one is {row.status.value}", "id"
        )
    if not reason.strip():
        raise InvalidInput([FieldProblem("reason", "REQUIRED", "say why you appeal")])
    tenant = await session.get(models.Tenant, tenant_id)
    assert tenant is not None
    days = TenantSettings.from_json(tenant.settings).appeal_days
    now = now or models.now()
    confirmed_at = (
        row.confirmed_at if row.confirmed_at.tzinfo else row.confirmed_at.replace(tzinfo=dt.UTC)
    )
    if now > confirmed_at + dt.timedelta(days=days):
        raise Conflict(f"the appeal window of {days} days after confirmation has closed", "id")
    row.status = AppraisalStatus.APPEALED
    row.appealed_at = now
    row.appeal_reason = reason.strip()
    await session.flush()
    return row


async def resolve_appeal(
    session: AsyncSession,
    registry: PolicyRegistry,
    tenant_id: str,
    user_id: str,
    roles: frozenset[Role],
    *,
    appraisal_id: str,
    reason: str,
    recompute: bool,
    today: dt.date | None = None,
) -> models.Appraisal:
    """HR decides an appeal; with ``recompute`` the appraisal is made again from the
    current inputs and any tier change is recorded with cause APPEAL."""
    require_role(roles, (Role.HR,), "resolveAppeal")
    row, manager, _ = await _load_for_decision(session, tenant_id, appraisal_id)
    if row.status != AppraisalStatus.APPEALED:
        raise Conflict(
            f"only an APPEALED appraisal can be resolved; this one is {row.status.value}", "id"
        )
    if not reason.strip():
        raise InvalidInput([FieldProblem("reason", "REQUIRED", "give the review's reason")])
    if recompute:
        prepared = await prepare(session, registry, tenant_id, row.period, today=today)
        if manager.id not in prepared.managers:
            raise Conflict(f"a manager who is {manager.status.value} is not appraised", "id")
        appraisal, outcome = _appraise(registry, prepared, manager.id)
        values = _appraisal_values(
            prepared, manager.id, appraisal, outcome, row.computed_by, row.run_id
        )
        for key in ("status", "computed_by", "run_id"):
            values.pop(key)
        for key, value in values.items():
            setattr(row, key, value)
        await session.execute(
            delete(models.AppraisalItem).where(
                models.AppraisalItem.tenant_id == tenant_id,
                models.AppraisalItem.appraisal_id == row.id,
            )
        )
        rows = _item_rows(tenant_id, row.id, outcome.items)
        if rows:
            await session.execute(insert(models.AppraisalItem), rows)
        if outcome.graded:
            await _apply_tier_move(
                session,
                registry,
                row,
                manager,
                outcome,
                prepared.selection.params,
                user_id,
                TierChangeCause.APPEAL,
                reason_prefix=f"appeal review: {reason.strip()}; ",
            )
    row.status = AppraisalStatus.CONFIRMED
    row.review_reason = reason.strip()
    row.confirmed_by = user_id
    row.confirmed_at = models.now()
    await session.flush()
    return row
