"""OpenTelemetry tracing: the optional extra ``ruralcredit[otel]``, switched on by
``RURALCREDIT_OTEL_ENABLED``.

Imported only when tracing is on (``server.app``), so the server runs without the
packages; with the setting on and the packages missing, the start stops at the settings
with one line that says to install the extra (``server.settings``).

What a traced server process records:

- one span per HTTP request (:class:`TracingMiddleware`), named ``POST /graphql``: the
  method, the route (the matched route's template, never the raw path: an unknown path
  is recorded as no route), the response status. A W3C ``traceparent`` header sent by the
  caller is continued;
- under it, one span per GraphQL operation (strawberry's ``OpenTelemetryExtension``)
  named by the operation, and one per root field resolved (``GraphQL Resolving:
  managers``); nested fields get none, or a page of 100 items would make hundreds;
- one span per SQL statement (``opentelemetry-instrumentation-sqlalchemy``): the
  statement with its placeholders, never the parameters.

No personal data leaves with them. The operation's text is not recorded (a literal in
it can be an identity number), nor any argument or variable value, nor the client's
address, user agent, query string or headers. And every span is exported through
:class:`RedactingExporter`, which masks identity numbers and replaces bearer tokens in
span names, attributes, events and status descriptions (an error's text can quote the
row it failed on), as every log record is masked (``server.log_redaction``).

A trace starts at a request only (:data:`SAMPLER`): the statements of the process's own
loops are not traced. Spans go over OTLP/HTTP (protobuf) in batches. Where to, and under
which service name, the SDK reads from the standard variables
``OTEL_EXPORTER_OTLP_ENDPOINT`` (default ``http://localhost:4318``),
``OTEL_EXPORTER_OTLP_HEADERS``, ``OTEL_SERVICE_NAME`` and ``OTEL_RESOURCE_ATTRIBUTES``;
the service name defaults to ``ruralcredit``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

from graphql import GraphQLResolveInfo
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    ParentBased,
    Sampler,
    SamplingResult,
)
from opentelemetry.trace import Link, SpanKind, Status, StatusCode
from opentelemetry.util.types import Attributes
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import LifecycleStep, SchemaExtension
from strawberry.extensions.tracing import OpenTelemetryExtension

from server.log_redaction import redact

SERVICE_NAME = "ruralcredit"
TRACER = "ruralcredit.http"
_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def operation_label(name: str | None) -> str | None:
    """An operation's name as spans show it: a plain GraphQL name of at most 64
    characters (masked all the same), else none."""
    if name is None or not _PLAIN_NAME.match(name):
        return None
    return redact(name)


class TracedOperation(OpenTelemetryExtension):
    """Strawberry's extension, without what could carry personal data: the document's
    text and the resolvers' arguments are not recorded; root fields only get a span."""

    def on_operation(self) -> Any:
        context = self.execution_context
        span = self._tracer.start_span(_operation_span_name(context.operation_name))
        span.set_attribute("component", "graphql")
        self._span_holder[LifecycleStep.OPERATION] = span
        try:
            yield
        finally:
            named = operation_label(context.operation_name)
            if named is not None:
                span.update_name(_operation_span_name(named))
                span.set_attribute("graphql.operation.name", named)
            result = context.result
            if context.pre_execution_errors or (result is not None and result.errors):
                span.set_status(Status(StatusCode.ERROR))
            span.end()

    def filter_resolver_args(
        self, args: dict[str, Any], info: GraphQLResolveInfo[Any]
    ) -> dict[str, Any]:
        return {}

    async def resolve(
        self,
        _next: Callable[..., Any],
        root: Any,
        info: GraphQLResolveInfo[Any],
        *args: str,
        **kwargs: Any,
    ) -> Any:
        if info.path.prev is not None:
            result = _next(root, info, *args, **kwargs)
            if hasattr(result, "__await__"):
                result = await result
            return result
        return await super().resolve(_next, root, info, *args, **kwargs)


def _operation_span_name(name: str | None) -> str:
    label = operation_label(name)
    return f"GraphQL Operation: {label}" if label else "GraphQL Operation"


