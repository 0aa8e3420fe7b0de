"""First credit relationships: admission, the blacklist, relationship transfers.

Source: 首次建立信贷关系客户准入管理办法. A corporate customer's first credit
needs an approved admission review (Art. 7), decided by RISK — not the person
who asked. Blacklisted customers are refused admission and new credit (Art.
5.1). A borrower keeps one office relationship (Art. 6.1); moving it is an
explicit transfer at the customer's choice (Art. 6.2), and the loans move with it.

The lapse (Art. 2: 客户所有批复均已失效 for more than 6 months → a new customer again). We
keep no approval documents of their own, so "every approval has lapsed" is read from what
we have: the customer has no outstanding balance, and its last credit — the later of the
admission approval (``admitted_on``) and the last loan's maturity (a loan's approval runs
to its maturity; a loan repaid early counts until it was due) — is more than 6 months
(calendar months, :func:`add_months`) before the day. A customer approved but never lent
to and without an approval date never lapses. When it has lapsed, the admission becomes
``LAPSED``, ``last_credit_lapsed_on`` keeps the last credit date, and an
``AdmissionLapse`` row keeps the change. Three paths apply the rule, all at the
business date (:func:`server.services.tenant_settings.tenant_today`): ``requestAdmission`` for an
APPROVED customer (so a lapsed customer may ask again), a loan refused with
``ADMISSION_LAPSED`` (the lapse stands although the loan is rolled back), and the daily
job :func:`lapse_due_admissions`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import AdmissionDecision, AdmissionStatus, CustomerKind, ManagerStatus
from server.errors import Conflict, FieldProblem, InvalidInput, Kept, Refusal, Refused
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services.access import authorize, get_in_scope
from server.services.classification import reclassify
from server.services.common import get_in_tenant
from server.services.periods import add_months
from server.services.separation import REQUESTER_DECIDES, refuse_same_person
from server.services.tenant_settings import tenant_today

DOC = "首次建立信贷关系客户准入管理办法"
LAPSE_MONTHS = 6  # 准入办法 第二条: 信贷业务中止时间 … 超过6个月
LAPSE_JOB = "job:admission-lapse"
"""Who recorded a lapse the daily job found."""
SHORTEST_LAPSE_DAYS = 182
"""Six calendar months are at least 181 days, so a lapse is at least 182 days after the last
credit: the job's query looks no nearer than that, and the exact rule decides."""
REQUESTABLE = (
    AdmissionStatus.REQUIRED,
    AdmissionStatus.REJECTED,
    AdmissionStatus.LAPSED,
)


def last_credit_on(
    customer: models.Customer, exposure: Decimal, last_maturity: dt.date | None
) -> dt.date | None:
    """When the customer's last approval lapsed: the later of its admission approval and its
    last loan's maturity; ``None`` while credit is outstanding, or with neither date."""
    if exposure > 0:
        return None
    dates = [d for d in (customer.admitted_on, last_maturity) if d is not None]
    return max(dates) if dates else None


def lapse_due(last_credit: dt.date | None, on: dt.date) -> bool:
    """More than 6 months without credit on ``on`` (exactly 6 months later still holds)."""
    return last_credit is not None and add_months(last_credit, LAPSE_MONTHS) < on


async def credit_standing(
    session: AsyncSession, tenant_id: str, customer_id: object
) -> tuple[Decimal, dt.date | None]:
    """The customer's outstanding balance and its last loan's maturity."""
    row = (
        await session.execute(
            select(func.sum(models.Loan.balance), func.max(models.Loan.matures_on)).where(
                models.Loan.tenant_id == tenant_id, models.Loan.customer_id == customer_id
            )
        )
    ).one()
    return Decimal(row[0] or 0), row[1]


