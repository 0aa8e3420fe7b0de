"""An application under test with its own HTTP client (the client's address chosen)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from server.app import App, create_app
from server.policy.registry import PolicyRegistry
from server.settings import Settings

Client = Callable[..., AbstractAsyncContextManager[tuple[App, httpx.AsyncClient]]]


def client_factory(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession] | None,
    registry: PolicyRegistry,
) -> Client:
    @asynccontextmanager
    async def client(
        host: str = "127.0.0.1", settings_: Settings | None = None
    ) -> AsyncIterator[tuple[App, httpx.AsyncClient]]:
        starlette: Starlette = create_app(
            settings_ or settings, sessionmaker=sessionmaker, registry=registry
        )
        transport = httpx.ASGITransport(app=starlette, client=(host, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield starlette.state.ruralcredit, http

    return client
