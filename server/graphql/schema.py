"""The schema: the domains' root types put together.

Each domain contributes its root fields in one or more groups; ``merge_types``
keeps the groups' fields in the order given, and that order is the committed SDL's
(``schema/schema.graphql``, which lists fields as they were added, not by domain).
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from server.graphql.appraisal.mutations import (
    AppraisalMutation,
    OfficeFiguresMutation,
    RecordsMutation,
)
from server.graphql.appraisal.queries import AppraisalQuery, RotationQuery
from server.graphql.events.mutations import WebhookMutation
from server.graphql.events.queries import EventQuery, WebhookQuery
from server.graphql.events.subscriptions import Subscription
from server.graphql.lending.mutations import CreditControlMutation, LendingMutation
from server.graphql.lending.queries import LendingQuery
from server.graphql.limits import QueryLimits
from server.graphql.org.mutations import OrgMutation
from server.graphql.org.queries import OrgQuery, TenantQuery
from server.graphql.policy.mutations import PolicyMutation
from server.graphql.policy.queries import PolicyQuery
from server.graphql.scalars import SCALAR_MAP

QUERIES = (
    TenantQuery,
    RotationQuery,
    EventQuery,
    PolicyQuery,
    OrgQuery,
    LendingQuery,
    AppraisalQuery,
    WebhookQuery,
)
MUTATIONS = (
    OfficeFiguresMutation,
    CreditControlMutation,
    AppraisalMutation,
    PolicyMutation,
    OrgMutation,
    LendingMutation,
    RecordsMutation,
    WebhookMutation,
)


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Errors are logged by the HTTP layer, with the request id; nothing to do here."""


def build_schema(limits: QueryLimits | None = None) -> Schema:
    return Schema(
        query=merge_types("Query", QUERIES),
        mutation=merge_types("Mutation", MUTATIONS),
        subscription=Subscription,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        extensions=(limits or QueryLimits()).extensions(),
    )
