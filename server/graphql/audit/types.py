"""Types of the audit trail: one mutation as it was called, and how it ended."""

from __future__ import annotations

import datetime as dt

import strawberry

from server.db import models
from server.graphql.enums import Role


@strawberry.type(
    description="One mutation as it was called, allowed or refused, and how it ended. "
    "Entries are only ever added: nothing changes or removes one."
)
class AuditEntry:
    id: strawberry.ID
    at: dt.datetime = strawberry.field(description="When the mutation was called (UTC).")
    request_id: str = strawberry.field(description="The X-Request-ID of the HTTP request.")
    user_id: str = strawberry.field(description="Who called it: the token's subject.")
    roles: list[Role] = strawberry.field(description="The caller's roles, sorted.")
    operation: str = strawberry.field(description="The mutation's field name, e.g. createLoan.")
    target_ids: list[str] = strawberry.field(
        description="The ids its arguments named (every argument or input field named id or "
        "ending in Id or Ids), in the order sent."
    )
    outcome: str = strawberry.field(
        description="OK; the typed error's code (PERMISSION_DENIED, INVALID_INPUT, NOT_FOUND, "
        "REFUSED, CONFLICT, …); BAD_USER_INPUT (an argument out of range); INTERNAL_ERROR; "
        "or ROLLED_BACK: the mutation succeeded but the request failed later, so its change "
        "was undone."
    )
    input: str = strawberry.field(
        description="The arguments as JSON text, identity numbers masked (110***********1234); "
        "cut at 8 KB (see inputTruncated)."
    )
    input_truncated: bool = strawberry.field(description="Whether input was cut.")

    @classmethod
    def from_row(cls, r: models.AuditEntry) -> AuditEntry:
        return cls(
            id=strawberry.ID(str(r.id)),
            at=r.at,
            request_id=r.request_id,
            user_id=r.user_id,
            roles=[Role(v) for v in r.roles if v in Role._value2member_map_],
            operation=r.operation,
            target_ids=[str(t) for t in r.target_ids],
            outcome=r.outcome,
            input=r.input,
            input_truncated=r.input_bytes > len(r.input.encode()),
        )
