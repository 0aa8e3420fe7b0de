"""The GraphQL route's own answers that are not a GraphQL execution's: a refused token,
a bad or oversized body, the time limit, an unexpected failure. Each is JSON in the
GraphQL error shape, with a code, and notes that code for the request's log line."""

from __future__ import annotations

import sqlite3

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.observability import requests

MAX_BODY_BYTES = 1_000_000
"""The largest request body read; a larger one is refused (413) before it is read whole."""


def timed_out(message: str, headers: dict[str, str]) -> Response:
    """HTTP 200, as for the other limits: the request was understood and refused as a whole
    (a 5xx would invite proxies and clients to send the same costly request again)."""
    requests.answered_with("TIMEOUT")
    return JSONResponse(
        {
            "errors": [
                {"message": f"{message}; nothing was written", "extensions": {"code": "TIMEOUT"}}
            ],
            "data": None,
        },
        headers=headers,
    )


def unauthenticated(message: str, headers: dict[str, str]) -> Response:
    requests.answered_with("UNAUTHENTICATED")
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]},
        status_code=401,
        headers={**headers, "WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


async def bounded_body(request: Request) -> bytes | None:
    """The request body, or ``None`` once it exceeds ``MAX_BODY_BYTES``: the limit holds
    while reading (a declared length over it is refused before a byte is read)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def bad_request(message: str, headers: dict[str, str], status: int = 400) -> Response:
    requests.answered_with("BAD_REQUEST")
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]},
        status_code=status,
        headers=headers,
    )


def internal_error(request_id: str, headers: dict[str, str]) -> Response:
    requests.answered_with("INTERNAL_ERROR")
    error = {"code": "INTERNAL_ERROR", "requestId": request_id}
    message = f"Internal error; quote request id {request_id}"
    return JSONResponse(
        {"errors": [{"message": message, "extensions": error}]}, status_code=500, headers=headers
    )


def database_busy(headers: dict[str, str]) -> Response:
    """SQLite's one write lock (or a read mark) was not had within the busy timeout before
    anything ran: nothing was written, so the client may simply send the request again."""
    requests.answered_with("DATABASE_BUSY")
    return JSONResponse(
        {
            "errors": [
                {
                    "message": "the database is busy; nothing was written, retry",
                    "extensions": {"code": "DATABASE_BUSY"},
                }
            ]
        },
        status_code=503,
        headers={**headers, "Retry-After": "1"},
    )


def is_sqlite_busy(error: BaseException) -> bool:
    """Whether ``error`` is SQLite's ``SQLITE_BUSY``/``SQLITE_LOCKED`` (database is locked)."""
    original = getattr(error, "orig", error)
    if not isinstance(original, sqlite3.Error):
        return False
    code = getattr(original, "sqlite_errorcode", None)
    if code is not None:
        return int(code) & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)
    return "database is locked" in str(original)


SQLITE_BUSY, SQLITE_LOCKED = 5, 6
