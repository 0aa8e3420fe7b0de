"""First-credit admission, the blacklist and relationship transfers: the rules of their use
cases (``server.services.admission``), each refusal leaving everything as it was."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import business_today
from server.db import models
from server.domain import AdmissionDecision, AdmissionStatus, CustomerKind, ManagerStatus, Role
from server.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    PermissionDenied,
    Refused,
    SeparationOfDuties,
)
from server.policy.registry import PolicyRegistry
from server.services import admission
from tests.builders import Desk, corporate_customer
from tests.conftest import principal

TENANT = "sd-demo"
REQUESTER = "li.branch"
APPROVER = "zhao.risk"


@pytest.fixture
def desk(session: AsyncSession) -> Desk:
    return Desk(session)


async def request(
    desk: Desk,
    customer: models.Customer,
    *,
    user: str = REQUESTER,
    roles: tuple[Role, ...] = (Role.BRANCH_HEAD,),
    reason: str = "首次授信准入",
) -> models.AdmissionRequest:
    """The request, by a branch head of the head office or by the customer's own manager."""
    own = await desk.session.get(models.Manager, (TENANT, customer.manager_id))
    assert own is not None
    actor = principal(TENANT, roles, user, manager=own.employee_no)
    return await admission.request_admission(
        desk.session, actor, customer_id=str(customer.id), reason=reason
    )


async def decide(
    desk: Desk,
    made: models.AdmissionRequest,
    *,
    approve: bool,
    reason: str,
    user: str = APPROVER,
    roles: tuple[Role, ...] = (Role.RISK,),
) -> models.AdmissionRequest:
    return await admission.decide_admission(
        desk.session,
        principal(TENANT, roles, user),
        request_id=str(made.id),
        approve=approve,
        reason=reason,
    )


async def set_listed(
    desk: Desk,
    registry: PolicyRegistry,
    customer: models.Customer,
    *,
    listed: bool,
    reason: str,
    user: str = APPROVER,
    roles: tuple[Role, ...] = (Role.RISK,),
) -> models.Customer:
    return await admission.set_blacklisted(
        desk.session,
        registry,
        principal(TENANT, roles, user),
        customer_id=str(customer.id),
        listed=listed,
        reason=reason,
    )


async def transfer(
    session: AsyncSession,
    customer: models.Customer,
    receiver: models.Manager,
    *,
    reason: str,
    roles: tuple[Role, ...],
    user: str,
) -> models.Customer:
    return await admission.transfer_relationship(
        session,
        principal(TENANT, roles, user),
        customer_id=str(customer.id),
        to_manager_id=str(receiver.id),
        reason=reason,
    )


# --- requesting ----------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.BRANCH_HEAD, Role.MANAGER])
async def test_a_request_makes_the_admission_pending(desk: Desk, role: Role) -> None:
    customer = await corporate_customer(desk)
    before = await desk.count(models.AdmissionRequest)
    made = await request(desk, customer, roles=(role,), reason="  拟首次授信  ")
    assert made.status is AdmissionDecision.PENDING
    assert made.reason == "拟首次授信"
    assert made.requested_by == REQUESTER
    assert made.decided_by is None and made.decided_at is None
    assert made.customer_id == customer.id
    assert await desk.count(models.AdmissionRequest) == before + 1
    assert (await desk.stored(customer)).admission_status is AdmissionStatus.PENDING


@pytest.mark.parametrize(
    ("roles", "reason", "kind", "expected"),
    [
        ((Role.HR,), "首次授信", CustomerKind.CORPORATE, PermissionDenied),
        ((Role.RISK,), "首次授信", CustomerKind.CORPORATE, PermissionDenied),
        ((Role.BRANCH_HEAD,), "   ", CustomerKind.CORPORATE, InvalidInput),
        ((Role.BRANCH_HEAD,), "首次授信", CustomerKind.INDIVIDUAL, Conflict),
    ],
)
async def test_requests_that_write_nothing(
    desk: Desk,
    roles: tuple[Role, ...],
    reason: str,
    kind: CustomerKind,
    expected: type[DomainError],
) -> None:
    office, _ = await desk.outlets()
    customer = await desk.customer(await desk.manager(office), kind=kind)
    status = customer.admission_status
    before = await desk.footprint()
    with pytest.raises(expected):
        await request(desk, customer, roles=roles, reason=reason)
    assert await desk.footprint() == before
    assert (await desk.stored(customer)).admission_status is status


