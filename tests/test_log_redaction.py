"""Log records without identity numbers or tokens (``server.log_redaction``): masked in the
message, its arguments, the traceback (a database error's DETAIL line) and the stack, before
any handler sees the record; the command line's own handler masks every library's records."""

from __future__ import annotations

import importlib
import logging
import random
import subprocess
import sys
from pathlib import Path

import pytest

from server.identity_codes import make_resident_id, make_social_credit_code, mask_identity
from server.log_redaction import TOKEN_SHOWN_AS, Redact, app_logger, redact

ROOT = Path(__file__).resolve().parent.parent
RESIDENT_ID = make_resident_id(random.Random(11), region="341100")
CREDIT_CODE = make_social_credit_code(random.Random(11), region="341100")
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3YW5nIn0.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    ("text", "written"),
    [
        (f"customer {RESIDENT_ID} refused", f"customer {mask_identity(RESIDENT_ID)} refused"),
        (
            f"DETAIL:  Key (tenant_id, id_number)=(sd-demo, {RESIDENT_ID}) already exists.",
            f"DETAIL:  Key (tenant_id, id_number)=(sd-demo, {mask_identity(RESIDENT_ID)}) "
            "already exists.",
        ),
        (f"mistyped {RESIDENT_ID[:17]}0", f"mistyped {mask_identity(RESIDENT_ID[:17] + '0')}"),
        (f"code={CREDIT_CODE}", f"code={mask_identity(CREDIT_CODE)}"),
        (f"Bearer {TOKEN} refused", f"Bearer {TOKEN_SHOWN_AS} refused"),
        ("cursor 12345678901234567890 of 3", "cursor 12345678901234567890 of 3"),
        ("request 0f3c2a9e8b7d4c1a", "request 0f3c2a9e8b7d4c1a"),
    ],
)
def test_identity_numbers_are_masked_and_tokens_replaced(text: str, written: str) -> None:
    assert redact(text) == written


def test_a_record_is_rewritten_before_any_handler_sees_it() -> None:
    logger = logging.getLogger("ruralcredit.redaction-test")
    try:
        raise ValueError(f"duplicate key {RESIDENT_ID}")
    except ValueError:
        failed = logger.makeRecord(
            logger.name, logging.ERROR, __file__, 1, "insert of %s failed", (TOKEN,), sys.exc_info()
        )
    failed.stack_info = f"Stack (most recent call last):\n  checking {CREDIT_CODE}"
    assert Redact().filter(failed) is True
    written = logging.Formatter().format(failed)
    assert f"insert of {TOKEN_SHOWN_AS} failed" in written
    assert f"ValueError: duplicate key {mask_identity(RESIDENT_ID)}" in written
    assert mask_identity(CREDIT_CODE) in written
    for secret in (RESIDENT_ID, CREDIT_CODE, TOKEN):
        assert secret not in written


def test_the_application_loggers_carry_the_filter_once() -> None:
    logger = app_logger("ruralcredit.redaction-test.once")
    assert app_logger("ruralcredit.redaction-test.once") is logger
    assert [type(f) for f in logger.filters] == [Redact]
    for module in ("server.app", "server.graphql.errors", "server.jobs.webhook_delivery"):
        log = importlib.import_module(module).log
        assert any(isinstance(f, Redact) for f in log.filters), module


def test_the_command_lines_handler_masks_every_librarys_records() -> None:
    script = (
        "import logging, sys\n"
        "from server import cli\n"
        "cli._configure_logging()\n"
        f"logging.getLogger('sqlalchemy.pool').warning('reset %s', {RESIDENT_ID!r})\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert f"reset {mask_identity(RESIDENT_ID)}" in run.stderr
    assert RESIDENT_ID not in run.stderr
