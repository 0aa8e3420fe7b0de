"""The one mechanism every mutation runs in: a savepoint, and its errors as data.

``@mutation(description=...)`` declares a root mutation field as
``@strawberry.mutation`` does, with ``MutationBoundary`` around its resolver: the
resolver runs in a savepoint (``session.begin_nested()``); a ``DomainError`` rolls
the savepoint back — nothing the mutation wrote survives but the changes the error
names as kept (``DomainError.keeping``), made again in a savepoint of their own — and
becomes the matching member of the result union (``server.graphql.errors``); an
``IntegrityError`` becomes ``Conflict``. A resolver's body is its domain logic alone:
call the service, build the success type.

Before anything, the caller's roles must be allowed the field by the permission table
(``server.permissions``); otherwise the result is ``PermissionDeniedError`` and nothing
runs. (Queries and subscriptions are refused as a whole before execution instead:
``server.graphql.permissions``.)

Every call leaves a row in the audit trail (``server.graphql.audit.trail``): the boundary
opens its record first, with the arguments as sent, and once the savepoint is released
or rolled back inserts it, with the outcome, in the request's transaction — ``OK`` or
the typed error's code. An unexpected error leaves the record to the HTTP edge, which
rolls the request back and writes it in a new transaction (``INTERNAL_ERROR``).

A few mutations answer a refusal as their success type, listing many problems at once (an
uploaded sheet's cells, a batch of loan states' rows). Such a type says so with a method
``audit_refusal()`` (:class:`RefusedAsData`) returning the refusal's code, ``None`` when
nothing was refused: the savepoint is then rolled back as for an error, whatever the
service did, and the audit row records that code, not ``OK``.

``fields`` rewrites the domain field names a service reports (``DomainError.field`` and
each ``FieldProblem.field``) into the input paths the client sent. Every mutation of the
schema declares them with ``server.graphql.paths.input_paths`` (``contract_no`` →
``input.contractNo``); a plain mapping rewrites only the names it lists, and without
``fields`` every name reaches the client as the service wrote it.

The savepoint takes no lock: GraphQL resolves a request's mutation fields one after
another, and each resolver before its sub-fields, so nothing else uses the session
while it is open; what the resolver reads through the context, and the audit row's
insert, take the context's lock as always.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

import strawberry
from sqlalchemy.exc import IntegrityError
from strawberry.extensions import FieldExtension
from strawberry.extensions.field_extension import AsyncExtensionResolver
from strawberry.types import Info
from strawberry.types.nodes import SelectedField

from server import errors
from server.graphql.audit.trail import BAD_USER_INPUT, INTERNAL_ERROR, OK
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


@runtime_checkable
class RefusedAsData(Protocol):
    """A success type that may carry a refusal (see the module)."""

    def audit_refusal(self) -> str | None: ...


class _RefusedAsData(Exception):
    """Rolls the savepoint back under a refusal answered as data."""

    def __init__(self, result: Any, code: str) -> None:
        self.result, self.code = result, code


def _refusal(result: Any) -> str | None:
    return result.audit_refusal() if isinstance(result, RefusedAsData) else None


class MutationBoundary(FieldExtension):
    """Runs a mutation's resolver in a savepoint and returns a domain error as data."""

    def __init__(self, fields: FieldNames | None = None) -> None:
        self.path = _field_path(fields)

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Info, **kwargs: Any
    ) -> Any:
        context: Context = info.context
        record = context.audit.open(info.field_name, _arguments(info))
        refused = refused_fields(context.principal, "mutation", [info.field_name])
        if refused:
            denied = errors.PermissionDenied(refusal("mutation", info.field_name))
            await context.call(context.audit.write, record, denied.code)
            return to_error_type(denied, self.path)
        try:
            async with context.session.begin_nested():
                result, outcome = await next_(source, info, **kwargs), OK
                code = _refusal(result)
                if code is not None:
                    raise _RefusedAsData(result, code)
        except _RefusedAsData as as_data:
            result, outcome = as_data.result, as_data.code
        except errors.DomainError as error:
            result, outcome = to_error_type(error, self.path), error.code
            for kept in error.kept:
                async with context.session.begin_nested():
                    await kept(context.session)
        except IntegrityError:
            # A concurrent writer took the same unique key between our check and our insert.
            result = ConflictError(
                code=errors.Conflict.code,
                message="the change conflicts with data written at the same time; retry",
                field=None,
            )
            outcome = errors.Conflict.code
        except errors.BadQueryArgument:
            record.outcome = BAD_USER_INPUT
            raise
        except BaseException:
            record.outcome = INTERNAL_ERROR
            raise
        await context.call(context.audit.write, record, outcome)
        return result


def _arguments(info: Info) -> dict[str, Any]:
    """The field's arguments by their GraphQL names, as the request gave them."""
    for selected in info.selected_fields:
        if isinstance(selected, SelectedField):
            return dict(selected.arguments)
    return {}


def mutation(*, description: str, fields: FieldNames | None = None) -> Any:
    """A root mutation field whose resolver runs inside ``MutationBoundary``."""
    return strawberry.mutation(description=description, extensions=[MutationBoundary(fields)])
