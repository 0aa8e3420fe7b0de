"""The entity types that link to each other: nested fields agree with the database; lookups by id."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from tests.conftest import Api

TENANT = "sd-demo"


async def _count(session: AsyncSession, model: Any, *conditions: Any) -> int:
    stmt = select(func.count()).select_from(model).where(model.tenant_id == TENANT, *conditions)
    return int(await session.scalar(stmt) or 0)


async def test_nested_fields_agree_with_the_database(api: Api, session: AsyncSession) -> None:
    data = await api(
        """{ managers(first: 3) { edges { node { id office { id name }
             tier { code rank } tierHistory { cause toTier { code } }
             loans(first: 100) { totalCount edges { node { balance
               customer { id manager { id } } manager { id } } } }
             customers(first: 2) { totalCount edges { node { id loans { totalCount } } } } } } } }"""
    )
    for edge in data["managers"]["edges"]:
        m = edge["node"]
        mid = uuid.UUID(m["id"])
        assert m["loans"]["totalCount"] == await _count(
            session, models.Loan, models.Loan.manager_id == mid
        )
        assert all(e["node"]["manager"]["id"] == m["id"] for e in m["loans"]["edges"])
        assert m["customers"]["totalCount"] == await _count(
            session, models.Customer, models.Customer.manager_id == mid
        )
        if m["tier"]:
            assert m["tierHistory"][-1]["toTier"]["code"] == m["tier"]["code"]
        for loan in m["loans"]["edges"]:
            Decimal(loan["node"]["balance"])  # a decimal string, exactly


async def test_lookup_by_id_and_unknown_id(api: Api, session: AsyncSession) -> None:
    loan = (
        await session.execute(select(models.Loan).where(models.Loan.tenant_id == TENANT).limit(1))
    ).scalar_one()
    data = await api(
        """query($id: ID!) { loan(id: $id) { contractNo principal customer { name } }
             missing: loan(id: "00000000-0000-7000-8000-000000000000") { id }
             malformed: manager(id: "nope") { id } }""",
        {"id": str(loan.id)},
    )
    assert data["loan"]["contractNo"] == loan.contract_no
    assert Decimal(data["loan"]["principal"]) == loan.principal
    assert data["missing"] is None
    assert data["malformed"] is None
