"""Root mutations of policy: a tenant's plugin per category, and its core settings.

Both act on the caller's tenant, or on the one ``tenant`` names: a tenant of the
federation administrator's province (another is not found, like one that does not exist).
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry import UNSET
from strawberry.scalars import JSON

from server.errors import FieldProblem, InvalidInput
from server.graphql.context import Context, Ctx
from server.graphql.enums import PolicyCategory
from server.graphql.errors import ErrorType
from server.graphql.mutation import mutation
from server.graphql.org.types import Tenant
from server.graphql.paths import input_paths
from server.graphql.scalars import Money
from server.services import policies, tenant_settings
from server.services.access import acting_tenant, authorize

SetTenantPolicyResult = Annotated[Tenant | ErrorType, strawberry.union("SetTenantPolicyResult")]


TenantArgument = Annotated[
    strawberry.ID | None,
    strawberry.argument(
        description="The tenant (its id) to change: one of your province's. "
        "Absent or null: your own."
    ),
]


async def _tenant(ctx: Context, tenant: str | None) -> Tenant:
    """The tenant changed, found as the use case found it (the province's only)."""
    return Tenant.from_row(await ctx.call(acting_tenant, ctx.principal, tenant))


@strawberry.type
class PolicyMutation:
    @mutation(
        description="Change the core parameters of your tenant or of one of your province's; "
        "only those given change.",
        fields=input_paths(),
    )
    async def set_tenant_settings(
        self,
        info: Ctx,
        appeal_days: int | None = None,
        large_loan_threshold: Money | None = None,
        licence_validity_months: int | None = None,
        tenant: TenantArgument = None,
        max_backdating_days: Annotated[
            int | None,
            strawberry.argument(
                description="Days before today a new loan's issue date may lie (0–366)."
            ),
        ] = None,
        time_zone: Annotated[
            str | None,
            strawberry.argument(
                description="The IANA time zone of the tenant's business dates, e.g. "
                "Asia/Shanghai or Asia/Urumqi (at most 64 characters)."
            ),
        ] = None,
    ) -> SetTenantPolicyResult:
        ctx = info.context
        await tenant_settings.set_tenant_settings(
            ctx.session,
            ctx.principal,
            appeal_days=appeal_days,
            large_loan_threshold=large_loan_threshold,
            licence_validity_months=licence_validity_months,
            tenant=tenant,
            max_backdating_days=max_backdating_days,
            time_zone=time_zone,
        )
        return await _tenant(ctx, tenant)

    @mutation(
        description=(
            "Choose the plugin (and its parameters) for one policy category of your tenant "
            "or of one of your province's; plugin null switches the category off. "
            "Role FEDERATION_ADMIN."
        ),
        fields=input_paths(keys_of=("parameters",)),
    )
    async def set_tenant_policy(
        self,
        info: Ctx,
        category: PolicyCategory,
        plugin: Annotated[
            str | None,
            strawberry.argument(description="The plugin's name; null switches the category off."),
        ] = UNSET,
        parameters: JSON | None = None,
        tenant: TenantArgument = None,
    ) -> SetTenantPolicyResult:
        ctx = info.context
        authorize(ctx.principal, "setTenantPolicy")
        if plugin is UNSET:
            raise InvalidInput(
                [
                    FieldProblem(
                        "plugin",
                        "REQUIRED",
                        "give the plugin's name, or null to switch the category off",
                    )
                ]
            )
        raw: Any = parameters if parameters is not None else {}
        if not isinstance(raw, dict):
            raise InvalidInput(
                [FieldProblem("parameters", "OBJECT", "parameters must be a JSON object")]
            )
        await policies.set_tenant_policy(
            ctx.session,
            ctx.registry,
            ctx.principal,
            category=category,
            plugin=plugin,
            parameters=raw,
            tenant=tenant,
        )
        return await _tenant(ctx, tenant)
