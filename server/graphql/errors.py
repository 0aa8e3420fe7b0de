"""Errors at the GraphQL boundary: the schema's error types, the one table that turns a
domain error into one of them, and what the client sees of every other error.

Every mutation returns a union of its success type and ``ErrorType``
(``server.graphql.mutation`` produces the member). The schema names are the
domain's (``InvalidInput``, ``NotFound``…); the Python names end in ``Error`` so that
they never shadow the domain errors of ``server.errors``. A ``FieldPath`` rewrites the
field a domain error names into the input path the client sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import strawberry
from graphql import GraphQLError

from server import errors
from server.log_redaction import app_logger

log = app_logger("ruralcredit.graphql")

FieldPath = Callable[[str], str]
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"


def same_path(field: str) -> str:
    """The field as the service named it (``server.graphql.paths`` spells it as the input)."""
    return field


@strawberry.interface(description="An expected failure: nothing was written.")
class UserError:
    code: str = strawberry.field(description="A stable machine-readable code.")
    message: str
    field: str | None = strawberry.field(
        description="The input field (dotted path) the failure is about, if one."
    )


@strawberry.type(description="One broken rule of one input field.")
class FieldError:
    field: str
    code: str = strawberry.field(description="The rule, e.g. RESIDENT_ID_GB11643.")
    message: str


@strawberry.type(name="InvalidInput", description="One or more input fields break a rule.")
class InvalidInputError(UserError):
    errors: list[FieldError]


@strawberry.type(name="NotFound", description="No such id in your tenant.")
class NotFoundError(UserError):
    entity: str


@strawberry.type(name="Conflict", description="The change would break a uniqueness or state rule.")
class ConflictError(UserError):
    pass


@strawberry.type(name="PermissionDenied", description="Your roles do not allow this.")
class PermissionDeniedError(UserError):
    pass


@strawberry.type(description="One failed rule of a check, with the article it applies.")
class RuleRefusal:
    rule: str
    article: str
    message: str


@strawberry.type(
    name="Refused",
    description="A check failed (e.g. of a new loan); every failed rule is listed.",
)
class RefusedError(UserError):
    refusals: list[RuleRefusal]


@strawberry.type(
    name="PolicyUnavailable",
    description="The tenant's selected policy plugin cannot be used now.",
)
class PolicyUnavailableError(UserError):
    pass


@strawberry.type(name="MissingInput", description="An appraisal input the core could not find.")
class MissingInputItem:
    key: str
    source: str
    reason: str


@strawberry.type(
    name="MissingInputs",
    description="Required appraisal inputs are missing; nothing was computed.",
)
class MissingInputsError(UserError):
    missing: list[MissingInputItem]


@strawberry.type(
    name="RunInProgress",
    description="A run of the same tenant and period is queued or running: one at a time.",
)
class RunInProgressError(UserError):
    run_id: strawberry.ID = strawberry.field(description="The unfinished run (appraisalRun).")


ErrorType = (
    InvalidInputError
    | NotFoundError
    | ConflictError
    | PermissionDeniedError
    | RefusedError
    | PolicyUnavailableError
    | MissingInputsError
)


def _field(error: errors.DomainError, path: FieldPath) -> str | None:
    return None if error.field is None else path(error.field)


def _invalid_input(error: errors.InvalidInput, path: FieldPath) -> InvalidInputError:
    return InvalidInputError(
        code=error.code,
        message=error.message,
        field=_field(error, path),
        errors=[
            FieldError(field=path(p.field), code=p.code, message=p.message) for p in error.problems
        ],
    )


def _not_found(error: errors.NotFound, path: FieldPath) -> NotFoundError:
    return NotFoundError(
        code=error.code, message=error.message, field=_field(error, path), entity=error.entity
    )


def _conflict(error: errors.Conflict, path: FieldPath) -> ConflictError:
    return ConflictError(code=error.code, message=error.message, field=_field(error, path))


def _permission_denied(error: errors.PermissionDenied, path: FieldPath) -> PermissionDeniedError:
    return PermissionDeniedError(code=error.code, message=error.message, field=_field(error, path))


def _refused(error: errors.Refused, path: FieldPath) -> RefusedError:
    return RefusedError(
        code=error.code,
        message=error.message,
        field=_field(error, path),
        refusals=[
            RuleRefusal(rule=r.rule, article=r.article, message=r.message) for r in error.refusals
        ],
    )


def _policy_unavailable(error: errors.PolicyUnavailable, path: FieldPath) -> PolicyUnavailableError:
    return PolicyUnavailableError(code=error.code, message=error.message, field=_field(error, path))


def _missing_inputs(error: errors.MissingInputs, path: FieldPath) -> MissingInputsError:
    return MissingInputsError(
        code=error.code,
        message=error.message,
        field=_field(error, path),
        missing=[
            MissingInputItem(key=m.key, source=m.source, reason=m.reason) for m in error.missing
        ],
    )


def _run_in_progress(error: errors.RunInProgress, path: FieldPath) -> RunInProgressError:
    return RunInProgressError(
        code=error.code,
        message=error.message,
        field=_field(error, path),
        run_id=strawberry.ID(str(error.run_id)),
    )


TRANSLATIONS: Mapping[type[errors.DomainError], Callable[[Any, FieldPath], Any]] = {
    errors.InvalidInput: _invalid_input,
    errors.NotFound: _not_found,
    errors.Conflict: _conflict,
    errors.PermissionDenied: _permission_denied,
    errors.Refused: _refused,
    errors.PolicyUnavailable: _policy_unavailable,
    errors.MissingInputs: _missing_inputs,
    errors.RunInProgress: _run_in_progress,
}
"""Each domain error class and the builder of its schema type; a subclass without an
entry of its own is translated as its nearest listed base class. A type outside
``ErrorType`` (``RunInProgress``) is a member only of the results of the mutations that
raise it."""


def to_error_type(error: errors.DomainError, path: FieldPath = same_path) -> ErrorType:
    for kind in type(error).__mro__:
        build = TRANSLATIONS.get(kind)
        if build is not None:
            built: ErrorType = build(error, path)
            return built
    raise TypeError(f"no schema type for {type(error).__name__}")


def present_error(error: GraphQLError, request_id: str) -> dict[str, Any]:
    """What the client sees of one error: syntax, validation and argument errors as they
    are; anything unexpected masked, with the request id to find it in the log."""
    original = error.original_error
    if isinstance(original, errors.BadQueryArgument):
        out = dict(error.formatted)
        out["extensions"] = {"code": "BAD_USER_INPUT", "field": original.field}
        return out
    if isinstance(original, errors.DomainError):
        out = dict(error.formatted)
        out["extensions"] = {"code": original.code, "field": original.field}
        return out
    if original is None or not error.path:
        # A limit that refused the document names its own code (QUERY_TOO_COSTLY).
        out = dict(error.formatted)
        extensions = dict(error.extensions or {})
        out["extensions"] = {**extensions, "code": extensions.get("code", VALIDATION_FAILED)}
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
        and not isinstance(original, errors.BadQueryArgument | errors.DomainError)
    )
