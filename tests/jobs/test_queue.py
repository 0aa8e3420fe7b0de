"""The PostgreSQL job queue: concurrent starts of a run, and a worker killed mid-run."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select, text

from server.clock import business_today
from server.db import models
from server.domain import ImportStatus, Role, RunStatus
from server.jobs.appraisal_run import start_run, writing
from server.jobs.queue import IMPORT_TASK, RUN_TASK, QueueJobs
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from tests.jobs.conftest import Scratch, drafts_per_manager, record_all_figures, serving

pytestmark = pytest.mark.postgresql

RUNS = """mutation($p: Period!) { runAppraisals(period: $p) { __typename
  ... on AppraisalRun { id status }
  ... on RunInProgress { code runId } } }"""
PAIRS = 50
PERIODS = [str(year) for year in range(2040, 2040 + PAIRS)]


async def test_fifty_concurrent_pairs_start_one_run_each(scratch: Scratch) -> None:
    """Two runAppraisals of one period at the same time, for 50 periods at once: one run
    each, the other answer RUN_IN_PROGRESS naming it, no error; one job per run on the
    queue."""
    settings = scratch.with_settings(jobs="queue", db_pool_size=20)
    async with serving(settings) as client:
        answers = await asyncio.gather(
            *(client.post(RUNS, {"p": period}) for period in PERIODS for _ in range(2))
        )
    assert [a for a in answers if "errors" in a] == []
    results = [a["data"]["runAppraisals"] for a in answers]
    for index, period in enumerate(PERIODS):
        pair = results[2 * index : 2 * index + 2]
        kinds = sorted(r["__typename"] for r in pair)
        assert kinds == ["AppraisalRun", "RunInProgress"], (period, pair)
        run = next(r for r in pair if r["__typename"] == "AppraisalRun")
        refused = next(r for r in pair if r["__typename"] == "RunInProgress")
        assert (refused["code"], refused["runId"]) == ("RUN_IN_PROGRESS", run["id"])
        assert run["status"] == "QUEUED"
    started = {r["id"] for r in results if r["__typename"] == "AppraisalRun"}
    r = models.AppraisalRun
    async with scratch.sessionmaker() as session:
        stored = set(
            map(
                str,
                (await session.execute(select(r.id).where(r.period.in_(PERIODS)))).scalars(),
            )
        )
        jobs = (
            await session.execute(
                text(
                    "SELECT args->>'run_id' FROM procrastinate.procrastinate_jobs "
                    "WHERE task_name = :task AND status = 'todo'"
                ),
                {"task": RUN_TASK},
            )
        ).scalars()
        queued = set(jobs)
    assert stored == started and len(started) == PAIRS
    assert started <= queued
    # Leave the scratch database to the next test without these runs.
    async with writing(scratch.sessionmaker) as session:
        await session.execute(r.__table__.delete().where(r.period.in_(PERIODS)))
        # The queue's triggers name its tables as its own connections see them.
        await session.execute(text("SET LOCAL search_path TO procrastinate, public"))
        await session.execute(text("DELETE FROM procrastinate_jobs"))


def _worker(env: dict[str, str], **settings: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "server.cli", "worker"],
        env={**env, **settings},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _run_row(scratch: Scratch, run_id: uuid.UUID) -> models.AppraisalRun:
    async with scratch.sessionmaker() as session:
        row = await session.get(models.AppraisalRun, ("sd-demo", run_id))
        assert row is not None
        return row


async def test_a_worker_killed_mid_run_is_resumed_by_the_next(scratch: Scratch) -> None:
    """kill -9 of the worker while the run is half done; a new worker takes the run up once
    its lease ran out, skips the managers drafted, and ends with one draft per manager."""
    managers = await record_all_figures(scratch)
    registry = PolicyRegistry()
    jobs = QueueJobs(scratch.sessionmaker, registry, scratch.settings)
    await jobs.start()
    try:
        async with writing(scratch.sessionmaker) as session:
            run = await start_run(
                session,
                registry,
                Principal("sd-demo", "hr-night", frozenset({Role.HR})),
                period="2026",
            )
        await jobs.run_queued("sd-demo", run.id)
    finally:
        await jobs.close()
    slow = {
        "RURALCREDIT_RUN_LEASE_SECONDS": "2",
        "RURALCREDIT_RUN_CHUNK_SIZE": "2",
        "RURALCREDIT_RUN_CHUNK_PAUSE_MS": "400",
    }
    first = _worker(scratch.env, **slow)
    try:
        deadline = time.monotonic() + 60
        while True:
            row = await _run_row(scratch, run.id)
            if row.status is RunStatus.RUNNING and row.managers_done >= 4:
                break
            assert time.monotonic() < deadline, (row.status, row.managers_done)
            await asyncio.sleep(0.05)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    killed = await _run_row(scratch, run.id)
    assert killed.status is RunStatus.RUNNING
    assert 4 <= killed.managers_done < len(managers)
    drafted_before = await drafts_per_manager(scratch, "2026", run.id)
    await asyncio.sleep(2.5)  # the lease runs out
    second = _worker(scratch.env, RURALCREDIT_RUN_LEASE_SECONDS="2")
    try:
        deadline = time.monotonic() + 60
        while (row := await _run_row(scratch, run.id)).status is not RunStatus.DONE:
            assert row.status is not RunStatus.FAILED, row.problems
            assert time.monotonic() < deadline, (row.status, row.managers_done)
            await asyncio.sleep(0.2)
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(timeout=20)
        except subprocess.TimeoutExpired:
            second.kill()
    assert (row.attempts, row.managers_total, row.managers_done) == (
        2,
        len(managers),
        len(managers),
    )
    drafts = await drafts_per_manager(scratch, "2026", run.id)
    assert drafts == dict.fromkeys(managers, 1)
    # The drafts written before the kill were kept, not written again.
    a = models.Appraisal
    async with scratch.sessionmaker() as session:
        before_kill = await session.scalar(
            select(func.count()).where(
                a.tenant_id == "sd-demo",
                a.run_id == run.id,
                a.manager_id.in_(list(drafted_before)),
                a.computed_at <= killed.lease_until,
            )
        )
    assert before_kill == len(drafted_before) >= 4


async def test_daily_jobs_run_once_with_two_workers_at_once(scratch: Scratch) -> None:
    from server.jobs.daily import DailyJob, run_daily_jobs

    calls: list[str] = []

    async def count(session: Any, tenant_id: str, today: Any) -> int:
        calls.append(tenant_id)
        await asyncio.sleep(0.2)
        return 1

    job = [DailyJob("count_for_test", count)]
    import datetime as dt

    day = dt.date(2031, 5, 6)
    first, second = await asyncio.gather(
        run_daily_jobs(scratch.sessionmaker, day, job),
        run_daily_jobs(scratch.sessionmaker, day, job),
    )
    async with scratch.sessionmaker() as session:
        tenants = await session.scalar(select(func.count()).select_from(models.Tenant))
    assert sorted(calls) == sorted(set(calls)) and len(calls) == tenants
    assert first.get("count_for_test", 0) + second.get("count_for_test", 0) == tenants


async def test_a_queued_loan_state_file_is_applied_by_a_worker(
    scratch: Scratch, tmp_path: Any
) -> None:
    """``import-loan-states --queue`` on PostgreSQL defers a job; a worker takes it and
    applies the file; its progress and outcome are on the import's row."""
    lo = models.Loan
    async with scratch.sessionmaker() as session:
        found = (
            await session.execute(
                select(lo.contract_no, lo.balance, lo.interest_repaid)
                .where(lo.tenant_id == "sd-demo", lo.status == "ACTIVE", lo.balance > 0)
                .order_by(lo.contract_no)
                .limit(3)
            )
        ).all()
    assert len(found) == 3
    path = tmp_path / "queued.csv"
    lines = ["合同编号,贷款余额,已收利息"]
    lines += [f"{c},{b},{i + 7}" for c, b, i in found]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    as_of = (business_today() - dt.timedelta(days=1)).isoformat()
    command = ["import-loan-states", "--tenant", "sd-demo", "--as-of", as_of, "--queue"]
    queued = subprocess.run(
        [sys.executable, "-m", "server.cli", *command, str(path)],
        env=scratch.env,
        capture_output=True,
        text=True,
    )
    assert queued.returncode == 0, queued.stderr
    assert "a worker applies it" in queued.stdout
    import_id = uuid.UUID(queued.stdout.split("queued as import ", 1)[1].split(";", 1)[0])
    async with scratch.sessionmaker() as session:
        jobs = (
            await session.execute(
                text(
                    "SELECT count(*) FROM procrastinate.procrastinate_jobs "
                    "WHERE task_name = :task AND args->>'import_id' = :id"
                ),
                {"task": IMPORT_TASK, "id": str(import_id)},
            )
        ).scalar_one()
    assert jobs == 1
    worker = _worker(scratch.env)
    try:
        deadline = time.monotonic() + 60
        while True:
            async with scratch.sessionmaker() as session:
                row = await session.get(models.LoanStateImport, ("sd-demo", import_id))
                assert row is not None
            if row.status is ImportStatus.APPLIED:
                break
            assert row.status in (ImportStatus.QUEUED, ImportStatus.RUNNING), row.report
            assert time.monotonic() < deadline, row.status
            await asyncio.sleep(0.1)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    assert (row.rows_done, row.rows_total, row.data) == (3, 3, None)
    assert (row.report["changed"], row.report["movements"]) == (3, 3)
    async with scratch.sessionmaker() as session:
        repaid = (
            await session.execute(
                select(lo.interest_repaid)
                .where(lo.tenant_id == "sd-demo", lo.contract_no.in_([c for c, _, _ in found]))
                .order_by(lo.contract_no)
            )
        ).scalars()
        assert list(repaid) == [i + 7 for _, _, i in found]
