"""Loan-state imports as jobs (``server.jobs.loan_import``): a kept file applied all or
nothing by the in-process runner, with its progress after each batch; the same file again
changes nothing; a refused row writes nothing; a lease held is not taken, one run out is;
the outcome read through ``loanStateImport``."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.db import models
from server.db.models.lending import LoanMovement
from server.domain import ImportStatus, Role
from server.errors import InvalidInput, PermissionDenied
from server.jobs import loan_import
from server.jobs.backends import InlineJobs
from server.jobs.loan_import import ImportOptions, claim, execute_import, interrupted_imports
from server.policy.registry import PolicyRegistry
from server.services.loan_imports import get_import, queue_import
from tests.builders import bank
from tests.conftest import Api, principal
from tests.services.test_loan_book import TODAY, a_loan

RISK = principal("sd-demo", (Role.RISK,))
AUDITOR = principal("sd-demo", (Role.AUDITOR,))
AS_OF = TODAY - dt.timedelta(days=1)
OPTIONS = ImportOptions(lease_seconds=30, batch=2, max_attempts=3)


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


async def _loans(session: AsyncSession, registry: PolicyRegistry, n: int) -> list[models.Loan]:
    world = bank(session, registry, "sd-demo")
    loans = [await a_loan(world) for _ in range(n)]
    await session.commit()
    return loans


async def _queued(session: AsyncSession, data: bytes, name: str = "states.csv") -> Any:
    row = await queue_import(
        session,
        RISK,
        as_of=AS_OF,
        file_name=name,
        data=data,
        encoding=None,
        max_bytes=1 << 20,
        today=TODAY,
    )
    await session.commit()
    return row


def _states(loans: list[models.Loan], balance: str, interest: str) -> bytes:
    rows = [["合同编号", "贷款余额", "已收利息"]]
    rows += [[loan.contract_no, balance, interest] for loan in loans]
    return csv_bytes(rows)


async def _reload(session: AsyncSession, row: Any) -> models.LoanStateImport:
    found = await get_import(session, RISK, str(row.id))
    return found


async def test_a_queued_file_is_applied_once_with_progress_after_each_batch(
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loans = await _loans(session, registry, 5)
    queued = await _queued(session, _states(loans, "9000.00", "10.00"))
    assert queued.status == ImportStatus.QUEUED
    seen: list[tuple[int, int]] = []
    real = loan_import.apply_file

    async def watched(*args: Any, progress: Any, **kwargs: Any) -> Any:
        async def told(done: int, total: int) -> None:
            await progress(done, total)
            # What a reader of loanStateImport sees now: the row, or this process's figure.
            async with sessionmaker() as reader:
                row = await get_import(reader, AUDITOR, str(queued.id))
                live = loan_import.live_progress(row.tenant_id, row.id)
                seen.append(live if live is not None else (row.rows_done, row.rows_total))

        return await real(*args, progress=told, **kwargs)

    monkeypatch.setattr(loan_import, "apply_file", watched)
    status = await execute_import(sessionmaker, registry, "sd-demo", queued.id, options=OPTIONS)
    assert status == ImportStatus.APPLIED
    assert seen == [(2, 5), (4, 5), (5, 5)], "the rows checked after each batch of 2"
    done = await _reload(session, queued)
    assert done.status == ImportStatus.APPLIED and done.data is None
    assert (done.rows_done, done.rows_total, done.attempts) == (5, 5, 1)
    assert {k: done.report[k] for k in ("rows", "changed", "unchanged", "refused")} == {
        "rows": 5,
        "changed": 5,
        "unchanged": 0,
        "refused": 0,
    }
    assert done.report["movements"] == 10, "principal and interest repaid on each loan"
    for loan in loans:
        await session.refresh(loan)
        assert (loan.balance, loan.interest_repaid) == (Decimal("9000.00"), Decimal("10.00"))
    # Done is done: the import is not taken again.
    assert (
        await execute_import(sessionmaker, registry, "sd-demo", queued.id, options=OPTIONS) is None
    )

    again = await _queued(session, _states(loans, "9000.00", "10.00"))
    assert (
        await execute_import(sessionmaker, registry, "sd-demo", again.id, options=OPTIONS)
        == ImportStatus.APPLIED
    )
    second = await _reload(session, again)
    assert (second.report["changed"], second.report["unchanged"], second.report["movements"]) == (
        0,
        5,
        0,
    )


async def test_a_refused_row_writes_nothing_and_is_reported_by_row_and_column(
    session: AsyncSession, sessionmaker: async_sessionmaker[AsyncSession], registry: PolicyRegistry
) -> None:
    loans = await _loans(session, registry, 3)
    rows = [["合同编号", "贷款余额", "已收利息"]]
    rows += [[loan.contract_no, "9000.00", "10.00"] for loan in loans]
    rows.append(["NO-SUCH-CONTRACT", "1.00", "0.00"])
    rows[2][1] = "20000.00"  # above the principal: the balance cannot rise
    queued = await _queued(session, csv_bytes(rows))
    movements = select(func.count()).select_from(LoanMovement)
    before = await session.scalar(movements)
    status = await execute_import(sessionmaker, registry, "sd-demo", queued.id, options=OPTIONS)
    assert status == ImportStatus.REFUSED
    done = await _reload(session, queued)
    assert done.data is None and done.report["refused"] == 2
    assert [(p["row"], p["column"], p["code"]) for p in done.report["problems"]] == [
        (3, "贷款余额", "BALANCE_INCREASED"),
        (5, "合同编号", "UNKNOWN_CONTRACT"),
    ]
    assert await session.scalar(movements) == before
    for loan in loans:
        await session.refresh(loan)
        assert loan.balance == Decimal("10000.00"), "nothing of the file was written"


async def test_a_file_that_cannot_be_read_is_refused_as_a_whole(
    session: AsyncSession, sessionmaker: async_sessionmaker[AsyncSession], registry: PolicyRegistry
) -> None:
    queued = await _queued(session, b"PK\x03\x04 not really a workbook", "states.xlsx")
    status = await execute_import(sessionmaker, registry, "sd-demo", queued.id, options=OPTIONS)
    assert status == ImportStatus.REFUSED
    done = await _reload(session, queued)
    assert [(p["row"], p["code"]) for p in done.report["problems"]] == [(0, "NOT_XLSX")]


async def test_a_held_lease_is_not_taken_and_one_run_out_is(
    session: AsyncSession, sessionmaker: async_sessionmaker[AsyncSession], registry: PolicyRegistry
) -> None:
    loans = await _loans(session, registry, 2)
    queued = await _queued(session, _states(loans, "9500.00", "0.00"))
    assert (queued.tenant_id, queued.id) in await interrupted_imports(session)
    held = await claim(sessionmaker, "sd-demo", queued.id, "worker-a", OPTIONS)
    assert held is not None and held.status == ImportStatus.RUNNING
    assert (queued.tenant_id, queued.id) not in await interrupted_imports(session)
    assert (
        await execute_import(sessionmaker, registry, "sd-demo", queued.id, options=OPTIONS) is None
    )
    # Worker A died: its lease runs out, and the import is handed over and applied.
    li = models.LoanStateImport
    await session.execute(
        update(li)
        .where(li.tenant_id == "sd-demo", li.id == queued.id)
        .values(lease_until=models.now() - dt.timedelta(seconds=1))
    )
    await session.commit()
    assert (queued.tenant_id, queued.id) in await interrupted_imports(session)
    jobs = InlineJobs(sessionmaker, registry, _settings_like(OPTIONS))
    await jobs.import_queued("sd-demo", queued.id)
    await jobs.drain()
    done = await _reload(session, queued)
    assert (done.status, done.attempts, done.report["changed"]) == (ImportStatus.APPLIED, 2, 2)


async def test_only_risk_queues_and_the_file_is_bounded(session: AsyncSession) -> None:
    with pytest.raises(PermissionDenied):
        await queue_import(
            session,
            AUDITOR,
            as_of=AS_OF,
            file_name="a.csv",
            data=b"x",
            encoding=None,
            max_bytes=10,
            today=TODAY,
        )
    with pytest.raises(InvalidInput) as refused:
        await queue_import(
            session,
            RISK,
            as_of=TODAY + dt.timedelta(days=1),
            file_name="a.csv",
            data=b"x" * 11,
            encoding=None,
            max_bytes=10,
            today=TODAY,
        )
    fields = {(p.field, p.code) for p in refused.value.problems}
    assert fields == {("file", "TOO_LARGE"), ("as_of", "NOT_IN_FUTURE")}
    assert await session.scalar(select(func.count()).select_from(models.LoanStateImport)) == 0


def _settings_like(options: ImportOptions) -> Any:
    class Like:
        run_lease_seconds = options.lease_seconds
        run_chunk_size = 500
        run_chunk_pause_ms = 0
        run_max_attempts = options.max_attempts
        loan_import_max_rows = options.batch
        loan_file_max_bytes = options.max_bytes
        loan_file_max_rows = options.max_rows
        jobs_sweep_seconds = 60.0

    return Like()


IMPORT_QUERY = """query($id: ID!) { loanStateImport(id: $id) {
  id asOf status fileName fileBytes rowsTotal rowsDone startedBy attempts finishedAt
  outcome { rows new changed unchanged refused movements problemsTotal
            problems { row column code message } } } }"""


async def test_the_import_reads_back_over_graphql_in_its_tenant_only(
    api: Api,
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
) -> None:
    loans = await _loans(session, registry, 2)
    data = _states(loans, "9000.00", "10.00") + b"NO-SUCH,1.00,0.00\n"
    queued = await _queued(session, data)
    risk = api.token(roles=(Role.RISK,))
    waiting = (await api.post(IMPORT_QUERY, {"id": str(queued.id)}, token=risk)).json()
    assert waiting["data"]["loanStateImport"]["status"] == "QUEUED"
    assert waiting["data"]["loanStateImport"]["outcome"] is None
    await execute_import(sessionmaker, registry, "sd-demo", queued.id, options=OPTIONS)
    body = (await api.post(IMPORT_QUERY, {"id": str(queued.id)}, token=risk)).json()
    found = body["data"]["loanStateImport"]
    stored = await _reload(session, queued)
    assert found["status"] == "REFUSED" == stored.status.value
    assert (found["fileName"], found["fileBytes"], found["startedBy"]) == (
        "states.csv",
        len(data),
        RISK.user_id,
    )
    assert (found["rowsTotal"], found["rowsDone"], found["attempts"]) == (3, 3, 1)
    assert found["outcome"]["problems"] == [
        {
            "row": 4,
            "column": "合同编号",
            "code": "UNKNOWN_CONTRACT",
            "message": stored.report["problems"][0]["message"],
        }
    ]
    assert {k: found["outcome"][k] for k in ("rows", "changed", "refused", "problemsTotal")} == {
        "rows": 3,
        "changed": 2,
        "refused": 1,
        "problemsTotal": 1,
    }
    other = api.token(tenant="ah-demo", roles=(Role.RISK, Role.AUDITOR))
    foreign = (await api.post(IMPORT_QUERY, {"id": str(queued.id)}, token=other)).json()
    assert [e["extensions"]["code"] for e in foreign["errors"]] == ["NOT_FOUND"]


async def test_an_unexpected_error_gives_the_lease_back_and_the_attempts_run_out(
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loans = await _loans(session, registry, 2)
    queued = await _queued(session, _states(loans, "9100.00", "0.00"))

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the connection was lost")

    monkeypatch.setattr(loan_import, "apply_file", broken)
    for attempt in range(1, OPTIONS.max_attempts + 1):
        with pytest.raises(RuntimeError):
            await execute_import(sessionmaker, registry, "sd-demo", queued.id, options=OPTIONS)
        row = await _reload(session, queued)
        assert (row.status, row.attempts, row.lease_owner) == (ImportStatus.RUNNING, attempt, None)
        assert (queued.tenant_id, queued.id) in await interrupted_imports(session)
    status = await execute_import(sessionmaker, registry, "sd-demo", queued.id, options=OPTIONS)
    assert status == ImportStatus.FAILED
    failed = await _reload(session, queued)
    assert (failed.data, failed.finished_at is not None) == (None, True)
    assert (queued.tenant_id, queued.id) not in await interrupted_imports(session)
    for loan in loans:
        await session.refresh(loan)
        assert loan.balance == Decimal("10000.00")
