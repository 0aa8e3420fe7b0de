"""Work queues (``server.services.work_queue``): each kind's count against a direct SQL count,
overdue duties against ``duties_for``, who may act (separation of duties), actionable only,
and the order and paging of items."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import (
    AdmissionDecision,
    AdmissionStatus,
    AppraisalStatus,
    CustomerKind,
    DutyKind,
    Role,
    ViolationKind,
    ViolationStatus,
)
from server.errors import PermissionDenied
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services import work_queue
from server.services.duties import duties_for
from server.services.tenant_settings import tenant_today
from server.services.work_queue import Position, WorkItemKind
from tests.builders import Bank
from tests.conftest import principal

TENANT = "sd-demo"
K = WorkItemKind


async def _today(session: AsyncSession) -> dt.date:
    return await tenant_today(session, TENANT)


async def _count(session: AsyncSession, model: Any, *conditions: Any) -> int:
    stmt = select(func.count()).select_from(model).where(model.tenant_id == TENANT, *conditions)
    return int(await session.scalar(stmt) or 0)


class Desk:
    """A manager of the tenant with what waits for others about them."""

    def __init__(self, session: AsyncSession, registry: PolicyRegistry) -> None:
        self.session = session
        self.bank = Bank(session, registry, TENANT)
        self.years = iter(range(2000, 2025))

    async def manager(self) -> models.Manager:
        office, _ = await self.bank.offices()
        return await self.bank.manager(office)

    async def appraisal(
        self,
        manager: models.Manager,
        *,
        status: AppraisalStatus = AppraisalStatus.DRAFT,
        computed_by: str = "hr.maker",
        appealed_by: str | None = None,
        at: dt.datetime | None = None,
    ) -> models.Appraisal:
        row = models.Appraisal(
            tenant_id=TENANT,
            manager_id=manager.id,
            # One appraisal per manager and period: each of a test's is of another year.
            period=str(next(self.years)),
            status=status,
            plugin="test",
            plugin_version="1",
            computed_by=computed_by,
            computed_at=at or models.now(),
            appealed_by=appealed_by,
            appealed_at=(at or models.now()) if appealed_by else None,
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def violation(self, manager: models.Manager, recorded_by: str) -> models.Violation:
        row = models.Violation(
            tenant_id=TENANT,
            manager_id=manager.id,
            kind=ViolationKind.OTHER,
            occurred_on=dt.date(2026, 3, 1),
            description="测试",
            status=ViolationStatus.RECORDED,
            recorded_by=recorded_by,
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def admission(
        self, manager: models.Manager, requested_by: str
    ) -> models.AdmissionRequest:
        customer = await self.bank.customer(
            manager, kind=CustomerKind.CORPORATE, admission=AdmissionStatus.PENDING
        )
        row = models.AdmissionRequest(
            tenant_id=TENANT,
            customer_id=customer.id,
            status=AdmissionDecision.PENDING,
            reason="首次授信",
            requested_by=requested_by,
        )
        self.session.add(row)
        await self.session.flush()
        return row


@pytest.fixture
def desk(session: AsyncSession, registry: PolicyRegistry) -> Desk:
    return Desk(session, registry)


async def _items(session: AsyncSession, actor: Principal, kind: WorkItemKind, **kw: Any) -> Any:
    return await work_queue.items(
        session, actor, kind, today=await _today(session), limit=500, **kw
    )


async def _summary(session: AsyncSession, actor: Principal, kind: WorkItemKind, **kw: Any) -> Any:
    return await work_queue.summary(session, actor, kind, today=await _today(session), **kw)


async def test_each_kind_counts_what_a_direct_count_finds(
    session: AsyncSession, desk: Desk
) -> None:
    manager = await desk.manager()
    await desk.appraisal(manager)
    await desk.appraisal(manager, status=AppraisalStatus.APPEALED, appealed_by=manager.employee_no)
    await desk.violation(manager, "li.branch")
    await desk.admission(manager, "li.branch")
    a, ap, v = models.AdmissionRequest, models.Appraisal, models.Violation
    expected = {
        K.PENDING_ADMISSION: await _count(session, a, a.status == AdmissionDecision.PENDING),
        K.DRAFT_TO_CONFIRM: await _count(session, ap, ap.status == AppraisalStatus.DRAFT),
        K.APPEAL_TO_RESOLVE: await _count(session, ap, ap.status == AppraisalStatus.APPEALED),
        K.VIOLATION_TO_CONFIRM: await _count(session, v, v.status == ViolationStatus.RECORDED),
    }
    ids = (
        await session.scalars(select(models.Manager.id).where(models.Manager.tenant_id == TENANT))
    ).all()
    duties = await duties_for(session, TENANT, ids, await _today(session))
    expected[K.OVERDUE_DUTY] = sum(d.overdue for ds in duties.values() for d in ds)
    assert all(expected.values()), expected
    hr = principal(roles=(Role.HR,), user="hr.checker")
    for kind, count in expected.items():
        summary = await _summary(session, hr, kind)
        assert summary.count == count, kind
        assert len(await _items(session, hr, kind)) == min(count, 500), kind


async def test_overdue_duties_are_those_duties_for_marks_overdue(
    session: AsyncSession, desk: Desk
) -> None:
    manager = await desk.manager()
    today = await _today(session)
    bank = desk.bank
    person = await bank.customer(manager)
    company = await bank.customer(manager, kind=CustomerKind.CORPORATE)
    last_year = dt.date(today.year - 1, 2, 1)
    soon = today + dt.timedelta(days=10)
    unnoticed = await bank.loan(
        person, principal="8000", balance="8000", issued_on=last_year, matures_on=soon
    )
    noticed = await bank.loan(
        person, principal="8000", balance="8000", issued_on=last_year, matures_on=soon
    )
    late = await bank.loan(
        person, principal="8000", balance="8000", issued_on=last_year, matures_on=soon
    )
    repaid = await bank.loan(
        person, principal="8000", balance="0", issued_on=last_year, matures_on=soon
    )
    far = today + dt.timedelta(days=400)
    uninspected = await bank.loan(
        company, principal="90000", balance="90000", issued_on=last_year, matures_on=far
    )
    notice_due = soon - dt.timedelta(days=30)
    for loan, kind, on in (
        (noticed, DutyKind.COLLECTION_NOTICE, notice_due),
        (late, DutyKind.COLLECTION_NOTICE, notice_due + dt.timedelta(days=1)),
        (unnoticed, DutyKind.INSPECTION, today),
    ):
        session.add(
            models.DutyRecord(
                tenant_id=TENANT,
                loan_id=loan.id,
                manager_id=manager.id,
                kind=kind,
                done_on=on,
                recorded_by="t",
            )
        )
    await session.flush()
    actor = principal(roles=(Role.MANAGER,), user=manager.employee_no, manager=manager.employee_no)
    found = {
        (i.action_id, i.position.part, i.since_on)
        for i in await _items(session, actor, K.OVERDUE_DUTY)
    }
    rule = {
        (d.loan_id, d.kind.value, d.due_on)
        for d in (await duties_for(session, TENANT, [manager.id], today))[manager.id]
        if d.overdue
    }
    assert found == rule
    assert (unnoticed.id, "COLLECTION_NOTICE", notice_due) in found
    assert (late.id, "COLLECTION_NOTICE", notice_due) in found
    assert not {x for x in found if x[0] in (noticed.id, repaid.id) and x[1] == "COLLECTION_NOTICE"}
    assert any(x[0] == uninspected.id and x[1] == "INSPECTION" for x in found)
    summary = await _summary(session, actor, K.OVERDUE_DUTY)
    assert summary.count == len(rule)
    assert summary.oldest_on == min(on for _, _, on in rule)
    assert summary.oldest_at is None


async def test_the_maker_cannot_act_a_second_person_can(session: AsyncSession, desk: Desk) -> None:
    manager = await desk.manager()
    draft = await desk.appraisal(manager, computed_by="HR.Maker")
    appeal = await desk.appraisal(
        manager,
        status=AppraisalStatus.APPEALED,
        computed_by="hr.maker",
        appealed_by=manager.employee_no,
    )
    violation = await desk.violation(manager, "Risk.Recorder")
    admission = await desk.admission(manager, "risk.recorder")
    cases = [
        (K.DRAFT_TO_CONFIRM, draft.id, Role.HR, "hr.maker", False),
        (K.DRAFT_TO_CONFIRM, draft.id, Role.HR, "hr.checker", True),
        (K.APPEAL_TO_RESOLVE, appeal.id, Role.HR, "HR.MAKER", False),
        (K.APPEAL_TO_RESOLVE, appeal.id, Role.HR, "hr.checker", True),
        (K.VIOLATION_TO_CONFIRM, violation.id, Role.RISK, "risk.recorder", False),
        (K.VIOLATION_TO_CONFIRM, violation.id, Role.RISK, "risk.checker", True),
        (K.PENDING_ADMISSION, admission.id, Role.RISK, "RISK.recorder", False),
        (K.PENDING_ADMISSION, admission.id, Role.RISK, "risk.checker", True),
        # Roles that see the kind but do not act on it.
        (K.DRAFT_TO_CONFIRM, draft.id, Role.RISK, "risk.checker", False),
        (K.PENDING_ADMISSION, admission.id, Role.HR, "hr.checker", False),
        (K.VIOLATION_TO_CONFIRM, violation.id, Role.HR, "hr.checker", False),
        # Nobody acts on their own manager record (the user id is its employee number).
        (K.DRAFT_TO_CONFIRM, draft.id, Role.HR, manager.employee_no.lower(), False),
        (K.APPEAL_TO_RESOLVE, appeal.id, Role.HR, manager.employee_no, False),
        (K.VIOLATION_TO_CONFIRM, violation.id, Role.RISK, manager.employee_no.upper(), False),
    ]
    for kind, target, role, user, can in cases:
        actor = principal(roles=(role,), user=user)
        mine = [i for i in await _items(session, actor, kind) if i.action_id == target]
        assert [i.can_act for i in mine] == [can], (kind, role, user)
        acting = {i.action_id for i in await _items(session, actor, kind, actionable_only=True)}
        assert (target in acting) is can, (kind, role, user)


async def test_a_manager_claim_naming_the_record_is_their_own(
    session: AsyncSession, desk: Desk
) -> None:
    manager = await desk.manager()
    draft = await desk.appraisal(manager)
    actor = Principal(TENANT, "someone", frozenset({Role.HR}), manager=manager.employee_no.lower())
    [item] = [
        i for i in await _items(session, actor, K.DRAFT_TO_CONFIRM) if i.action_id == draft.id
    ]
    assert item.can_act is False


async def test_actionable_only_counts_the_items_one_may_act_on(
    session: AsyncSession, desk: Desk
) -> None:
    manager = await desk.manager()
    await desk.appraisal(manager, computed_by="hr.maker")
    await desk.appraisal(manager, computed_by="hr.other")
    actor = principal(roles=(Role.HR,), user="hr.maker")
    every = await _items(session, actor, K.DRAFT_TO_CONFIRM)
    acting = await _summary(session, actor, K.DRAFT_TO_CONFIRM, actionable_only=True)
    assert acting.count == sum(i.can_act for i in every) < len(every)


async def test_items_come_oldest_first_and_page_after_a_position(
    session: AsyncSession, desk: Desk
) -> None:
    manager = await desk.manager()
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    made = [await desk.appraisal(manager, at=start + dt.timedelta(hours=h)) for h in (5, 1, 3)]
    actor = principal(roles=(Role.HR,), user="hr.checker")
    every = await _items(session, actor, K.DRAFT_TO_CONFIRM)
    order = [i.action_id for i in every if i.action_id in {m.id for m in made}]
    assert order == [made[1].id, made[2].id, made[0].id]
    assert [i.position.since for i in every] == sorted(i.position.since for i in every)
    summary = await _summary(session, actor, K.DRAFT_TO_CONFIRM)
    assert summary.oldest_at == every[0].since_at
    first = every[0].position
    rest = await _items(session, actor, K.DRAFT_TO_CONFIRM, after=first)
    assert [i.action_id for i in rest] == [i.action_id for i in every[1:]]
    after = Position(start + dt.timedelta(hours=1), made[1].id, "")
    following = await _items(session, actor, K.DRAFT_TO_CONFIRM, after=after)
    assert [i.action_id for i in following][:2] == [made[2].id, made[0].id]


@pytest.mark.parametrize(
    ("role", "kinds"),
    [
        (
            Role.MANAGER,
            [K.PENDING_ADMISSION, K.DRAFT_TO_CONFIRM, K.APPEAL_TO_RESOLVE, K.OVERDUE_DUTY],
        ),
        (Role.BRANCH_HEAD, list(WorkItemKind)),
        (Role.HR, list(WorkItemKind)),
        (Role.RISK, list(WorkItemKind)),
    ],
)
def test_each_role_sees_the_kinds_of_its_lists(role: Role, kinds: list[WorkItemKind]) -> None:
    assert work_queue.visible_kinds(principal(roles=(role,), manager="X1")) == kinds


@pytest.mark.parametrize(
    ("role", "acts"),
    [
        (Role.MANAGER, {K.OVERDUE_DUTY}),
        (Role.BRANCH_HEAD, {K.OVERDUE_DUTY}),
        (Role.HR, {K.DRAFT_TO_CONFIRM, K.APPEAL_TO_RESOLVE}),
        (Role.RISK, {K.PENDING_ADMISSION, K.VIOLATION_TO_CONFIRM}),
    ],
)
def test_each_role_acts_on_the_kinds_of_its_acts(role: Role, acts: set[WorkItemKind]) -> None:
    actor = principal(roles=(role,), manager="X1")
    assert {k for k in WorkItemKind if work_queue.may_act_on(actor, k)} == acts


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.INTEGRATOR, Role.FEDERATION_ADMIN])
def test_roles_that_act_on_nothing_have_no_queue(role: Role) -> None:
    with pytest.raises(PermissionDenied):
        work_queue.visible_kinds(principal(roles=(role,)))
