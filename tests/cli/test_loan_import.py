"""``ruralcredit import-loan-states`` (``server.cli.loan_import``): a file applied in batches
within one transaction, refusals by the file's row and header; on a demo database the
command applies a file, the same file again changes nothing, and a file with one bad row
writes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from server.cli.loan_import import REFUSED, render
from server.domain import RiskClass, Role
from server.policy.registry import PolicyRegistry
from server.services.loan_files import read_loan_file
from server.services.loan_imports import apply_file
from tests.builders import bank
from tests.cli.test_errors import SIZES, _env, _one_line, _run
from tests.conftest import principal
from tests.services.test_loan_book import TODAY, a_loan

RISK = principal("sd-demo", (Role.RISK,))
AS_OF = TODAY - dt.timedelta(days=1)


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as stream:
        csv.writer(stream).writerows(rows)
    return path


async def test_batches_of_the_service_limit_and_refusals_by_file_row(
    session: AsyncSession, registry: PolicyRegistry, tmp_path: Path
) -> None:
    world = bank(session, registry, "sd-demo")
    loans = [await a_loan(world) for _ in range(3)]
    rows = [["合同编号", "贷款余额", "interest_repaid", "五级分类"]]
    rows += [[loan.contract_no, "9000.00", "10.00", "关注"] for loan in loans]
    rows.insert(2, [])  # an empty line: the rows after it keep their line numbers
    read = read_loan_file(write_csv(tmp_path / "ok.csv", rows))
    told: list[tuple[int, int | None]] = []

    async def progress(done: int, total: int) -> None:
        told.append((done, total))

    outcome = await apply_file(
        session,
        registry,
        RISK,
        as_of=AS_OF,
        loan_file=read,
        batch=2,
        today=TODAY,
        progress=progress,
    )
    assert (outcome.rows, outcome.changed, outcome.unchanged, outcome.problems) == (3, 3, 0, [])
    assert told == [(2, 3), (3, 3)], "the rows applied after each batch of 2"
    for loan in loans:
        await session.refresh(loan)
        assert (loan.balance, loan.interest_repaid, loan.risk_class) == (
            Decimal("9000.00"),
            Decimal("10.00"),
            RiskClass.SPECIAL_MENTION,
        )
    again = await apply_file(
        session, registry, RISK, as_of=AS_OF, loan_file=read, batch=2, today=TODAY
    )
    assert (again.changed, again.unchanged, again.movements) == (0, 3, 0)

    # Refused by the service in the second batch, by the file elsewhere: by line and header.
    rows = [["contract_no", "balance", "已收利息"], [loans[0].contract_no, "9000.00", "10.00"]]
    rows += [[loans[1].contract_no, "9500.00", ""], [loans[2].contract_no, "9000.00", "5.001"]]
    rows += [["HT-NONE", "1.00", ""]]
    read = read_loan_file(write_csv(tmp_path / "bad.csv", rows))
    outcome = await apply_file(
        session, registry, RISK, as_of=AS_OF, loan_file=read, batch=2, today=TODAY
    )
    assert [(p.row, p.column, p.code) for p in outcome.problems] == [
        (3, "balance", "BALANCE_INCREASED"),
        (4, "已收利息", "PRECISION"),
        (5, "contract_no", "UNKNOWN_CONTRACT"),
    ]
    assert outcome.refused == 3
    text = render(outcome, what="f", written=False)
    assert text.splitlines()[0].startswith("f: nothing written; rows 4,")
    assert "refused 3" in text and "BALANCE_INCREASED" in text


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli-loan-import") / "var"
    loaded = _run(["demo-data", "--migrate", *SIZES], _env(folder), folder.parent)
    assert loaded.returncode == 0, loaded.stderr
    return folder


def _loans(demo: Path, n: int) -> list[tuple[str, str, str]]:
    """Active loans whose balance is their principal less the principal repaid (SQLite
    keeps money as whole cents)."""
    with sqlite3.connect(demo / "ruralcredit.db") as db:
        found = db.execute(
            "SELECT contract_no, balance, interest_repaid, principal, principal_repaid"
            " FROM loans WHERE tenant_id = 'sd-demo' AND status = 'ACTIVE'"
            " AND issued_on < '2026-01-01' AND balance > 0 ORDER BY contract_no"
        ).fetchall()
    agree = [
        (c, str(Decimal(b).scaleb(-2)), str(Decimal(i).scaleb(-2)))
        for c, b, i, p, r in found
        if p - r == b
    ]
    assert len(agree) >= n
    return agree[:n]


def _movements(demo: Path) -> int:
    with sqlite3.connect(demo / "ruralcredit.db") as db:
        return int(db.execute("SELECT count(*) FROM loan_movements").fetchone()[0])


def _import(demo: Path, path: Path, *extra: str) -> tuple[int, str]:
    as_of = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    args = ["import-loan-states", "--tenant", "sd-demo", "--as-of", as_of, *extra, str(path)]
    result = _run(args, _env(demo), demo.parent)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout


def test_the_command_applies_a_file_once_and_a_bad_row_writes_nothing(
    demo: Path, tmp_path: Path
) -> None:
    loans = _loans(demo, 3)
    rows = [["合同编号", "贷款余额", "已收利息"]]
    rows += [[c, f"{Decimal(b):.2f}", f"{Decimal(i) + 10:.2f}"] for c, b, i in loans]
    path = write_csv(tmp_path / "states.csv", rows, "gb18030")
    before = _movements(demo)

    code, out = _import(demo, path, "--dry-run")
    assert code == 0, out
    assert "(dry run): nothing written; rows 3, new 0, changed 3, unchanged 0" in out
    assert _movements(demo) == before

    code, out = _import(demo, path)
    assert code == 0, out
    assert "applied; rows 3, new 0, changed 3, unchanged 0, refused 0, movements 3" in out
    assert _movements(demo) == before + 3

    code, out = _import(demo, path)
    assert code == 0, out
    assert "changed 0, unchanged 3, refused 0, movements 0" in out
    assert _movements(demo) == before + 3

    rows = [["contract_no", "balance", "interest_repaid"]]
    rows += [[c, f"{Decimal(b):.2f}", f"{Decimal(i) + 20:.2f}"] for c, b, i in loans]
    rows[2][2] = "1.00"  # below what is stored: DECREASED
    code, out = _import(demo, write_csv(tmp_path / "bad.csv", rows))
    assert code == REFUSED, out
    assert "nothing written; rows 3, new 0, changed 2, unchanged 0, refused 1" in out
    refusal = [line.split() for line in out.splitlines() if line.split()[:1] == ["3"]]
    assert refusal and refusal[0][:3] == ["3", "interest_repaid", "DECREASED"]
    assert _movements(demo) == before + 3


def test_the_command_says_a_mistake_in_one_line(demo: Path, tmp_path: Path) -> None:
    as_of = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    path = write_csv(tmp_path / "s.csv", [["合同编号", "贷款余额"], ["X-1", "1.00"]])
    cases = [
        (["--tenant", "no-such", "--as-of", as_of, str(path)], "Tenant no-such not found"),
        (["--tenant", "sd-demo", "--as-of", as_of, str(tmp_path / "none.csv")], "no such file"),
        (["--tenant", "sd-demo", "--as-of", "2999-01-01", str(path)], "--as-of:"),
    ]
    for args, says in cases:
        result = _run(["import-loan-states", *args], _env(demo), demo.parent)
        assert result.returncode == 2, result.stderr
        assert says in _one_line(result)
    env = _env(demo, RURALCREDIT_LOAN_FILE_MAX_BYTES="10")
    result = _run(
        ["import-loan-states", "--tenant", "sd-demo", "--as-of", as_of, str(path)], env, demo.parent
    )
    assert result.returncode == REFUSED, result.stderr
    assert "(file)  TOO_LARGE" in result.stdout
    two = write_csv(
        tmp_path / "two.csv", [["合同编号", "贷款余额"], ["X-1", "1.00"], ["X-2", "1.00"]]
    )
    env = _env(demo, RURALCREDIT_LOAN_FILE_MAX_ROWS="1")
    result = _run(
        ["import-loan-states", "--tenant", "sd-demo", "--as-of", as_of, str(two)], env, demo.parent
    )
    assert result.returncode == REFUSED, result.stderr
    assert "TOO_MANY_ROWS" in result.stdout


def test_queue_keeps_the_file_as_an_import_for_the_server_to_apply(
    demo: Path, tmp_path: Path
) -> None:
    """``--queue`` on the embedded database keeps the file as a QUEUED import (the server's
    in-process jobs apply it at their next sweep) and writes no loan; its mistakes are one
    line, as the command's others."""
    loans = _loans(demo, 2)
    rows = [["合同编号", "贷款余额"]] + [[c, f"{Decimal(b):.2f}"] for c, b, _ in loans]
    path = write_csv(tmp_path / "queued.csv", rows)
    before = _movements(demo)
    code, out = _import(demo, path, "--queue")
    assert code == 0, out
    assert "queued.csv" in out and "queued as import " in out and "next sweep" in out
    import_id = out.split("queued as import ", 1)[1].split(";", 1)[0]
    with sqlite3.connect(demo / "ruralcredit.db") as db:
        stored = db.execute(
            "SELECT tenant_id, status, file_name, file_bytes, length(data), started_by"
            " FROM loan_state_imports WHERE id = ?",
            (uuid.UUID(import_id).hex,),
        ).fetchall()
    size = path.stat().st_size
    assert stored == [("sd-demo", "QUEUED", "queued.csv", size, size, "core-import")]
    assert _movements(demo) == before
    as_of = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    base = ["import-loan-states", "--tenant", "sd-demo", "--as-of", as_of, "--queue"]
    cases = [
        ([*base, "--dry-run", str(path)], "--queue and --dry-run"),
        ([*base, str(tmp_path / "none.csv")], "no such file"),
    ]
    for args, says in cases:
        result = _run(args, _env(demo), demo.parent)
        assert result.returncode == 2, result.stderr
        assert says in _one_line(result)
    result = _run([*base, str(path)], _env(demo, RURALCREDIT_LOAN_FILE_MAX_BYTES="10"), demo.parent)
    assert result.returncode == 2 and "RURALCREDIT_LOAN_FILE_MAX_BYTES" in _one_line(result)
