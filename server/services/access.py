"""Authorisation for use cases: the permission table's row, and the scope it grants.

``authorize(actor, "createLoan")`` refuses an actor none of whose roles the table
(``server.permissions``) allows for the operation, and otherwise returns the data
scope the allowed roles reach together: the whole tenant for a tenant-wide role,
the office subtree for ``BRANCH_HEAD``, the own records for ``MANAGER``. A use case
then finds its targets with :func:`get_in_scope` — a target outside the scope is
not found, like another tenant's.

A ``FEDERATION_ADMIN`` acts on the tenants of its province (claim ``province``):
:func:`acting_tenant` finds the one a use case names, and one of another province is
not found, like a tenant that does not exist.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.db.queries.province import tenant_in_province
from server.db.scope import Scope
from server.domain import Role
from server.errors import NotFound, PermissionDenied
from server.permissions import STAFF, allowed_roles, refusal
from server.principal import Principal
from server.services.common import get_in_scope as get_in_scope
from server.services.common import require_tenant

ModelT = TypeVar("ModelT", bound=models.Base)

#: Roles whose scope is the whole tenant (for what the table lets them call).
TENANT_WIDE = frozenset({Role.HR, Role.RISK, Role.AUDITOR, Role.INTEGRATOR, Role.FEDERATION_ADMIN})


def scope_of(actor: Principal, roles: frozenset[Role]) -> Scope:
    """What ``roles`` of the actor's reach together."""
    held = actor.roles & roles
    return Scope(
        tenant_id=actor.tenant_id,
        whole_tenant=not held.isdisjoint(TENANT_WIDE),
        office=actor.office if Role.BRANCH_HEAD in held else None,
        manager=actor.manager if Role.MANAGER in held else None,
    )


def read_scope(actor: Principal) -> Scope:
    """What the actor reads of the tenant's people and business (its staff roles)."""
    return scope_of(actor, STAFF)


def authorize(actor: Principal, operation: str, kind: str = "mutation") -> Scope:
    """The scope ``actor`` may act in for ``operation``, or ``PermissionDenied``."""
    allowed = allowed_roles(kind, operation)
    if actor.roles.isdisjoint(allowed):
        raise PermissionDenied(refusal(kind, operation))
    return scope_of(actor, allowed)


async def acting_tenant(
    session: AsyncSession, actor: Principal, tenant: str | None
) -> models.Tenant:
    """The tenant a use case acts on: the actor's own when ``tenant`` is None, otherwise the
    tenant named if it lies in the actor's province; any other is ``NotFound``."""
    if tenant is None:
        return await require_tenant(session, actor.tenant_id)
    row = await tenant_in_province(session, tenant, actor.province)
    if row is None:
        raise NotFound("Tenant", tenant, "tenant")
    return row
