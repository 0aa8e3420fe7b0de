"""A tenant's book for the report tests: the demo data of ``sd-demo`` and, at a new outlet
under one of its branches, loans in every five-category class and at every overdue
bucket's bounds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import AppraisalStatus, ManagerStatus, OfficeKind, RiskClass, Role
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.offices import create_office
from tests.builders import Bank

TENANT = "sd-demo"
HR = Principal(TENANT, "hr-reports", frozenset({Role.HR}))
#: (days overdue, class, balance) of the new outlet's loans: each bucket's bounds.
SPREAD = (
    (0, RiskClass.NORMAL, "1000.01"),
    (1, RiskClass.NORMAL, "2000.02"),
    (30, RiskClass.SPECIAL_MENTION, "3000.03"),
    (31, RiskClass.SPECIAL_MENTION, "4000.04"),
    (90, RiskClass.SPECIAL_MENTION, "5000.05"),
    (91, RiskClass.SUBSTANDARD, "6000.06"),
    (180, RiskClass.SUBSTANDARD, "7000.07"),
    (181, RiskClass.DOUBTFUL, "8000.08"),
    (360, RiskClass.DOUBTFUL, "9000.09"),
    (361, RiskClass.LOSS, "10000.10"),
    (0, RiskClass.NORMAL, "0.00"),
)
#: The bucket (index) each row of ``SPREAD`` falls in.
SPREAD_BUCKETS = (0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 0)


@dataclass
class Book:
    head: models.Office
    branch: models.Office
    outlet: models.Office
    """The new outlet holding the ``SPREAD`` loans."""
    loans: list[models.Loan]


async def office(session: AsyncSession, *conditions: object) -> models.Office:
    o = models.Office
    row = (
        await session.execute(
            select(o).where(o.tenant_id == TENANT, *conditions).order_by(o.code).limit(1)  # type: ignore[arg-type]
        )
    ).scalar_one()
    return row


async def new_outlet(session: AsyncSession, parent: models.Office, code: str) -> models.Office:
    return await create_office(
        session,
        HR,
        code=code,
        name=f"报表网点{code}",
        kind=OfficeKind.OUTLET,
        parent_id=str(parent.id),
    )


async def build_book(session: AsyncSession, registry: PolicyRegistry) -> Book:
    head = await office(session, models.Office.parent_id.is_(None))
    branch = await office(session, models.Office.kind == OfficeKind.BRANCH)
    outlet = await new_outlet(session, branch, "RPT01")
    bank = Bank(session, registry, TENANT)
    manager = await bank.manager(outlet.id)
    customer = await bank.customer(manager)
    loans = []
    for days, risk, balance in SPREAD:
        loan = await bank.loan(
            customer,
            principal="20000.00",
            balance=balance,
            issued_on=dt.date(2024, 3, 1),
            matures_on=dt.date(2026, 3, 1),
        )
        loan.days_overdue, loan.risk_class = days, risk
        loans.append(loan)
    await session.flush()
    return Book(head, branch, outlet, loans)


def spread_total() -> Decimal:
    return sum((Decimal(b) for _, _, b in SPREAD), Decimal("0.00"))


PERIOD = "2024-Q2"
#: (tier, status, total, appraisal status) of the outlet's managers' appraisals.
TEAM = (
    ("SD_3", ManagerStatus.ACTIVE, "91.50", AppraisalStatus.CONFIRMED),
    ("SD_1", ManagerStatus.ACTIVE, "88.00", AppraisalStatus.CONFIRMED),
    ("SD_1", ManagerStatus.ACTIVE, "88.00", AppraisalStatus.DRAFT),
    ("SD_2", ManagerStatus.SUSPENDED, "75.25", AppraisalStatus.CONFIRMED),
    (None, ManagerStatus.ACTIVE, None, AppraisalStatus.CONFIRMED),
    ("SD_2", ManagerStatus.LEFT, "60.00", AppraisalStatus.APPEALED),
)


async def build_team(session: AsyncSession, registry: PolicyRegistry, book: Book) -> None:
    """Managers at the book's outlet, each with an appraisal of ``PERIOD`` as ``TEAM`` says."""
    bank = Bank(session, registry, TENANT)
    for tier, status, total, state in TEAM:
        manager = await bank.manager(book.outlet.id, tier=tier, status=status)
        code, rank, name = bank.tier(tier) if tier else (None, None, None)
        session.add(
            models.Appraisal(
                tenant_id=TENANT,
                manager_id=manager.id,
                period=PERIOD,
                status=state,
                plugin="shandong",
                plugin_version="1",
                computed_by="hr-a",
                total=None if total is None else Decimal(total),
                tier_code=code,
                tier_rank=rank,
                tier_name=name,
                graded=total is not None,
            )
        )
    await session.flush()
