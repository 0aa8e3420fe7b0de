"""Root queries of policy: the installed plugins."""

from __future__ import annotations

import strawberry

from server.graphql.context import Ctx
from server.graphql.policy.types import PolicyPlugin, installed_plugins


@strawberry.type
class PolicyQuery:
    @strawberry.field(description="The installed policy plugins, their parameters and tiers.")
    def policies(self, info: Ctx) -> list[PolicyPlugin]:
        return installed_plugins(info.context.registry)
