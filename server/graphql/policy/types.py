"""Policy types: the installed plugins, the tenant's selection, its history, its settings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.scalars import JSON

from server.db.models import TenantPolicy
from server.db.queries.policies import policy_changes, tenant_policies
from server.errors import UnknownPlugin
from server.graphql.context import Context
from server.graphql.enums import PolicyCategory
from server.graphql.limits import MAX_ITEMS
from server.graphql.policy.values import WHY_JSON, ParameterValue, parameter_text, parameter_values
from server.graphql.scalars import Money, Period
from server.policy import IndicatorSource, IndicatorSpec, ParameterSpec, PluginInfo, parameters
from server.policy.registry import PolicyRegistry
from server.services.records import AppraisalReads
from server.services.tenant_settings import TenantSettings


def _json_value(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


@strawberry.type(description="A parameter a plugin reads, with its default, bounds and article.")
class PolicyParameter:
    name: str
    type: str
    default: JSON | None = strawberry.field(
        description="The default as a JSON value; " + WHY_JSON.format(typed="defaultValue")
    )
    default_value: str | None = strawberry.field(
        description='The default as text: decimals exact ("0.15"), integers, true or false, a '
        "choice's value; null when the default is null."
    )
    minimum: str | None
    maximum: str | None
    choices: list[str]
    nullable: bool
    description: str
    article: str

    @classmethod
    def from_spec(cls, p: ParameterSpec) -> PolicyParameter:
        return cls(
            name=p.name,
            type=p.type.value,
            default=JSON(_json_value(p.default)),
            default_value=parameter_text(p.default),
            minimum=None if p.minimum is None else str(p.minimum),
            maximum=None if p.maximum is None else str(p.maximum),
            choices=list(p.choices),
            nullable=p.nullable,
            description=p.description,
            article=p.article,
        )


@strawberry.type(description="A grade of a grading policy, as the plugin defines it.")
class PolicyTier:
    code: str
    name: str
    rank: int
    external_title: str


@strawberry.type(description="An installed policy plugin.")
class PolicyPlugin:
    name: str
    version: str
    title: str
    sources: list[str]
    categories: list[PolicyCategory]
    parameters: list[PolicyParameter]
    tiers: list[PolicyTier]

    @classmethod
    def from_info(cls, info: PluginInfo, tiers: list[PolicyTier]) -> PolicyPlugin:
        return cls(
            name=info.name,
            version=info.version,
            title=info.title,
            sources=list(info.sources),
            categories=sorted(info.categories),
            parameters=[PolicyParameter.from_spec(p) for p in info.parameters],
            tiers=tiers,
        )


def installed_plugins(registry: PolicyRegistry) -> list[PolicyPlugin]:
    return [
        PolicyPlugin.from_info(
            info,
            [
                PolicyTier(code=t.code, name=t.name, rank=t.rank, external_title=t.external_title)
                for t in registry.grading(info.name).tiers()
            ]
            if "GRADING" in info.categories
            else [],
        )
        for info in registry.all_info()
    ]


@strawberry.type(description="The policy plugin chosen for one category.")
class PolicySelection:
    category: PolicyCategory
    plugin: str
    plugin_version: str
    parameters: JSON = strawberry.field(
        description="The parameters the tenant set; " + WHY_JSON.format(typed="parameterValues")
    )
    parameter_values: list[ParameterValue] = strawberry.field(
        description="The parameters the tenant set, by name."
    )
    effective_parameters: JSON = strawberry.field(
        description="Every parameter the plugin reads: the tenant's, and defaults for the "
        "rest; " + WHY_JSON.format(typed="effectiveParameterValues")
    )
    effective_parameter_values: list[ParameterValue] = strawberry.field(
        description="Every parameter the plugin reads, by name: the tenant's, and defaults "
        "for the rest."
    )
    selected_by: str
    selected_at: dt.datetime


def effective_parameters(
    registry: PolicyRegistry, plugin: str, stored: dict[str, Any]
) -> dict[str, Any]:
    """The stored parameters with the plugin's defaults for the rest (as stored when the
    plugin is no longer installed)."""
    try:
        info = registry.info(plugin)
    except UnknownPlugin:
        return stored
    resolved, _ = parameters.resolve(info, stored)
    return parameters.to_json(resolved)


def selection_from_row(registry: PolicyRegistry, r: TenantPolicy) -> PolicySelection:
    effective = effective_parameters(registry, r.plugin, r.parameters)
    return PolicySelection(
        category=r.category,
        plugin=r.plugin,
        plugin_version=r.plugin_version,
        parameters=JSON(r.parameters),
        parameter_values=parameter_values(registry, r.plugin, r.parameters),
        effective_parameters=JSON(effective),
        effective_parameter_values=parameter_values(registry, r.plugin, effective),
        selected_by=r.selected_by,
        selected_at=r.selected_at,
    )


async def policy_selections(ctx: Context, tenant_id: str) -> list[PolicySelection]:
    rows = await ctx.call(tenant_policies, tenant_id)
    return [selection_from_row(ctx.registry, r) for r in rows]


@strawberry.type(description="A change of the tenant's policy selection: who, when, what.")
class PolicyChange:
    category: PolicyCategory
    plugin: str | None
    plugin_version: str | None
    parameters: JSON = strawberry.field(
        description="The parameters set by the change; " + WHY_JSON.format(typed="parameterValues")
    )
    parameter_values: list[ParameterValue] = strawberry.field(
        description="The parameters set by the change, by name."
    )
    changed_by: str
    changed_at: dt.datetime
    managers_moved: int = strawberry.field(
        description="How many managers this change moved to the new grading plugin's tiers "
        "(cause POLICY_CHANGE: each to the tier of the same relative standing, within the "
        "new policy's eligibility); 0 for every other change."
    )


async def policy_history(ctx: Context, tenant_id: str) -> list[PolicyChange]:
    rows = await ctx.call(policy_changes, tenant_id)
    return [
        PolicyChange(
            category=r.category,
            plugin=r.plugin,
            plugin_version=r.plugin_version,
            parameters=JSON(r.parameters),
            parameter_values=parameter_values(ctx.registry, r.plugin, r.parameters),
            changed_by=r.changed_by,
            changed_at=r.changed_at,
            managers_moved=r.managers_moved,
        )
        for r in rows
    ]


@strawberry.type(name="TenantSettings", description="Core parameters of a tenant.")
class TenantSettingsType:
    appeal_days: int = strawberry.field(
        description="Days after confirmation within which a manager may appeal (default 15)."
    )
    large_loan_threshold: Money = strawberry.field(
        description="Principal from which a loan is inspected quarterly (default 5,000,000)."
    )
    licence_validity_months: int = strawberry.field(
        description="The longest a licence (上岗证) runs from its issue, in months (default 12: "
        "一年一认定)."
    )
    max_backdating_days: int = strawberry.field(
        description="How many days before today (the bank's business date) a new loan's issue "
        "date may lie (default 30; never in the future). The manager's status and licence "
        "are checked on today's date whatever the issue date."
    )
    time_zone: str = strawberry.field(
        description="The IANA time zone the tenant's business dates are days of: today, the "
        "backdating limit, licence validity, admission lapse, duty due dates, the appeal "
        "window's last day, the day daily jobs run for (default: the server's "
        "RURALCREDIT_BUSINESS_TIMEZONE, itself Asia/Shanghai by default)."
    )

    @classmethod
    def from_json(cls, stored: dict[str, Any]) -> TenantSettingsType:
        current = TenantSettings.from_json(stored)
        return cls(
            appeal_days=current.appeal_days,
            large_loan_threshold=current.large_loan_threshold,  # type: ignore[arg-type]
            licence_validity_months=current.licence_validity_months,
            max_backdating_days=current.max_backdating_days,
            time_zone=current.time_zone,
        )


@strawberry.type(description="One input an appraisal reads: what a figures form asks for.")
class AppraisalIndicator:
    key: str
    unit: str = strawberry.field(description="yuan, count, ratio, score, flag, code, years, date…")
    source: IndicatorSource = strawberry.field(
        description="COMPUTED: the core computes it; RECORDED: recordIndicators; TASK_PLAN: "
        "recordTaskPlan; FINDINGS: recordInspectionFindings; PROFILE: the manager's record."
    )
    label: str = strawberry.field(
        description="The input's Chinese name (the description when the plugin gives none)."
    )
    description: str
    required: bool = strawberry.field(
        description="The appraisal stops with MissingInputs without it; optional ones have a "
        "documented default."
    )
    computed_by_core: bool = strawberry.field(
        description="The core computes it from its own data (loans, duties, snapshots)."
    )
    recorded_with: str | None = strawberry.field(
        description="The mutation that records it: recordIndicators, recordTaskPlan, "
        "recordInspectionFindings, updateManager (the profile); null when computed."
    )

    @classmethod
    def from_spec(cls, spec: IndicatorSpec) -> AppraisalIndicator:
        return cls(
            key=spec.key,
            unit=spec.unit,
            source=spec.source,
            label=spec.label or spec.description,
            description=spec.description,
            required=spec.required,
            computed_by_core=spec.source == IndicatorSource.COMPUTED,
            recorded_with=RECORDED_WITH.get(spec.source),
        )


RECORDED_WITH = {
    IndicatorSource.RECORDED: "recordIndicators",
    IndicatorSource.TASK_PLAN: "recordTaskPlan",
    IndicatorSource.FINDINGS: "recordInspectionFindings",
    IndicatorSource.PROFILE: "updateManager",
}


@strawberry.type(description="An inspection finding code the appraisal scores.")
class AppraisalFindingCode:
    item: str = strawberry.field(description="The appraisal item it reduces, e.g. C1.4.")
    finding: str
    description: str


#: The most inputs one appraisal reads (the in-tree plugins read 40 at most).
MAX_INDICATORS = 100


@strawberry.type(
    description="Everything the tenant's appraisal of one period reads, as its grading plugin "
    "declares it: the form a front-end builds for the figures."
)
class AppraisalInputs:
    plugin: str
    plugin_version: str
    period: Period
    indicators: list[AppraisalIndicator] = strawberry.field(
        metadata={MAX_ITEMS: MAX_INDICATORS},
        description="Every input, in the plugin's order; a key may appear once per source "
        "(an actual and its plan).",
    )
    finding_codes_listed: bool = strawberry.field(
        description="Whether the plugin lists its finding codes; if not, any well-formed code "
        "is taken."
    )
    finding_codes: list[AppraisalFindingCode] = strawberry.field(
        metadata={MAX_ITEMS: MAX_INDICATORS},
        description="The finding codes recordInspectionFindings takes (none when the appraisal "
        "reads no findings).",
    )

    @classmethod
    def from_reads(cls, reads: AppraisalReads) -> AppraisalInputs:
        return cls(
            plugin=reads.selection.plugin,
            plugin_version=reads.selection.version,
            period=Period(reads.period.text),
            indicators=[AppraisalIndicator.from_spec(s) for s in reads.specs],
            finding_codes_listed=reads.findings is not None,
            finding_codes=[
                AppraisalFindingCode(item=f.item, finding=f.finding, description=f.description)
                for f in (reads.findings or ())
                if reads.reads_findings()
            ],
        )
