"""Unexpected errors are masked, logged with a request id, and roll the request back."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.graphql import loaders, nodes
from tests.conftest import Api


async def test_unexpected_error_is_masked_and_logged(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(_: str) -> str:
        raise RuntimeError("secret internals: 110105194912310020")

    monkeypatch.setattr(nodes, "mask_identity", explode)
    caplog.set_level(logging.ERROR, logger="ruralcredit.graphql")
    response = await api.client.post(
        "/graphql",
        json={"query": "{ customers(first: 1) { edges { node { idNumber } } } }"},
        headers={"Authorization": f"Bearer {api.token()}", "X-Request-ID": "req-123"},
    )
    body = response.json()
    assert response.headers["x-request-id"] == "req-123"
    error = body["errors"][0]
    assert error["extensions"] == {"code": "INTERNAL_ERROR", "requestId": "req-123"}
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    assert any("req-123" in r.getMessage() for r in caplog.records)


async def test_a_failing_mutation_rolls_back_the_whole_request(
    api: Api, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = (
        await session.execute(
            select(models.Office).where(
                models.Office.tenant_id == "sd-demo", models.Office.kind == "HEAD_OFFICE"
            )
        )
    ).scalar_one()
    before = await session.scalar(select(func.count()).select_from(models.Office))

    async def explode(self: object, ids: object) -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setattr(loaders.EntityLoader, "_load", explode)
    response = await api.post(
        """mutation($p: ID!) { createOffice(input: {code: "ROLLBACK", name: "回滚",
             kind: BRANCH, parentId: $p}) { ... on Office { id parent { id } } } }""",
        {"p": str(head.id)},
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_ERROR"
    assert await session.scalar(select(func.count()).select_from(models.Office)) == before


async def test_syntax_errors_are_reported_as_they_are(api: Api) -> None:
    response = await api.post("{ managers(first: 1) { edges { node { nope } } } }")
    error = response.json()["errors"][0]
    assert "nope" in error["message"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not json", 400),
        (b'{"query": 5}', 400),
        (b'{"query": "{ viewer { userId } }", "variables": [1]}', 400),
    ],
)
async def test_malformed_requests(api: Api, body: bytes, status: int) -> None:
    response = await api.client.post(
        "/graphql",
        content=body,
        headers={"Authorization": f"Bearer {api.token()}", "Content-Type": "application/json"},
    )
    assert response.status_code == status
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
