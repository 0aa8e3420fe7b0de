"""The acting principal: who a use case acts for — one tenant, one user, their roles.

A request's principal comes from its bearer token (``server.auth``); a job, the
command line and the demo loader name a system user with the role the work needs.

Three roles see less than their tenant, and their token says how much (the spec's
roles table): ``MANAGER`` carries ``manager`` (the own employee number),
``BRANCH_HEAD`` carries ``office`` (the code of the office whose subtree it heads),
``FEDERATION_ADMIN`` carries ``province``. A request checks once that they name a
manager, an office and the province of the tenant; the data scopes are built from them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from server.domain import Role


@dataclass(frozen=True)
class Principal:
    """Who is acting: always exactly one tenant."""

    tenant_id: str
    user_id: str
    roles: frozenset[Role]
    expires_at: dt.datetime | None = None
    manager: str | None = None
    office: str | None = None
    province: str | None = None

    def has_any(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)

    def is_person(self, other: str | None) -> bool:
        """Whether ``other`` names this principal's person (user ids compare case-insensitively)."""
        return other is not None and other.casefold() == self.user_id.casefold()

    def is_manager(self, employee_no: str) -> bool:
        """Whether the manager with ``employee_no`` may be this principal's own person: the
        ``manager`` claim names it, or the user id is that employee number (both compared
        case-insensitively). Used to refuse acting on one's own record, so it errs on the
        side of a match."""
        number = employee_no.casefold()
        claimed = self.manager is not None and self.manager.casefold() == number
        return claimed or self.user_id.casefold() == number
