"""Rows → the plain data policies read (``ManagerProfile``)."""

from __future__ import annotations

from server.db import models
from server.policy import ManagerProfile, Tier


def tier_of(
    code: str | None, name: str | None, rank: int | None, tiers: tuple[Tier, ...] = ()
) -> Tier | None:
    """The stored tier, with its external title from the plugin's tiers when known."""
    if code is None or rank is None:
        return None
    for tier in tiers:
        if tier.code == code:
            return tier
    return Tier(code=code, name=name or code, rank=rank, external_title=name or code)


def manager_profile(
    row: models.Manager, *, tiers: tuple[Tier, ...] = (), office_has_credit_clerk: bool = False
) -> ManagerProfile:
    return ManagerProfile(
        manager_id=str(row.id),
        employee_no=row.employee_no,
        category=row.category,
        status=row.status,
        hire_date=row.hire_date,
        birth_date=row.birth_date,
        probation_ends_on=row.probation_ends_on,
        post_started_on=row.post_started_on,
        tier=tier_of(row.tier_code, row.tier_name, row.tier_rank, tiers),
        education=row.education,
        professional_title=row.professional_title,
        credit_exam=row.credit_exam,
        credit_work_years=row.credit_work_years,
        system_proficiency=row.system_proficiency,
        qualification_level=row.qualification_level,
        licence_valid_until=row.licence_valid_until,
        jurisdiction_households=row.jurisdiction_households,
        rated_households=row.rated_households,
        office_has_credit_clerk=office_has_credit_clerk,
    )