async def lapse_if_due(
    session: AsyncSession,
    tenant_id: str,
    customer_id: object,
    *,
    today: dt.date,
    recorded_by: str,
) -> bool:
    """Set an APPROVED corporate customer's admission to ``LAPSED`` if it lapsed by ``today``,
    with its ``AdmissionLapse`` row; ``False`` (nothing written) otherwise. Locks the
    customer first (the lock order of :mod:`server.services`), so a loan written at the same
    time is either seen or waits."""
    customer = await get_in_tenant(
        session,
        models.Customer,
        tenant_id,
        str(customer_id),
        field="customer_id",
        entity="Customer",
        for_update=True,
    )
    if (
        customer.kind != CustomerKind.CORPORATE
        or customer.admission_status != AdmissionStatus.APPROVED
    ):
        return False
    exposure, last_maturity = await credit_standing(session, tenant_id, customer.id)
    last_credit = last_credit_on(customer, exposure, last_maturity)
    if last_credit is None or not lapse_due(last_credit, today):
        return False
    customer.admission_status = AdmissionStatus.LAPSED
    customer.last_credit_lapsed_on = last_credit
    session.add(
        models.AdmissionLapse(
            tenant_id=tenant_id,
            customer_id=customer.id,
            last_credit_on=last_credit,
            lapsed_on=today,
            recorded_by=recorded_by,
        )
    )
    await session.flush()
    return True


def kept_lapse(
    tenant_id: str, customer_id: object, *, recorded_by: str, today: dt.date | None = None
) -> Kept:
    """The lapse, as a change that stands although the use case that found it fails
    (:meth:`server.errors.DomainError.keeping`); checked again when it is made."""

    async def keep(session: AsyncSession) -> bool:
        return await lapse_if_due(
            session,
            tenant_id,
            customer_id,
            today=today or await tenant_today(session, tenant_id),
            recorded_by=recorded_by,
        )

    return keep


async def lapse_due_admissions(session: AsyncSession, tenant_id: str, today: dt.date) -> int:
    """The daily job: every approved admission of the tenant that lapsed by ``today`` becomes
    ``LAPSED``; the number changed. Idempotent: a second run the same day changes nothing."""
    c, loan = models.Customer, models.Loan
    nearest = today - dt.timedelta(days=SHORTEST_LAPSE_DAYS)
    of_customer = (loan.tenant_id == c.tenant_id, loan.customer_id == c.id)
    candidates = await session.scalars(
        select(c.id)
        .where(
            c.tenant_id == tenant_id,
            c.kind == CustomerKind.CORPORATE,
            c.admission_status == AdmissionStatus.APPROVED,
            or_(c.admitted_on.is_(None), c.admitted_on <= nearest),
            or_(c.admitted_on.is_not(None), exists().where(*of_customer)),
            ~exists().where(*of_customer, or_(loan.balance > 0, loan.matures_on > nearest)),
        )
        .order_by(c.id)
    )
    changed = 0
    for customer_id in list(candidates):
        if await lapse_if_due(session, tenant_id, customer_id, today=today, recorded_by=LAPSE_JOB):
            changed += 1
    return changed


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
    today: dt.date | None = None,
) -> models.AdmissionRequest:
    """Ask for a corporate customer's admission (Art. 7): a first one, again after a
    rejection, or again after its approval lapsed (Art. 2, checked here at ``today``)."""
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
    today = today or await tenant_today(session, actor.tenant_id)
    lapsed = customer.admission_status == AdmissionStatus.APPROVED and await lapse_if_due(
        session, actor.tenant_id, customer.id, today=today, recorded_by=actor.user_id
    )
    if customer.admission_status not in REQUESTABLE:
        raise Conflict(f"admission is already {customer.admission_status.value}", "customer_id")
    if customer.blacklisted:
        refused = Refused(
            "the admission request",
            [Refusal("BLACKLISTED", f"{DOC} 第五条(一)", "the customer is blacklisted")],
        )
        if lapsed:
            refused.keeping(
                kept_lapse(actor.tenant_id, customer.id, recorded_by=actor.user_id, today=today)
            )
        raise refused
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
        customer.admitted_on = today or await tenant_today(session, actor.tenant_id)
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
