"""The root query of work queues."""

from __future__ import annotations

import strawberry

from server.errors import BadQueryArgument
from server.graphql.context import Ctx
from server.graphql.work.types import WorkQueue, WorkQueueKind
from server.services import work_queue
from server.services.work_queue import WorkItemKind


@strawberry.type
class WorkQueueQuery:
    @strawberry.field(
        description="What waits in your scope, per kind: pending admissions, drafts to "
        "confirm, appeals to resolve, violations to confirm, overdue post-loan duties; "
        "each with its count, its oldest item and its items oldest first, as of the "
        "tenant's business date. kinds picks some kinds (a kind you do not see is left "
        "out); actionableOnly keeps the items you may act on."
    )
    async def work_queue(
        self,
        info: Ctx,
        kinds: list[WorkItemKind] | None = None,
        actionable_only: bool = False,
    ) -> WorkQueue:
        if kinds is not None and len(kinds) > len(WorkItemKind):
            raise BadQueryArgument(
                "kinds", f"kinds holds at most {len(WorkItemKind)} values, got {len(kinds)}"
            )
        ctx = info.context
        today = await ctx.today()
        wanted = set(WorkItemKind) if kinds is None else set(kinds)
        return WorkQueue(
            as_of=today,
            kinds=[
                WorkQueueKind(
                    kind=kind,
                    kind_label=kind.label,
                    may_act=work_queue.may_act_on(ctx.principal, kind),
                    _today=today,
                    _actionable_only=actionable_only,
                    _summary={},
                )
                for kind in work_queue.visible_kinds(ctx.principal)
                if kind in wanted
            ],
        )
