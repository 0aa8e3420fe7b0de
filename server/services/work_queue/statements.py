"""The statements of a work queue: one per kind, each row an item with the columns
``key``, ``part``, ``since`` (the order, oldest first), ``subject_id``, ``action_id``,
``manager_id``, ``office_id``, ``title_a``, ``title_b`` and ``can_act``, scoped in SQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    Select,
    String,
    and_,
    case,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.db.queries.indicators import (
    INSPECTION_LARGE_INDIVIDUAL,
    NOTICE_DAYS_BEFORE_MATURITY,
    days_before,
    top_borrowers,
)
from server.domain import (
    AdmissionDecision,
    AppraisalStatus,
    CustomerKind,
    DutyKind,
    ViolationStatus,
)
from server.principal import Principal
from server.services.duties import calendar_interval
from server.services.tenant_settings import tenant_settings
from server.services.work_queue.kinds import WorkItemKind, act_scope, visible_scope


def _not_person(column: Any, actor: Principal) -> ColumnElement[bool]:
    """The row's person (a user id, or none) is not the actor (case-insensitively)."""
    return or_(column.is_(None), func.lower(column) != actor.user_id.lower())


def _not_own_record(actor: Principal) -> ColumnElement[bool]:
    """The joined manager is not the actor's own record (``Principal.is_manager``)."""
    mine = {actor.user_id.lower()} | ({actor.manager.lower()} if actor.manager else set())
    return func.lower(models.Manager.employee_no).not_in(sorted(mine))


def _flag(condition: ColumnElement[bool] | None) -> Any:
    """The condition as a boolean column (false when there is none)."""
    return type_coerce(
        case((condition if condition is not None else false(), True), else_=False), Boolean
    )


def _text(value: str) -> Any:
    return literal(value, String)


