"""Root mutations of policy: the tenant's plugin per category, and its core settings."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry import UNSET
from strawberry.scalars import JSON

from server.db import models
from server.errors import FieldProblem, InvalidInput
from server.graphql.context import Context, Ctx
from server.graphql.enums import PolicyCategory
from server.graphql.errors import ErrorType
from server.graphql.mutation import mutation
from server.graphql.org.types import Tenant
from server.graphql.paths import input_paths
from server.graphql.scalars import Money
from server.services import policies, tenant_settings
from server.services.access import authorize

SetTenantPolicyResult = Annotated[Tenant | ErrorType, strawberry.union("SetTenantPolicyResult")]


async def _tenant(ctx: Context) -> Tenant:
    row = await ctx.get(models.Tenant, ctx.tenant_id)
    assert row is not None
    return Tenant.from_row(row)


@strawberry.type
class PolicyMutation:
    @mutation(
        description="Change your tenant's core parameters; only those given change. "
        "Role FEDERATION_ADMIN.",
        fields=input_paths(),
    )
    async def set_tenant_settings(
        self,
        info: Ctx,
        appeal_days: int | None = None,
        large_loan_threshold: Money | None = None,
        licence_validity_months: int | None = None,
    ) -> SetTenantPolicyResult:
        ctx = info.context
        await tenant_settings.set_tenant_settings(
            ctx.session,
            ctx.principal,
            appeal_days=appeal_days,
            large_loan_threshold=large_loan_threshold,
            licence_validity_months=licence_validity_months,
        )
        return await _tenant(ctx)

    @mutation(
        description=(
            "Choose the plugin (and its parameters) for one policy category of your tenant; "
            "plugin null switches the category off. Role FEDERATION_ADMIN."
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
        )
        return await _tenant(ctx)
