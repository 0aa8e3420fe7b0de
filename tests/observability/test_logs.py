"""JSON log lines and the request line (``server.observability.logs``): one line per
GraphQL request with request id, tenant, operation, duration and outcome, never the
variables; identity numbers and tokens redacted before the formatter sees a record."""

from __future__ import annotations

import io
import json
import logging

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.auth import mint_token
from server.domain import Role
from server.log_redaction import Redact, app_logger
from server.observability.logs import JsonFormatter, formatter
from server.policy.registry import PolicyRegistry
from server.settings import Settings

from .conftest import Client, client_factory


@pytest.fixture
def client(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
) -> Client:
    return client_factory(settings, sessionmaker, registry)


def _request_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    form = JsonFormatter()
    return [json.loads(form.format(r)) for r in caplog.records if r.name == "ruralcredit.request"]


async def test_one_line_per_request_without_the_variables(
    client: Client, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    token = mint_token(settings, tenant="sd-demo", user="u-logs", roles=[Role.HR])
    secret_value = "张三-110101199003077777"
    with caplog.at_level(logging.INFO, logger="ruralcredit.request"):
        async with client() as (_, http):
            answer = await http.post(
                "/graphql",
                json={
                    "query": "query Echo { __typename }",
                    "variables": {"q": secret_value},
                },
                headers={"Authorization": f"Bearer {token}", "X-Request-ID": "req-42"},
            )
            refused = await http.post("/graphql", json={"query": "{ __typename }"})
    assert answer.status_code == 200 and refused.status_code == 401
    lines = _request_lines(caplog)
    assert len(lines) == 2
    first, second = lines
    assert first["request_id"] == "req-42"
    assert first["tenant"] == "sd-demo"
    assert first["operation"] == "Echo"
    assert first["outcome"] == "ok"
    assert first["status"] == 200
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0
    assert (second["tenant"], second["operation"], second["outcome"]) == (
        None,
        "anonymous",
        "UNAUTHENTICATED",
    )
    assert second["request_id"] == refused.headers["X-Request-ID"]
    written = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    assert "张三" not in written and "110101" not in written and "eyJ" not in written


async def test_an_error_answer_is_logged_with_its_code(
    client: Client, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    token = mint_token(settings, tenant="sd-demo", user="u-logs", roles=[Role.HR])
    with caplog.at_level(logging.INFO, logger="ruralcredit.request"):
        async with client() as (_, http):
            await http.post(
                "/graphql",
                content=b"not json",
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            await http.post(
                "/graphql",
                json={"query": "query Named { nope }"},
                headers={"Authorization": f"Bearer {token}"},
            )
    outcomes = [(line["operation"], line["outcome"]) for line in _request_lines(caplog)]
    assert outcomes == [("anonymous", "BAD_REQUEST"), ("Named", "GRAPHQL_VALIDATION_FAILED")]


def test_a_json_line_holds_the_fields_and_the_exception() -> None:
    record = logging.LogRecord(
        "ruralcredit.x", logging.ERROR, __file__, 1, "failed %s", ("here",), None
    )
    record.request_id = "r1"
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "ERROR"
    assert line["logger"] == "ruralcredit.x"
    assert line["message"] == "failed here"
    assert line["request_id"] == "r1"
    assert "ValueError: boom" in str(line["exception"])
    assert str(line["time"]).endswith("+00:00")


def test_redaction_runs_before_the_json_formatter() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter("json"))
    handler.addFilter(Redact())
    logger = app_logger("ruralcredit.test-json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("customer 110101199003077777 token eyJhbGci.eyJzdWIi.sig")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    written = out.getvalue()
    line = json.loads(written)
    assert "110101199003077777" not in written
    assert "eyJhbGci" not in written
    assert "[token]" in line["message"]


def test_text_format_on_request() -> None:
    assert isinstance(formatter("json"), JsonFormatter)
    assert not isinstance(formatter("text"), JsonFormatter)
