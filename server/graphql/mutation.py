"""The one mechanism every mutation runs in: a savepoint, and its errors as data.

``@mutation(description=...)`` declares a root mutation field as
``@strawberry.mutation`` does, with ``MutationBoundary`` around its resolver: the
resolver runs in a savepoint (``session.begin_nested()``); a ``DomainError`` rolls
the savepoint back — nothing the mutation wrote survives — and becomes the matching
member of the result union (``server.graphql.errors``); an ``IntegrityError``
becomes ``Conflict``. A resolver's body is its domain logic alone: call the service,
build the success type.

Before anything, the caller's roles must be allowed the field by the permission table
(``server.permissions``); otherwise the result is ``PermissionDeniedError`` and nothing
runs. (Queries and subscriptions are refused as a whole before execution instead:
``server.graphql.permissions``.)

``fields`` rewrites the domain field names a service reports (``DomainError.field`` and
each ``FieldProblem.field``) into the input paths the client sent. Every mutation of the
schema declares them with ``server.graphql.paths.input_paths`` (``contract_no`` →
``input.contractNo``); a plain mapping rewrites only the names it lists, and without
``fields`` every name reaches the client as the service wrote it.

The boundary takes no lock: GraphQL resolves a request's mutation fields one after
another, and each resolver before its sub-fields, so nothing else uses the session
while the savepoint is open; what the resolver reads through the context takes the
context's lock as always.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strawberry
from sqlalchemy.exc import IntegrityError
from strawberry.extensions import FieldExtension
from strawberry.extensions.field_extension import AsyncExtensionResolver
from strawberry.types import Info

from server import errors
from server.graphql.context import Context
from server.graphql.errors import ConflictError, FieldPath, same_path, to_error_type
from server.graphql.permissions import refused_fields
from server.permissions import refusal

FieldNames = Mapping[str, str] | FieldPath


def _field_path(fields: FieldNames | None) -> FieldPath:
    if fields is None:
        return same_path
    if isinstance(fields, Mapping):
        names = dict(fields)
        return lambda field: names.get(field, field)
    return fields


class MutationBoundary(FieldExtension):
    """Runs a mutation's resolver in a savepoint and returns a domain error as data."""

    def __init__(self, fields: FieldNames | None = None) -> None:
        self.path = _field_path(fields)

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Info, **kwargs: Any
    ) -> Any:
        context: Context = info.context
        refused = refused_fields(context.principal, "mutation", [info.field_name])
        if refused:
            return to_error_type(
                errors.PermissionDenied(refusal("mutation", info.field_name)), self.path
            )
        try:
            async with context.session.begin_nested():
                return await next_(source, info, **kwargs)
        except errors.DomainError as error:
            return to_error_type(error, self.path)
        except IntegrityError:
            # A concurrent writer took the same unique key between our check and our insert.
            return ConflictError(
                code=errors.Conflict.code,
                message="the change conflicts with data written at the same time; retry",
                field=None,
            )


def mutation(*, description: str, fields: FieldNames | None = None) -> Any:
    """A root mutation field whose resolver runs inside ``MutationBoundary``."""
    return strawberry.mutation(description=description, extensions=[MutationBoundary(fields)])
