"""Root queries of policy: the installed plugins, and what the tenant's appraisal reads."""

from __future__ import annotations

import strawberry

from server.domain import PolicyCategory
from server.graphql.context import Ctx
from server.graphql.policy.types import AppraisalInputs, PolicyPlugin, installed_plugins
from server.graphql.scalars import Period
from server.services.policies import selection
from server.services.records import appraisal_reads


@strawberry.type
class PolicyQuery:
    @strawberry.field(description="The installed policy plugins, their parameters and tiers.")
    def policies(self, info: Ctx) -> list[PolicyPlugin]:
        return installed_plugins(info.context.registry)

    @strawberry.field(
        description="Every input the tenant's appraisal of the period reads — key, unit, "
        "source, Chinese label, whether the core computes it, the mutation that records it — "
        "and the inspection finding codes it scores; null when the tenant grades nobody."
    )
    async def appraisal_inputs(self, info: Ctx, period: Period) -> AppraisalInputs | None:
        ctx = info.context
        if await ctx.call(selection, ctx.registry, ctx.tenant_id, PolicyCategory.GRADING) is None:
            return None
        reads = await ctx.call(appraisal_reads, ctx.registry, ctx.tenant_id, period)
        return AppraisalInputs.from_reads(reads)
