"""Types of the organisation: the tenant, the caller, tiers and a manager's qualification.

``Office`` and ``Manager`` link to the other domains' entities, so they live in
``server.graphql.nodes``.
"""

from __future__ import annotations

import datetime as dt

import strawberry

from server.db import models
from server.graphql.context import Ctx
from server.graphql.enums import (
    CreditExamResult,
    Education,
    ProfessionalTitle,
    Role,
    SystemProficiency,
    TierChangeCause,
)
from server.graphql.ids import optional_id
from server.graphql.policy.types import (
    PolicyChange,
    PolicySelection,
    TenantSettingsType,
    policy_history,
    policy_selections,
)
from server.graphql.scalars import DecimalValue


@strawberry.type(description="A grade of the tenant's grading policy; compare by rank.")
class Tier:
    code: str
    name: str
    rank: int = strawberry.field(description="0 is the lowest; higher is better.")


def tier_from(code: str | None, name: str | None, rank: int | None) -> Tier | None:
    """The tier stored in a row's code, name and rank columns; none until graded."""
    if code is None or rank is None:
        return None
    return Tier(code=code, name=name or code, rank=rank)


@strawberry.type(description="A bank (农商银行) or county union (联社).")
class Tenant:
    id: strawberry.ID
    name: str
    province: str
    _row: strawberry.Private[models.Tenant]

    @classmethod
    def from_row(cls, row: models.Tenant) -> Tenant:
        return cls(id=strawberry.ID(row.tenant_id), name=row.name, province=row.province, _row=row)

    @strawberry.field(description="The plugin selected per policy category.")
    async def policy(self, info: Ctx) -> list[PolicySelection]:
        return await policy_selections(info.context, self._row.tenant_id)

    @strawberry.field(description="Core parameters every tenant has, with their defaults.")
    def settings(self) -> TenantSettingsType:
        return TenantSettingsType.from_json(self._row.settings)

    @strawberry.field(description="Every change of the policy selection, oldest first.")
    async def policy_history(self, info: Ctx) -> list[PolicyChange]:
        return await policy_history(info.context, self._row.tenant_id)


@strawberry.type(description="Who is calling.")
class Viewer:
    user_id: str
    roles: list[Role]
    _tenant_id: strawberry.Private[str]

    @strawberry.field
    async def tenant(self, info: Ctx) -> Tenant | None:
        row = await info.context.get(models.Tenant, self._tenant_id)
        return Tenant.from_row(row) if row else None


@strawberry.type(description="The qualification profile of a manager.")
class Qualification:
    education: Education | None
    professional_title: ProfessionalTitle | None
    credit_exam: CreditExamResult | None
    credit_work_years: DecimalValue | None
    system_proficiency: SystemProficiency | None
    qualification_level: str | None
    licence_no: str | None
    licence_issued_on: dt.date | None
    licence_valid_until: dt.date | None

    @classmethod
    def from_row(cls, r: models.Manager) -> Qualification:
        return cls(
            education=r.education,
            professional_title=r.professional_title,
            credit_exam=r.credit_exam,
            credit_work_years=r.credit_work_years,  # type: ignore[arg-type]
            system_proficiency=r.system_proficiency,
            qualification_level=r.qualification_level,
            licence_no=r.licence_no,
            licence_issued_on=r.licence_issued_on,
            licence_valid_until=r.licence_valid_until,
        )


@strawberry.type(description="One change of a manager's tier, with its cause.")
class TierChange:
    id: strawberry.ID
    from_tier: Tier | None
    to_tier: Tier | None
    cause: TierChangeCause
    cause_label: str
    appraisal_id: strawberry.ID | None
    violation_id: strawberry.ID | None
    reason: str | None
    plugin: str | None
    plugin_version: str | None
    effective_on: dt.date
    recorded_by: str
    recorded_at: dt.datetime

    @classmethod
    def from_row(cls, r: models.ManagerTierChange) -> TierChange:
        return cls(
            id=strawberry.ID(str(r.id)),
            from_tier=tier_from(r.from_code, r.from_name, r.from_rank),
            to_tier=tier_from(r.to_code, r.to_name, r.to_rank),
            cause=r.cause,
            cause_label=r.cause.label,
            appraisal_id=optional_id(r.appraisal_id),
            violation_id=optional_id(r.violation_id),
            reason=r.reason,
            plugin=r.plugin,
            plugin_version=r.plugin_version,
            effective_on=r.effective_on,
            recorded_by=r.recorded_by,
            recorded_at=r.recorded_at,
        )
