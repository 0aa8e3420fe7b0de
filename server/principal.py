"""The acting principal: who a use case acts for — one tenant, one user, their roles.

A request's principal comes from its bearer token (``server.auth``); a job, the
command line and the demo loader name a system user with the role the work needs.
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

    def has_any(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)