async def test_a_pending_or_approved_admission_cannot_be_requested_again(desk: Desk) -> None:
    customer = await corporate_customer(desk)
    first = await request(desk, customer)
    before = await desk.footprint()
    with pytest.raises(Conflict) as again:
        await request(desk, customer)
    assert "PENDING" in again.value.message
    await decide(desk, first, approve=True, reason="同意")
    after_approval = await desk.footprint()
    with pytest.raises(Conflict) as third:
        await request(desk, customer)
    assert "APPROVED" in third.value.message
    assert await desk.footprint() == after_approval
    assert after_approval[0] == before[0]


async def test_a_blacklisted_customer_is_refused_admission(desk: Desk) -> None:
    office, _ = await desk.outlets()
    customer = await desk.customer(await desk.manager(office), blacklisted=True)
    before = await desk.footprint()
    with pytest.raises(Refused) as refused:
        await request(desk, customer)
    assert [r.rule for r in refused.value.refusals] == ["BLACKLISTED"]
    assert refused.value.refusals[0].article.strip()
    assert await desk.footprint() == before
    assert (await desk.stored(customer)).admission_status is AdmissionStatus.REQUIRED


# --- deciding ----------------------------------------------------------------------


@pytest.mark.parametrize("user", [REQUESTER, REQUESTER.upper()])
async def test_the_requester_cannot_approve_its_own_request(desk: Desk, user: str) -> None:
    customer = await corporate_customer(desk)
    made = await request(desk, customer)
    before = await desk.footprint()
    for approve in (True, False):
        with pytest.raises(SeparationOfDuties, match="REQUESTER_DECIDES"):
            await decide(
                desk,
                made,
                approve=approve,
                reason="自己批准",
                user=user,
                roles=(Role.RISK, Role.BRANCH_HEAD),
            )
    assert await desk.footprint() == before
    stored = await desk.stored(customer)
    assert stored.admission_status is AdmissionStatus.PENDING
    assert stored.admitted_on is None


async def test_another_risk_user_approves(desk: Desk) -> None:
    customer = await corporate_customer(desk)
    made = await request(desk, customer)
    approved = await decide(desk, made, approve=True, reason="经审查同意准入")
    assert approved.status is AdmissionDecision.APPROVED
    assert approved.requested_by == REQUESTER
    assert approved.decided_by == APPROVER
    assert approved.decided_at is not None
    assert approved.decision_reason == "经审查同意准入"
    stored = await desk.stored(customer)
    assert stored.admission_status is AdmissionStatus.APPROVED
    assert stored.admitted_on == business_today()
    with pytest.raises(Conflict):
        await decide(desk, made, approve=True, reason="再批", user="other.risk")


@pytest.mark.parametrize(
    ("roles", "reason", "expected"),
    [
        ((Role.HR,), "同意", PermissionDenied),
        ((Role.BRANCH_HEAD,), "同意", PermissionDenied),
        ((Role.AUDITOR,), "同意", PermissionDenied),
        ((Role.RISK,), "  ", InvalidInput),
    ],
)
async def test_only_risk_decides_with_a_reason(
    desk: Desk, roles: tuple[Role, ...], reason: str, expected: type[DomainError]
) -> None:
    customer = await corporate_customer(desk)
    made = await request(desk, customer)
    before = await desk.footprint()
    for approve in (True, False):
        with pytest.raises(expected):
            await decide(desk, made, approve=approve, reason=reason, roles=roles)
    assert await desk.footprint() == before
    assert (await desk.stored(customer)).admission_status is AdmissionStatus.PENDING


async def test_a_rejection_allows_a_new_request(desk: Desk) -> None:
    customer = await corporate_customer(desk)
    made = await request(desk, customer)
    rejected = await decide(desk, made, approve=False, reason="资料不全")
    assert rejected.status is AdmissionDecision.REJECTED
    assert rejected.decision_reason == "资料不全"
    stored = await desk.stored(customer)
    assert stored.admission_status is AdmissionStatus.REJECTED
    assert stored.admitted_on is None
    again = await request(desk, customer)
    assert again.id != made.id
    assert (await desk.stored(customer)).admission_status is AdmissionStatus.PENDING
    await decide(desk, again, approve=True, reason="补齐资料")
    assert (await desk.stored(customer)).admission_status is AdmissionStatus.APPROVED


