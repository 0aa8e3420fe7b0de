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
from server.identity_lookup import identity_hash
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.access import authorize, get_in_scope
from server.services.classification import reclassify
from server.services.tenant_settings import tenant_today


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


NOT_NULL_FACTS = {
    "industry_policy": "industryPolicy cannot be null",
    "licences_complete": "licencesComplete cannot be null",
    "operating_status": "operatingStatus cannot be null",
    "prospects": "prospects cannot be null",
    "malicious_evasion": "maliciousEvasion cannot be null",
    "major_litigation": "majorLitigation cannot be null",
    "contribution_score": "contributionScore cannot be null",
}
"""The facts a change may not clear, each with its message. The messages spell the facts
as clients have always read them, so they are written out rather than derived."""


def check_facts(facts: CustomerFacts, problems: Problems, today: dt.date) -> None:
    cleared = [key for key in NOT_NULL_FACTS if getattr(facts, key) is None]
    for key in cleared:
        problems.add(f"facts.{key}", "REQUIRED", NOT_NULL_FACTS[key])
    if "contribution_score" not in cleared and not 0 <= facts.contribution_score <= 100:
        problems.add("facts.contribution_score", "RANGE", "contribution score must be 0–100")
    if facts.last_bad_credit_on is not None and facts.last_bad_credit_on > today:
        problems.add(
            "facts.last_bad_credit_on",
            "NOT_IN_FUTURE",
            "a bad credit record cannot be dated ahead",
        )


async def create_customer(
    session: AsyncSession,
    registry: PolicyRegistry,
    actor: Principal,
    *,
    kind: CustomerKind,
    segment: CustomerSegment,
    name: str,
    id_number: str,
    manager_id: str,
    facts: CustomerFacts,
    lookup_key: bytes,
    today: dt.date | None = None,
) -> models.Customer:
    """A new customer; ``lookup_key`` keys the hash it is found by (``identity_lookup``)."""
    scope = authorize(actor, "createCustomer")
    today = today or await tenant_today(session, actor.tenant_id)
    problems = Problems()
    name = name.strip()
    if not 1 <= len(name) <= 200:
        problems.add("name", "LENGTH", "name must be 1–200 characters")
    if kind == CustomerKind.INDIVIDUAL:
        id_number = normalise_resident_id(id_number)
        message = validate_resident_id(id_number, today=today)
        if message:
            problems.add("id_number", "RESIDENT_ID_GB11643", f"resident ID {message}")
        if segment not in INDIVIDUAL_SEGMENTS:
            problems.add("segment", "SEGMENT_KIND", f"{segment.value} is not an individual segment")
    else:
        id_number = normalise_social_credit_code(id_number)
        message = validate_social_credit_code(id_number)
        if message:
            problems.add("id_number", "CREDIT_CODE_GB32100", f"social credit code {message}")
        if segment in INDIVIDUAL_SEGMENTS:
            problems.add("segment", "SEGMENT_KIND", f"{segment.value} is not a corporate segment")
    check_facts(facts, problems, today)
    problems.raise_if_any()
    manager = await get_in_scope(
        session, models.Manager, scope, manager_id, field="manager_id", entity="Manager"
    )
    existing = await session.scalar(
        select(models.Customer.id).where(
            models.Customer.tenant_id == actor.tenant_id, models.Customer.id_number == id_number
        )
    )
    if existing is not None:
        raise Conflict("a customer with this identity number already exists", "id_number")
    # 首次建立信贷关系客户准入管理办法 Art. 7: a corporate customer's first credit needs admission.
    admission = (
        AdmissionStatus.REQUIRED if kind == CustomerKind.CORPORATE else AdmissionStatus.NOT_REQUIRED
    )
    customer = models.Customer(
        tenant_id=actor.tenant_id,
        kind=kind,
        segment=segment,
        name=name,
        id_number=id_number,
        id_number_hash=identity_hash(lookup_key, id_number),
        manager_id=manager.id,
        office_id=manager.office_id,
        admission_status=admission,
        blacklisted=False,
        **vars(facts),
    )
    session.add(customer)
    await session.flush()
    await reclassify(session, registry, actor, [customer.id])
    return customer


async def update_customer_facts(
    session: AsyncSession,
    registry: PolicyRegistry,
    actor: Principal,
    *,
    customer_id: str,
    facts: dict[str, Any],
    today: dt.date | None = None,
) -> models.Customer:
    """Change the given facts (name → new value) of a customer, and reclassify it."""
    scope = authorize(actor, "updateCustomerFacts")
    today = today or await tenant_today(session, actor.tenant_id)
    customer = await get_in_scope(
        session,
        models.Customer,
        scope,
        customer_id,
        field="customer_id",
        entity="Customer",
        for_update=True,
    )
    problems = Problems()
    for key, message in NOT_NULL_FACTS.items():
        if key in facts and facts[key] is None:
            problems.add(f"facts.{key}", "REQUIRED", message)
    problems.raise_if_any()
    merged = CustomerFacts(
        **{k: facts.get(k, getattr(customer, k)) for k in CustomerFacts.__dataclass_fields__}
    )
    check_facts(merged, problems, today)
    problems.raise_if_any()
    for key, value in facts.items():
        setattr(customer, key, value)
    await session.flush()
    await reclassify(session, registry, actor, [customer.id])
    return customer
