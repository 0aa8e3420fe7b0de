"""Customers: create a loan customer and keep the facts the classifier reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import (
    INDIVIDUAL_SEGMENTS,
    AdmissionStatus,
    CustomerKind,
    CustomerSegment,
    IndustryPolicy,
    OperatingStatus,
    Prospects,
)
from server.errors import Conflict, Problems
from server.identity_codes import (
    normalise_resident_id,
    normalise_social_credit_code,
    validate_resident_id,
    validate_social_credit_code,
)
from server.policy.registry import PolicyRegistry
from server.services.classification import reclassify
from server.services.common import camel, get_in_tenant


@dataclass
class CustomerFacts:
    """Facts about a customer that classification reads (loan facts excepted)."""

    industry_policy: IndustryPolicy = IndustryPolicy.NEUTRAL
    licences_complete: bool = True
    operating_status: OperatingStatus = OperatingStatus.NORMAL
    prospects: Prospects = Prospects.STABLE
    last_bad_credit_on: dt.date | None = None
    malicious_evasion: bool = False
    major_litigation: bool = False
    contribution_score: int = 0


def check_facts(facts: CustomerFacts, problems: Problems, prefix: str, today: dt.date) -> None:
    if not 0 <= facts.contribution_score <= 100:
        problems.add(f"{prefix}.contributionScore", "RANGE", "contribution score must be 0–100")
    if facts.last_bad_credit_on is not None and facts.last_bad_credit_on > today:
        problems.add(
            f"{prefix}.lastBadCreditOn",
            "NOT_IN_FUTURE",
            "a bad credit record cannot be dated ahead",
        )


async def create_customer(
    session: AsyncSession,
    registry: PolicyRegistry,
    tenant_id: str,
    user_id: str,
    *,
    kind: CustomerKind,
    segment: CustomerSegment,
    name: str,
    id_number: str,
    manager_id: str,
    facts: CustomerFacts,
    today: dt.date | None = None,
) -> models.Customer:
    today = today or dt.date.today()
    problems = Problems()
    name = name.strip()
    if not 1 <= len(name) <= 200:
        problems.add("input.name", "LENGTH", "name must be 1–200 characters")
    if kind == CustomerKind.INDIVIDUAL:
        id_number = normalise_resident_id(id_number)
        message = validate_resident_id(id_number)
        if message:
            problems.add("input.idNumber", "RESIDENT_ID_GB11643", f"resident ID {message}")
        if segment not in INDIVIDUAL_SEGMENTS:
            problems.add(
                "input.segment", "SEGMENT_KIND", f"{segment.value} is not an individual segment"
            )
    else:
        id_number = normalise_social_credit_code(id_number)
        message = validate_social_credit_code(id_number)
        if message:
            problems.add("input.idNumber", "CREDIT_CODE_GB32100", f"social credit code {message}")
        if segment in INDIVIDUAL_SEGMENTS:
            problems.add(
                "input.segment", "SEGMENT_KIND", f"{segment.value} is not a corporate segment"
            )
    check_facts(facts, problems, "input.facts", today)
    problems.raise_if_any()
    manager = await get_in_tenant(
        session, models.Manager, tenant_id, manager_id, field="input.managerId", entity="Manager"
    )
    existing = await session.scalar(
        select(models.Customer.id).where(
            models.Customer.tenant_id == tenant_id, models.Customer.id_number == id_number
        )
    )
    if existing is not None:
        raise Conflict("a customer with this identity number already exists", "input.idNumber")
    # 首次建立信贷关系客户准入管理办法 Art. 7: a corporate customer's first credit needs admission.
    admission = (
        AdmissionStatus.REQUIRED if kind == CustomerKind.CORPORATE else AdmissionStatus.NOT_REQUIRED
    )
    customer = models.Customer(
        tenant_id=tenant_id,
        kind=kind,
        segment=segment,
        name=name,
        id_number=id_number,
        manager_id=manager.id,
        office_id=manager.office_id,
        admission_status=admission,
        blacklisted=False,
        **vars(facts),
    )
    session.add(customer)
    await session.flush()
    await reclassify(session, registry, tenant_id, [customer.id], changed_by=user_id)
    return customer


async def update_customer_facts(
    session: AsyncSession,
    registry: PolicyRegistry,
    tenant_id: str,
    user_id: str,
    customer_id: str,
    changes: dict[str, Any],
    *,
    today: dt.date | None = None,
) -> models.Customer:
    today = today or dt.date.today()
    customer = await get_in_tenant(
        session,
        models.Customer,
        tenant_id,
        customer_id,
        field="id",
        entity="Customer",
        for_update=True,
    )
    problems = Problems()
    for key in (
        "industry_policy",
        "licences_complete",
        "operating_status",
        "prospects",
        "malicious_evasion",
        "major_litigation",
        "contribution_score",
    ):
        if key in changes and changes[key] is None:
            problems.add(f"facts.{camel(key)}", "REQUIRED", f"{camel(key)} cannot be null")
    problems.raise_if_any()
    merged = CustomerFacts(
        **{k: changes.get(k, getattr(customer, k)) for k in CustomerFacts.__dataclass_fields__}
    )
    check_facts(merged, problems, "facts", today)
    problems.raise_if_any()
    for key, value in changes.items():
        setattr(customer, key, value)
    await session.flush()
    await reclassify(session, registry, tenant_id, [customer.id], changed_by=user_id)
    return customer
