"""The GraphQL route never answers with a bare 500: an ``operationName`` that names no
operation is a bad request, and an unexpected failure a JSON ``INTERNAL_ERROR`` with the
request id, its cause in the log."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import OperationalError

from server import app as app_module
from server.app import App, create_app
from server.http_answers import is_sqlite_busy

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


async def test_a_failure_of_any_route_is_json_not_plain_text(
    settings: Any,
    sessionmaker: Any,
    registry: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Starlette answers a bare ``Internal Server Error`` for an exception that escapes a
    route; the app's handler answers JSON with a request id instead (here ``/healthz``)."""

    async def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(App, "healthz", broken)
    app = create_app(settings, sessionmaker=sessionmaker, registry=registry)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        with caplog.at_level(logging.ERROR, logger="ruralcredit.http"):
            response = await client.get("/healthz", headers={"X-Request-ID": "probe-1"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "INTERNAL_ERROR", "requestId": "probe-1"}
    assert "disk" not in response.text
    assert any("probe-1" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)


async def test_sqlite_busy_at_the_first_read_is_a_retryable_503(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first read of a request (the token's claims checked against the tenant) finding
    SQLite busy past its timeout — as while a restarted process recovers the database a
    killed one left — is ``DATABASE_BUSY``, 503 with ``Retry-After``: nothing ran. On
    PostgreSQL no such error exists, and one is an INTERNAL_ERROR."""

    async def busy(*_: Any, **__: Any) -> Any:
        raise OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(app_module, "resolve_principal", busy)
    response = await api.post("{ viewer { userId } }")
    (error,) = response.json()["errors"]
    if api.settings.is_sqlite:
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        assert error["extensions"]["code"] == "DATABASE_BUSY"
    else:
        assert response.status_code == 500
        assert error["extensions"]["code"] == "INTERNAL_ERROR"


@pytest.mark.parametrize(
    ("error", "busy"),
    [
        (sqlite3.OperationalError("database is locked"), True),
        (sqlite3.OperationalError("no such table: managers"), False),
        (RuntimeError("database is locked elsewhere"), False),
    ],
)
def test_what_counts_as_sqlite_busy(error: Exception, busy: bool) -> None:
    if isinstance(error, sqlite3.OperationalError) and busy:
        error.sqlite_errorcode = 5  # type: ignore[attr-defined]
    wrapped = OperationalError("SELECT 1", {}, error)
    assert is_sqlite_busy(wrapped) is busy
