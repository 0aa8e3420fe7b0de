"""Per-request context: the session, the principal, the loaders (never shared)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql import Executable

from server.auth import Principal
from server.policy.registry import PolicyRegistry
from server.settings import Settings

ModelT = TypeVar("ModelT")

if TYPE_CHECKING:
    from sqlalchemy.engine import Result

    from server.graphql.loaders import Loaders


@dataclass
class Context:
    session: AsyncSession
    principal: Principal
    settings: Settings
    registry: PolicyRegistry
    request_id: str
    sessionmaker: async_sessionmaker[AsyncSession]
    loaders: Loaders = field(init=False)
    # Loaders of different kinds dispatch concurrently; one session runs one statement at a time.
    db_lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)

    def __post_init__(self) -> None:
        from server.graphql.loaders import Loaders

        self.loaders = Loaders(self)

    @property
    def tenant_id(self) -> str:
        return self.principal.tenant_id

    async def execute(self, statement: Executable, params: Any = None) -> Result[Any]:
        async with self.db_lock:
            return await self.session.execute(statement, params)

    async def get(self, model: type[ModelT], key: Any) -> ModelT | None:
        async with self.db_lock:
            return await self.session.get(model, key)

    async def scalar(self, statement: Executable) -> Any:
        async with self.db_lock:
            return await self.session.scalar(statement)
