"""The appraisal run's progress, live: ``appraisalRunProgress``.

The run's row is read every ``PROGRESS_POLL_SECONDS`` (whichever process or worker
executes the run, its progress is committed there per chunk) and sent each time its
status or counts changed, first as it is now; after a finished status (DONE, FAILED) the
subscription ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import strawberry

from server.db import models
from server.domain import RunStatus
from server.errors import BadQueryArgument, PermissionDenied
from server.graphql.appraisal.types import AppraisalRun
from server.graphql.events.subscriptions import SubInfo
from server.graphql.ids import lookup_id
from server.permissions import SUBSCRIPTIONS

PROGRESS_POLL_SECONDS = 0.5
FINISHED = (RunStatus.DONE, RunStatus.FAILED)


@strawberry.type
class AppraisalSubscription:
    @strawberry.subscription(
        description=(
            "An appraisal run's progress: the run now, then again whenever its status or "
            "counts change, until it is finished (DONE or FAILED)."
        )
    )
    async def appraisal_run_progress(
        self, info: SubInfo, id: strawberry.ID
    ) -> AsyncGenerator[AppraisalRun, None]:
        ctx = info.context
        principal = ctx.principal
        readers = SUBSCRIPTIONS["appraisalRunProgress"].roles
        if principal is None or principal.roles.isdisjoint(readers):
            raise PermissionDenied(
                "following a run needs one of the roles "
                + ", ".join(sorted(r.value for r in readers))
            )
        key = lookup_id(id)
        if key is None:
            raise BadQueryArgument("id", "id is not an appraisal run id")
        last: tuple[object, ...] | None = None
        while True:
            async with ctx.sessionmaker() as session:
                row = await session.get(models.AppraisalRun, (principal.tenant_id, key))
            if row is None:
                raise BadQueryArgument("id", "no such appraisal run in your tenant")
            seen = (row.status, row.managers_total, row.managers_done, row.managers_skipped)
            if seen != last:
                last = seen
                yield AppraisalRun.from_row(row)
            if row.status in FINISHED:
                return
            await asyncio.sleep(PROGRESS_POLL_SECONDS)
