"""The GraphQL route never answers with a bare 500: an ``operationName`` that names no
operation is a bad request, and an unexpected failure a JSON ``INTERNAL_ERROR`` with the
request id, its cause in the log."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from server.app import App

from .conftest import Api


async def test_an_operation_name_not_in_the_document_is_a_bad_request(api: Api) -> None:
    response = await api.client.post(
        "/graphql",
        json={"query": "query A { viewer { userId } }", "operationName": "B"},
        headers={"Authorization": f"Bearer {api.token()}"},
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "'B'" in error["message"]


async def test_an_unexpected_failure_is_json_with_the_request_id(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(App, "_run", broken)
    with caplog.at_level(logging.ERROR, logger="ruralcredit.http"):
        response = await api.post("{ viewer { userId } }")
    assert response.status_code == 500
    request_id = response.headers["x-request-id"]
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "INTERNAL_ERROR", "requestId": request_id}
    assert "disk" not in response.text
    assert any(request_id in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)
