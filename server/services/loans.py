"""Loans: write a new loan and keep its five-category class and days overdue."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.db.scope import Scope
from server.domain import CustomerKind, Guarantee, LoanProduct, RiskClass
from server.errors import Conflict, Problems, Refused
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.access import authorize, get_in_scope
from server.services.admission import kept_lapse
from server.services.classification import reclassify
from server.services.common import get_in_tenant
from server.services.exposure import record_exposure
from server.services.lending import ADMISSION_LAPSED, loan_refusals
from server.services.tenant_settings import tenant_settings, tenant_today

CONTRACT_PATTERN = re.compile(r"^[A-Za-z0-9_/-]{1,40}$")
MAX_RATE = Decimal("0.36")
MAX_DAYS_OVERDUE = 36500
INDIVIDUAL_ONLY = frozenset(
    {
        LoanProduct.FARMER_MICRO_CREDIT,
        LoanProduct.FARMER_GUARANTEED,
        LoanProduct.CONSUMER_LOAN,
        LoanProduct.MORTGAGE_LOAN,
    }
)


async def create_loan(
    session: AsyncSession,
    registry: PolicyRegistry,
    actor: Principal,
    *,
    customer_id: str,
    manager_id: str | None,
    contract_no: str,
    product: LoanProduct,
    principal: Decimal,
    balance: Decimal | None,
    annual_rate: Decimal,
    issued_on: dt.date,
    matures_on: dt.date,
    guarantee: Guarantee,
    is_extension: bool = False,
    is_refinancing: bool = False,
    today: dt.date | None = None,
) -> models.Loan:
    """Write a new loan once it passes every check (``server.services.lending``).

    The checks of the manager (status, licence) and of the customer read the business
    date (``tenant_settings.tenant_today``), not ``issued_on``: a back-dated loan does not
    slip past a licence that has lapsed since. ``issued_on`` is never after the business
    date, nor more than the tenant's ``max_backdating_days`` before it."""
    scope = authorize(actor, "createLoan")
    today = today or await tenant_today(session, actor.tenant_id)
    problems = Problems()
    backdating = (await tenant_settings(session, actor.tenant_id)).max_backdating_days
    if issued_on > today:
        problems.add("issued_on", "NOT_IN_FUTURE", f"a loan cannot be issued after {today}")
    elif (today - issued_on).days > backdating:
        problems.add(
            "issued_on",
            "BACKDATED_TOO_FAR",
            f"a loan may be entered at most {backdating} days after its issue "
            f"(the earliest issue date is {today - dt.timedelta(days=backdating)})",
        )
    contract_no = contract_no.strip()
    if not CONTRACT_PATTERN.match(contract_no):
        problems.add(
            "contract_no", "FORMAT", "contract number must be 1–40 letters, digits, '-', '/'"
        )
    if principal <= 0:
        problems.add("principal", "POSITIVE", "principal must be more than 0.00")
    outstanding = principal if balance is None else balance
    if outstanding > principal:
        problems.add("balance", "NOT_ABOVE_PRINCIPAL", "balance cannot exceed the principal")
    if not Decimal(0) < annual_rate <= MAX_RATE:
        problems.add(
            "annual_rate",
            "RANGE",
            f"annual rate is a fraction above 0 and at most {MAX_RATE} (e.g. '0.0435')",
        )
    if matures_on < issued_on:
        problems.add("matures_on", "AFTER_ISSUE", "a loan cannot mature before it is issued")
    problems.raise_if_any()
    # Locked before any check reads: a concurrent loan to the customer waits, then sees this
    # one in the exposure (the MAINTAIN ceiling); a transfer waits, then moves it, or this
    # loan waits and sees the new office. The manager next, shared: a change of its status,
    # licence or tier (the cap) waits, or this loan sees it. The lock order and SQLite (no
    # row locks, one write lock from the first statement) are in server.services.
    customer = await get_in_scope(
        session,
        models.Customer,
        scope,
        customer_id,
        field="customer_id",
        entity="Customer",
        for_update=True,
    )
    if customer.kind == CustomerKind.CORPORATE and product in INDIVIDUAL_ONLY:
        problems.add(
            "product",
            "PRODUCT_FOR_INDIVIDUALS",
            f"{product.value} is a product for individual customers",
        )
        problems.raise_if_any()
    manager = (
        await get_in_scope(
            session,
            models.Manager,
            scope,
            manager_id,
            field="manager_id",
            entity="Manager",
            for_share=True,
        )
        if manager_id is not None
        else await get_in_scope(
            session,
            models.Manager,
            scope,
            customer.manager_id,
            field="customer_id",
            entity="Manager",
            for_share=True,
        )
    )
    taken = await session.scalar(
        select(models.Loan.id).where(
            models.Loan.tenant_id == actor.tenant_id, models.Loan.contract_no == contract_no
        )
    )
    if taken is not None:
        raise Conflict(f"contract number {contract_no} is already used", "contract_no")
    refusals = await loan_refusals(
        session,
        registry,
        customer=customer,
        manager=manager,
        amount=principal,
        product=product,
        issued_on=issued_on,
        renewal=is_extension or is_refinancing,
        today=today,
    )
    if refusals:
        refused = Refused("the loan", refusals)
        if any(r.rule == ADMISSION_LAPSED for r in refusals):
            # 准入办法 第二条: the lapse found stands although the loan is not written.
            refused.keeping(kept_lapse(actor.tenant_id, customer.id, recorded_by=actor.user_id))
        raise refused
    loan = models.Loan(
        tenant_id=actor.tenant_id,
        contract_no=contract_no,
        customer_id=customer.id,
        manager_id=manager.id,
        # 首次建立信贷关系客户准入管理办法 Art. 6.1: the relationship's office holds the credit.
        office_id=customer.office_id,
        product=product,
        principal=principal,
        balance=outstanding,
        annual_rate=annual_rate,
        issued_on=issued_on,
        matures_on=matures_on,
        guarantee=guarantee,
        risk_class=RiskClass.NORMAL,
        days_overdue=0,
        is_extension=is_extension,
        is_refinancing=is_refinancing,
        created_by=actor.user_id,
    )
    session.add(loan)
    await session.flush()
    await record_exposure(session, actor.tenant_id, customer.id)
    await reclassify(session, registry, actor, [customer.id])
    return loan


