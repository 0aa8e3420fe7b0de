"""``GET /metrics`` (``server.observability.metrics``): counters of the requests answered,
by bounded operation name and outcome, the database gauges read at scrape time, and who
may scrape (loopback, or the holder of ``RURALCREDIT_METRICS_TOKEN``)."""

from __future__ import annotations

import dataclasses

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.auth import mint_token
from server.db import models
from server.domain import Role, RunStatus, WebhookDeliveryStatus
from server.observability.metrics import MAX_OPERATION_NAMES, Metrics, may_scrape
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


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _bearer(settings: Settings) -> dict[str, str]:
    token = mint_token(settings, tenant="sd-demo", user="u-metrics", roles=[Role.HR])
    return {"Authorization": f"Bearer {token}"}


async def test_metrics_scraped_after_some_requests_show_non_zero_counters(
    client: Client, settings: Settings
) -> None:
    async with client() as (_, http):
        for _ in range(3):
            ok = await http.post(
                "/graphql", json={"query": "query Ping { __typename }"}, headers=_bearer(settings)
            )
            assert ok.status_code == 200 and "errors" not in ok.json()
        bad = await http.post(
            "/graphql", json={"query": "query Typo { nope }"}, headers=_bearer(settings)
        )
        assert bad.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        anonymous = await http.post("/graphql", json={"query": "{ __typename }"})
        assert anonymous.status_code == 401
        scraped = await http.get("/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    samples = _samples(scraped.text)
    requests = "ruralcredit_graphql_requests_total"
    assert samples[(requests, (("operation", "Ping"), ("outcome", "ok")))] == 3
    typo = (("operation", "Typo"), ("outcome", "GRAPHQL_VALIDATION_FAILED"))
    assert samples[(requests, typo)] == 1
    refused = (("operation", "anonymous"), ("outcome", "UNAUTHENTICATED"))
    assert samples[(requests, refused)] == 1
    errors = "ruralcredit_graphql_errors_total"
    assert samples[(errors, (("code", "GRAPHQL_VALIDATION_FAILED"),))] == 1
    assert samples[(errors, (("code", "UNAUTHENTICATED"),))] == 1
    latency = "ruralcredit_graphql_request_duration_seconds_count"
    assert samples[(latency, (("operation", "Ping"),))] == 3
    assert (
        samples[("ruralcredit_graphql_request_duration_seconds_sum", (("operation", "Ping"),))] > 0
    )
    assert "sd-demo" not in scraped.text  # no tenant in a label


async def test_the_database_gauges_are_read_when_scraped(
    client: Client, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker() as session:
        d, r = models.WebhookDelivery, models.AppraisalRun
        pending = await session.scalar(
            select(func.count()).select_from(d).where(d.status == WebhookDeliveryStatus.PENDING)
        )
        runs = dict(
            (await session.execute(select(r.status, func.count()).group_by(r.status))).all()
        )
    async with client() as (app, http):
        with app.hub.listen("sd-demo"), app.hub.listen("ah-demo"):
            samples = _samples((await http.get("/metrics")).text)
        after = _samples((await http.get("/metrics")).text)
    assert samples[("ruralcredit_webhook_deliveries_pending", ())] == pending
    for status in RunStatus:
        key = ("ruralcredit_appraisal_runs", (("status", status.value),))
        assert samples[key] == runs.get(status, 0)
    assert samples[("ruralcredit_subscriptions_open", ())] == 2
    assert after[("ruralcredit_subscriptions_open", ())] == 0
    # The test's own connection is checked out of the pool while it runs.
    assert samples[("ruralcredit_db_pool_connections_in_use", ())] >= 1


def test_operation_names_are_bounded() -> None:
    metrics = Metrics()
    assert metrics.operation_label(None) == "anonymous"
    assert metrics.operation_label("") == "anonymous"
    assert metrics.operation_label("Loans") == "Loans"
    assert metrics.operation_label("x" * 64) == "x" * 64
    assert metrics.operation_label("x" * 65) == "other"
    assert metrics.operation_label("客户") == "other"
    assert metrics.operation_label("a-b") == "other"
    for n in range(MAX_OPERATION_NAMES):
        metrics.operation_label(f"Op{n}")
    assert metrics.operation_label("OneTooMany") == "other"
    assert metrics.operation_label("Loans") == "Loans"  # seen before the cap: kept


async def test_a_client_sending_many_names_cannot_grow_the_label_set(
    client: Client, settings: Settings
) -> None:
    async with client() as (app, http):
        for n in range(MAX_OPERATION_NAMES + 20):
            await http.post(
                "/graphql",
                json={"query": f"query Q{n} {{ __typename }}"},
                headers=_bearer(settings),
            )
        samples = _samples((await http.get("/metrics")).text)
    operations = {
        dict(labels)["operation"]
        for name, labels in samples
        if name == "ruralcredit_graphql_requests_total"
    }
    assert len(operations) == MAX_OPERATION_NAMES + 1
    assert (
        samples[("ruralcredit_graphql_requests_total", (("operation", "other"), ("outcome", "ok")))]
        == 20
    )
    assert app.metrics.operation_label("Q0") == "Q0"


async def test_metrics_are_served_to_loopback_only_by_default(client: Client) -> None:
    async with client(host="10.1.2.3") as (_, http):
        assert (await http.get("/metrics")).status_code == 403
    async with client(host="::1") as (_, http):
        assert (await http.get("/metrics")).status_code == 200


async def test_with_a_token_the_holder_scrapes_from_anywhere(
    client: Client, settings: Settings
) -> None:
    with_token = dataclasses.replace(settings, metrics_token="scrape-" + "k" * 30)
    async with client(host="10.1.2.3", settings_=with_token) as (_, http):
        assert (await http.get("/metrics")).status_code == 401
        wrong = {"Authorization": "Bearer scrape-wrong"}
        assert (await http.get("/metrics", headers=wrong)).status_code == 401
        right = {"Authorization": "Bearer scrape-" + "k" * 30}
        assert (await http.get("/metrics", headers=right)).status_code == 200
    async with client(settings_=with_token) as (_, http):
        # The token, once set, is needed from loopback too.
        assert (await http.get("/metrics")).status_code == 401


@pytest.mark.parametrize(
    ("authorization", "host", "token", "allowed"),
    [
        (None, "127.0.0.1", None, True),
        (None, "127.8.0.1", None, True),
        (None, "192.168.1.5", None, False),
        (None, "testclient", None, False),
        (None, None, None, False),
        ("Bearer abc", "8.8.8.8", "abc", True),
        ("bearer abc", "8.8.8.8", "abc", True),
        ("Basic abc", "127.0.0.1", "abc", False),
        ("Bearer abcd", "127.0.0.1", "abc", False),
    ],
)
def test_who_may_scrape(
    authorization: str | None, host: str | None, token: str | None, allowed: bool
) -> None:
    assert may_scrape(authorization, host, token) is allowed
