"""The organisation's loaders of one request: offices, managers, their children."""

from __future__ import annotations

from server.db import models
from server.graphql.loaders import ChildListLoader, ChildPageLoader, EntityLoader, TenantSession
from server.graphql.org.filters import manager_conditions


class OrgLoaders:
    """Offices and managers by id, an office's children and managers, tier histories."""

    def __init__(self, session: TenantSession) -> None:
        self.office = EntityLoader(session, models.Office)
        self.manager = EntityLoader(session, models.Manager)
        self.office_children = ChildListLoader(
            session, models.Office, models.Office.parent_id, [models.Office.code]
        )
        self.tier_history = ChildListLoader(
            session,
            models.ManagerTierChange,
            models.ManagerTierChange.manager_id,
            [models.ManagerTierChange.effective_on, models.ManagerTierChange.id],
        )
        self.office_managers = ChildPageLoader(
            session, models.Manager, models.Manager.office_id, manager_conditions
        )
