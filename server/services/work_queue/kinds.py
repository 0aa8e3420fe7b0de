"""The kinds of a work queue: who sees each (its list's roles) and who acts on it (its act's
roles), as the permission table says, and the scope each reaches."""

from __future__ import annotations

from dataclasses import dataclass

from server.db.scope import Scope
from server.domain import LabelledEnum, Role
from server.permissions import allowed_roles
from server.principal import Principal
from server.services.access import authorize, scope_of

OPERATION = "workQueue"


class WorkItemKind(LabelledEnum):
    """What kind of thing waits in a work queue."""

    PENDING_ADMISSION = "PENDING_ADMISSION", "待审批准入"
    DRAFT_TO_CONFIRM = "DRAFT_TO_CONFIRM", "待确认考核"
    APPEAL_TO_RESOLVE = "APPEAL_TO_RESOLVE", "待处理申诉"
    VIOLATION_TO_CONFIRM = "VIOLATION_TO_CONFIRM", "待确认违规"
    OVERDUE_DUTY = "OVERDUE_DUTY", "逾期贷后职责"


@dataclass(frozen=True)
class KindRule:
    """Which root query's roles see a kind, and which mutation's roles act on it."""

    reads: str
    acts: str
    dated: bool = False
    """Whether the kind waits since a day (a duty's due day) rather than an instant."""


RULES: dict[WorkItemKind, KindRule] = {
    WorkItemKind.PENDING_ADMISSION: KindRule("pendingAdmissions", "approveAdmission"),
    WorkItemKind.DRAFT_TO_CONFIRM: KindRule("appraisals", "confirmAppraisal"),
    WorkItemKind.APPEAL_TO_RESOLVE: KindRule("appraisals", "resolveAppeal"),
    WorkItemKind.VIOLATION_TO_CONFIRM: KindRule("violations", "confirmViolation"),
    WorkItemKind.OVERDUE_DUTY: KindRule("loans", "recordDuty", dated=True),
}


def visible_kinds(actor: Principal) -> list[WorkItemKind]:
    """The kinds in the actor's queue (raises ``PermissionDenied`` without ``workQueue``)."""
    authorize(actor, OPERATION, "query")
    return [k for k in WorkItemKind if not seeing_roles(k).isdisjoint(actor.roles)]


def may_act_on(actor: Principal, kind: WorkItemKind) -> bool:
    """Whether one of the actor's roles may act on the kind at all."""
    return not actor.roles.isdisjoint(allowed_roles("mutation", RULES[kind].acts))


def seeing_roles(kind: WorkItemKind) -> frozenset[Role]:
    """The roles that see the kind: those of its list that may also call ``workQueue``."""
    return allowed_roles("query", OPERATION) & allowed_roles("query", RULES[kind].reads)


def visible_scope(actor: Principal, kind: WorkItemKind) -> Scope:
    """Where the actor sees the kind's items (reaches nothing without a seeing role)."""
    return scope_of(actor, seeing_roles(kind))


def act_scope(actor: Principal, kind: WorkItemKind) -> Scope | None:
    """Where the actor may act on the kind's items; None when no role of theirs acts."""
    if not may_act_on(actor, kind):
        return None
    return scope_of(actor, allowed_roles("mutation", RULES[kind].acts))
