"""Root queries of the province: the tenants a federation administrator oversees."""

from __future__ import annotations

import strawberry

from server.db.queries.province import province_tenants
from server.graphql.context import Ctx
from server.graphql.province.types import ProvinceTenant


@strawberry.type
class ProvinceQuery:
    @strawberry.field(
        description="The tenants of your province (the token's province), by id: their policy, "
        "settings and counts of their business, no person's data."
    )
    async def province_tenants(self, info: Ctx) -> list[ProvinceTenant]:
        ctx = info.context
        rows = await ctx.call(province_tenants, ctx.principal.province)
        return [ProvinceTenant.from_row(r) for r in rows]
