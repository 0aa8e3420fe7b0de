"""The request context: the session, the principal, the loaders (built fresh per request),
and the audit trail of the request's mutations (``server.graphql.audit.trail``).

Loaders of different kinds dispatch concurrently, and one session runs one
statement at a time, so the context alone holds the session's lock: ``execute``,
``get``, ``scalar``, ``scalars`` and ``call`` (a session-first query or service
function) take it, and nothing else does. The context is the ``TenantSession`` the
loaders read through and the ``PageReader`` connections read through.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Result
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql import Executable
from strawberry.types import Info

from server.db.scope import Scope
from server.graphql.appraisal.loaders import AppraisalLoaders
from server.graphql.audit.trail import AuditTrail
from server.graphql.lending.loaders import LendingLoaders
from server.graphql.org.loaders import OrgLoaders
from server.graphql.province.loaders import ProvinceLoaders
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.access import read_scope
from server.services.tenant_settings import tenant_today
from server.services.webhook_addresses import AddressPolicy
from server.settings import Settings

if TYPE_CHECKING:
    from server.jobs.backends import JobBackend

ModelT = TypeVar("ModelT")
PARTITION_ROWS = 200
"""Rows turned into objects at a time by ``Context.scalars``: a nested page's batch of
7,700 loans made in one go holds the event loop (every other request, ``/healthz`` too)
for 0.15–0.2 s; 200 at a time, a few milliseconds each."""
P = ParamSpec("P")
T = TypeVar("T")


class Loaders:
    """The loaders of one request, by domain."""

    def __init__(self, context: Context) -> None:
        self.org = OrgLoaders(context)
        self.lending = LendingLoaders(context)
        self.appraisal = AppraisalLoaders(context)
        self.province = ProvinceLoaders(context, context.principal.province)


@dataclass
class Context:
    """What one request's resolvers share."""

    session: AsyncSession
    principal: Principal
    settings: Settings
    registry: PolicyRegistry
    request_id: str
    sessionmaker: async_sessionmaker[AsyncSession]
    scope: Scope = field(init=False)
    webhook_addresses: AddressPolicy = field(default_factory=AddressPolicy)
    """Where webhooks may go; by default public addresses only, names resolved by the system."""
    jobs: JobBackend | None = None
    """Where background jobs go (``server.jobs.backends``)."""
    after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    """What to do once the request's transaction is committed (e.g. hand a recorded run to
    the job backend); nothing of it happens when the request is rolled back."""
    loaders: Loaders = field(init=False)
    audit: AuditTrail = field(init=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self.scope = read_scope(self.principal)
        self.loaders = Loaders(self)
        self.audit = AuditTrail(self.principal, self.request_id)

    @property
    def tenant_id(self) -> str:
        return self.principal.tenant_id

    async def today(self) -> dt.date:
        """The tenant's business date (its zone read once per request, kept in the session)."""
        return await self.call(tenant_today, self.tenant_id)

    async def execute(self, statement: Executable, params: Any = None) -> Result[Any]:
        async with self._lock:
            return await self.session.execute(statement, params)

    async def get(self, model: type[ModelT], key: Any) -> ModelT | None:
        async with self._lock:
            return await self.session.get(model, key)

    async def scalar(self, statement: Executable) -> Any:
        async with self._lock:
            return await self.session.scalar(statement)

    async def scalars(self, statement: Executable) -> list[Any]:
        """Every row's first column (the entity), made into objects ``PARTITION_ROWS`` at a
        time, the event loop free to run other requests in between."""
        async with self._lock:
            result = await self.session.stream_scalars(statement)
            rows: list[Any] = []
            async for partition in result.partitions(PARTITION_ROWS):
                rows.extend(partition)
                # A partition from the driver's buffer needs no I/O, so nothing else
                # would run before the next one: give the event loop its turn.
                await asyncio.sleep(0)
            return rows

    async def call(
        self,
        function: Callable[Concatenate[AsyncSession, P], Awaitable[T]],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """``function(session, *args, **kwargs)``, with the session to itself meanwhile."""
        async with self._lock:
            return await function(self.session, *args, **kwargs)


Ctx = Info[Context, None]
