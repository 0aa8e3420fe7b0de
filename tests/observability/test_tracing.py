"""OpenTelemetry tracing (``server.observability.tracing``): with the setting on, a request
makes a span for HTTP, one for its GraphQL operation (named by it) with one per root
field, and one per SQL statement, all in one trace; no identity number given as a
variable or written in the document reaches any of them; and what is exported is masked
once more. Off (the default), nothing is traced."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from server.app import create_app
from server.auth import mint_token
from server.db.engine import create_engine
from server.domain import Role
from server.observability.tracing import (
    SAMPLER,
    RedactingExporter,
    TracedOperation,
    operation_label,
)
from server.policy.registry import PolicyRegistry
from server.settings import Settings

IDENTITY = "110101199003071234"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"


@pytest.fixture(scope="module")
def exporter() -> InMemorySpanExporter:
    """Every span of the process, kept in memory (the provider is the process's own)."""
    memory = InMemorySpanExporter()
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        current.add_span_processor(SimpleSpanProcessor(memory))
    else:
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(memory))
        trace.set_tracer_provider(provider)
    return memory


@pytest.fixture
def spans(exporter: InMemorySpanExporter) -> Iterator[InMemorySpanExporter]:
    exporter.clear()
    yield exporter
    exporter.clear()


@pytest.fixture
async def traced(
    settings: Settings, registry: PolicyRegistry, engine: AsyncEngine
) -> AsyncIterator[tuple[httpx.AsyncClient, Settings]]:
    """A traced app on an engine of its own beside the tests' migrated one (so that only
    its statements are traced), in a transaction rolled back at the end."""
    traced_settings = dataclasses.replace(settings, otel_enabled=True)
    own = create_engine(traced_settings)
    try:
        async with own.connect() as connection:
            transaction = await connection.begin()
            sessionmaker = async_sessionmaker(
                bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
            )
            app = create_app(traced_settings, sessionmaker=sessionmaker, registry=registry)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                yield http, traced_settings
            await transaction.rollback()
    finally:
        await own.dispose()


def _texts(span: ReadableSpan) -> list[str]:
    """Everything a span says, as text: name, attribute keys and values, events, status."""
    texts = [span.name, str(span.status.description or "")]
    for key, value in (span.attributes or {}).items():
        texts += [key, str(value)]
    for event in span.events:
        texts.append(event.name)
        texts += [f"{k}={v}" for k, v in (event.attributes or {}).items()]
    return texts


async def _post(
    http: httpx.AsyncClient, settings: Settings, query: str, variables: dict[str, Any]
) -> httpx.Response:
    token = mint_token(settings, tenant="sd-demo", user="u-trace", roles=[Role.HR, Role.RISK])
    return await http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )


async def test_a_request_is_one_trace_named_by_its_operation_without_its_values(
    traced: tuple[httpx.AsyncClient, Settings], spans: InMemorySpanExporter
) -> None:
    http, settings = traced
    response = await _post(
        http,
        settings,
        "query FindCustomers($s: String) { customers(first: 5, filter: {search: $s}) "
        "{ totalCount } }",
        {"s": IDENTITY},
    )
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    finished = spans.get_finished_spans()
    by_name = {s.name: s for s in finished}
    request = by_name["POST /graphql"]
    assert request.kind is trace.SpanKind.SERVER
    assert request.attributes is not None
    assert request.attributes["http.route"] == "/graphql"
    assert request.attributes["http.response.status_code"] == 200
    operation = by_name["GraphQL Operation: FindCustomers"]
    assert operation.attributes is not None
    assert operation.attributes["graphql.operation.name"] == "FindCustomers"
    assert operation.parent is not None and operation.parent.span_id == request.context.span_id
    root_field = by_name["GraphQL Resolving: customers"]
    assert root_field.parent is not None and root_field.parent.span_id == operation.context.span_id
    statements = [s for s in finished if s.instrumentation_scope.name == "ruralcredit.db"]
    assert statements, [s.name for s in finished]
    assert {s.context.trace_id for s in finished} == {request.context.trace_id}
    for span in finished:
        assert not any(IDENTITY in text for text in _texts(span)), span.name
        assert not any(key.startswith("graphql.param") for key in span.attributes or {})
        assert "query" not in (span.attributes or {})


