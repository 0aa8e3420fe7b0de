"""First credit relationships: admission, the blacklist, relationship transfers.

Source: 首次建立信贷关系客户准入管理办法. A corporate customer's first credit
needs an approved admission review (Art. 7), decided by RISK — not the person
who asked. Blacklisted customers are refused admission and new credit (Art.
5.1). A borrower keeps one office relationship (Art. 6.1); moving it is an
explicit transfer at the customer's choice (Art. 6.2), and the loans move with it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import AdmissionDecision, AdmissionStatus, CustomerKind, ManagerStatus
from server.errors import Conflict, FieldProblem, InvalidInput, Refusal, Refused
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.access import authorize, get_in_scope
from server.services.classification import reclassify
from server.services.common import get_in_tenant
from server.services.separation import REQUESTER_DECIDES, refuse_same_person

DOC = "首次建立信贷关系客户准入管理办法"
REQUESTABLE = (
    AdmissionStatus.REQUIRED,
    AdmissionStatus.REJECTED,
    AdmissionStatus.LAPSED,
)


def _reason(reason: str, field: str = "reason") -> str:
    text = reason.strip()
    if not text:
        raise InvalidInput([FieldProblem(field, "REQUIRED", "give the reason")])
    return text


async def request_admission(
    session: AsyncSession,
    actor: Principal,
    *,
    customer_id: str,
    reason: str,
) -> models.AdmissionRequest:
    scope = authorize(actor, "requestAdmission")
    text = _reason(reason)
    customer = await get_in_scope(
        session,
        models.Customer,
        scope,
        customer_id,
        field="customer_id",
        entity="Customer",
        for_update=True,
    )
    if customer.kind != CustomerKind.CORPORATE:
        raise Conflict(
            "only a corporate customer's first credit needs admission (Art. 7)", "customer_id"
        )
    if customer.admission_status not in REQUESTABLE:
        raise Conflict(f"admission is already {customer.admission_status.value}", "customer_id")
    if customer.blacklisted:
        raise Refused(
            "the admission request",
            [Refusal("BLACKLISTED", f"{DOC} 第五条(一)", "the customer is blacklisted")],
        )
    request = models.AdmissionRequest(
        tenant_id=actor.tenant_id,
        customer_id=customer.id,
        status=AdmissionDecision.PENDING,
        reason=text,
        requested_by=actor.user_id,
    )
    customer.admission_status = AdmissionStatus.PENDING
    session.add(request)
    await session.flush()
    return request


async def decide_admission(
    session: AsyncSession,
    actor: Principal,
    *,
    request_id: str,
    approve: bool,
    reason: str,
    today: dt.date | None = None,
) -> models.AdmissionRequest:
    """RISK approves or rejects a pending request it did not make itself."""
    authorize(actor, "approveAdmission" if approve else "rejectAdmission")
    text = _reason(reason)
    request = await get_in_tenant(
        session,
        models.AdmissionRequest,
        actor.tenant_id,
        request_id,
        field="request_id",
        entity="AdmissionRequest",
        for_update=True,
    )
    if request.status != AdmissionDecision.PENDING:
        raise Conflict(f"this request is already {request.status.value}", "request_id")
    refuse_same_person(
        actor,
        [request.requested_by],
        REQUESTER_DECIDES,
        "the person who asked for admission cannot decide it",
        "request_id",
    )
    customer = await get_in_tenant(
        session,
        models.Customer,
        actor.tenant_id,
        request.customer_id,
        field="request_id",
        entity="Customer",
        for_update=True,
    )
    if approve and customer.blacklisted:
        raise Refused(
            "the admission",
            [Refusal("BLACKLISTED", f"{DOC} 第五条(一)", "the customer is blacklisted")],
        )
    request.status = AdmissionDecision.APPROVED if approve else AdmissionDecision.REJECTED
    request.decided_by = actor.user_id
    request.decided_at = models.now()
    request.decision_reason = text
    customer.admission_status = AdmissionStatus.APPROVED if approve else AdmissionStatus.REJECTED
    if approve:
        customer.admitted_on = today or dt.date.today()
    await session.flush()
    return request


async def set_blacklisted(
    session: AsyncSession,
    registry: PolicyRegistry,
    actor: Principal,
    *,
    customer_id: str,
    listed: bool,
    reason: str,
) -> models.Customer:
    """Add to or remove from the blacklist, with the reason kept in history (RISK)."""
    authorize(actor, "blacklistCustomer" if listed else "unblacklistCustomer")
    text = _reason(reason)
    customer = await get_in_tenant(
        session,
        models.Customer,
        actor.tenant_id,
        customer_id,
        field="customer_id",
        entity="Customer",
        for_update=True,
    )
    if customer.blacklisted == listed:
        state = "on" if listed else "not on"
        raise Conflict(f"the customer is already {state} the blacklist", "customer_id")
    customer.blacklisted = listed
    session.add(
        models.BlacklistEntry(
            tenant_id=actor.tenant_id,
            customer_id=customer.id,
            listed=listed,
            reason=text,
            recorded_by=actor.user_id,
        )
    )
    await session.flush()
    await reclassify(session, registry, actor, [customer.id])
    return customer


async def transfer_relationship(
    session: AsyncSession,
    actor: Principal,
    *,
    customer_id: str,
    to_manager_id: str,
    reason: str,
) -> models.Customer:
    """Move the customer's relationship (and its loans) to another office's manager."""
    scope = authorize(actor, "transferRelationship")
    text = _reason(reason)
    # The customer, then the receiving manager (the lock order of server.services): a loan
    # being written to the customer commits first and moves below, or waits and sees the
    # new office.
    customer = await get_in_scope(
        session,
        models.Customer,
        scope,
        customer_id,
        field="customer_id",
        entity="Customer",
        for_update=True,
    )
    manager = await get_in_tenant(
        session,
        models.Manager,
        actor.tenant_id,
        to_manager_id,
        field="to_manager_id",
        entity="Manager",
        for_share=True,
    )
    if manager.status != ManagerStatus.ACTIVE:
        raise Conflict(
            f"the receiving manager is {manager.status.value}; only an ACTIVE manager takes "
            "over a relationship",
            "to_manager_id",
        )
    if manager.office_id == customer.office_id:
        raise Conflict(
            "the manager works at the customer's current office: this is no transfer",
            "to_manager_id",
        )
    session.add(
        models.RelationshipTransfer(
            tenant_id=actor.tenant_id,
            customer_id=customer.id,
            from_office_id=customer.office_id,
            to_office_id=manager.office_id,
            from_manager_id=customer.manager_id,
            to_manager_id=manager.id,
            reason=text,
            recorded_by=actor.user_id,
        )
    )
    # Art. 6.1: one relationship at a time, so the outstanding loans move with it.
    await session.execute(
        update(models.Loan)
        .where(
            models.Loan.tenant_id == actor.tenant_id,
            models.Loan.customer_id == customer.id,
            models.Loan.balance > 0,
        )
        .values(office_id=manager.office_id, manager_id=manager.id)
    )
    customer.office_id = manager.office_id
    customer.manager_id = manager.id
    await session.flush()
    return customer
