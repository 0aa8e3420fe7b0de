"""``ruralcredit appraise`` and ``snapshot``: their progress goes to stderr — a bar on a
terminal, plain lines on a pipe — and their summary alone to stdout."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_errors import SIZES, _env, _run

FINAL = re.compile(r"appraise sd-demo 2026: DONE, \d+/\d+ managers in \d+\.\ds")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder whose embedded database holds the small demo data set."""
    folder = tmp_path_factory.mktemp("cli-batch") / "var"
    loaded = _run(["demo-data", "--migrate", *SIZES], _env(folder), folder.parent)
    assert loaded.returncode == 0, loaded.stderr
    return folder


def _on_terminal(args: list[str], data_dir: Path) -> tuple[int, str, str]:
    """Run with stderr on a pseudo-terminal (stdout on a pipe): exit code, stdout, what
    the terminal showed."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", *args],
        env=_env(data_dir, RURALCREDIT_LOG_FORMAT="text"),
        cwd=data_dir.parent,
        stdout=subprocess.PIPE,
        stderr=follower,
        text=True,
    )
    os.close(follower)
    shown = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 120)
        assert ready, "the command stopped writing to its terminal"
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    stdout, _ = process.communicate(timeout=120)
    return process.returncode, stdout, shown.decode()


def test_appraise_on_a_pipe_writes_plain_lines(demo: Path) -> None:
    result = _run(["appraise", "--tenant", "sd-demo", "--period", "2026"], _env(demo), demo.parent)
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr
    assert FINAL.search(result.stderr), result.stderr
    assert re.match(r"run \S+: DONE, \d+ appraised, \d+ skipped of \d+", result.stdout)
    assert "managers in" not in result.stdout


def test_appraise_on_a_terminal_draws_a_bar(demo: Path) -> None:
    code, stdout, shown = _on_terminal(
        ["appraise", "--tenant", "sd-demo", "--period", "2026"], demo
    )
    assert code == 0, shown
    assert re.search(r"\rappraise sd-demo 2026 \[[#.]{30}\] +\d+% \d+/\d+ managers", shown), shown
    assert FINAL.search(shown), shown
    assert stdout.startswith("run ") and "\r" not in stdout


def test_snapshot_on_a_terminal_and_on_a_pipe(demo: Path) -> None:
    args = ["snapshot", "--tenant", "sd-demo", "--as-of", "2026-11-30"]
    code, stdout, shown = _on_terminal(args, demo)
    assert code == 0, shown
    count = re.fullmatch(r"snapshot of (\d+) loans as of 2026-11-30 for sd-demo\n", stdout)
    assert count, stdout
    loans = count.group(1)
    assert f"\rsnapshot sd-demo as of 2026-11-30: done, {loans}/{loans} loans in" in shown
    piped = _run(args, _env(demo), demo.parent)
    assert piped.returncode == 0, piped.stderr
    assert "\r" not in piped.stderr
    assert f"snapshot sd-demo as of 2026-11-30: done, {loans}/{loans} loans in" in piped.stderr
    assert piped.stdout == stdout
