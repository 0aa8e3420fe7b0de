"""Data scopes as SQL: which of a tenant's rows a principal reaches.

A scope is the tenant plus, unless it reaches the whole tenant, the union of an
office subtree (``BRANCH_HEAD``'s ``office`` claim, an office code) and one
manager's own records (``MANAGER``'s ``manager`` claim, an employee number). The
claims enter the statement as they are (sub-selects on the unique office code and
employee number), so a scope needs no lookup of its own. :meth:`Scope.where` turns
it into conditions on one model, to put in the statement that reads it — a list, a
lookup, a count, a
nested page — so that a row outside the scope is never loaded: it is not found,
exactly like another tenant's. A scope reaching nothing matches no row.

What "own" means per kind of row (the spec's roles table): a manager's own record;
the customers they are responsible for; those customers' loans; their own office;
every other row through the manager, customer, loan or office it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select

from server.db import models


@dataclass(frozen=True)
class Scope:
    """The rows of ``tenant_id`` one principal reaches for one purpose."""

    tenant_id: str
    whole_tenant: bool = False
    office: str | None = None
    manager: str | None = None

    @property
    def reaches_nothing(self) -> bool:
        return not self.whole_tenant and self.office is None and self.manager is None

    def where(self, model: Any) -> list[ColumnElement[bool]]:
        """Conditions that keep ``model``'s rows to this scope (the tenant's included)."""
        tenant = model.tenant_id == self.tenant_id
        if self.whole_tenant:
            return [tenant]
        parts = [c for c in (self._subtree(model), self._own(model)) if c is not None]
        if not parts:
            return [tenant, false()]
        return [tenant, parts[0] if len(parts) == 1 else or_(*parts)]

    def ids(self, model: Any) -> Any:
        """The ids of ``model``'s rows in scope, as a statement for ``IN``."""
        return select(model.id).where(*self.where(model))

    def _offices(self) -> Any:
        """The ids of the subtree under the office whose code the scope names."""
        o = models.Office
        root = select(o.path).where(o.tenant_id == self.tenant_id, o.code == self.office)
        return select(o.id).where(
            o.tenant_id == self.tenant_id, o.path.like(root.scalar_subquery() + "%")
        )

    def _me(self) -> Any:
        m = models.Manager
        return (
            select(m.id)
            .where(m.tenant_id == self.tenant_id, m.employee_no == self.manager)
            .scalar_subquery()
        )

    def _subtree(self, model: Any) -> ColumnElement[bool] | None:
        if self.office is None:
            return None
        if model is models.Office:
            return models.Office.id.in_(self._offices())
        if hasattr(model, "office_id"):
            return model.office_id.in_(self._offices())  # type: ignore[no-any-return]
        return self._through_parent(model, Scope(self.tenant_id, office=self.office))

    def _own(self, model: Any) -> ColumnElement[bool] | None:
        if self.manager is None:
            return None
        me = self._me()
        m = models.Manager
        if model is m:
            return m.id == me  # type: ignore[no-any-return]
        if model is models.Office:
            own_office = select(m.office_id).where(m.tenant_id == self.tenant_id, m.id == me)
            return models.Office.id.in_(own_office)
        if model is models.Customer:
            return models.Customer.manager_id == me  # type: ignore[no-any-return]
        if model is models.Loan:
            mine = select(models.Customer.id).where(
                models.Customer.tenant_id == self.tenant_id, models.Customer.manager_id == me
            )
            return models.Loan.customer_id.in_(mine)
        return self._through_parent(model, Scope(self.tenant_id, manager=self.manager))

    def _through_parent(self, model: Any, part: Scope) -> ColumnElement[bool] | None:
        """A row that belongs to a manager, a loan, a customer, an office, an appraisal or a
        violation is in scope when what it belongs to is (in that order of preference)."""
        for column, parent in (
            ("manager_id", models.Manager),
            ("loan_id", models.Loan),
            ("customer_id", models.Customer),
            ("office_id", models.Office),
            ("appraisal_id", models.Appraisal),
            ("violation_id", models.Violation),
        ):
            if hasattr(model, column):
                return getattr(model, column).in_(part.ids(parent))  # type: ignore[no-any-return]
        return None
