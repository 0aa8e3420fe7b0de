"""Manual tier changes over GraphQL: a proposal one HR person makes, a second confirms or
rejects (``server.services.tier_proposals``), and the list of proposals."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated

import strawberry

from server.db import models
from server.graphql.context import Ctx
from server.graphql.enum_descriptions import describe_as
from server.graphql.enums import TierProposalStatus
from server.graphql.errors import ErrorType
from server.graphql.ids import filter_id, optional_id
from server.graphql.mutation import mutation
from server.graphql.nodes import Manager
from server.graphql.ordering import (
    SortDirection,
    SortKey,
    created_key,
    list_args,
    order_of,
    ordered_page,
)
from server.graphql.org.types import Tier, TierChange
from server.graphql.pagination import Connection
from server.graphql.paths import input_paths
from server.services import tier_proposals


@strawberry.type(
    description="A manual tier change: proposed by one HR person with the reason, applied "
    "when a second HR person confirms it."
)
class TierProposal:
    id: strawberry.ID
    status: TierProposalStatus
    to_tier: Tier
    from_tier_code: str | None = strawberry.field(
        description="The tier held when proposed; a confirmation applies only from it."
    )
    reason: str
    plugin: str
    plugin_version: str
    proposed_by: str
    proposed_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str | None
    tier_change_id: strawberry.ID | None = strawberry.field(
        description="The tier history entry a confirmation wrote."
    )
    _row: strawberry.Private[models.TierProposal]

    @classmethod
    def from_row(cls, r: models.TierProposal) -> TierProposal:
        return cls(
            id=strawberry.ID(str(r.id)),
            status=r.status,
            to_tier=Tier(code=r.to_code, name=r.to_name, rank=r.to_rank),
            from_tier_code=r.from_code,
            reason=r.reason,
            plugin=r.plugin,
            plugin_version=r.plugin_version,
            proposed_by=r.proposed_by,
            proposed_at=r.proposed_at,
            decided_by=r.decided_by,
            decided_at=r.decided_at,
            decision_reason=r.decision_reason,
            tier_change_id=optional_id(r.tier_change_id),
            _row=r,
        )

    @strawberry.field
    def status_label(self) -> str:
        return self._row.status.label

    @strawberry.field
    async def manager(self, info: Ctx) -> Manager:
        row = await info.context.loaders.org.manager.load_referenced(self._row.manager_id)
        return Manager.from_row(row)

    @strawberry.field(description="The tier history entry, once confirmed.")
    async def tier_change(self, info: Ctx) -> TierChange | None:
        if self._row.tier_change_id is None:
            return None
        row = await info.context.get(
            models.ManagerTierChange, (self._row.tenant_id, self._row.tier_change_id)
        )
        return TierChange.from_row(row) if row else None


@strawberry.enum(description="What the list of tier proposals can be ordered by.")
class TierProposalSortField(Enum):
    CREATED = "CREATED"
    PROPOSED_AT = "PROPOSED_AT"
    DECIDED_AT = "DECIDED_AT"
    STATUS = "STATUS"


describe_as(
    TierProposalSortField,
    {
        "CREATED": "提议先后",
        "PROPOSED_AT": "提议时间",
        "DECIDED_AT": "决定时间 (未决定的排在最后)",
        "STATUS": "状态 (按状态代码)",
    },
)


@strawberry.input(
    description="The order of the tier proposals; ties go by record age. A proposal not yet "
    "decided comes last by DECIDED_AT in either direction; STATUS orders by the status code "
    "(CONFIRMED, PENDING, REJECTED)."
)
class TierProposalOrder:
    field: TierProposalSortField
    direction: SortDirection = SortDirection.ASC


TIER_PROPOSAL_SORT: dict[str, SortKey] = {
    "CREATED": created_key(),
    "PROPOSED_AT": SortKey(models.TierProposal.proposed_at, "datetime"),
    "DECIDED_AT": SortKey(models.TierProposal.decided_at, "datetime", nullable=True),
    "STATUS": SortKey(models.TierProposal.status, "enum"),
}


TierProposalResult = Annotated[TierProposal | ErrorType, strawberry.union("TierProposalResult")]
BY_ID = input_paths(overrides={"proposal_id": "id"})


@strawberry.type
class TierProposalQuery:
    @strawberry.field(
        description="Manual tier change proposals, oldest first unless orderBy says otherwise."
    )
    async def tier_proposals(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        status: TierProposalStatus | None = None,
        manager_id: strawberry.ID | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: TierProposalOrder | None = None,
    ) -> Connection[TierProposal]:
        ctx = info.context
        order = order_of(order_by)
        args = list_args(ctx.settings, TIER_PROPOSAL_SORT, order, first, after, last, before)
        p = models.TierProposal
        conditions = []
        if status is not None:
            conditions.append(p.status == status)
        if manager_id is not None:
            conditions.append(p.manager_id == filter_id(manager_id, "managerId"))
        return await ordered_page(ctx, p, conditions, args, TierProposal.from_row)


@strawberry.type
class TierProposalMutation:
    @mutation(
        description=(
            "Propose a manager's tier by hand, with the reason; it changes only when a second "
            "HR person confirms it (cause MANUAL). Refused past the grading policy's "
            "eligibility or ceiling."
        ),
        fields=input_paths(),
    )
    async def propose_tier_change(
        self, info: Ctx, manager_id: strawberry.ID, tier_code: str, reason: str
    ) -> TierProposalResult:
        ctx = info.context
        row = await tier_proposals.propose_tier_change(
            ctx.session,
            ctx.registry,
            ctx.principal,
            manager_id=str(manager_id),
            tier_code=tier_code,
            reason=reason,
        )
        return TierProposal.from_row(row)

    @mutation(
        description=(
            "Confirm a pending tier proposal (not its proposer); the tier changes now, with "
            "its grade-change event."
        ),
        fields=BY_ID,
    )
    async def confirm_tier_change(self, info: Ctx, id: strawberry.ID) -> TierProposalResult:
        ctx = info.context
        row = await tier_proposals.confirm_tier_change(
            ctx.session, ctx.registry, ctx.principal, proposal_id=str(id)
        )
        return TierProposal.from_row(row)

    @mutation(
        description="Reject a pending tier proposal (not its proposer), with the reason.",
        fields=BY_ID,
    )
    async def reject_tier_change(
        self, info: Ctx, id: strawberry.ID, reason: str
    ) -> TierProposalResult:
        ctx = info.context
        row = await tier_proposals.reject_tier_change(
            ctx.session, ctx.principal, proposal_id=str(id), reason=reason
        )
        return TierProposal.from_row(row)
