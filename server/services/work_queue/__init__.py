"""Work queues: what waits for someone's decision or duty, per kind, in the caller's scope.

Five kinds (:class:`WorkItemKind`), each one statement over the tables that hold it,
scoped in SQL by the caller's data scope (``server.db.scope``) — an item outside it is
never loaded — and each with ``can_act`` computed in the same statement:

==================== ============================ ===================== =====================
kind                 what waits                   seen by (its list)    acted on by
==================== ============================ ===================== =====================
PENDING_ADMISSION    a PENDING admission request  ``pendingAdmissions`` ``approveAdmission``
DRAFT_TO_CONFIRM     a DRAFT appraisal            ``appraisals``        ``confirmAppraisal``
APPEAL_TO_RESOLVE    an APPEALED appraisal        ``appraisals``        ``resolveAppeal``
VIOLATION_TO_CONFIRM a RECORDED violation         ``violations``        ``confirmViolation``
OVERDUE_DUTY         an overdue post-loan duty    ``loans``             ``recordDuty``
==================== ============================ ===================== =====================

Who sees and who acts come from the permission table (``server.permissions``): a kind is
in a caller's queue when one of the caller's roles may call the kind's list (and
``workQueue``), in the scope those roles reach; an item's ``can_act`` is true when one
of the caller's roles may call the kind's act, the item lies in that act's scope, and
separation of duties (``server.services.separation``) lets this person act on it:

- PENDING_ADMISSION: RISK, not the requester (REQUESTER_DECIDES). MANAGER, BRANCH_HEAD
  and HR see their scope's requests and cannot act.
- DRAFT_TO_CONFIRM: HR, not who computed or recomputed it (COMPUTER_CONFIRMS), not on
  their own manager record (OWN_RECORD), and for a draft made again in an appeal's
  review not the appellant (APPELLANT_RESOLVES). MANAGER (own), BRANCH_HEAD (subtree)
  and RISK see them and cannot act.
- APPEAL_TO_RESOLVE: HR, not the appellant, not who computed or recomputed it, not on
  their own record. MANAGER, BRANCH_HEAD and RISK see them and cannot act.
- VIOLATION_TO_CONFIRM: RISK, not the recorder (RECORDER_CONFIRMS), not on their own
  record. BRANCH_HEAD (subtree; it records them) and HR see them and cannot act; a
  MANAGER does not see them (the spec gives managers no read of violation records).
- OVERDUE_DUTY: MANAGER (own loans) and BRANCH_HEAD (subtree) record duties; HR and RISK
  see the tenant's and cannot act.

``can_act`` says what separation of duties and the roles allow; the act itself may still
be refused for other reasons (e.g. a draft whose policy selection changed, RECOMPUTE_FIRST).
Persons are compared with SQL ``lower()`` on both sides, which is the case-insensitive
comparison of ``Principal.is_person`` for the ASCII user ids the tokens carry; the act
itself compares again with ``str.casefold``.

Overdue duties are the duties :func:`server.services.duties.duties_for` marks ``overdue``
(山东办法 第三条(四), C1.4), counted here in SQL with the same rules as of the tenant's
business date: a collection notice not recorded on or before its due day (30 days before
maturity) once that day has passed, and an inspection report missing for the previous
interval (a quarter for corporate loans, the office's 10 largest borrowers and large
loans; half a year for natural persons with 50,000 or more; a year otherwise) of a loan
issued by that interval's end. The collection of an overdue loan falls due at the end of
the current quarter (``duties_for`` never marks it overdue), so it is not in the queue.
``tests/services/test_work_queue.py`` holds the SQL count to ``duties_for``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import DutyKind, ViolationKind
from server.principal import Principal
from server.services.tenant_settings import tenant_zone
from server.services.work_queue.kinds import RULES as RULES
from server.services.work_queue.kinds import KindRule as KindRule
from server.services.work_queue.kinds import WorkItemKind as WorkItemKind
from server.services.work_queue.kinds import may_act_on as may_act_on
from server.services.work_queue.kinds import visible_kinds as visible_kinds
from server.services.work_queue.statements import statements


@dataclass(frozen=True)
class Position:
    """Where an item sits in its kind's order (oldest first): a page starts after it."""

    since: dt.datetime | dt.date
    key: uuid.UUID
    part: str