async def test_an_approval_is_refused_once_the_customer_is_blacklisted(
    desk: Desk, registry: PolicyRegistry
) -> None:
    customer = await corporate_customer(desk)
    made = await request(desk, customer)
    listed = await set_listed(desk, registry, customer, listed=True, reason="涉诉欠息")
    assert listed.blacklisted is True
    before = await desk.footprint()
    with pytest.raises(Refused) as refused:
        await decide(desk, made, approve=True, reason="同意", user="other.risk")
    assert [r.rule for r in refused.value.refusals] == ["BLACKLISTED"]
    assert await desk.footprint() == before
    assert (await desk.stored(customer)).admission_status is AdmissionStatus.PENDING


# --- the blacklist -------------------------------------------------------------------


async def test_the_blacklist_keeps_its_history_in_order(
    desk: Desk, registry: PolicyRegistry
) -> None:
    customer = await corporate_customer(desk)
    steps = [("恶意逃废债", True), ("已结清", False), ("再次违约", True)]
    for index, (reason, listed) in enumerate(steps):
        result = await set_listed(
            desk, registry, customer, listed=listed, reason=reason, user=f"risk.{index}"
        )
        assert result.blacklisted is listed
    entry = models.BlacklistEntry
    history = (
        await desk.session.execute(
            select(entry)
            .where(entry.tenant_id == TENANT, entry.customer_id == customer.id)
            .order_by(entry.recorded_at, entry.id)
        )
    ).scalars()
    rows = list(history)
    assert [(h.listed, h.reason, h.recorded_by) for h in rows] == [
        (True, "恶意逃废债", "risk.0"),
        (False, "已结清", "risk.1"),
        (True, "再次违约", "risk.2"),
    ]
    assert [h.recorded_at for h in rows] == sorted(h.recorded_at for h in rows)
    assert (await desk.stored(customer)).blacklisted is True


@pytest.mark.parametrize(
    ("listed", "roles", "reason", "already", "expected"),
    [
        (True, (Role.HR,), "逃废债", False, PermissionDenied),
        (True, (Role.BRANCH_HEAD, Role.MANAGER), "逃废债", False, PermissionDenied),
        (True, (Role.RISK,), " ", False, InvalidInput),
        (True, (Role.RISK,), "逃废债", True, Conflict),
        (False, (Role.HR,), "结清", True, PermissionDenied),
        (False, (Role.RISK,), "", True, InvalidInput),
        (False, (Role.RISK,), "结清", False, Conflict),
    ],
)
async def test_blacklist_changes_need_risk_a_reason_and_a_change(
    desk: Desk,
    registry: PolicyRegistry,
    listed: bool,
    roles: tuple[Role, ...],
    reason: str,
    already: bool,
    expected: type[DomainError],
) -> None:
    office, _ = await desk.outlets()
    customer = await desk.customer(await desk.manager(office), blacklisted=already)
    before = await desk.footprint()
    with pytest.raises(expected):
        await set_listed(desk, registry, customer, listed=listed, reason=reason, roles=roles)
    assert await desk.footprint() == before
    assert (await desk.stored(customer)).blacklisted is already


# --- relationship transfers ------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.BRANCH_HEAD, Role.RISK])
async def test_a_transfer_moves_the_customer_and_its_outstanding_loans(
    desk: Desk, role: Role
) -> None:
    home, other = await desk.outlets()
    owner = await desk.manager(home)
    receiver = await desk.manager(other)
    customer = await desk.customer(owner)
    outstanding = await desk.loan(customer, balance="320000.00")
    repaid = await desk.loan(customer, balance="0.00")
    transfers = await desk.count(models.RelationshipTransfer)
    moved = await transfer(
        desk.session, customer, receiver, reason="客户自愿迁移", roles=(role,), user="wang.transfer"
    )
    assert moved.office_id == other
    assert moved.manager_id == receiver.id
    for loan in (outstanding, repaid):
        await desk.session.refresh(loan)
    assert (outstanding.office_id, outstanding.manager_id) == (other, receiver.id)
    assert (repaid.office_id, repaid.manager_id) == (home, owner.id)

    assert await desk.count(models.RelationshipTransfer) == transfers + 1
    record = (
        await desk.session.execute(
            select(models.RelationshipTransfer).where(
                models.RelationshipTransfer.tenant_id == TENANT,
                models.RelationshipTransfer.customer_id == customer.id,
            )
        )
    ).scalar_one()
    assert (record.from_office_id, record.to_office_id) == (home, other)
    assert (record.from_manager_id, record.to_manager_id) == (owner.id, receiver.id)
    assert record.reason == "客户自愿迁移"
    assert record.recorded_by == "wang.transfer"