class TracingMiddleware:
    """One SERVER span per HTTP request (ASGI); WebSockets and lifespan pass through."""

    def __init__(self, app: ASGIApp, tracer_provider: trace.TracerProvider) -> None:
        self.app = app
        self.tracer = tracer_provider.get_tracer(TRACER)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = str(scope.get("method", "GET"))
        carrier = {
            key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]
        }
        with self.tracer.start_as_current_span(
            method,
            context=propagate.extract(carrier),
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "url.scheme": scope.get("scheme", "http")},
            record_exception=False,
        ) as span:

            async def send_traced(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                    span.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        span.set_status(Status(StatusCode.ERROR))
                await send(message)

            try:
                await self.app(scope, receive, send_traced)
            finally:
                route = getattr(scope.get("route"), "path", None)
                if isinstance(route, str):
                    span.set_attribute("http.route", route)
                    span.update_name(f"{method} {route}")


def _redacted_attributes(attributes: Attributes) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for key, value in (attributes or {}).items():
        if isinstance(value, str):
            cleaned[key] = redact(value)
        elif isinstance(value, Sequence) and not isinstance(value, bytes):
            cleaned[key] = tuple(redact(v) if isinstance(v, str) else v for v in value)
        else:
            cleaned[key] = value
    return cleaned


def redacted(span: ReadableSpan) -> ReadableSpan:
    """A copy of ``span`` with identity numbers masked and tokens replaced in its name,
    attributes, events and status description."""
    status = span.status
    if status.description:
        status = Status(status.status_code, redact(status.description))
    return ReadableSpan(
        name=redact(span.name),
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=_redacted_attributes(span.attributes),
        events=[
            Event(redact(e.name), _redacted_attributes(e.attributes), e.timestamp)
            for e in span.events
        ],
        links=span.links,
        kind=span.kind,
        status=status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class RedactingExporter(SpanExporter):
    """Exports through ``inner`` what :func:`redacted` leaves of each span."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.inner.export([redacted(span) for span in spans])

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


class RequestRoots(Sampler):
    """Traces start at a request (a SERVER span) only: the statements of the process's
    own loops (webhook delivery, job sweeps, the listener) would make a trace of one span
    every second or so."""

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: trace.TraceState | None = None,
    ) -> SamplingResult:
        chosen = ALWAYS_ON if kind is SpanKind.SERVER else ALWAYS_OFF
        return chosen.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return "RequestRoots"


SAMPLER = ParentBased(root=RequestRoots())
"""Every request's trace whole (a caller's sampling decision is followed), nothing else."""


def _otlp_provider() -> TracerProvider:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    provider = TracerProvider(
        sampler=SAMPLER, resource=Resource.create({"service.name": SERVICE_NAME})
    )
    provider.add_span_processor(BatchSpanProcessor(RedactingExporter(OTLPSpanExporter())))
    return provider


def tracer_provider() -> trace.TracerProvider:
    """The process's provider: one set up before (by the program embedding the server, or
    a test), else a new one exporting over OTLP, made the process's own."""
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current
    provider = _otlp_provider()
    trace.set_tracer_provider(provider)
    return provider


def instrument_engine(bind: Any, provider: trace.TracerProvider) -> None:
    """A span per SQL statement of ``bind`` (an ``AsyncEngine`` or ``Engine``), once."""
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.metrics import NoOpMeterProvider

    engine = getattr(bind, "sync_engine", bind)
    if engine is None or getattr(engine, "_ruralcredit_traced", False):
        return
    counter = NoOpMeterProvider().get_meter(TRACER).create_up_down_counter("db.connections")
    EngineTracer(provider.get_tracer("ruralcredit.db"), engine, counter)  # type: ignore[no-untyped-call]
    engine._ruralcredit_traced = True


def install(bind: Any) -> tuple[list[Callable[[], SchemaExtension]], list[Middleware]]:
    """Tracing for one application: the schema extension and the HTTP middleware, with
    the statements of ``bind`` traced."""
    provider = tracer_provider()
    instrument_engine(bind, provider)
    extension = functools.partial(TracedOperation, tracer_provider=provider)
    return [extension], [Middleware(TracingMiddleware, tracer_provider=provider)]
