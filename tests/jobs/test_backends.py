"""Jobs in the server process (the embedded SQLite start, or RURALCREDIT_JOBS=inline): a
run through the API of a real app, its progress followed live; the sweep at start."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from typing import Any

from sqlalchemy import update

from server.db import models
from server.domain import Role, RunStatus
from server.graphql.events.subscriptions import SubscriptionContext
from server.graphql.schema import build_schema
from server.jobs.appraisal_run import RunOptions, execute_run, start_run, writing
from server.outbox.hub import EventHub
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from tests.jobs.conftest import Scratch, drafts_per_manager, record_all_figures, serving

RUNS = """mutation($p: Period!) { runAppraisals(period: $p) { __typename
  ... on AppraisalRun { id status managersDone }
  ... on RunInProgress { code runId field message } } }"""
RUN = "query($id: ID!) { appraisalRun(id: $id) { status managersTotal managersDone managersSkipped attempts } }"
OTHER_WRITE = """mutation($m: ID!) { recordIndicators(managerId: $m, period: "2027",
  values: [{indicator: "interest_recovered", value: "1"}]) { __typename } }"""


async def _until_finished(client: Any, run_id: str, seconds: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        run: dict[str, Any] = (await client.data(RUN, {"id": run_id}))["appraisalRun"]
        if run["status"] in ("DONE", "FAILED"):
            return run
        assert time.monotonic() < deadline, run
        await asyncio.sleep(0.1)


async def test_a_run_through_the_api_executes_in_the_server(scratch: Scratch) -> None:
    """On SQLite the run's short transactions share the one write lock with requests: the
    run completes, a second start is refused with the run's id, and other mutations go
    through meanwhile (no "database is locked")."""
    managers = await record_all_figures(scratch)
    settings = scratch.with_settings(jobs="inline", run_chunk_size=3, run_chunk_pause_ms=100)
    async with serving(settings) as client:
        started = (await client.data(RUNS, {"p": "2026"}))["runAppraisals"]
        assert (started["__typename"], started["status"], started["managersDone"]) == (
            "AppraisalRun",
            "QUEUED",
            0,
        )
        second = (await client.data(RUNS, {"p": "2026"}))["runAppraisals"]
        assert second["__typename"] == "RunInProgress", second
        assert (second["code"], second["runId"], second["field"]) == (
            "RUN_IN_PROGRESS",
            started["id"],
            "period",
        )
        written = 0
        deadline = time.monotonic() + 60
        while (await client.data(RUN, {"id": started["id"]}))["appraisalRun"]["status"] in (
            "QUEUED",
            "RUNNING",
        ):
            assert time.monotonic() < deadline, "the run did not finish"
            other = await client.post(
                OTHER_WRITE,
                {"m": str(managers[written % len(managers)])},
                roles=(Role.HR, Role.BRANCH_HEAD),
            )
            assert other.get("data") == {"recordIndicators": {"__typename": "FiguresRecorded"}}, (
                other
            )
            written += 1
        assert written >= 2
        ended = await _until_finished(client, started["id"])
        again = (await client.data(RUNS, {"p": "2026"}))["runAppraisals"]
        assert again["__typename"] == "AppraisalRun"
        await _until_finished(client, again["id"])
    assert ended["status"] == "DONE", ended
    assert ended["managersTotal"] == len(managers)
    assert ended["managersDone"] == len(managers) > 10
    assert ended["attempts"] == 1
    drafts = await drafts_per_manager(scratch, "2026", uuid.UUID(again["id"]))
    assert drafts == dict.fromkeys(managers, 1)


async def test_progress_is_followed_by_subscription(scratch: Scratch) -> None:
    await record_all_figures(scratch)
    registry = PolicyRegistry()
    hr = Principal("sd-demo", "hr-live", frozenset({Role.HR}))
    async with writing(scratch.sessionmaker) as session:
        run = await start_run(session, registry, hr, period="2026")
    context = SubscriptionContext(scratch.settings, scratch.sessionmaker, EventHub())
    context.principal = Principal("sd-demo", "auditor", frozenset({Role.AUDITOR}))
    stream: Any = await build_schema().subscribe(
        f'subscription {{ appraisalRunProgress(id: "{run.id}") '
        "{ id status managersTotal managersDone } }",
        context_value=context,
    )
    seen: list[dict[str, Any]] = []

    async def follow() -> None:
        async for result in stream:
            assert not result.errors, result.errors
            seen.append(result.data["appraisalRunProgress"])

    following = asyncio.create_task(follow())
    await asyncio.sleep(0.3)
    options = RunOptions(chunk_size=4, chunk_pause_seconds=0.7)
    status = await execute_run(scratch.sessionmaker, registry, "sd-demo", run.id, options=options)
    await asyncio.wait_for(following, 5)
    assert status is RunStatus.DONE
    assert seen[0] == {"id": str(run.id), "status": "QUEUED", "managersTotal": 0, "managersDone": 0}
    assert seen[-1]["status"] == "DONE"
    assert seen[-1]["managersDone"] == seen[-1]["managersTotal"] > 10, seen[-1]
    done = [s["managersDone"] for s in seen]
    assert done == sorted(done)
    assert any(
        s["status"] == "RUNNING" and 0 < s["managersDone"] < s["managersTotal"] for s in seen
    )


async def test_the_runner_resumes_an_interrupted_run_at_start(scratch: Scratch) -> None:
    """A run left RUNNING by a process that died (its lease ran out) is taken up by the
    in-process runner's first sweep, and completes."""
    registry = PolicyRegistry()
    hr = Principal("sd-demo", "hr-live", frozenset({Role.HR}))
    async with writing(scratch.sessionmaker) as session:
        run = await start_run(session, registry, hr, period="2024")
        await session.flush()
        await session.execute(
            update(models.AppraisalRun)
            .where(models.AppraisalRun.id == run.id)
            .values(
                status=RunStatus.RUNNING,
                lease_owner="dead",
                lease_until=models.now() - dt.timedelta(seconds=1),
                attempts=1,
            )
        )
    async with serving(scratch.with_settings(jobs="inline")) as client:
        ended = await _until_finished(client, str(run.id))
    assert (ended["status"], ended["attempts"]) == ("DONE", 2)