async def test_a_value_written_in_the_document_or_the_path_is_not_recorded(
    traced: tuple[httpx.AsyncClient, Settings], spans: InMemorySpanExporter
) -> None:
    http, settings = traced
    literal = f'{{ customers(first: 1, filter: {{search: "{IDENTITY}"}}) {{ totalCount }} }}'
    assert (await _post(http, settings, literal, {})).status_code == 200
    assert (await http.get(f"/customers/{IDENTITY}")).status_code == 404
    finished = spans.get_finished_spans()
    names = [s.name for s in finished]
    assert "GraphQL Operation" in names  # no name given: none invented
    assert "GET" in names  # an unknown path: the method alone, no route
    for span in finished:
        assert not any(IDENTITY in text for text in _texts(span)), span.name


async def test_a_callers_trace_is_continued(
    traced: tuple[httpx.AsyncClient, Settings], spans: InMemorySpanExporter
) -> None:
    http, _ = traced
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    assert (await http.get("/healthz", headers={"traceparent": parent})).status_code == 200
    [request] = [s for s in spans.get_finished_spans() if s.name == "GET /healthz"]
    assert f"{request.context.trace_id:032x}" == "0af7651916cd43dd8448eb211c80319c"
    assert request.parent is not None and f"{request.parent.span_id:016x}" == "b7ad6b7169203331"


def test_what_is_exported_is_masked_once_more(exporter: InMemorySpanExporter) -> None:
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(RedactingExporter(memory)))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span(f"lookup {IDENTITY}") as span:
        span.set_attribute("db.statement", f"SELECT 1 -- {IDENTITY}")
        span.set_attribute("tags", [IDENTITY, "plain"])
        span.set_attribute("rows", 3)
        span.record_exception(ValueError(f"duplicate key (id_number)=({IDENTITY}) {TOKEN}"))
        span.set_status(trace.Status(trace.StatusCode.ERROR, f"failed on {IDENTITY}"))
    [exported] = memory.get_finished_spans()
    texts = _texts(exported)
    assert not any(IDENTITY in text or TOKEN in text for text in texts), texts
    assert exported.name == "lookup 110***********1234"
    assert exported.attributes is not None and exported.attributes["rows"] == 3
    assert exported.attributes["tags"] == ("110***********1234", "plain")
    assert "[token]" in str((exported.events[0].attributes or {})["exception.message"])


def test_traces_start_at_requests_only() -> None:
    memory = InMemorySpanExporter()
    provider = TracerProvider(sampler=SAMPLER)
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("SELECT", kind=trace.SpanKind.CLIENT) as loop:
        assert not loop.is_recording()  # a statement of a background loop
    with (
        tracer.start_as_current_span("POST /graphql", kind=trace.SpanKind.SERVER),
        tracer.start_as_current_span("SELECT", kind=trace.SpanKind.CLIENT),
    ):
        pass
    assert [s.name for s in memory.get_finished_spans()] == ["SELECT", "POST /graphql"]


@pytest.mark.parametrize(
    ("given", "shown"),
    [("Loans", "Loans"), ("x" * 65, None), ("no spaces", None), (None, None), ("", None)],
)
def test_operation_names_shown_are_plain_names(given: str | None, shown: str | None) -> None:
    assert operation_label(given) == shown


def test_off_by_default_nothing_is_traced(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
) -> None:
    assert not Settings.from_env({"RURALCREDIT_DATA_DIR": str(settings.data_dir)}).otel_enabled
    app = create_app(settings, sessionmaker=sessionmaker, registry=registry).state.ruralcredit
    assert (app.traced_operations, app.traced_requests) == ([], [])
    assert not any(
        isinstance(e, type) and issubclass(e, TracedOperation) for e in app.schema.extensions
    )


def test_switched_on_without_the_extra_the_start_stops_with_one_line(tmp_path: Path) -> None:
    """A module ``opentelemetry`` that is no package stands in for the packages missing."""
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "opentelemetry.py").write_text("")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(shadow),
        "RURALCREDIT_DATA_DIR": str(tmp_path / "data"),
        "RURALCREDIT_OTEL_ENABLED": "true",
    }
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "serve", "--port", "8799"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        "ruralcredit: configuration: RURALCREDIT_OTEL_ENABLED is on but OpenTelemetry is not "
        "installed: install ruralcredit[otel] (pip install 'ruralcredit[otel]', or build the "
        "image with --build-arg EXTRAS=otel), or switch the setting off"
    ]