@pytest.mark.parametrize(
    ("roles", "reason", "same_office", "expected"),
    [
        ((Role.RISK,), "迁移", True, Conflict),
        ((Role.HR,), "迁移", False, PermissionDenied),
        ((Role.MANAGER,), "迁移", False, PermissionDenied),
        ((Role.RISK,), "   ", False, InvalidInput),
    ],
)
async def test_transfers_that_write_nothing(
    desk: Desk,
    roles: tuple[Role, ...],
    reason: str,
    same_office: bool,
    expected: type[DomainError],
) -> None:
    home, other = await desk.outlets()
    owner = await desk.manager(home)
    receiver = await desk.manager(home if same_office else other)
    customer = await desk.customer(owner)
    loan = await desk.loan(customer, balance="1000.00")
    before = await desk.footprint()
    with pytest.raises(expected):
        await transfer(desk.session, customer, receiver, reason=reason, roles=roles, user=APPROVER)
    assert await desk.footprint() == before
    stored = await desk.stored(customer)
    assert (stored.office_id, stored.manager_id) == (home, owner.id)
    stored_loan = await desk.session.get(models.Loan, (TENANT, loan.id), populate_existing=True)
    assert stored_loan is not None
    assert (stored_loan.office_id, stored_loan.manager_id) == (home, owner.id)


async def test_transfer_needs_an_active_receiving_manager(session: AsyncSession) -> None:
    customer = (
        await session.execute(
            select(models.Customer).where(models.Customer.tenant_id == TENANT).limit(1)
        )
    ).scalar_one()
    receiver = (
        await session.execute(
            select(models.Manager)
            .where(
                models.Manager.tenant_id == TENANT,
                models.Manager.office_id != customer.office_id,
            )
            .limit(1)
        )
    ).scalar_one()
    await session.execute(
        update(models.Manager)
        .where(models.Manager.id == receiver.id)
        .values(status=ManagerStatus.SUSPENDED)
    )
    with pytest.raises(Conflict) as refused:
        await transfer(
            session, customer, receiver, reason="客户申请", roles=(Role.BRANCH_HEAD,), user="u-test"
        )
    assert refused.value.field == "to_manager_id"
    await session.refresh(customer)
    assert customer.office_id != receiver.office_id


# --- the lapse (准入办法 第二条) ---------------------------------------------------------


async def approved_customer(
    desk: Desk, admitted_on: dt.date, *, kind: CustomerKind = CustomerKind.CORPORATE
) -> models.Customer:
    office, _ = await desk.outlets()
    customer = await desk.customer(await desk.manager(office), kind=kind)
    await desk.session.execute(
        update(models.Customer)
        .where(models.Customer.tenant_id == TENANT, models.Customer.id == customer.id)
        .values(
            admission_status=AdmissionStatus.APPROVED
            if kind is CustomerKind.CORPORATE
            else AdmissionStatus.NOT_REQUIRED,
            admitted_on=admitted_on,
        )
    )
    return await desk.stored(customer)


async def lapses_of(desk: Desk, customer: models.Customer) -> list[models.AdmissionLapse]:
    rows = await desk.session.scalars(
        select(models.AdmissionLapse).where(
            models.AdmissionLapse.tenant_id == TENANT,
            models.AdmissionLapse.customer_id == customer.id,
        )
    )
    return list(rows)


async def request_on(desk: Desk, customer: models.Customer, today: dt.date) -> Any:
    own = await desk.session.get(models.Manager, (TENANT, customer.manager_id))
    assert own is not None
    return await admission.request_admission(
        desk.session,
        principal(TENANT, (Role.BRANCH_HEAD,), REQUESTER),
        customer_id=str(customer.id),
        reason="重新建立信贷关系",
        today=today,
    )


@pytest.mark.parametrize(
    ("last_credit", "today", "due"),
    [
        # Exactly six months later still holds; one day more is a lapse.
        (dt.date(2024, 3, 15), dt.date(2024, 9, 15), False),
        (dt.date(2024, 3, 15), dt.date(2024, 9, 16), True),
        # Six months after 31 August is 28 February (the month has no 31st).
        (dt.date(2024, 8, 31), dt.date(2025, 2, 28), False),
        (dt.date(2024, 8, 31), dt.date(2025, 3, 1), True),
        # Six months after 30 September is 30 March: 31 March is a day past.
        (dt.date(2024, 9, 30), dt.date(2025, 3, 30), False),
        (dt.date(2024, 9, 30), dt.date(2025, 3, 31), True),
        (None, dt.date(2030, 1, 1), False),
    ],
)
def test_the_lapse_is_more_than_six_calendar_months(
    last_credit: dt.date | None, today: dt.date, due: bool
) -> None:
    assert admission.lapse_due(last_credit, today) is due


