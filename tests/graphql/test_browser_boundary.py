"""The browser boundary: operations only as POSTed JSON (a browser sends text/plain or a
form across origins without asking first), and cross-origin answers only for the origins
the ``cors_origins`` setting lists (none by default)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.app import create_app
from server.db import models
from server.policy.registry import PolicyRegistry
from server.settings import Settings

from ..conftest import Api

CREATE_OFFICE = (
    'mutation { createOffice(input: {code: "CSRF-1", name: "x", kind: HEAD_OFFICE}) '
    "{ __typename } }"
)
ALLOWED = "https://portal.bank.example"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", f'{{"query": "{CREATE_OFFICE}"}}'),
        ("application/x-www-form-urlencoded", f"query={CREATE_OFFICE}"),
        ("multipart/form-data; boundary=x", f"--x\r\n\r\n{CREATE_OFFICE}\r\n--x--"),
        (None, f'{{"query": "{CREATE_OFFICE}"}}'),
    ],
)
async def test_only_json_is_executed(
    api: Api, session: AsyncSession, content_type: str | None, body: str
) -> None:
    headers = {"Authorization": f"Bearer {api.token()}"}
    if content_type:
        headers["Content-Type"] = content_type
    before = await session.scalar(select(func.count()).select_from(models.Office))
    response = await api.client.post("/graphql", content=body.encode(), headers=headers)
    assert response.status_code == 415
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert await session.scalar(select(func.count()).select_from(models.Office)) == before


async def test_json_with_a_charset_is_json(api: Api) -> None:
    response = await api.client.post(
        "/graphql",
        content=b'{"query": "{ viewer { userId } }"}',
        headers={
            "Authorization": f"Bearer {api.token()}",
            "Content-Type": "application/json; charset=utf-8",
        },
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"viewer": {"userId": "u-test"}}


@pytest.fixture
async def client_with_origins(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
    request: pytest.FixtureRequest,
) -> AsyncIterator[httpx.AsyncClient]:
    origins: tuple[str, ...] = request.param
    app = create_app(
        dataclasses.replace(settings, cors_origins=origins),
        sessionmaker=sessionmaker,
        registry=registry,
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        yield client


def _preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }


@pytest.mark.parametrize("client_with_origins", [()], indirect=True)
async def test_no_origin_is_allowed_by_default(client_with_origins: httpx.AsyncClient) -> None:
    response = await client_with_origins.options("/graphql", headers=_preflight(ALLOWED))
    assert response.status_code == 405
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize("client_with_origins", [(ALLOWED,)], indirect=True)
async def test_a_listed_origin_passes_the_preflight_and_another_does_not(
    client_with_origins: httpx.AsyncClient,
) -> None:
    allowed = await client_with_origins.options("/graphql", headers=_preflight(ALLOWED))
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ALLOWED
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    other = await client_with_origins.options(
        "/graphql", headers=_preflight("https://evil.example")
    )
    assert other.status_code == 400
    assert "access-control-allow-origin" not in other.headers
