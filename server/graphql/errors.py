"""Expected failures as typed schema members, and the one place they are produced.

Every mutation returns a union of its success type and the error types below.
``run_mutation`` runs the service inside a savepoint: on a ``DomainError`` the
savepoint is rolled back — nothing the mutation wrote survives — and the error
becomes the matching type.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry
from sqlalchemy.exc import IntegrityError

from server import errors
from server.graphql.context import Context

T = TypeVar("T")


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


@strawberry.type(description="One or more input fields break a rule.")
class InvalidInput(UserError):
    errors: list[FieldError]


@strawberry.type(description="No such id in your tenant.")
class NotFound(UserError):
    entity: str


@strawberry.type(description="The change would break a uniqueness or state rule.")
class Conflict(UserError):
    pass


@strawberry.type(description="Your roles do not allow this.")
class PermissionDenied(UserError):
    pass


@strawberry.type(description="One failed rule of a check, with the article it applies.")
class RuleRefusal:
    rule: str
    article: str
    message: str


@strawberry.type(description="A check failed (e.g. of a new loan); every failed rule is listed.")
class Refused(UserError):
    refusals: list[RuleRefusal]


@strawberry.type(description="The tenant's selected policy plugin cannot be used now.")
class PolicyUnavailable(UserError):
    pass


@strawberry.type(description="An appraisal input the core could not find.")
class MissingInput:
    key: str
    source: str
    reason: str


@strawberry.type(description="Required appraisal inputs are missing; nothing was computed.")
class MissingInputs(UserError):
    missing: list[MissingInput]


ErrorType = (
    InvalidInput
    | NotFound
    | Conflict
    | PermissionDenied
    | Refused
    | PolicyUnavailable
    | MissingInputs
)


def to_error_type(error: errors.DomainError) -> ErrorType:
    if isinstance(error, errors.InvalidInput):
        return InvalidInput(
            code=error.code,
            message=error.message,
            field=error.field,
            errors=[
                FieldError(field=p.field, code=p.code, message=p.message) for p in error.problems
            ],
        )
    if isinstance(error, errors.NotFound):
        return NotFound(
            code=error.code, message=error.message, field=error.field, entity=error.entity
        )
    if isinstance(error, errors.Conflict):
        return Conflict(code=error.code, message=error.message, field=error.field)
    if isinstance(error, errors.PermissionDenied):
        return PermissionDenied(code=error.code, message=error.message, field=error.field)
    if isinstance(error, errors.Refused):
        return Refused(
            code=error.code,
            message=error.message,
            field=error.field,
            refusals=[
                RuleRefusal(rule=r.rule, article=r.article, message=r.message)
                for r in error.refusals
            ],
        )
    if isinstance(error, errors.MissingInputs):
        return MissingInputs(
            code=error.code,
            message=error.message,
            field=error.field,
            missing=[
                MissingInput(key=m.key, source=m.source, reason=m.reason) for m in error.missing
            ],
        )
    if isinstance(error, errors.PolicyUnavailable):
        return PolicyUnavailable(code=error.code, message=error.message, field=error.field)
    raise TypeError(f"no schema type for {type(error).__name__}")


async def run_mutation(ctx: Context, work: Callable[[], Awaitable[T]]) -> T | ErrorType:
    """Run one mutation's work in a savepoint; a domain error undoes it and becomes data."""
    try:
        async with ctx.session.begin_nested():
            return await work()
    except errors.DomainError as error:
        return to_error_type(error)
    except IntegrityError:
        # A concurrent writer took the same unique key between our check and our insert.
        return Conflict(
            code=errors.Conflict.code,
            message="the change conflicts with data written at the same time; retry",
            field=None,
        )
