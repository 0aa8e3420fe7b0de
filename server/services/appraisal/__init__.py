"""Appraisals: gather the inputs, call the tenant's grading plugin, keep everything.

One manager (``run_appraisal``, in ``drafts``) or the whole tenant (the job
``server.jobs.appraisal_run``) for one period. Inputs come from SQL aggregation
(``server.services.indicators``) and from recorded plans, actuals, findings and
profiles (``inputs``, ``sheets``); tenant-wide figures (averages) are computed
once per run by the plugin. Each appraisal is stored with its inputs,
parameters, plugin name and version, items, total, tier and explanation
(``stored``): the same inputs and version give the same result.

Life cycle (``lifecycle``): DRAFT → CONFIRMED (by HR, not the person who ran it;
the tier moves here) → APPEALED (by the manager, within ``appeal_days``) →
CONFIRMED again by HR with the review's reason.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.domain import Role
from server.jobs import appraisal_run
from server.policy.registry import PolicyRegistry
from server.services.appraisal.drafts import run_appraisal
from server.services.appraisal.lifecycle import appeal_appraisal, confirm_appraisal, resolve_appeal

__all__ = [
    "appeal_appraisal",
    "confirm_appraisal",
    "resolve_appeal",
    "run_appraisal",
    "run_appraisals",
]


async def run_appraisals(
    sessionmaker: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
    tenant_id: str,
    user_id: str,
    roles: frozenset[Role],
    *,
    period: str,
    today: dt.date | None = None,
    timings: appraisal_run.RunTimings | None = None,
) -> uuid.UUID:
    """The job ``server.jobs.appraisal_run.run_appraisals``.

    Kept here only for ``server.graphql`` until it imports the job from ``server.jobs``;
    the job's module is imported whole (not the function) because it imports this package.
    """
    return await appraisal_run.run_appraisals(
        sessionmaker,
        registry,
        tenant_id,
        user_id,
        roles,
        period=period,
        today=today,
        timings=timings,
    )
