"""The schema, and execution with tenant-safe error reporting."""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from server.errors import BadQueryArgument, DomainError
from server.graphql.mutations import Mutation
from server.graphql.queries import Query
from server.graphql.scalars import SCALAR_MAP
from server.graphql.subscriptions import Subscription
from server.graphql.webhooks import WebhookMutation, WebhookQuery

log = logging.getLogger("ruralcredit.graphql")


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Errors are logged by the HTTP layer, with the request id; nothing to do here."""


def build_schema() -> Schema:
    return Schema(
        query=merge_types("Query", (Query, WebhookQuery)),
        mutation=merge_types("Mutation", (Mutation, WebhookMutation)),
        subscription=Subscription,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
    )


def present_error(error: GraphQLError, request_id: str) -> dict[str, Any]:
    """What the client sees of one error: syntax, validation and argument errors as they
    are; anything unexpected masked, with the request id to find it in the log."""
    original = error.original_error
    if isinstance(original, BadQueryArgument):
        out = dict(error.formatted)
        out["extensions"] = {"code": "BAD_USER_INPUT", "field": original.field}
        return out
    if isinstance(original, DomainError):
        out = dict(error.formatted)
        out["extensions"] = {"code": original.code, "field": original.field}
        return out
    if original is None or not error.path:
        out = dict(error.formatted)
        out["extensions"] = {**dict(error.extensions or {}), "code": "GRAPHQL_VALIDATION_FAILED"}
        return out
    log.error(
        "unexpected error in %s (request %s)",
        ".".join(str(p) for p in error.path),
        request_id,
        exc_info=original,
    )
    return {
        "message": f"Internal error; quote request id {request_id}",
        "path": error.path,
        "extensions": {"code": "INTERNAL_ERROR", "requestId": request_id},
    }


def is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return (
        original is not None
        and bool(error.path)
        and not isinstance(original, BadQueryArgument | DomainError)
    )
