"""What an appraisal read, typed: the stored ``inputs`` JSON as GraphQL objects.

The shape is the core's (``server.services.appraisal.stored.inputs_json``): the period,
the manager's profile, the indicator values and plans, the findings, the cohort figures,
the prior appraisals and, for a manager who changed office, the office sheets that
counted. The indicator keys are the grading plugin's; their unit and label come from its
declaration (``grading_indicators``) when the plugin is still installed, and for the
indicators the core computes from the core's vocabulary (``COMPUTED_INDICATORS``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import strawberry

from server.errors import UnknownPlugin
from server.graphql.appraisal.results import CohortFigure, decimal_or_none, tier_or_none
from server.graphql.limits import MAX_ITEMS
from server.graphql.org.types import Tier
from server.graphql.scalars import DecimalValue, Period
from server.policy import IndicatorSource, parameters
from server.policy.indicators import COMPUTED_INDICATORS
from server.policy.period import parse_period
from server.policy.registry import PolicyRegistry


@strawberry.type(description="One indicator's value as the appraisal read it.")
class IndicatorValue:
    indicator: str = strawberry.field(description="The indicator's key, as the plugin names it.")
    value: DecimalValue
    unit: str | None = strawberry.field(
        description="yuan, count, ratio, score, flag…, as the plugin declares it (or the core, "
        "for what it computes); null when the plugin that made the appraisal is no longer "
        "installed or no longer declares it."
    )
    label: str | None = strawberry.field(
        description="The indicator's Chinese name (the description when the plugin gives none)."
    )


@dataclass(frozen=True)
class IndicatorNames:
    """Unit and label of each indicator key, for values and for plans."""

    values: Mapping[str, tuple[str, str]]
    plans: Mapping[str, tuple[str, str]]

    @classmethod
    def declared(
        cls, registry: PolicyRegistry, plugin: str, period: str, stored_parameters: Any
    ) -> IndicatorNames:
        """What the installed ``plugin`` declares for ``period`` with the stored parameters,
        over what the core computes; the core's alone when the plugin is gone or the
        parameters no longer fit it."""
        core = dict(COMPUTED_INDICATORS)
        try:
            info = registry.info(plugin)
        except UnknownPlugin:
            return cls(core, {})
        stored = stored_parameters if isinstance(stored_parameters, Mapping) else {}
        resolved, problems = parameters.resolve(info, stored)
        if problems or "GRADING" not in info.categories:
            return cls(core, {})
        declared: dict[str, tuple[str, str]] = {}
        plans: dict[str, tuple[str, str]] = {}
        for spec in registry.grading(plugin).indicators(parse_period(period), resolved):
            target = plans if spec.source == IndicatorSource.TASK_PLAN else declared
            target.setdefault(spec.key, (spec.unit, spec.label or spec.description))
        return cls(core | declared, plans)

    def named(self, stored: Any, *, plans: bool = False) -> list[IndicatorValue]:
        names = self.plans if plans else self.values
        out = []
        for key, raw in (stored if isinstance(stored, Mapping) else {}).items():
            value = decimal_or_none(raw)
            if value is None:
                continue
            unit, label = names.get(str(key), (None, None))
            out.append(
                IndicatorValue(indicator=str(key), value=value, unit=unit, label=label)  # type: ignore[arg-type]
            )
        return out


@strawberry.type(description="Inspection findings of one kind for one appraisal item.")
class FindingCount:
    item: str
    finding: str
    count: int


@strawberry.type(description="A confirmed earlier appraisal of the manager the policy looked at.")
class PriorAppraisal:
    period: Period
    total: DecimalValue | None
    rating: str | None


@strawberry.type(description="The figures of one office's sheet that counted for a manager.")
class OfficeSheetFigures:
    office_id: strawberry.ID
    actuals: list[IndicatorValue]
    plans: list[IndicatorValue]


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


@strawberry.type(description="The manager as the policy saw them when appraising.")
class AppraisedProfile:
    employee_no: str
    category: str
    status: str
    hire_date: dt.date | None
    birth_date: dt.date | None
    probation_ends_on: dt.date | None
    post_started_on: dt.date | None
    tier: Tier | None
    education: str | None
    professional_title: str | None
    credit_exam: str | None
    credit_work_years: DecimalValue | None
    system_proficiency: str | None
    qualification_level: str | None
    licence_valid_until: dt.date | None
    jurisdiction_households: int | None
    rated_households: int | None
    office_has_credit_clerk: bool

    @classmethod
    def from_json(cls, p: Mapping[str, Any]) -> AppraisedProfile:
        households, rated = p.get("jurisdiction_households"), p.get("rated_households")
        return cls(
            employee_no=str(p.get("employee_no", "")),
            category=str(p.get("category", "")),
            status=str(p.get("status", "")),
            hire_date=_date(p.get("hire_date")),
            birth_date=_date(p.get("birth_date")),
            probation_ends_on=_date(p.get("probation_ends_on")),
            post_started_on=_date(p.get("post_started_on")),
            tier=tier_or_none(p.get("tier")),
            education=_text(p.get("education")),
            professional_title=_text(p.get("professional_title")),
            credit_exam=_text(p.get("credit_exam")),
            credit_work_years=decimal_or_none(p.get("credit_work_years")),  # type: ignore[arg-type]
            system_proficiency=_text(p.get("system_proficiency")),
            qualification_level=_text(p.get("qualification_level")),
            licence_valid_until=_date(p.get("licence_valid_until")),
            jurisdiction_households=None if households is None else int(households),
            rated_households=None if rated is None else int(rated),
            office_has_credit_clerk=bool(p.get("office_has_credit_clerk")),
        )


#: The most offices whose sheets count for one manager in a year, for the query cost: the
#: present one and former ones after two full quarters each (第十二条).
COUNTING_OFFICES = 3


@strawberry.type(description="Everything the appraisal read, as it was when it was computed.")
class AppraisalInputsRead:
    period: Period
    profile: AppraisedProfile | None
    values: list[IndicatorValue] = strawberry.field(
        description="The computed, recorded and profile indicators."
    )
    plans: list[IndicatorValue] = strawberry.field(description="The task plans.")
    findings: list[FindingCount]
    cohort: list[CohortFigure] = strawberry.field(
        description="The run's tenant-wide figures (e.g. averages)."
    )
    prior: list[PriorAppraisal]
    office_sheets: list[OfficeSheetFigures] = strawberry.field(
        description="For a manager who changed office in the period: each office's sheet "
        "that counted (第十二条); empty otherwise.",
        metadata={MAX_ITEMS: COUNTING_OFFICES},
    )

    @classmethod
    def from_json(cls, stored: Any, period: str, names: IndicatorNames) -> AppraisalInputsRead:
        s: Mapping[str, Any] = stored if isinstance(stored, Mapping) else {}
        profile = s.get("profile")
        sheets = s.get("officeSheets")
        return cls(
            period=Period(str(s.get("period", period))),
            profile=AppraisedProfile.from_json(profile) if isinstance(profile, Mapping) else None,
            values=names.named(s.get("values")),
            plans=names.named(s.get("plans"), plans=True),
            findings=[
                FindingCount(
                    item=str(f.get("item", "")),
                    finding=str(f.get("finding", "")),
                    count=int(f.get("count", 0)),
                )
                for f in s.get("findings") or []
                if isinstance(f, Mapping)
            ],
            cohort=CohortFigure.all_from_json(s.get("cohort")),
            prior=[
                PriorAppraisal(
                    period=Period(str(p.get("period", ""))),
                    total=decimal_or_none(p.get("total")),  # type: ignore[arg-type]
                    rating=_text(p.get("rating")),
                )
                for p in s.get("prior") or []
                if isinstance(p, Mapping)
            ],
            office_sheets=[
                OfficeSheetFigures(
                    office_id=strawberry.ID(str(office_id)),
                    actuals=names.named(sheet.get("actuals")),
                    plans=names.named(sheet.get("plans"), plans=True),
                )
                for office_id, sheet in (sheets if isinstance(sheets, Mapping) else {}).items()
                if isinstance(sheet, Mapping)
            ],
        )
