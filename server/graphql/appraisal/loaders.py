"""Appraisal's loaders of one request: a manager's appraisals, their items, accounts, and
each violation's status changes."""

from __future__ import annotations

from server.db import models
from server.graphql.appraisal.filters import appraisal_conditions
from server.graphql.loaders import ChildListLoader, ChildPageLoader, EntityLoader, TenantSession


class AppraisalLoaders:
    """A manager's appraisals and account movements, an appraisal's items."""

    def __init__(self, session: TenantSession) -> None:
        self.appraisal = EntityLoader(session, models.Appraisal)
        self.appraisal_items = ChildListLoader(
            session,
            models.AppraisalItem,
            models.AppraisalItem.appraisal_id,
            [models.AppraisalItem.position],
        )
        self.manager_appraisals = ChildPageLoader(
            session, models.Appraisal, models.Appraisal.manager_id, appraisal_conditions
        )
        self.account_movements = ChildListLoader(
            session,
            models.AccountMovement,
            models.AccountMovement.manager_id,
            [models.AccountMovement.account, models.AccountMovement.recorded_at],
        )
        self.violation_history = ChildListLoader(
            session,
            models.ViolationStatusChange,
            models.ViolationStatusChange.violation_id,
            [models.ViolationStatusChange.changed_at, models.ViolationStatusChange.id],
        )
