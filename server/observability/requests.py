"""What is noted of one GraphQL request over HTTP while it runs, for its log line and the
metrics: request id, tenant, operation name, the error codes of its answer.

:func:`observed` runs the request with a fresh :class:`RequestNote` as the current one;
the code answering it fills it in (:func:`current`, :func:`answered_with`); at the end it
is counted and timed (``server.observability.metrics``) and logged in one line
(``server.observability.logs``), whatever the outcome.
"""

from __future__ import annotations

import contextvars
import re
import time
from collections.abc import Awaitable
from dataclasses import dataclass

from starlette.responses import Response

from server.observability.logs import log_request
from server.observability.metrics import Metrics

_OPERATION = re.compile(r"^(?:\s|#[^\n]*\n)*(?:query|mutation|subscription)\s+([A-Za-z_]\w*)")


@dataclass
class RequestNote:
    """What the request line and the metrics tell of one GraphQL request."""

    request_id: str = ""
    tenant: str | None = None
    operation: str | None = None
    codes: list[str] | None = None


_CURRENT: contextvars.ContextVar[RequestNote | None] = contextvars.ContextVar(
    "ruralcredit_request", default=None
)


def current() -> RequestNote:
    """The note of the request being answered (a loose one outside :func:`observed`)."""
    return _CURRENT.get() or RequestNote()


def answered_with(*codes: str) -> None:
    """The error codes the current request is answered with."""
    note = _CURRENT.get()
    if note is not None:
        note.codes = list(codes)


def operation_name(query: str, given: object) -> str | None:
    """The name the client gave the operation, or the one its document starts with."""
    if isinstance(given, str):
        return given
    found = _OPERATION.match(query)
    return found.group(1) if found else None


async def observed(metrics: Metrics, answer: Awaitable[Response]) -> Response:
    """``answer`` awaited with a note of its own, then counted, timed and logged."""
    started = time.perf_counter()
    note = RequestNote()
    token = _CURRENT.set(note)
    status = 500
    try:
        response = await answer
        status = response.status_code
        return response
    except BaseException:
        note.codes = ["INTERNAL_ERROR"]
        raise
    finally:
        _CURRENT.reset(token)
        seconds = time.perf_counter() - started
        operation = metrics.operation_label(note.operation)
        codes = note.codes or []
        metrics.observe_request(operation, codes, seconds)
        outcome = codes[0] if codes else "ok"
        log_request(note.request_id, note.tenant, operation, seconds * 1000, outcome, status)
