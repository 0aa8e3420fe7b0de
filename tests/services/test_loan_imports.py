"""A loan-state file applied in batches (``server.services.loan_imports.apply_file``): the
follow-on of a customer whose loans fall in several batches runs once, on its final state."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import CustomerClass, RiskClass, Role
from server.policy.registry import PolicyRegistry
from server.services.classification import reclassify
from server.services.loan_files import read_loan_file
from server.services.loan_imports import apply_file
from tests.builders import bank
from tests.conftest import principal
from tests.services.test_loan_book import ISSUED, TODAY

TENANT = "sx-demo"
RISK = principal(TENANT, (Role.RISK,))
AS_OF = TODAY - dt.timedelta(days=1)


def _file(tmp_path: Path, rows: list[list[str]]) -> Path:
    out = io.StringIO()
    csv.writer(out).writerows([["合同编号", "贷款余额", "五级分类"], *rows])
    path = tmp_path / "states.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


async def _count(session: AsyncSession, model: type[models.Base], customer_id: object) -> int:
    found = await session.scalar(
        select(func.count())
        .select_from(model)
        .where(model.tenant_id == TENANT, model.customer_id == customer_id)  # type: ignore[attr-defined]
    )
    return int(found or 0)


async def test_a_customer_in_two_batches_is_marked_and_classed_once_on_its_final_state(
    session: AsyncSession, registry: PolicyRegistry, tmp_path: Path
) -> None:
    world = bank(session, registry, TENANT)
    office, _ = await world.offices()
    manager = await world.manager(office, tier="SD_2")
    customer = await world.customer(manager)
    first, second = [
        await world.loan(
            customer,
            principal="10000.00",
            balance="10000.00",
            issued_on=ISSUED,
            matures_on=dt.date(2026, 9, 1),
        )
        for _ in range(2)
    ]
    first.risk_class = RiskClass.LOSS
    await session.flush()
    await reclassify(session, registry, RISK, [customer.id], today=TODAY)
    await session.refresh(customer)
    assert customer.class_code == CustomerClass.EXIT
    changes = await _count(session, models.CustomerClassChange, customer.id)
    marks = await _count(session, models.CustomerExposureMark, customer.id)

    # Row 1 repays the LOSS loan (alone, the customer would leave EXIT); row 2 makes the
    # other one LOSS (EXIT again). One row a batch: the final state is EXIT, as before.
    path = _file(
        tmp_path,
        [[first.contract_no, "0.00", "损失"], [second.contract_no, "9000.00", "损失"]],
    )
    outcome = await apply_file(
        session,
        registry,
        RISK,
        as_of=AS_OF,
        loan_file=read_loan_file(path),
        batch=1,
        today=TODAY,
    )

    assert (outcome.changed, outcome.problems) == (2, [])
    await session.refresh(customer)
    assert customer.class_code == CustomerClass.EXIT
    # No class change went out and back, and one mark holds the final outstanding.
    assert await _count(session, models.CustomerClassChange, customer.id) == changes
    assert await _count(session, models.CustomerExposureMark, customer.id) == marks + 1
    latest = await session.scalar(
        select(models.CustomerExposureMark.outstanding)
        .where(
            models.CustomerExposureMark.tenant_id == TENANT,
            models.CustomerExposureMark.customer_id == customer.id,
        )
        .order_by(models.CustomerExposureMark.id.desc())
        .limit(1)
    )
    assert latest == Decimal("9000.00")
