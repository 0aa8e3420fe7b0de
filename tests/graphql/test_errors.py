"""Unexpected errors are masked, logged with a request id (and without the identity numbers or
tokens their text may quote), and roll the request back."""

from __future__ import annotations

import logging
import random

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.graphql import loaders, nodes
from server.graphql.lending.mutations import customers
from server.identity_codes import make_resident_id, mask_identity
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


async def test_an_unexpected_error_is_logged_without_the_personal_data_it_quotes(
    api: Api,
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An error's text can quote the value it failed on (PostgreSQL's DETAIL line quotes the
    key of a unique violation, or the whole row of a check violation): the log masks it."""
    manager = (
        await session.execute(
            select(models.Manager).where(models.Manager.tenant_id == "sd-demo").limit(1)
        )
    ).scalar_one()
    id_number = make_resident_id(random.Random(88))
    token = api.token()

    async def quoting(*args: object, **kwargs: str) -> None:
        raise ValueError(f"cannot store {kwargs['id_number']} (caller {token})")

    monkeypatch.setattr(customers, "create_customer", quoting)
    caplog.set_level(logging.DEBUG, logger="ruralcredit")
    response = await api.client.post(
        "/graphql",
        json={
            "query": """mutation($input: CreateCustomerInput!) {
              createCustomer(input: $input) { __typename } }""",
            "variables": {
                "input": {
                    "kind": "INDIVIDUAL",
                    "segment": "FARMER",
                    "name": "王小二",
                    "idNumber": id_number,
                    "managerId": str(manager.id),
                }
            },
        },
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": "req-456"},
    )
    assert response.json()["errors"][0]["extensions"]["requestId"] == "req-456"
    [record] = [r for r in caplog.records if "req-456" in r.getMessage()]
    written = logging.Formatter().format(record)  # as a handler writes it, traceback included
    assert "ValueError: cannot store" in written
    assert mask_identity(id_number) in written
    assert id_number not in written
    assert token not in written
