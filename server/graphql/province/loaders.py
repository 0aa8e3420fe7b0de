"""The province's loaders of one request: each is one grouped statement for every tenant
of the list at once, kept to the caller's province in SQL (``server.db.queries.province``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from server.db import models
from server.db.queries import province as figures
from server.graphql.loaders import TenantSession

T = TypeVar("T")
ByTenant = Callable[[AsyncSession, str | None, Collection[str]], Awaitable[dict[str, T]]]


class ProvinceLoader(Generic[T]):
    """One aggregate of many tenants of the province, in one statement."""

    def __init__(self, session: TenantSession, province: str | None, query: ByTenant[T]) -> None:
        self._session = session
        self._province = province
        self._query = query
        self.loader: DataLoader[str, T] = DataLoader(load_fn=self._load)

    async def _load(self, tenant_ids: Sequence[str]) -> list[T]:
        found = await self._session.call(self._query, self._province, set(tenant_ids))
        return [found[t] for t in tenant_ids]

    async def load(self, tenant_id: str) -> T:
        return await self.loader.load(tenant_id)


class ProvinceLoaders:
    """Policy selections, manager and customer counts and loan books of the province's tenants."""

    def __init__(self, session: TenantSession, province: str | None) -> None:
        self.policies: ProvinceLoader[list[models.TenantPolicy]] = ProvinceLoader(
            session, province, figures.province_policies
        )
        self.managers = ProvinceLoader(session, province, figures.manager_counts)
        self.customers = ProvinceLoader(session, province, figures.customer_counts)
        self.loans = ProvinceLoader(session, province, figures.loan_books)
