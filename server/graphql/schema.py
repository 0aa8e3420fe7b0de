"""The schema: the domains' root types put together.

Each domain contributes its root fields in one or more groups; ``merge_types``
keeps the groups' fields in the order given, and that order is the committed SDL's
(``schema/schema.graphql``, which lists fields as they were added, not by domain).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from server.graphql.appraisal.mutations import (
    AppraisalMutation,
    OfficeFiguresMutation,
    RecordsMutation,
)
from server.graphql.appraisal.queries import AppraisalQuery, RotationQuery
from server.graphql.appraisal.subscriptions import AppraisalSubscription
from server.graphql.appraisal.violations import ViolationMutation, ViolationQuery
from server.graphql.audit.queries import AuditQuery
from server.graphql.events.mutations import WebhookMutation
from server.graphql.events.queries import EventQuery, WebhookQuery
from server.graphql.events.subscriptions import Subscription
from server.graphql.inputs import TextCheck
from server.graphql.lending.mutations import CreditControlMutation, LendingMutation
from server.graphql.lending.queries import LendingQuery
from server.graphql.limits import QueryLimits
from server.graphql.org.mutations import OrgMutation
from server.graphql.org.queries import OrgQuery, TenantQuery
from server.graphql.org.tier_proposals import TierProposalMutation, TierProposalQuery
from server.graphql.paths import camel_case
from server.graphql.permissions import PermissionCheck
from server.graphql.policy.mutations import PolicyMutation
from server.graphql.policy.queries import PolicyQuery
from server.graphql.province.queries import ProvinceQuery
from server.graphql.relay import NodeQuery
from server.graphql.reports.queries import ReportQuery
from server.graphql.scalars import SCALAR_MAP
from server.graphql.work.queries import WorkQueueQuery
from server.permissions import roles_sentence

QUERIES = (
    TenantQuery,
    RotationQuery,
    EventQuery,
    PolicyQuery,
    OrgQuery,
    LendingQuery,
    AppraisalQuery,
    WebhookQuery,
    ProvinceQuery,
    AuditQuery,
    TierProposalQuery,
    ViolationQuery,
    NodeQuery,
    WorkQueueQuery,
    ReportQuery,
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
    TierProposalMutation,
    ViolationMutation,
)


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Errors are logged by the HTTP layer, with the request id; nothing to do here."""


def _with_roles(root: type, kind: str) -> type:
    """Each root field's description ends with the roles the permission table allows it,
    so the SDL and GraphiQL say who may call what (the table is the one source)."""
    for f in root.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        sentence = roles_sentence(kind, f.graphql_name or camel_case(f.python_name))
        base = (f.description or "").removesuffix(sentence).rstrip()
        f.description = f"{base} {sentence}".strip()
    return root


def build_schema(
    limits: QueryLimits | None = None, tracing: Sequence[Callable[[], SchemaExtension]] = ()
) -> Schema:
    """The schema; ``tracing`` are the extensions that trace operations (none unless
    ``RURALCREDIT_OTEL_ENABLED``), run first so that their span covers the checks."""
    return Schema(
        query=_with_roles(merge_types("Query", QUERIES), "query"),
        mutation=_with_roles(merge_types("Mutation", MUTATIONS), "mutation"),
        subscription=_with_roles(
            merge_types("Subscription", (Subscription, AppraisalSubscription)), "subscription"
        ),
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        extensions=[
            *tracing,
            *(limits or QueryLimits()).extensions(),
            PermissionCheck,
            TextCheck,
        ],
    )
