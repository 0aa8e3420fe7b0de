"""A manager's accounts over GraphQL (the risk deposit 风险保证金): balances from movements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from tests.builders import Book
from tests.conftest import Api

TENANT = "sd-demo"

ACCOUNTS = """
query($id: ID!) { manager(id: $id) { accounts {
  account balance movements { amount direction article explanation explanationEn appraisalId recordedBy }
} } }
"""


@pytest.fixture
def book(session: AsyncSession) -> Book:
    return Book(session)


async def test_the_risk_deposit_balance_is_the_sum_of_its_movements(
    api: Api, book: Book, session: AsyncSession
) -> None:
    manager = await book.manager()
    assert (await api(ACCOUNTS, {"id": str(manager.id)}))["manager"]["accounts"] == []
    start = dt.datetime(2025, 1, 20, 9, 0, tzinfo=dt.UTC)
    movements = [
        ("RISK_DEPOSIT", "IN", "12345.67"),
        ("RISK_DEPOSIT", "IN", "0.01"),
        ("RISK_DEPOSIT", "IN", "7654.32"),
    ]
    for index, (account, direction, amount) in enumerate(movements):
        session.add(
            models.AccountMovement(
                tenant_id=TENANT,
                manager_id=manager.id,
                account=account,
                amount=Decimal(amount),
                direction=direction,
                article="第七章",
                explanation=f"年终绩效扣收 {index + 1}",
                explanation_en=f"year-end withholding {index + 1}",
                recorded_by="hr.test",
                recorded_at=start + dt.timedelta(days=index),
            )
        )
    await session.flush()
    (account,) = (await api(ACCOUNTS, {"id": str(manager.id)}))["manager"]["accounts"]
    assert account["account"] == "RISK_DEPOSIT"
    assert account["balance"] == "20000.00"
    assert [(m["direction"], m["amount"]) for m in account["movements"]] == [
        ("IN", "12345.67"),
        ("IN", "0.01"),
        ("IN", "7654.32"),
    ]
    assert account["movements"][0] == {
        "amount": "12345.67",
        "direction": "IN",
        "article": "第七章",
        "explanation": "年终绩效扣收 1",
        "explanationEn": "year-end withholding 1",
        "appraisalId": None,
        "recordedBy": "hr.test",
    }


async def test_an_out_movement_reduces_the_balance_per_account(
    api: Api, book: Book, session: AsyncSession
) -> None:
    manager = await book.manager()
    for account, direction, amount in [
        ("RISK_DEPOSIT", "IN", "3000.00"),
        ("RISK_DEPOSIT", "OUT", "1000.50"),
        ("PROFIT_SHARE", "IN", "88.80"),
    ]:
        session.add(
            models.AccountMovement(
                tenant_id=TENANT,
                manager_id=manager.id,
                account=account,
                amount=Decimal(amount),
                direction=direction,
                article="第七章",
                explanation="测试",
                recorded_by="hr.test",
            )
        )
    await session.flush()
    accounts = (await api(ACCOUNTS, {"id": str(manager.id)}))["manager"]["accounts"]
    assert {a["account"]: a["balance"] for a in accounts} == {
        "PROFIT_SHARE": "88.80",
        "RISK_DEPOSIT": "1999.50",
    }
