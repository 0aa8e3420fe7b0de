"""Calling ``loans.create_loan`` in the lending-check tests: a loan's arguments, and the two
outcomes — refused by exactly these rules with nothing written, or written."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest

from server.clock import business_today
from server.db import models
from server.domain import CustomerKind, Guarantee, LoanProduct, Role
from server.errors import Refusal, Refused
from server.services import loans
from tests.builders import Bank
from tests.conftest import principal

ISSUE = business_today() - dt.timedelta(days=3)
"""A few days back: within the tenant's back-dating allowance (30 days by default)."""


def loan_input(
    customer: models.Customer,
    *,
    principal: str = "50000.00",
    issued_on: dt.date = ISSUE,
    manager: models.Manager | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The arguments of ``create_loan`` for a year's loan to ``customer``, entered on the
    business date ``today`` (by default the issue date: a loan entered the day it is made)."""
    corporate = customer.kind is CustomerKind.CORPORATE
    return {
        "customer_id": str(customer.id),
        "manager_id": None if manager is None else str(manager.id),
        "contract_no": f"HT-{uuid.uuid4().hex[:20]}",
        "product": LoanProduct.WORKING_CAPITAL if corporate else LoanProduct.FARMER_MICRO_CREDIT,
        "principal": Decimal(principal),
        "balance": None,
        "annual_rate": Decimal("0.0435"),
        "issued_on": issued_on,
        "matures_on": issued_on + dt.timedelta(days=365),
        "guarantee": Guarantee.CREDIT,
        "today": issued_on if today is None else today,
    }


async def create_loan(world: Bank, data: dict[str, Any]) -> models.Loan:
    return await loans.create_loan(
        world.session, world.registry, principal(world.tenant, (Role.BRANCH_HEAD,)), **data
    )


async def assert_refused(world: Bank, data: dict[str, Any], expected: set[str]) -> list[Refusal]:
    """The loan is Refused by exactly these rules, each once with an article; nothing written."""
    before = await world.footprint()
    with pytest.raises(Refused) as raised:
        await create_loan(world, data)
    refusals = raised.value.refusals
    rules = [r.rule for r in refusals]
    assert sorted(rules) == sorted(expected), refusals
    assert len(rules) == len(set(rules)), f"a rule is listed twice: {rules}"
    for refusal in refusals:
        assert refusal.article.strip(), refusal
        assert refusal.message.strip(), refusal
    assert await world.footprint() == before
    return refusals


async def assert_written(world: Bank, data: dict[str, Any]) -> models.Loan:
    before = await world.footprint()
    loan = await create_loan(world, data)
    assert loan.principal == data["principal"]
    assert str(loan.customer_id) == data["customer_id"]
    assert (await world.footprint())[0] == before[0] + 1
    stored = await world.session.get(models.Loan, (world.tenant, loan.id), populate_existing=True)
    assert stored is not None
    assert stored.principal == data["principal"]
    return loan
