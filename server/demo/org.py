"""The tenant's organisation: its policy choices, office tree and managers with their tiers."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from decimal import ROUND_HALF_UP, Decimal

from server.demo.draw import RECORDED_BY, Row, TenantDraw, Weighted, date_between
from server.demo.names import TOWNSHIPS, URBAN_AREAS, VILLAGES, person_name
from server.domain import (
    CreditExamResult,
    Education,
    ManagerCategory,
    ManagerStatus,
    OfficeKind,
    ProfessionalTitle,
    SystemProficiency,
    TierChangeCause,
)
from server.identity_codes import make_resident_id
from server.policy import Tier
from server.services.periods import add_months

QUALIFICATION_LEVELS = ("初级", "中级", "高级", "资深")

_MANAGER_STATUS = Weighted(
    (ManagerStatus.ACTIVE, 90),
    (ManagerStatus.PROBATION, 5),
    (ManagerStatus.SUSPENDED, 2.5),
    (ManagerStatus.LEFT, 2.5),
)
_EDUCATION = Weighted(
    (Education.BACHELOR_OR_HIGHER, 55),
    (Education.JUNIOR_COLLEGE, 35),
    (Education.SECONDARY_OR_BELOW, 10),
)
_TITLE = Weighted(
    (ProfessionalTitle.INTERMEDIATE_OR_HIGHER, 25),
    (ProfessionalTitle.JUNIOR, 45),
    (ProfessionalTitle.NONE, 30),
)
_EXAM = Weighted(
    (CreditExamResult.PASSED, 88),
    (CreditExamResult.EXEMPT, 5),
    (CreditExamResult.FAILED, 4),
    (CreditExamResult.NOT_TAKEN, 3),
)
_PROBATION_EXAM = Weighted((CreditExamResult.PASSED, 60), (CreditExamResult.NOT_TAKEN, 40))
_PROFICIENCY = Weighted(
    (SystemProficiency.PROFICIENT, 70),
    (SystemProficiency.FAIR, 25),
    (SystemProficiency.NONE, 5),
)


def policy_rows(draw: TenantDraw) -> tuple[list[Row], list[Row]]:
    policies, changes = [], []
    for category, plugin in draw.tenant.policies:
        version = draw.registry.info(plugin).version
        change_id, at = draw.clock.next_id()
        common = {
            "tenant_id": draw.tenant.tenant_id,
            "category": category,
            "plugin": plugin,
            "plugin_version": version,
            "parameters": {},
        }
        policies.append({**common, "selected_by": RECORDED_BY, "selected_at": at})
        changes.append({**common, "id": change_id, "changed_by": RECORDED_BY, "changed_at": at})
    return policies, changes


def office_rows(draw: TenantDraw) -> list[Row]:
    rng = draw.rng
    union = draw.tenant.is_union
    branch_count = rng.randint(5, 7)
    outlet_counts = [rng.randint(2, 4) for _ in range(branch_count)]
    # The first branch is in the county seat (城关), the others in town or in townships.
    towns = ["城关", *rng.sample(URBAN_AREAS + TOWNSHIPS, branch_count - 1)]
    villages = iter(rng.sample(VILLAGES, sum(outlet_counts)))
    root = _office(
        draw, None, "10000", "联社本部" if union else "总行", OfficeKind.HEAD_OFFICE, clerk=False
    )
    offices = [root]
    for number, (town, outlets) in enumerate(zip(towns, outlet_counts, strict=True), 1):
        branch = _office(
            draw,
            root,
            f"1{number:02d}00",
            f"{town}信用社" if union else f"{town}支行",
            OfficeKind.BRANCH,
            clerk=True,
        )
        offices.append(branch)
        for outlet in range(1, outlets + 1):
            village = next(villages)
            offices.append(
                _office(
                    draw,
                    branch,
                    f"1{number:02d}{outlet:02d}",
                    f"{village}分社" if union else f"{village}网点",
                    OfficeKind.OUTLET,
                    clerk=rng.random() < 0.7,
                )
            )
    return offices


def _office(
    draw: TenantDraw, parent: Row | None, code: str, name: str, kind: OfficeKind, *, clerk: bool
) -> Row:
    office_id, at = draw.clock.next_id()
    return {
        "tenant_id": draw.tenant.tenant_id,
        "id": office_id,
        "parent_id": None if parent is None else parent["id"],
        "code": code,
        "name": name,
        "kind": kind,
        "path": f"{'/' if parent is None else parent['path']}{office_id}/",
        "depth": 0 if parent is None else parent["depth"] + 1,
        "has_credit_clerk": clerk,
        "created_at": at,
    }


def manager_rows(draw: TenantDraw, count: int, offices: list[Row]) -> tuple[list[Row], list[Row]]:
    rng, today = draw.rng, draw.today
    head = [o for o in offices if o["kind"] is OfficeKind.HEAD_OFFICE]
    branches = [o for o in offices if o["kind"] is OfficeKind.BRANCH]
    outlets = [o for o in offices if o["kind"] is OfficeKind.OUTLET]
    managers, changes = [], []
    identities: set[str] = set()
    employee_no = 0
    for index in range(count):
        status = _MANAGER_STATUS.pick(rng)
        category = ManagerCategory.CORPORATE if rng.random() < 0.15 else ManagerCategory.RETAIL
        if index == 0:
            # Someone must be able to look after the customers, however small the set.
            status, category = ManagerStatus.ACTIVE, ManagerCategory.RETAIL
        if category is ManagerCategory.CORPORATE:
            office = rng.choice(head if rng.random() < 0.15 else branches)
        else:
            office = rng.choice(outlets if rng.random() < 0.75 else branches)
        male = rng.random() < 0.6
        birth = date_between(
            rng,
            add_months(today, -59 * 12) + dt.timedelta(days=1),
            add_months(today, -23 * 12),
        )
        probation = status is ManagerStatus.PROBATION
        if probation:
            hire = today - dt.timedelta(days=rng.randint(30, 330))
            post_started = hire
        else:
            latest_hire = today - dt.timedelta(days=400)
            earliest_hire = min(
                latest_hire, max(add_months(birth, 22 * 12), add_months(today, -35 * 12))
            )
            hire = date_between(rng, earliest_hire, latest_hire)
            post_started = date_between(
                rng, hire, min(add_months(hire, 60), today - dt.timedelta(days=60))
            )
        years = (Decimal((today - post_started).days) / Decimal("365.25")).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        tier = _initial_tier(draw, probation=probation, years=years)
        licence_issued, licence_until = _licence_dates(draw, hire, probation=probation)
        employee_no += rng.randint(1, 7)
        households = (
            rng.randint(300, 2500) if category is ManagerCategory.RETAIL else rng.randint(20, 150)
        )
        if probation:
            households //= 3
        manager_id, at = draw.clock.next_id()
        managers.append(
            {
                "tenant_id": draw.tenant.tenant_id,
                "id": manager_id,
                "employee_no": f"{draw.tenant.code}{employee_no:06d}",
                "name": person_name(rng, male=male),
                "office_id": office["id"],
                "category": category,
                "status": status,
                "hire_date": hire,
                "birth_date": birth,
                # Probation is the first year; for the others it ended in the past.
                "probation_ends_on": add_months(hire, 12),
                "post_started_on": post_started,
                "flags": [],
                "tier_code": None if tier is None else tier.code,
                "tier_rank": None if tier is None else tier.rank,
                "tier_name": None if tier is None else tier.name,
                "education": _EDUCATION.pick(rng),
                "professional_title": _TITLE.pick(rng),
                "credit_exam": (_PROBATION_EXAM if probation else _EXAM).pick(rng),
                "credit_work_years": years,
                "system_proficiency": _PROFICIENCY.pick(rng),
                "qualification_level": _qualification(draw, tier),
                "licence_no": f"{draw.tenant.code}XD{licence_issued.year}{index + 1:05d}",
                "licence_issued_on": licence_issued,
                "licence_valid_until": licence_until,
                "identity_number": _identity_number(draw, birth, male=male, taken=identities),
                "jurisdiction_households": households,
                "rated_households": households * rng.randint(35, 100) // 100,
                "created_at": at,
                "updated_at": at,
            }
        )
        if tier is not None:
            changes.append(_initial_tier_change(draw, manager_id, tier, post_started))
    return managers, changes


def _identity_number(draw: TenantDraw, born: dt.date, *, male: bool, taken: set[str]) -> str:
    """A valid resident ID matching the birth date, unique among the tenant's managers.

    Drawn from a generator of its own (seeded by the tenant and the birth date), so the
    rest of the demo data stays what it was before managers carried identity numbers.
    """
    rng = random.Random(f"{draw.tenant.tenant_id}:{born.isoformat()}:{len(taken)}")
    number = make_resident_id(rng, region=draw.tenant.regions[0], birth_date=born, male=male)
    while number in taken:
        number = make_resident_id(rng, region=draw.tenant.regions[0], birth_date=born, male=male)
    taken.add(number)
    return number


def _initial_tier(draw: TenantDraw, *, probation: bool, years: Decimal) -> Tier | None:
    """A tier skewed towards the middle; below the middle for the inexperienced.

    A manager on probation holds the plugin's rank-0 (trainee) tier if it
    has one, and no tier otherwise (such plugins do not grade probationers).
    """
    tiers = draw.tiers
    if not tiers:
        return None
    if probation:
        return tiers[0] if tiers[0].rank == 0 else None
    top = len(tiers) if years >= 2 else (len(tiers) + 1) // 2
    weights = [min(k + 1, len(tiers) - k) for k in range(top)]
    return draw.rng.choices(tiers[:top], weights=weights)[0]


def _qualification(draw: TenantDraw, tier: Tier | None) -> str | None:
    """The qualification level behind a tier (初级 … 资深), sometimes one above it.

    Graded tiers are spread evenly over the four levels, which matches the
    bands of every in-tree plugin; a rank-0 tier needs no qualification.
    """
    if tier is None or tier.rank == 0:
        return None
    graded = [t for t in draw.tiers if t.rank > 0]
    level = graded.index(tier) * len(QUALIFICATION_LEVELS) // len(graded)
    if draw.rng.random() < 0.1:
        level = min(level + 1, len(QUALIFICATION_LEVELS) - 1)
    return QUALIFICATION_LEVELS[level]


def _licence_dates(draw: TenantDraw, hire: dt.date, *, probation: bool) -> tuple[dt.date, dt.date]:
    """Issue and expiry of the licence to practise; about one in 25 has lapsed."""
    years = draw.tenant.licence_years
    if probation:
        # A new hire works on a one-year temporary licence.
        return hire, add_months(hire, 12) - dt.timedelta(days=1)
    last_lapsed_issue = add_months(draw.today, -12 * years)
    if draw.rng.random() < 0.04 and hire <= last_lapsed_issue:
        issued = date_between(
            draw.rng, max(hire, add_months(last_lapsed_issue, -6)), last_lapsed_issue
        )
    else:
        earliest = max(hire, last_lapsed_issue + dt.timedelta(days=1))
        issued = date_between(draw.rng, earliest, draw.today)
    return issued, add_months(issued, 12 * years) - dt.timedelta(days=1)


def _initial_tier_change(
    draw: TenantDraw, manager_id: uuid.UUID, tier: Tier, effective: dt.date
) -> Row:
    change_id, at = draw.clock.next_id()
    return {
        "tenant_id": draw.tenant.tenant_id,
        "id": change_id,
        "manager_id": manager_id,
        "from_code": None,
        "from_rank": None,
        "from_name": None,
        "to_code": tier.code,
        "to_rank": tier.rank,
        "to_name": tier.name,
        "cause": TierChangeCause.INITIAL,
        "appraisal_id": None,
        "violation_id": None,
        "reason": "初始定级",
        "plugin": draw.tenant.grading_plugin,
        "plugin_version": draw.grading_version,
        "effective_on": effective,
        "recorded_by": RECORDED_BY,
        "recorded_at": at,
    }