@dataclass(frozen=True)
class Statements:
    """Each kind's statement for one actor as of one business day; ``can_act`` is the
    condition of the kind's act (its roles' scope and separation of duties), false for an
    actor whose roles do not act on the kind."""

    actor: Principal
    today: dt.date
    large_loan: Decimal
    session: AsyncSession

    def statement(self, kind: WorkItemKind, actionable_only: bool) -> Select[Any]:
        builder = {
            WorkItemKind.PENDING_ADMISSION: self._admissions,
            WorkItemKind.DRAFT_TO_CONFIRM: self._drafts,
            WorkItemKind.APPEAL_TO_RESOLVE: self._appeals,
            WorkItemKind.VIOLATION_TO_CONFIRM: self._violations,
            WorkItemKind.OVERDUE_DUTY: self._duties,
        }[kind]
        return builder(actionable_only)

    def _finish(
        self, stmt: Select[Any], act: ColumnElement[bool] | None, actionable_only: bool
    ) -> Select[Any]:
        stmt = stmt.add_columns(_flag(act).label("can_act"))
        if actionable_only:
            stmt = stmt.where(act if act is not None else false())
        return stmt

    def _admissions(self, actionable_only: bool) -> Select[Any]:
        ar, cu, m = models.AdmissionRequest, models.Customer, models.Manager
        kind = WorkItemKind.PENDING_ADMISSION
        stmt = (
            select(
                ar.id.label("key"),
                _text("").label("part"),
                ar.requested_at.label("since"),
                cu.id.label("subject_id"),
                ar.id.label("action_id"),
                cu.manager_id.label("manager_id"),
                cu.office_id.label("office_id"),
                m.employee_no.label("title_a"),
                _text("").label("title_b"),
            )
            .join(cu, (cu.tenant_id == ar.tenant_id) & (cu.id == ar.customer_id))
            .join(m, (m.tenant_id == cu.tenant_id) & (m.id == cu.manager_id))
            .where(
                ar.status == AdmissionDecision.PENDING, *visible_scope(self.actor, kind).where(ar)
            )
        )
        scope = act_scope(self.actor, kind)
        act = None
        if scope is not None:
            act = and_(*scope.where(ar), _not_person(ar.requested_by, self.actor))
        return self._finish(stmt, act, actionable_only)

    def _appraisals(self, kind: WorkItemKind, status: AppraisalStatus, since: Any) -> Select[Any]:
        ap, m = models.Appraisal, models.Manager
        return (
            select(
                ap.id.label("key"),
                _text("").label("part"),
                since.label("since"),
                ap.id.label("subject_id"),
                ap.id.label("action_id"),
                ap.manager_id.label("manager_id"),
                m.office_id.label("office_id"),
                m.employee_no.label("title_a"),
                ap.period.label("title_b"),
            )
            .join(m, (m.tenant_id == ap.tenant_id) & (m.id == ap.manager_id))
            .where(ap.status == status, *visible_scope(self.actor, kind).where(ap))
        )

    def _drafts(self, actionable_only: bool) -> Select[Any]:
        ap = models.Appraisal
        kind = WorkItemKind.DRAFT_TO_CONFIRM
        since = func.coalesce(ap.recomputed_at, ap.computed_at)
        stmt = self._appraisals(
            kind, AppraisalStatus.DRAFT, type_coerce(since, ap.computed_at.type)
        )
        scope = act_scope(self.actor, kind)
        act = None
        if scope is not None:
            act = and_(
                *scope.where(ap),
                _not_own_record(self.actor),
                _not_person(ap.computed_by, self.actor),
                _not_person(ap.recomputed_by, self.actor),
                # A draft made again in an appeal's review: not by the appellant either.
                or_(ap.appealed_at.is_(None), _not_person(ap.appealed_by, self.actor)),
            )
        return self._finish(stmt, act, actionable_only)

    def _appeals(self, actionable_only: bool) -> Select[Any]:
        ap = models.Appraisal
        kind = WorkItemKind.APPEAL_TO_RESOLVE
        stmt = self._appraisals(kind, AppraisalStatus.APPEALED, ap.appealed_at)
        scope = act_scope(self.actor, kind)
        act = None
        if scope is not None:
            act = and_(
                *scope.where(ap),
                _not_own_record(self.actor),
                _not_person(ap.appealed_by, self.actor),
                _not_person(ap.computed_by, self.actor),
                _not_person(ap.recomputed_by, self.actor),
            )
        return self._finish(stmt, act, actionable_only)

    def _violations(self, actionable_only: bool) -> Select[Any]:
        v, m = models.Violation, models.Manager
        kind = WorkItemKind.VIOLATION_TO_CONFIRM
        stmt = (
            select(
                v.id.label("key"),
                _text("").label("part"),
                v.recorded_at.label("since"),
                v.manager_id.label("subject_id"),
                v.id.label("action_id"),
                v.manager_id.label("manager_id"),
                m.office_id.label("office_id"),
                m.employee_no.label("title_a"),
                type_coerce(v.kind, String).label("title_b"),
            )
            .join(m, (m.tenant_id == v.tenant_id) & (m.id == v.manager_id))
            .where(v.status == ViolationStatus.RECORDED, *visible_scope(self.actor, kind).where(v))
        )
        scope = act_scope(self.actor, kind)
        act = None
        if scope is not None:
            act = and_(
                *scope.where(v),
                _not_own_record(self.actor),
                _not_person(v.recorded_by, self.actor),
            )
        return self._finish(stmt, act, actionable_only)

    def _duties(self, actionable_only: bool) -> Select[Any]:
        lo = models.Loan
        kind = WorkItemKind.OVERDUE_DUTY
        scope = act_scope(self.actor, kind)
        act = None if scope is None else and_(*scope.where(lo))
        notice = self._finish(self._notices(kind), act, actionable_only)
        inspection = self._finish(self._inspections(kind), act, actionable_only)
        union = notice.union_all(inspection).subquery("duties")
        return select(*union.c)

    def _loan_columns(self, kind: WorkItemKind, duty: DutyKind, since: Any) -> Select[Any]:
        lo, cu = models.Loan, models.Customer
        return (
            select(
                lo.id.label("key"),
                _text(duty.value).label("part"),
                type_coerce(since, Date).label("since"),
                lo.id.label("subject_id"),
                lo.id.label("action_id"),
                lo.manager_id.label("manager_id"),
                lo.office_id.label("office_id"),
                lo.contract_no.label("title_a"),
                _text(duty.value).label("title_b"),
            )
            .join(cu, (cu.tenant_id == lo.tenant_id) & (cu.id == lo.customer_id))
            .where(lo.balance > 0, *visible_scope(self.actor, kind).where(lo))
        )

    def _done(self, duty: DutyKind, *within: ColumnElement[bool]) -> Any:
        d, lo = models.DutyRecord, models.Loan
        return exists().where(
            d.tenant_id == lo.tenant_id, d.loan_id == lo.id, d.kind == duty, *within
        )

    def _notices(self, kind: WorkItemKind) -> Select[Any]:
        # 山东办法 第三条(四): a written notice at least 30 days before maturity; overdue
        # once that day has passed without one recorded on or before it.
        lo, d = models.Loan, models.DutyRecord
        due = days_before(self.session, lo.matures_on, NOTICE_DAYS_BEFORE_MATURITY)
        last_day = self.today + dt.timedelta(days=NOTICE_DAYS_BEFORE_MATURITY)
        return self._loan_columns(kind, DutyKind.COLLECTION_NOTICE, due).where(
            lo.matures_on < last_day,
            not_(self._done(DutyKind.COLLECTION_NOTICE, d.done_on <= type_coerce(due, Date))),
        )

    def _inspections(self, kind: WorkItemKind) -> Select[Any]:
        # C1.4: the previous interval's inspection report is missing (the interval's
        # length by the loan's class, as duties_for decides it).
        lo, cu, d = models.Loan, models.Customer, models.DutyRecord
        # The offices' 10 largest borrowers, ranked once for the statement.
        largest = top_borrowers(self.actor.tenant_id).cte("largest")
        quarterly = or_(
            cu.kind == CustomerKind.CORPORATE,
            lo.customer_id.in_(select(largest.c.customer_id)),
            lo.principal >= self.large_loan,
        )
        half_yearly = and_(not_(quarterly), lo.principal >= Decimal(INSPECTION_LARGE_INDIVIDUAL))
        yearly = and_(not_(quarterly), lo.principal < Decimal(INSPECTION_LARGE_INDIVIDUAL))
        missing = []
        whens = []
        for condition, months in ((quarterly, 3), (half_yearly, 6), (yearly, 12)):
            start, _ = calendar_interval(self.today, months)
            previous_end = start - dt.timedelta(days=1)
            previous_start = calendar_interval(previous_end, months)[0]
            missing.append(
                and_(
                    condition,
                    lo.issued_on <= previous_end,
                    not_(
                        self._done(
                            DutyKind.INSPECTION,
                            d.done_on >= previous_start,
                            d.done_on <= previous_end,
                        )
                    ),
                )
            )
            whens.append((condition, literal(previous_end, Date)))
        return self._loan_columns(kind, DutyKind.INSPECTION, case(*whens)).where(or_(*missing))


async def statements(session: AsyncSession, actor: Principal, today: dt.date) -> Statements:
    """The statements of ``actor``'s queue as of ``today``."""
    large = (await tenant_settings(session, actor.tenant_id)).large_loan_threshold
    return Statements(actor, today, large, session)