@pytest.mark.parametrize(
    ("today", "lapsed"), [(dt.date(2024, 9, 15), False), (dt.date(2024, 9, 16), True)]
)
async def test_a_lapsed_customer_may_request_admission_again(
    desk: Desk, today: dt.date, lapsed: bool
) -> None:
    customer = await approved_customer(desk, dt.date(2024, 3, 15))
    if not lapsed:
        before = await desk.footprint()
        with pytest.raises(Conflict) as conflict:
            await request_on(desk, customer, today)
        assert "APPROVED" in conflict.value.message
        assert await desk.footprint() == before
        assert await lapses_of(desk, customer) == []
        return
    made = await request_on(desk, customer, today)
    assert made.status is AdmissionDecision.PENDING
    stored = await desk.stored(customer)
    assert stored.admission_status is AdmissionStatus.PENDING
    assert stored.last_credit_lapsed_on == dt.date(2024, 3, 15)
    (lapse,) = await lapses_of(desk, customer)
    assert (lapse.last_credit_on, lapse.lapsed_on, lapse.recorded_by) == (
        dt.date(2024, 3, 15),
        today,
        REQUESTER,
    )
    # Re-admission as the first time: another person approves.
    approved = await decide(desk, made, approve=True, reason="重新准入")
    assert approved.status is AdmissionDecision.APPROVED
    again = await desk.stored(customer)
    assert again.admission_status is AdmissionStatus.APPROVED


async def test_outstanding_credit_or_a_recent_maturity_keeps_the_approval(desk: Desk) -> None:
    today = dt.date(2026, 6, 1)
    outstanding = await approved_customer(desk, dt.date(2020, 1, 1))
    await desk.loan(outstanding, balance="100.00")  # matures 2026-01-15
    repaid = await approved_customer(desk, dt.date(2020, 1, 1))
    await desk.loan(repaid, balance="0.00")  # matured 2026-01-15, under six months ago
    for customer in (outstanding, repaid):
        with pytest.raises(Conflict):
            await request_on(desk, customer, today)
        assert await lapses_of(desk, customer) == []
    # Once the repaid loan's maturity is more than six months past, it lapses.
    await request_on(desk, repaid, dt.date(2026, 7, 16))
    assert [x.last_credit_on for x in await lapses_of(desk, repaid)] == [dt.date(2026, 1, 15)]


async def test_the_daily_job_lapses_what_is_due_once(desk: Desk) -> None:
    today = dt.date(2025, 3, 31)
    await admission.lapse_due_admissions(desk.session, TENANT, today)  # the demo's own
    due = [
        await approved_customer(desk, dt.date(2024, 9, 30)),  # the month-end boundary
        await approved_customer(desk, dt.date(2023, 1, 1)),
    ]
    repaid = await approved_customer(desk, dt.date(2023, 1, 1))
    await desk.loan(repaid, balance="0.00")  # matures 2026-01-15: not yet
    kept = [
        await approved_customer(desk, dt.date(2024, 10, 1)),
        repaid,
        await approved_customer(desk, dt.date(2023, 1, 1), kind=CustomerKind.INDIVIDUAL),
    ]
    outstanding = await approved_customer(desk, dt.date(2023, 1, 1))
    await desk.loan(outstanding, balance="1.00")
    kept.append(outstanding)
    assert await admission.lapse_due_admissions(desk.session, TENANT, today) == len(due)
    for customer in due:
        stored = await desk.stored(customer)
        assert stored.admission_status is AdmissionStatus.LAPSED
        (lapse,) = await lapses_of(desk, customer)
        assert (lapse.lapsed_on, lapse.recorded_by) == (today, admission.LAPSE_JOB)
    for customer in kept:
        assert (await desk.stored(customer)).admission_status in (
            AdmissionStatus.APPROVED,
            AdmissionStatus.NOT_REQUIRED,
        )
        assert await lapses_of(desk, customer) == []
    assert await admission.lapse_due_admissions(desk.session, TENANT, today) == 0
    assert [len(await lapses_of(desk, c)) for c in due] == [1, 1]
    # A customer the job lapsed asks again like a new one.
    made = await request_on(desk, due[0], today)
    assert made.status is AdmissionDecision.PENDING
    assert (await desk.stored(due[0])).admission_status is AdmissionStatus.PENDING
    assert len(await lapses_of(desk, due[0])) == 1
