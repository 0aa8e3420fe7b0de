"""Lending's loaders of one request: customers and loans, their histories, duties."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from server.db import models
from server.graphql.lending.filters import customer_conditions, loan_conditions
from server.graphql.loaders import ChildListLoader, ChildPageLoader, EntityLoader, TenantSession
from server.services.duties import Duty, duties_for


class DutyLoader:
    """Due and overdue duties of many managers as of a date, in one pass."""

    def __init__(self, session: TenantSession) -> None:
        self._session = session
        self.loader: DataLoader[tuple[uuid.UUID, dt.date], list[Duty]] = DataLoader(
            load_fn=self._load
        )

    async def _load(self, keys: Sequence[tuple[uuid.UUID, dt.date]]) -> list[list[Duty]]:
        by_day: dict[dt.date, set[uuid.UUID]] = defaultdict(set)
        for manager_id, day in keys:
            by_day[day].add(manager_id)
        found: dict[tuple[uuid.UUID, dt.date], list[Duty]] = {}
        for day, ids in by_day.items():
            duties = await self._session.call(duties_for, self._session.tenant_id, ids, day)
            for manager_id, items in duties.items():
                found[(manager_id, day)] = items
        return [found.get(k, []) for k in keys]


class LendingLoaders:
    """Customers and loans by id and by parent, class, blacklist and lapse histories, duties."""

    def __init__(self, session: TenantSession) -> None:
        self.customer = EntityLoader(session, models.Customer)
        self.loan = EntityLoader(session, models.Loan)
        self.class_history = ChildListLoader(
            session,
            models.CustomerClassChange,
            models.CustomerClassChange.customer_id,
            [models.CustomerClassChange.changed_at, models.CustomerClassChange.id],
        )
        self.blacklist_history = ChildListLoader(
            session,
            models.BlacklistEntry,
            models.BlacklistEntry.customer_id,
            [models.BlacklistEntry.recorded_at, models.BlacklistEntry.id],
        )
        self.admission_lapses = ChildListLoader(
            session,
            models.AdmissionLapse,
            models.AdmissionLapse.customer_id,
            [models.AdmissionLapse.recorded_at, models.AdmissionLapse.id],
        )
        self.manager_loans = ChildPageLoader(
            session, models.Loan, models.Loan.manager_id, loan_conditions
        )
        self.customer_loans = ChildPageLoader(
            session, models.Loan, models.Loan.customer_id, loan_conditions
        )
        self.manager_customers = ChildPageLoader(
            session, models.Customer, models.Customer.manager_id, customer_conditions
        )
        self.duties = DutyLoader(session)
