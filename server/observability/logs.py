"""Log lines as JSON, and the one line written per GraphQL request.

:class:`JsonFormatter` writes each record as one JSON object: ``time`` (UTC, ISO 8601),
``level``, ``logger``, ``message``, the fields of :data:`REQUEST_FIELDS` a record carries
(``extra=``), and ``exception`` when there is one. The redaction filter
(``server.log_redaction.Redact``) runs before any formatter, so what is written here is
already redacted. ``RURALCREDIT_LOG_FORMAT`` chooses ``json`` or ``text`` for
``ruralcredit`` commands (:func:`formatter`).

:func:`log_request` writes the request line: request id, tenant, operation name, duration,
outcome, HTTP status. Never variables, never the query text, never the caller's identity
beyond the tenant.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from server.log_redaction import app_logger

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
REQUEST_FIELDS = ("request_id", "tenant", "operation", "duration_ms", "outcome", "status")

request_log = app_logger("ruralcredit.request")


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in REQUEST_FIELDS:
            if name in record.__dict__:
                line[name] = record.__dict__[name]
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


def formatter(log_format: str) -> logging.Formatter:
    """The formatter for ``RURALCREDIT_LOG_FORMAT``."""
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def log_request(
    request_id: str,
    tenant: str | None,
    operation: str,
    duration_ms: float,
    outcome: str,
    status: int,
) -> None:
    """The line of one GraphQL request over HTTP (level INFO, logger ``ruralcredit.request``)."""
    request_log.info(
        "graphql %s %s %s in %.1f ms",
        operation,
        outcome,
        status,
        duration_ms,
        extra={
            "request_id": request_id,
            "tenant": tenant,
            "operation": operation,
            "duration_ms": round(duration_ms, 1),
            "outcome": outcome,
            "status": status,
        },
    )
