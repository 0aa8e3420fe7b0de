"""The note of one request (``server.observability.requests``): the operation's name as
given or as its document starts, and the codes of its answer; a request that fails
unexpectedly is still counted and logged, as ``INTERNAL_ERROR``."""

from __future__ import annotations

import logging

import pytest
from prometheus_client import generate_latest
from starlette.responses import Response

from server.observability import requests
from server.observability.metrics import Metrics


@pytest.mark.parametrize(
    ("query", "given", "name"),
    [
        ("query Loans { a }", None, "Loans"),
        ("  # a comment\n  mutation Hire($x: ID) { a }", None, "Hire"),
        ("{ a }", None, None),
        ("query { a }", None, None),
        ("query A { a } query B { b }", "B", "B"),
        ("fragment F on Q { a } query A { ...F }", None, None),
    ],
)
def test_the_operation_name(query: str, given: object, name: str | None) -> None:
    assert requests.operation_name(query, given) == name


async def test_an_unexpected_failure_is_counted_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    metrics = Metrics()

    async def failing() -> Response:
        note = requests.current()
        note.request_id, note.tenant, note.operation = "r-9", "sd-demo", "Boom"
        raise RuntimeError("broken")

    with caplog.at_level(logging.INFO, logger="ruralcredit.request"), pytest.raises(RuntimeError):
        await requests.observed(metrics, failing())
    [record] = [r for r in caplog.records if r.name == "ruralcredit.request"]
    assert (record.request_id, record.outcome, record.status) == ("r-9", "INTERNAL_ERROR", 500)
    exposition = generate_latest(metrics.registry).decode()
    assert (
        'ruralcredit_graphql_requests_total{operation="Boom",outcome="INTERNAL_ERROR"} 1.0'
        in exposition
    )


async def test_codes_noted_outside_a_request_go_nowhere() -> None:
    requests.answered_with("TIMEOUT")  # no request being observed: nothing to note
    assert requests.current().codes is None
