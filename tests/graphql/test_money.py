"""Money is exact: what goes in comes out, to the fen, on both databases."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import models
from server.graphql.scalars import parse_money, serialize_money

TENANT = "sd-demo"
MAX_MONEY = Decimal("9999999999999999.99")
amounts = st.decimals(
    min_value=Decimal("0.01"), max_value=MAX_MONEY, places=2, allow_nan=False, allow_infinity=False
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(amounts, min_size=1, max_size=6))
@example(values=[Decimal("0.10"), Decimal("0.20"), MAX_MONEY, Decimal("1234567890123456.78")])
async def test_money_round_trips_exactly_through_the_database(
    engine: AsyncEngine, values: list[Decimal]
) -> None:
    async with engine.connect() as conn:
        transaction = await conn.begin()
        try:
            owner = (
                await conn.execute(
                    select(
                        models.Customer.id, models.Customer.manager_id, models.Customer.office_id
                    )
                    .where(models.Customer.tenant_id == TENANT)
                    .limit(1)
                )
            ).one()
            ids = [uuid.uuid4() for _ in values]
            await conn.execute(
                insert(models.Loan),
                [
                    {
                        "tenant_id": TENANT,
                        "id": id_,
                        "contract_no": f"MONEY-{id_.hex[:12]}",
                        "customer_id": owner.id,
                        "manager_id": owner.manager_id,
                        "office_id": owner.office_id,
                        "product": "WORKING_CAPITAL",
                        "principal": value,
                        "balance": value,
                        "annual_rate": Decimal("0.043500"),
                        "issued_on": dt.date(2025, 1, 1),
                        "matures_on": dt.date(2026, 1, 1),
                        "guarantee": "CREDIT",
                        "risk_class": "NORMAL",
                        "days_overdue": 0,
                        "created_by": "test",
                    }
                    for id_, value in zip(ids, values, strict=True)
                ],
            )
            result = await conn.execute(
                select(models.Loan.id, models.Loan.principal).where(
                    models.Loan.tenant_id == TENANT, models.Loan.id.in_(ids)
                )
            )
            stored = {row.id: row.principal for row in result}
            assert [stored[i] for i in ids] == values
            assert all(isinstance(v, Decimal) for v in stored.values())
            small = [v for v in values if v < Decimal("1e14")]
            if small:
                total = await conn.scalar(
                    select(func.sum(models.Loan.balance)).where(
                        models.Loan.tenant_id == TENANT,
                        models.Loan.id.in_(
                            [i for i, v in zip(ids, values, strict=True) if v in small]
                        ),
                    )
                )
                assert total == sum(small)
            await conn.execute(delete(models.Loan).where(models.Loan.id.in_(ids)))
        finally:
            await transaction.rollback()


@given(value=amounts)
def test_money_scalar_round_trips(value: Decimal) -> None:
    assert parse_money(serialize_money(value)) == value


@pytest.mark.parametrize("value", [0.1, 1, True, None, "1.001", "-0.01", " ", "1,000.00", "NaN"])
def test_money_scalar_refuses(value: object) -> None:
    with pytest.raises(ValueError, match="Money"):
        parse_money(value)