async def set_loan_risk_class(
    session: AsyncSession,
    registry: PolicyRegistry,
    actor: Principal,
    *,
    loan_id: str,
    risk_class: RiskClass,
    days_overdue: int,
) -> models.Loan:
    scope = authorize(actor, "setLoanRiskClass")
    problems = Problems()
    if not 0 <= days_overdue <= MAX_DAYS_OVERDUE:
        problems.add("days_overdue", "RANGE", f"days overdue must be 0–{MAX_DAYS_OVERDUE}")
    problems.raise_if_any()
    # The customer is reclassified below, and a transfer holding it moves this loan.
    loan = await lock_loan(session, actor, scope, loan_id)
    loan.risk_class = risk_class
    loan.days_overdue = days_overdue
    await session.flush()
    await reclassify(session, registry, actor, [loan.customer_id])
    return loan


async def lock_loan(
    session: AsyncSession, actor: Principal, scope: Scope, loan_id: str
) -> models.Loan:
    """The loan in the caller's ``scope``, locked for a change, its customer locked first
    (the lock order of ``server.services``): out of scope, it is not found."""
    found = await get_in_scope(session, models.Loan, scope, loan_id, field="loan_id", entity="Loan")
    await get_in_tenant(
        session,
        models.Customer,
        actor.tenant_id,
        found.customer_id,
        field="loan_id",
        entity="Customer",
        for_update=True,
    )
    return await get_in_scope(
        session, models.Loan, scope, loan_id, field="loan_id", entity="Loan", for_update=True
    )
