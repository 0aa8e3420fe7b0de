"""Every mistake at the command line is one line on stderr and a non-zero exit code, never a
traceback (``server.cli.errors``); an unexpected failure is one line with an id, its
traceback in the data folder's log."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import asyncpg.exceptions
import pytest

from server.cli import main, schema_sdl
from server.cli.errors import ERROR_LOG, explain

SIZES = ["--managers", "5", "--customers", "20", "--loans", "40"]


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["RURALCREDIT_DATA_DIR"] = str(data_dir)
    env["RURALCREDIT_JWT_SECRET"] = "cli-errors-secret-" + "q" * 32
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single line a mistake prints on stderr (log records of libraries aside)."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("ruralcredit: ")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def _closed_port() -> int:
    """A loopback port where nothing listens (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder whose embedded database has the schema and no data."""
    folder = tmp_path_factory.mktemp("cli-errors") / "var"
    result = _run(["migrate"], _env(folder), folder.parent)
    assert result.returncode == 0, result.stderr
    return folder


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (
            ["snapshot", "--tenant", "sd-demo", "--as-of", "2999-12-31"],
            2,
            r"--as-of 2999-12-31 is in the future.*use \d{4}-\d{2}-\d{2} \(today in "
            r"Asia/Shanghai\) or an earlier date",
        ),
        (
            ["snapshot", "--tenant", "no-such", "--as-of", "2026-11-30"],
            2,
            r"--tenant: Tenant no-such not found",
        ),
        (
            ["snapshot", "--tenant", "sd-demo", "--as-of", "2026/11/30"],
            2,
            r"--as-of: '2026/11/30' is not a date; write it as YYYY-MM-DD",
        ),
        (
            ["appraise", "--tenant", "no-such", "--period", "2026"],
            2,
            r"--tenant: Tenant no-such not found",
        ),
        (
            ["token", "--tenant", "sd-demo", "--role", "MANAGER", "--user", "li"],
            2,
            r"the role MANAGER needs --manager",
        ),
        (
            ["token", "--tenant", "sd-demo", "--role", "HR", "--user", "li", "--private-key", "x"],
            2,
            r"x: No such file or directory",
        ),
        (["snapshot", "--tenant", "sd-demo"], 2, r"the following arguments are required"),
        (["no-such-command"], 2, r"invalid choice: 'no-such-command'"),
        ([], 2, r"^ruralcredit: the following arguments are required: command"),
    ],
)
def test_a_mistake_is_one_line_and_a_non_zero_exit(
    migrated: Path, args: list[str], code: int, says: str
) -> None:
    result = _run(args, _env(migrated), migrated.parent)
    line = _one_line(result)
    assert result.returncode == code, result.stderr
    assert re.search(says, line), line
    assert result.stdout == ""


def test_demo_data_prints_its_table_appraise_its_reasons_and_a_second_load_is_refused(
    tmp_path: Path,
) -> None:
    env = _env(tmp_path / "var")
    first = _run(["demo-data", "--migrate", *SIZES], env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr
    table = first.stdout.splitlines()
    header = next(line for line in table if line.startswith("tenant"))
    assert header.split()[:3] == ["tenant", "offices", "managers"]
    sd = next(line for line in table if line.startswith("sd-demo"))
    assert sd.split()[2] == "5" and sd.split()[-1] == "40"
    assert next(line for line in table if line.startswith("total")).split()[-1] == "160"
    assert "[4/4] cc-demo: done in" in first.stderr

    appraised = _run(["appraise", "--tenant", "sd-demo", "--period", "2026"], env, tmp_path)
    assert appraised.returncode == 0, appraised.stderr
    head, _, reasons = appraised.stdout.partition("\n\n")
    assert re.fullmatch(r"run \S+: DONE, \d+ appraised, [1-9]\d* skipped of \d+", head), head
    assert reasons.splitlines()[0].split() == ["reason", "managers"]
    assert "missing input: " in reasons

    second = _run(["demo-data", *SIZES], env, tmp_path)
    assert second.returncode == 2
    line = _one_line(second)
    assert "demo tenant(s) already exist: ah-demo, cc-demo, sd-demo, sx-demo" in line
    assert "--if-empty" in line


def test_an_unmigrated_database_says_to_migrate(tmp_path: Path) -> None:
    result = _run(["appraise", "--tenant", "sd-demo", "--period", "2026"], _env(tmp_path), tmp_path)
    assert result.returncode == 2
    assert "run `ruralcredit migrate` first" in _one_line(result)


@pytest.mark.parametrize(
    ("url", "code", "says"),
    [
        ("mysql://root@127.0.0.1/bank", 2, "the scheme 'mysql' is not supported"),
        ("not a url", 2, "DATABASE_URL is not a database URL"),
        ("postgresql://postgres:hunter2@127.0.0.1:{port}/x", 3, "cannot reach PostgreSQL at "),
    ],
)
@pytest.mark.parametrize("command", [["migrate"], ["snapshot", "--tenant", "sd-demo"]])
def test_a_wrong_database_url_is_one_line(
    tmp_path: Path, url: str, code: int, says: str, command: list[str]
) -> None:
    args = [*command, "--as-of", "2026-11-30"] if command[0] == "snapshot" else command
    env = _env(tmp_path, DATABASE_URL=url.format(port=_closed_port()))
    result = _run(args, env, tmp_path)
    line = _one_line(result)
    assert result.returncode == code, result.stderr
    assert says in line
    assert "hunter2" not in result.stderr


def test_export_schema_to_a_dash_writes_to_stdout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["export-schema", "--output", "-"]) == 0
    assert capsys.readouterr().out == schema_sdl()
    assert not (tmp_path / "-").exists()


def _boom(*_: object) -> int:
    raise RuntimeError("something nobody expected")


def test_an_internal_error_is_one_line_with_an_id_and_the_traceback_in_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RURALCREDIT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RURALCREDIT_JWT_SECRET", "cli-errors-secret-" + "q" * 32)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr("server.cli.cmd_export_roles", _boom)
    assert main(["export-roles", "--output", "-"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.splitlines()) == 1
    incident = re.search(r"internal error ([0-9a-f]{12}) \(RuntimeError\)", err)
    assert incident is not None, err
    assert "--debug" in err
    log = (tmp_path / ERROR_LOG).read_text(encoding="utf-8")
    assert f"internal error {incident.group(1)}" in log
    assert "Traceback" in log and "something nobody expected" in log


def test_debug_shows_the_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RURALCREDIT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RURALCREDIT_JWT_SECRET", "cli-errors-secret-" + "q" * 32)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr("server.cli.cmd_export_roles", _boom)
    with pytest.raises(RuntimeError, match="something nobody expected"):
        main(["export-roles", "--output", "-", "--debug"])
    assert not (tmp_path / ERROR_LOG).exists()


def _raised_from(cause: BaseException) -> Exception:
    """A SQLAlchemy error raised while handling ``cause``, as the driver adapter raises it."""
    from sqlalchemy.exc import DBAPIError

    try:
        try:
            raise cause
        except BaseException as error:
            raise DBAPIError("connect", None, error) from error
    except DBAPIError as wrapped:
        return wrapped


@pytest.mark.parametrize(
    ("cause", "code", "says"),
    [
        (
            asyncpg.exceptions.InvalidCatalogNameError('database "nope" does not exist'),
            2,
            'refused the login (database "nope" does not exist); check the user, password',
        ),
        (
            asyncpg.exceptions.InvalidPasswordError("password authentication failed"),
            2,
            "refused the login (password authentication failed)",
        ),
        (socket.gaierror(-2, "Name or service not known"), 3, "cannot reach PostgreSQL at db:5432"),
        (ConnectionRefusedError(111, "Connect call failed"), 3, "cannot reach PostgreSQL"),
    ],
)
def test_a_database_that_refuses_or_cannot_be_found_is_explained(
    cause: BaseException, code: int, says: str
) -> None:
    known = explain(_raised_from(cause), "postgresql+asyncpg://u:secret@db:5432/bank")
    assert known is not None
    assert known.code == code
    assert says in known.message
    assert "secret" not in known.message


def test_an_os_error_that_is_not_a_connection_is_internal() -> None:
    assert explain(OSError(28, "No space left on device"), "sqlite+aiosqlite:///x.db") is None
