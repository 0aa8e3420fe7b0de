"""The guards over the whole run (``tests.guards``) can fail: what they look for in a log record,
what counts as loopback, and a run of its own that logs an identity number and a token and tries
a connection off loopback, and fails for it, naming the logger but never the value."""

from __future__ import annotations

import logging
import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from server.auth import mint_token
from server.domain import Role
from server.identity_codes import make_resident_id, make_social_credit_code, mask_identity
from server.settings import Settings
from tests.guards import LogWatch, is_loopback, personal_data_in

ROOT = Path(__file__).resolve().parent.parent
RESIDENT_ID = make_resident_id(random.Random(8), region="370102")
CREDIT_CODE = make_social_credit_code(random.Random(8), region="370102")


def wrong_check_digit(number: str) -> str:
    return number[:17] + ("1" if number[17] != "1" else "2")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (f"customer {RESIDENT_ID} refused", ["resident identity number"]),
        (f"id_number='{RESIDENT_ID.lower()}'", ["resident identity number"]),
        (f"[parameters: ('{CREDIT_CODE}', 'x')]", ["social credit code"]),
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3YW5nIn0.c2ln", ["bearer token"]),
        (f"{RESIDENT_ID} {CREDIT_CODE}", ["resident identity number", "social credit code"]),
        (f"customer {wrong_check_digit(RESIDENT_ID)} refused", []),
        (f"customer {mask_identity(RESIDENT_ID)} refused", []),
        (f"cursor 9{RESIDENT_ID}", []),  # 19 digits: not an identity number
        ("request 0f3c2a9e8b7d4c1a refused after 2 attempts", []),
    ],
)
def test_what_a_log_record_must_not_hold(text: str, found: list[str]) -> None:
    assert personal_data_in(text) == found


def test_a_minted_token_is_recognised() -> None:
    settings = Settings(database_url="sqlite+aiosqlite://", jwt_secret="s" * 40)
    token = mint_token(settings, tenant="sd-demo", user="wang.li", roles=[Role.HR])
    assert personal_data_in(f"refused {token}") == ["bearer token"]


def test_the_log_watch_reads_messages_arguments_and_tracebacks() -> None:
    watch = LogWatch()
    logger = logging.getLogger("ruralcredit.guarded")
    try:
        raise ValueError(f"duplicate key ({RESIDENT_ID})")
    except ValueError:
        failure = logger.makeRecord(
            logger.name, logging.ERROR, __file__, 1, "insert failed", (), sys.exc_info()
        )
    for record in (
        logger.makeRecord(logger.name, logging.DEBUG, __file__, 1, "id %s", (RESIDENT_ID,), None),
        failure,
        logger.makeRecord(logger.name, logging.INFO, __file__, 1, "nothing to see", (), None),
    ):
        watch.handle(record)
    assert [(v.what, v.where) for v in watch.violations] == [
        ("resident identity number logged", "ruralcredit.guarded"),
        ("resident identity number logged", "ruralcredit.guarded"),
    ]
    assert all(RESIDENT_ID not in str(v) for v in watch.violations)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.9.9.9", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("localhost", True),
        ("10.0.0.1", False),
        ("192.0.2.1", False),
        ("::ffff:192.0.2.1", False),
        ("hooks.example.cn", False),
    ],
)
def test_what_counts_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def run_pytest(folder: Path, tests: str) -> subprocess.CompletedProcess[str]:
    (folder / "pytest.ini").write_text("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    # Should the guard let a connection off loopback through, it reaches this, not the network.
    (folder / "conftest.py").write_text(
        textwrap.dedent(
            """
            import socket

            def unreachable(sock, address):
                raise AssertionError("a connection off loopback got past the guard")

            socket.socket.connect = unreachable
            """
        )
    )
    (folder / "test_inside.py").write_text(textwrap.dedent(tests))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    plugins = ["-p", "tests.guards", "-p", "no:cacheprovider"]
    config = ["-c", str(folder / "pytest.ini"), "--rootdir", str(folder)]
    return subprocess.run(
        [sys.executable, "-m", "pytest", *plugins, *config, str(folder)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_run_that_logs_personal_data_or_leaves_loopback_fails(tmp_path: Path) -> None:
    run = run_pytest(
        tmp_path,
        f"""
        import logging
        import socket

        import pytest

        def test_logs_an_identity_number():
            logging.getLogger("ruralcredit.leaky").debug("customer %s refused", "{RESIDENT_ID}")

        def test_logs_a_token():
            logging.getLogger("lib.chatty").warning("header eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")

        def test_connects_off_loopback():
            with socket.socket() as s, pytest.raises(PermissionError):
                s.connect(("192.0.2.1", 80))
        """,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert "3 passed" in output  # the tests pass; the run fails
    assert (
        "resident identity number logged: ruralcredit.leaky (1x) in "
        "test_inside.py::test_logs_an_identity_number"
    ) in output
    assert "bearer token logged: lib.chatty (1x) in test_inside.py::test_logs_a_token" in output
    assert "traffic off loopback: 192.0.2.1 (1x) in test_inside.py::test_connects_off_loopback" in (
        output
    )
    assert RESIDENT_ID not in output
    assert "eyJhbGciOiJIUzI1NiJ9" not in output


def test_a_clean_run_passes(tmp_path: Path) -> None:
    run = run_pytest(
        tmp_path,
        f"""
        import logging

        def test_logs_only_a_masked_number():
            logging.getLogger("ruralcredit.careful").info("customer %s", "{mask_identity(RESIDENT_ID)}")
        """,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "guards" not in output