@dataclass(frozen=True)
class WorkItem:
    """One thing waiting. ``subject_id`` is what it is about (a customer, an appraisal, a
    manager, a loan: a ``node(id:)``); ``action_id`` is what the act takes (the admission
    request, the appraisal, the violation, the loan)."""

    kind: WorkItemKind
    position: Position
    subject_id: uuid.UUID
    action_id: uuid.UUID
    manager_id: uuid.UUID
    office_id: uuid.UUID
    title: str
    since_on: dt.date
    since_at: dt.datetime | None
    can_act: bool

    @property
    def duty_kind(self) -> DutyKind | None:
        """The overdue duty's kind (the duty to record); None for the other kinds."""
        return DutyKind(self.position.part) if self.kind is WorkItemKind.OVERDUE_DUTY else None


@dataclass(frozen=True)
class Summary:
    """How many items of one kind wait, and since when the oldest one does."""

    kind: WorkItemKind
    count: int
    oldest_on: dt.date | None
    oldest_at: dt.datetime | None


def _title(kind: WorkItemKind, a: str, b: str) -> str:
    if kind is WorkItemKind.PENDING_ADMISSION:
        return f"首次准入申请待审批（客户经理 {a}）"
    if kind is WorkItemKind.DRAFT_TO_CONFIRM:
        return f"{b} 考核草稿待确认（客户经理 {a}）"
    if kind is WorkItemKind.APPEAL_TO_RESOLVE:
        return f"{b} 考核申诉待处理（客户经理 {a}）"
    if kind is WorkItemKind.VIOLATION_TO_CONFIRM:
        return f"违规待确认：{ViolationKind(b).label}（客户经理 {a}）"
    return f"{DutyKind(b).label}逾期：贷款 {a}"


async def _on(
    session: AsyncSession, tenant_id: str, since: Any
) -> tuple[dt.date, dt.datetime | None]:
    if isinstance(since, dt.datetime):
        return since.astimezone(await tenant_zone(session, tenant_id)).date(), since
    return since, None


async def summary(
    session: AsyncSession,
    actor: Principal,
    kind: WorkItemKind,
    *,
    today: dt.date,
    actionable_only: bool = False,
) -> Summary:
    """The count of the kind's waiting items in the actor's scope, and the oldest's time."""
    inner = (await statements(session, actor, today)).statement(kind, actionable_only).subquery()
    count, oldest = (
        await session.execute(select(func.count(), func.min(inner.c.since)).select_from(inner))
    ).one()
    if oldest is None:
        return Summary(kind, int(count), None, None)
    on, at = await _on(session, actor.tenant_id, oldest)
    return Summary(kind, int(count), on, at)


async def items(
    session: AsyncSession,
    actor: Principal,
    kind: WorkItemKind,
    *,
    today: dt.date,
    limit: int,
    after: Position | None = None,
    actionable_only: bool = False,
) -> list[WorkItem]:
    """Up to ``limit`` of the kind's waiting items in the actor's scope, oldest first,
    after ``after`` when given."""
    inner = (await statements(session, actor, today)).statement(kind, actionable_only).subquery()
    stmt = select(inner).order_by(inner.c.since, inner.c.key, inner.c.part).limit(limit)
    if after is not None:
        c = inner.c
        stmt = stmt.where(
            or_(
                c.since > after.since,
                and_(c.since == after.since, c.key > after.key),
                and_(c.since == after.since, c.key == after.key, c.part > after.part),
            )
        )
    out = []
    for row in (await session.execute(stmt)).all():
        on, at = await _on(session, actor.tenant_id, row.since)
        out.append(
            WorkItem(
                kind=kind,
                position=Position(row.since, row.key, row.part),
                subject_id=row.subject_id,
                action_id=row.action_id,
                manager_id=row.manager_id,
                office_id=row.office_id,
                title=_title(kind, row.title_a, row.title_b),
                since_on=on,
                since_at=at,
                can_act=bool(row.can_act),
            )
        )
    return out
