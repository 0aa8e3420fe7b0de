"""The admission request type: a customer's request for first-credit admission, its
decision, and the queue of those still pending (``pendingAdmissions``)."""

from __future__ import annotations

import datetime as dt

import strawberry

from server.db import models
from server.graphql.context import Ctx
from server.graphql.nodes import Customer


@strawberry.type(description="A request for first-credit admission and its decision.")
class AdmissionRequest:
    id: strawberry.ID
    status: str = strawberry.field(description="PENDING, APPROVED or REJECTED.")
    reason: str | None
    requested_by: str = strawberry.field(description="Who asked (the user id).")
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str | None
    _row: strawberry.Private[models.AdmissionRequest]

    @classmethod
    def from_row(cls, r: models.AdmissionRequest) -> AdmissionRequest:
        return cls(
            id=strawberry.ID(str(r.id)),
            status=r.status.value,
            reason=r.reason,
            requested_by=r.requested_by,
            requested_at=r.requested_at,
            decided_by=r.decided_by,
            decided_at=r.decided_at,
            decision_reason=r.decision_reason,
            _row=r,
        )

    @strawberry.field(description="The customer it is for.")
    async def customer(self, info: Ctx) -> Customer:
        row = await info.context.loaders.lending.customer.load_referenced(self._row.customer_id)
        return Customer.from_row(row)
