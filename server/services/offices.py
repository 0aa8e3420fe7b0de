"""Offices: the tenant's tree of head office → branches → outlets."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import OfficeKind
from server.errors import Conflict, Problems
from server.ids import uuid7
from server.principal import Principal
from server.services.access import authorize, get_in_scope
from server.services.common import require_tenant

CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
PARENT_KIND = {
    OfficeKind.HEAD_OFFICE: None,
    OfficeKind.BRANCH: OfficeKind.HEAD_OFFICE,
    OfficeKind.OUTLET: OfficeKind.BRANCH,
}


async def create_office(
    session: AsyncSession,
    actor: Principal,
    *,
    code: str,
    name: str,
    kind: OfficeKind,
    parent_id: str | None,
    has_credit_clerk: bool = False,
) -> models.Office:
    scope = authorize(actor, "createOffice")
    await require_tenant(session, actor.tenant_id)
    problems = Problems()
    code = code.strip()
    name = name.strip()
    if not CODE_PATTERN.match(code):
        problems.add("code", "FORMAT", "code must be 1–40 letters, digits, '-' or '_'")
    if not 1 <= len(name) <= 200:
        problems.add("name", "LENGTH", "name must be 1–200 characters")
    expected_parent = PARENT_KIND[kind]
    parent: models.Office | None = None
    if expected_parent is None:
        if parent_id is not None:
            problems.add("parent_id", "HEAD_OFFICE_HAS_NO_PARENT", "a head office has no parent")
        heads = await session.scalar(
            select(func.count()).where(
                models.Office.tenant_id == actor.tenant_id,
                models.Office.kind == OfficeKind.HEAD_OFFICE,
            )
        )
        if heads:
            raise Conflict("the tenant already has a head office", "kind")
    elif parent_id is None:
        problems.add("parent_id", "REQUIRED", f"a {kind.value} needs a parent office")
    problems.raise_if_any()
    if expected_parent is not None:
        parent = await get_in_scope(
            session, models.Office, scope, parent_id, field="parent_id", entity="Office"
        )
        if parent.kind != expected_parent:
            problems.add(
                "parent_id",
                "PARENT_KIND",
                f"the parent of a {kind.value} must be a {expected_parent.value}, "
                f"not a {parent.kind.value}",
            )
            problems.raise_if_any()
    if await session.scalar(
        select(models.Office.id).where(
            models.Office.tenant_id == actor.tenant_id, models.Office.code == code
        )
    ):
        raise Conflict(f"office code {code} is already used", "code")
    office_id = uuid7()
    path = f"{parent.path if parent else '/'}{office_id}/"
    office = models.Office(
        tenant_id=actor.tenant_id,
        id=office_id,
        parent_id=parent.id if parent else None,
        code=code,
        name=name,
        kind=kind,
        path=path,
        depth=parent.depth + 1 if parent else 0,
        has_credit_clerk=has_credit_clerk,
    )
    session.add(office)
    await session.flush()
    return office
