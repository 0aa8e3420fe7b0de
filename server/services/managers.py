"""Managers: create and update a credit customer manager's record."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import (
    CreditExamResult,
    Education,
    EventKind,
    ManagerCategory,
    ManagerStatus,
    ProfessionalTitle,
    SystemProficiency,
    TierChangeCause,
)
from server.errors import Conflict, FieldProblem, InvalidInput, Problems, SeparationOfDuties
from server.identity_codes import normalise_resident_id
from server.ids import uuid7
from server.outbox import events
from server.outbox.payloads import grade_payload, office_json
from server.policy import Tier
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services import manager_identity
from server.services.access import authorize, get_in_scope
from server.services.periods import add_months
from server.services.separation import OWN_RECORD, refuse_own_record
from server.services.tenant_settings import tenant_settings, tenant_today
from server.services.tiers import grading, require_tier_allowed

EMPLOYEE_NO_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
MIN_AGE_AT_HIRE = 16
MAX_CREDIT_YEARS = Decimal(60)


@dataclass
class ManagerFields:
    """The writable fields of a manager (create: all given; update: the changed ones)."""

    employee_no: str
    name: str
    office_id: str
    category: ManagerCategory
    hire_date: dt.date
    birth_date: dt.date
    status: ManagerStatus = ManagerStatus.ACTIVE
    probation_ends_on: dt.date | None = None
    post_started_on: dt.date | None = None
    education: Education | None = None
    professional_title: ProfessionalTitle | None = None
    credit_exam: CreditExamResult | None = None
    credit_work_years: Decimal | None = None
    system_proficiency: SystemProficiency | None = None
    qualification_level: str | None = None
    licence_no: str | None = None
    licence_issued_on: dt.date | None = None
    licence_valid_until: dt.date | None = None
    identity_number: str | None = None
    jurisdiction_households: int | None = None
    rated_households: int | None = None


UPDATABLE = frozenset(ManagerFields.__dataclass_fields__) - {"employee_no"}
NOT_NULL = {
    "name": "name cannot be null",
    "office_id": "officeId cannot be null",
    "category": "category cannot be null",
    "hire_date": "hireDate cannot be null",
    "birth_date": "birthDate cannot be null",
    "status": "status cannot be null",
    "identity_number": "identityNumber cannot be null",
}
"""The fields an update may not clear, each with its message. The messages spell the
fields as clients have always read them, so they are written out rather than derived."""

LICENCE_FIELDS = frozenset({"licence_issued_on", "licence_valid_until"})

STATUS_CHANGES: dict[ManagerStatus, frozenset[ManagerStatus]] = {
    ManagerStatus.PROBATION: frozenset(
        {ManagerStatus.ACTIVE, ManagerStatus.SUSPENDED, ManagerStatus.LEFT}
    ),
    ManagerStatus.ACTIVE: frozenset({ManagerStatus.SUSPENDED, ManagerStatus.LEFT}),
    ManagerStatus.SUSPENDED: frozenset({ManagerStatus.ACTIVE, ManagerStatus.LEFT}),
    ManagerStatus.LEFT: frozenset({ManagerStatus.ACTIVE, ManagerStatus.PROBATION}),
    ManagerStatus.DISQUALIFIED: frozenset(),
}
"""The status changes an update may make (HR, never on the own record): probation ends or
is cut short; a suspension (e.g. 山东办法 第十六条, until the exam is passed) is lifted by
HR; a manager who left may be taken on again. Disqualification follows only from a
confirmed violation, and is final; nobody goes back into probation."""


def _check(f: ManagerFields, problems: Problems, today: dt.date) -> None:
    if not EMPLOYEE_NO_PATTERN.match(f.employee_no):
        problems.add(
            "employee_no", "FORMAT", "employee number must be 1–40 letters, digits, '-' or '_'"
        )
    if not 1 <= len(f.name.strip()) <= 80:
        problems.add("name", "LENGTH", "name must be 1–80 characters")
    if f.hire_date > today:
        problems.add("hire_date", "NOT_IN_FUTURE", "hire date cannot be in the future")
    age_at_hire = (f.hire_date - f.birth_date).days // 365
    if age_at_hire < MIN_AGE_AT_HIRE:
        problems.add(
            "birth_date",
            "MIN_AGE",
            f"a manager is at least {MIN_AGE_AT_HIRE} years old when hired",
        )
    if f.status == ManagerStatus.PROBATION and f.probation_ends_on is None:
        problems.add("probation_ends_on", "REQUIRED", "a manager on probation needs its end date")
    if f.probation_ends_on is not None and f.probation_ends_on < f.hire_date:
        problems.add("probation_ends_on", "AFTER_HIRE", "probation cannot end before the hire date")
    if f.post_started_on is not None and f.post_started_on < f.hire_date:
        problems.add("post_started_on", "AFTER_HIRE", "the post cannot start before hiring")
    if (
        f.credit_work_years is not None
        and not Decimal(0) <= f.credit_work_years <= MAX_CREDIT_YEARS
    ):
        problems.add(
            "credit_work_years", "RANGE", f"years in credit work must be 0–{MAX_CREDIT_YEARS}"
        )
    if (
        f.licence_issued_on is not None
        and f.licence_valid_until is not None
        and f.licence_valid_until < f.licence_issued_on
    ):
        problems.add(
            "licence_valid_until", "AFTER_ISSUE", "a licence cannot expire before it is issued"
        )
    for field_name, value in (
        ("jurisdiction_households", f.jurisdiction_households),
        ("rated_households", f.rated_households),
    ):
        if value is not None and value < 0:
            problems.add(field_name, "NOT_NEGATIVE", "a household count cannot be negative")
    if (
        f.rated_households is not None
        and f.jurisdiction_households is not None
        and f.rated_households > f.jurisdiction_households
    ):
        problems.add(
            "rated_households",
            "NOT_ABOVE_JURISDICTION",
            "rated households cannot exceed the households of the jurisdiction",
        )


def _check_licence(f: ManagerFields, problems: Problems, today: dt.date, months: int) -> None:
    """A licence (上岗证) is issued by today and runs at most ``months`` (the tenant's
    ``licence_validity_months``) from its issue or yearly confirmation (省办法 第六条)."""
    if f.licence_issued_on is not None and f.licence_issued_on > today:
        problems.add("licence_issued_on", "NOT_IN_FUTURE", "a licence cannot be issued ahead")
    if f.licence_valid_until is None:
        return
    if f.licence_issued_on is None:
        problems.add(
            "licence_issued_on", "REQUIRED", "a licence's validity needs the date it was issued"
        )
        return
    latest = add_months(f.licence_issued_on, months)
    if f.licence_valid_until > latest:
        problems.add(
            "licence_valid_until",
            "MAX_VALIDITY",
            f"a licence runs at most {months} months from its issue: until {latest} at the latest",
        )


def _check_status_change(old: ManagerStatus, new: ManagerStatus, problems: Problems) -> None:
    if new == old:
        return
    if new == ManagerStatus.DISQUALIFIED:
        problems.add(
            "status",
            "DISQUALIFY_BY_VIOLATION",
            "disqualification follows from a confirmed violation, not an update",
        )
    elif new not in STATUS_CHANGES[old]:
        allowed = ", ".join(sorted(s.value for s in STATUS_CHANGES[old])) or "none"
        problems.add(
            "status",
            "STATUS_TRANSITION",
            f"a manager who is {old.value} cannot become {new.value} (allowed: {allowed})",
        )


async def create_manager(
    session: AsyncSession,
    registry: PolicyRegistry,
    actor: Principal,
    fields: ManagerFields,
    *,
    tier_code: str | None = None,
    today: dt.date | None = None,
) -> models.Manager:
    scope = authorize(actor, "createManager")
    today = today or await tenant_today(session, actor.tenant_id)
    fields.employee_no = fields.employee_no.strip()
    fields.name = fields.name.strip()
    if fields.identity_number is not None:
        fields.identity_number = normalise_resident_id(fields.identity_number)
    if actor.is_manager(fields.employee_no):
        raise SeparationOfDuties(
            OWN_RECORD, "nobody may create their own manager record", "employee_no"
        )
    problems = Problems()
    if fields.identity_number is None:
        problems.add("identity_number", "REQUIRED", "a new manager needs a resident ID")
    _check(fields, problems, today)
    manager_identity.check_identity(fields.identity_number, fields.birth_date, problems, today)
    months = (await tenant_settings(session, actor.tenant_id)).licence_validity_months
    _check_licence(fields, problems, today, months)
    if fields.status not in (ManagerStatus.ACTIVE, ManagerStatus.PROBATION):
        problems.add("status", "INITIAL_STATUS", "a new manager is ACTIVE or PROBATION")
    tier: Tier | None = None
    policy = None
    if tier_code is not None:
        policy = await grading(session, registry, actor.tenant_id)
        if policy is None:
            problems.add("tier_code", "NO_GRADING_POLICY", "the tenant has no grading policy")
        else:
            tier = policy.tier(tier_code, problems)
    problems.raise_if_any()
    office = await get_in_scope(
        session,
        models.Office,
        scope,
        fields.office_id,
        field="office_id",
        entity="Office",
    )
    await _require_unique_employee_no(session, actor.tenant_id, fields.employee_no)
    assert fields.identity_number is not None  # required above
    await manager_identity.require_person_free(session, actor.tenant_id, fields.identity_number)
    values: dict[str, Any] = {k: getattr(fields, k) for k in ManagerFields.__dataclass_fields__}
    values["office_id"] = office.id
    manager = models.Manager(id=uuid7(), tenant_id=actor.tenant_id, **values)
    if tier is not None and policy is not None:
        # The first tier keeps to the policy's eligibility and ceilings, as a manual one does.
        require_tier_allowed(registry, policy, manager, tier)
    session.add(manager)
    await session.flush()
    if tier is not None and policy is not None:
        await change_tier(
            session,
            manager,
            tier,
            cause=TierChangeCause.INITIAL,
            recorded_by=actor.user_id,
            plugin=policy.selection.plugin,
            plugin_version=policy.selection.version,
            effective_on=today,
        )
    return manager


async def _require_unique_employee_no(
    session: AsyncSession, tenant_id: str, employee_no: str
) -> None:
    taken = await session.scalar(
        select(models.Manager.id).where(
            models.Manager.tenant_id == tenant_id, models.Manager.employee_no == employee_no
        )
    )
    if taken is not None:
        raise Conflict(f"employee number {employee_no} is already used", "employee_no")


async def update_manager(
    session: AsyncSession,
    actor: Principal,
    *,
    manager_id: str,
    changes: dict[str, Any],
    office_moved_on: dt.date | None = None,
    today: dt.date | None = None,
) -> models.Manager:
    """Change a manager's record (``changes``: field name → new value). A change of office
    is kept as a move, dated ``office_moved_on`` (today by default), for the transfer rules
    of appraisals."""
    scope = authorize(actor, "updateManager")
    today = today or await tenant_today(session, actor.tenant_id)
    manager = await get_in_scope(
        session,
        models.Manager,
        scope,
        manager_id,
        field="manager_id",
        entity="Manager",
        for_update=True,
    )
    if not set(changes) <= UPDATABLE:
        raise ValueError(f"not updatable: {sorted(set(changes) - UPDATABLE)}")
    refuse_own_record(actor, manager, "manager_id", act="change")
    if isinstance(changes.get("identity_number"), str):
        changes = {**changes, "identity_number": normalise_resident_id(changes["identity_number"])}
    problems = Problems()
    if "identity_number" in changes:
        manager_identity.check_change(manager, changes["identity_number"], problems)
    if "status" in changes and manager.status == ManagerStatus.DISQUALIFIED:
        problems.add(
            "status", "DISQUALIFIED_IS_FINAL", "a disqualified manager's status cannot be changed"
        )
    elif changes.get("status") is not None:
        _check_status_change(manager.status, changes["status"], problems)
    for key, message in NOT_NULL.items():
        if key in changes and changes[key] is None:
            problems.add(key, "REQUIRED", message)
    problems.raise_if_any()
    merged = ManagerFields(**{k: getattr(manager, k) for k in ManagerFields.__dataclass_fields__})
    for key, value in changes.items():
        setattr(merged, key, value.strip() if isinstance(value, str) else value)
    merged.office_id = str(merged.office_id)
    _check(merged, problems, today)
    if {"identity_number", "birth_date"} & set(changes):
        manager_identity.check_identity(merged.identity_number, merged.birth_date, problems, today)
    if LICENCE_FIELDS & set(changes):
        months = (await tenant_settings(session, actor.tenant_id)).licence_validity_months
        _check_licence(merged, problems, today, months)
    problems.raise_if_any()
    if changes.get("identity_number") not in (None, manager.identity_number):
        await manager_identity.require_person_free(
            session, actor.tenant_id, changes["identity_number"], own_id=manager.id
        )
    if "office_id" in changes:
        office = await get_in_scope(
            session,
            models.Office,
            scope,
            changes["office_id"],
            field="office_id",
            entity="Office",
        )
        changes = {**changes, "office_id": office.id}
        if office.id != manager.office_id:
            await _record_move(
                session, manager, office.id, office_moved_on or today, actor.user_id, today
            )
    elif office_moved_on is not None:
        raise InvalidInput(
            [FieldProblem("office_moved_on", "NO_MOVE", "officeMovedOn needs a new officeId")]
        )
    for key, value in changes.items():
        setattr(manager, key, value.strip() if isinstance(value, str) else value)
    await session.flush()
    return manager


async def _record_move(
    session: AsyncSession,
    manager: models.Manager,
    to_office: uuid.UUID,
    moved_on: dt.date,
    recorded_by: str,
    today: dt.date,
) -> None:
    last = await session.scalar(
        select(func.max(models.ManagerOfficeMove.moved_on)).where(
            models.ManagerOfficeMove.tenant_id == manager.tenant_id,
            models.ManagerOfficeMove.manager_id == manager.id,
        )
    )
    earliest = max(manager.hire_date, last) if last else manager.hire_date
    if not earliest <= moved_on <= today:
        raise InvalidInput(
            [
                FieldProblem(
                    "office_moved_on",
                    "RANGE",
                    f"a move is dated from {earliest} (hire or last move) to today",
                )
            ]
        )
    session.add(
        models.ManagerOfficeMove(
            tenant_id=manager.tenant_id,
            manager_id=manager.id,
            from_office_id=manager.office_id,
            to_office_id=to_office,
            moved_on=moved_on,
            recorded_by=recorded_by,
        )
    )


async def _office_json(session: AsyncSession, tenant_id: str, office_id: uuid.UUID) -> Any:
    office = await session.get(models.Office, (tenant_id, office_id))
    assert office is not None  # a manager's office is the tenant's (foreign key)
    return office_json(office.id, office.code, office.name)


async def change_tier(
    session: AsyncSession,
    manager: models.Manager,
    to_tier: Tier | None,
    *,
    cause: TierChangeCause,
    recorded_by: str,
    reason: str | None = None,
    appraisal_id: uuid.UUID | None = None,
    violation_id: uuid.UUID | None = None,
    plugin: str | None = None,
    plugin_version: str | None = None,
    effective_on: dt.date | None = None,
) -> models.ManagerTierChange:
    """Move a manager to a tier, or to none (``None``: disqualified): the history entry and
    the grade-change event, together."""
    effective = effective_on or await tenant_today(session, manager.tenant_id)
    change = models.ManagerTierChange(
        tenant_id=manager.tenant_id,
        manager_id=manager.id,
        from_code=manager.tier_code,
        from_rank=manager.tier_rank,
        from_name=manager.tier_name,
        to_code=to_tier.code if to_tier else None,
        to_rank=to_tier.rank if to_tier else None,
        to_name=to_tier.name if to_tier else None,
        cause=cause,
        appraisal_id=appraisal_id,
        violation_id=violation_id,
        reason=reason,
        plugin=plugin,
        plugin_version=plugin_version,
        effective_on=effective,
        recorded_by=recorded_by,
    )
    session.add(change)
    await events.emit(
        session,
        manager.tenant_id,
        EventKind.GRADE_CHANGED,
        manager.id,
        manager.office_id,
        grade_payload(
            manager_id=manager.id,
            employee_no=manager.employee_no,
            name=manager.name,
            office=await _office_json(session, manager.tenant_id, manager.office_id),
            from_tier=(manager.tier_code, manager.tier_name, manager.tier_rank),
            to_tier=to_tier,
            cause=cause,
            effective_on=effective,
            reason=reason,
            appraisal_id=appraisal_id,
            violation_id=violation_id,
            plugin=plugin,
            plugin_version=plugin_version,
        ),
    )
    manager.tier_code, manager.tier_rank, manager.tier_name = (
        (to_tier.code, to_tier.rank, to_tier.name) if to_tier else (None, None, None)
    )
    await session.flush()
    return change
