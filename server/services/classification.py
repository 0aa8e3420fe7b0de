"""Customer classification, recomputed in the same transaction whenever a fact changes.

The facts about loans (worst five-category class, days overdue now) are
aggregated here from the loans table, never taken from the caller.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.db.among import among
from server.domain import CustomerClass, EventKind, PolicyCategory, RiskClass
from server.outbox import events
from server.outbox.payloads import class_payload, office_json
from server.policy import Classification, CustomerFacts, RuleHit
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.policies import selection
from server.services.tenant_settings import tenant_today

RISK_ORDER = {
    RiskClass.NORMAL: 0,
    RiskClass.SPECIAL_MENTION: 1,
    RiskClass.SUBSTANDARD: 2,
    RiskClass.DOUBTFUL: 3,
    RiskClass.LOSS: 4,
}
_BY_ORDER = {v: k for k, v in RISK_ORDER.items()}


def _risk_rank() -> Any:
    return case(
        *((models.Loan.risk_class == rc, rank) for rc, rank in RISK_ORDER.items()),
        else_=0,
    )


async def loan_facts(
    session: AsyncSession, tenant_id: str, customer_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, tuple[RiskClass | None, int, Decimal]]:
    """Worst class and days overdue of loans still outstanding, and the exposure, per customer."""
    ids = set(customer_ids)
    rank = _risk_rank()
    rows = await session.execute(
        select(
            models.Loan.customer_id,
            func.max(rank),
            func.max(models.Loan.days_overdue),
            func.sum(models.Loan.balance),
        )
        .where(
            models.Loan.tenant_id == tenant_id,
            among(models.Loan.customer_id, ids),
            models.Loan.balance > 0,
        )
        .group_by(models.Loan.customer_id)
    )
    found: dict[uuid.UUID, tuple[RiskClass | None, int, Decimal]] = {}
    for cid, worst, overdue, total in rows.all():
        found[cid] = (_BY_ORDER[int(worst)], int(overdue or 0), Decimal(total or 0))
    return {cid: found.get(cid, (None, 0, Decimal("0.00"))) for cid in ids}


def customer_facts(
    row: models.Customer, worst: RiskClass | None, overdue: int, as_of: dt.date
) -> CustomerFacts:
    return CustomerFacts(
        customer_id=str(row.id),
        kind=row.kind,
        industry_policy=row.industry_policy,
        licences_complete=row.licences_complete,
        operating_status=row.operating_status,
        prospects=row.prospects,
        last_bad_credit_on=row.last_bad_credit_on,
        blacklisted=row.blacklisted,
        malicious_evasion=row.malicious_evasion,
        major_litigation=row.major_litigation,
        contribution_score=row.contribution_score,
        worst_risk_class=worst,
        max_days_overdue=overdue,
        as_of=as_of,
    )


def rules_json(rules: tuple[RuleHit, ...]) -> list[dict[str, str]]:
    return [{"rule": r.rule, "fact": r.fact, "value": r.value, "article": r.article} for r in rules]


async def reclassify(
    session: AsyncSession,
    registry: PolicyRegistry,
    actor: Principal,
    customer_ids: Iterable[uuid.UUID],
    *,
    today: dt.date | None = None,
) -> list[models.CustomerClassChange]:
    """Recompute the class of these customers; record every change in their history, made
    by the actor whose change of a fact caused it.

    Does nothing when the tenant has no classification policy.
    """
    chosen = await selection(session, registry, actor.tenant_id, PolicyCategory.CLASSIFICATION)
    ids = set(customer_ids)
    if chosen is None or not ids:
        return []
    today = today or await tenant_today(session, actor.tenant_id)
    facts = await loan_facts(session, actor.tenant_id, ids)
    customers = (
        await session.execute(
            select(models.Customer).where(
                models.Customer.tenant_id == actor.tenant_id, among(models.Customer.id, ids)
            )
        )
    ).scalars()
    changes: list[models.CustomerClassChange] = []
    for customer in customers:
        worst, overdue, exposure = facts[customer.id]
        result: Classification = registry.classification(chosen.plugin).classify(
            customer_facts(customer, worst, overdue, today), chosen.params
        )
        if result.customer_class == customer.class_code:
            continue
        change = models.CustomerClassChange(
            tenant_id=actor.tenant_id,
            customer_id=customer.id,
            from_class=customer.class_code,
            to_class=result.customer_class,
            rules=rules_json(result.rules),
            plugin=chosen.plugin,
            plugin_version=chosen.version,
            changed_by=actor.user_id,
            exposure=exposure,
        )
        from_class = customer.class_code
        customer.class_code = result.customer_class
        customer.class_set_at = models.now()
        customer.exposure_at_class_set = exposure
        session.add(change)
        await _emit_class_change(session, customer, change, from_class)
        changes.append(change)
    await session.flush()
    return changes


async def _emit_class_change(
    session: AsyncSession,
    customer: models.Customer,
    change: models.CustomerClassChange,
    from_class: CustomerClass | None,
) -> None:
    """The class-change event, written in the transaction of the change."""
    office = await session.get(models.Office, (customer.tenant_id, customer.office_id))
    assert office is not None  # a customer's office is the tenant's (foreign key)
    await events.emit(
        session,
        customer.tenant_id,
        EventKind.CUSTOMER_CLASS_CHANGED,
        customer.id,
        customer.office_id,
        class_payload(
            customer_id=customer.id,
            name=customer.name,
            office=office_json(office.id, office.code, office.name),
            from_class=from_class,
            to_class=change.to_class,
            rules=change.rules,
            plugin=change.plugin,
            plugin_version=change.plugin_version,
        ),
    )
