"""The permission matrix's world: one manager's own data, a second manager in the same
office subtree, a third at another office, a fourth in another tenant — and what each
role may see of them.

A ``BRANCH_HEAD`` heads the branch above the first two managers' outlets; a ``MANAGER``
is the first manager. What a role may see is computed here from the tables themselves
(the office tree walked in Python, the rows' owners read as they are), independently of
the server's scopes, so the matrix compares two computations of the same rule.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import (
    AdmissionDecision,
    AdmissionStatus,
    AppraisalStatus,
    CustomerKind,
    OfficeKind,
    Role,
    TierProposalStatus,
    ViolationKind,
    ViolationStatus,
    WebhookStatus,
)
from server.policy.registry import PolicyRegistry
from tests.builders import Bank

TENANT = "sd-demo"
FOREIGN = "ah-demo"
SCOPES = ("own", "subtree", "other_office", "other_tenant")
#: What each role reaches of the four managers' worlds (the spec's roles table).
REACHES: dict[Role, frozenset[str]] = {
    Role.MANAGER: frozenset({"own"}),
    Role.BRANCH_HEAD: frozenset({"own", "subtree"}),
    Role.HR: frozenset({"own", "subtree", "other_office"}),
    Role.RISK: frozenset({"own", "subtree", "other_office"}),
    Role.AUDITOR: frozenset({"own", "subtree", "other_office"}),
    Role.INTEGRATOR: frozenset(),
    Role.FEDERATION_ADMIN: frozenset(),
}
KINDS = ("Office", "Manager", "Customer", "Loan", "Appraisal")
#: What the matrix asks of each report, arguments first (tests/graphql/reports holds the
#: reports' scope tests).
REPORT_SELECTIONS = {
    "loanPortfolio": "{ figures { count balance } }",
    "gradeDistribution": "{ total }",
    "appraisalLeague": '(period: "2025") { ranked }',
    "portfolioTrend": '(from: "2025-01-01", to: "2025-12-31") { points { asOf balance } }',
    "dutyCompliance": '(from: "2025-01-01", to: "2025-12-31") { figures { notices { due } } }',
}


@dataclass
class Corner:
    """One manager's objects: the targets of one scope."""

    office: models.Office
    manager: models.Manager
    customer: models.Customer
    corporate: models.Customer
    loan: models.Loan
    appraisal: models.Appraisal
    violation: models.Violation
    admission: models.AdmissionRequest
    webhook: models.WebhookEndpoint
    proposal: models.TierProposal

    def ids(self) -> dict[str, str]:
        return {
            "office": str(self.office.id),
            "manager": str(self.manager.id),
            "customer": str(self.customer.id),
            "corporate": str(self.corporate.id),
            "loan": str(self.loan.id),
            "appraisal": str(self.appraisal.id),
            "violation": str(self.violation.id),
            "admission": str(self.admission.id),
            "webhook": str(self.webhook.id),
            "proposal": str(self.proposal.id),
        }


@dataclass
class World:
    corners: dict[str, Corner]
    branch: models.Office
    #: For each role, the ids of each kind of row it may see in the tenant.
    visible: dict[Role, dict[str, set[str]]] = field(default_factory=dict)

    @property
    def me(self) -> models.Manager:
        return self.corners["own"].manager

    def claims(self, role: Role) -> dict[str, str]:
        if role is Role.MANAGER:
            return {"manager": self.me.employee_no}
        if role is Role.BRANCH_HEAD:
            return {"office": self.branch.code}
        return {}


#: The user of every matrix token of a role (``matrix-integrator`` registered the webhook
#: of the own corner; another integrator those of the same tenant's other corners).
def user_of(role: Role) -> str:
    return f"matrix-{role.value.lower()}"


async def _corner(
    session: AsyncSession,
    registry: PolicyRegistry,
    tenant: str,
    office: models.Office,
    integrator: str,
) -> Corner:
    bank = Bank(session, registry, tenant)
    manager = await bank.manager(office.id, tier=None)
    customer = await bank.customer(manager)
    corporate = await bank.customer(
        manager, kind=CustomerKind.CORPORATE, admission=AdmissionStatus.PENDING
    )
    loan = await bank.loan(
        customer,
        principal="30000.00",
        balance="30000.00",
        issued_on=dt.date(2026, 1, 5),
        matures_on=dt.date(2027, 1, 5),
    )
    appraisal = models.Appraisal(
        tenant_id=tenant,
        manager_id=manager.id,
        period="2025",
        status=AppraisalStatus.DRAFT,
        plugin="test",
        plugin_version="1",
        computed_by="someone-else",
    )
    violation = models.Violation(
        tenant_id=tenant,
        manager_id=manager.id,
        kind=ViolationKind.OTHER,
        occurred_on=dt.date(2026, 3, 1),
        description="矩阵",
        status=ViolationStatus.RECORDED,
        recorded_by="someone-else",
    )
    admission = models.AdmissionRequest(
        tenant_id=tenant,
        customer_id=corporate.id,
        status=AdmissionDecision.PENDING,
        reason="首次授信",
        requested_by="someone-else",
    )
    webhook = models.WebhookEndpoint(
        tenant_id=tenant,
        url="https://hooks.example.invalid/rc",
        secret="x" * 43,
        kinds=[],
        status=WebhookStatus.PAUSED,
        created_by=integrator,
    )
    proposal = models.TierProposal(
        tenant_id=tenant,
        manager_id=manager.id,
        from_code=None,
        to_code="SD_1",
        to_rank=3,
        to_name="一级客户经理",
        plugin="shandong",
        plugin_version="1.0.0",
        reason="矩阵",
        status=TierProposalStatus.PENDING,
        proposed_by="someone-else",
    )
    session.add_all([appraisal, violation, admission, webhook, proposal])
    await session.flush()
    return Corner(
        office,
        manager,
        customer,
        corporate,
        loan,
        appraisal,
        violation,
        admission,
        webhook,
        proposal,
    )


async def _outlets(session: AsyncSession, tenant: str) -> list[models.Office]:
    rows = await session.execute(
        select(models.Office)
        .where(models.Office.tenant_id == tenant, models.Office.kind == OfficeKind.OUTLET)
        .order_by(models.Office.code)
    )
    return list(rows.scalars())


async def build_world(session: AsyncSession, registry: PolicyRegistry) -> World:
    outlets = await _outlets(session, TENANT)
    by_parent: dict[uuid.UUID, list[models.Office]] = {}
    for o in outlets:
        assert o.parent_id is not None
        by_parent.setdefault(o.parent_id, []).append(o)
    branch_id = next(p for p, kids in by_parent.items() if len(kids) >= 2)
    elsewhere = next(o for o in outlets if o.parent_id != branch_id)
    branch = await session.get(models.Office, (TENANT, branch_id))
    assert branch is not None
    mine, next_door = by_parent[branch_id][:2]
    foreign_office = (await _outlets(session, FOREIGN))[0]
    me, other = user_of(Role.INTEGRATOR), "another-integrator"
    corners = {
        "own": await _corner(session, registry, TENANT, mine, me),
        "subtree": await _corner(session, registry, TENANT, next_door, other),
        "other_office": await _corner(session, registry, TENANT, elsewhere, other),
        "other_tenant": await _corner(session, registry, FOREIGN, foreign_office, me),
    }
    world = World(corners, branch)
    world.visible = await _visible(session, world)
    return world


async def _all(session: AsyncSession, model: Any) -> list[Any]:
    rows = await session.execute(select(model).where(model.tenant_id == TENANT))
    return list(rows.scalars())


async def _visible(session: AsyncSession, world: World) -> dict[Role, dict[str, set[str]]]:
    offices = await _all(session, models.Office)
    managers = await _all(session, models.Manager)
    customers = await _all(session, models.Customer)
    loans = await _all(session, models.Loan)
    appraisals = await _all(session, models.Appraisal)
    children: dict[uuid.UUID | None, list[uuid.UUID]] = {}
    for o in offices:
        children.setdefault(o.parent_id, []).append(o.id)
    subtree: set[uuid.UUID] = set()
    stack = [world.branch.id]
    while stack:
        here = stack.pop()
        subtree.add(here)
        stack.extend(children.get(here, []))
    me = world.me.id
    my_customers = {c.id for c in customers if c.manager_id == me}

    def pick(rows: list[Any], keep: Callable[[Any], bool]) -> set[str]:
        return {str(r.id) for r in rows if keep(r)}

    everything = {
        "Office": pick(offices, lambda _: True),
        "Manager": pick(managers, lambda _: True),
        "Customer": pick(customers, lambda _: True),
        "Loan": pick(loans, lambda _: True),
        "Appraisal": pick(appraisals, lambda _: True),
    }
    head_of_branch = {
        "Office": pick(offices, lambda o: o.id in subtree),
        "Manager": pick(managers, lambda m: m.office_id in subtree),
        "Customer": pick(customers, lambda c: c.office_id in subtree),
        "Loan": pick(loans, lambda x: x.office_id in subtree),
        "Appraisal": pick(
            appraisals, lambda a: a.manager_id in {m.id for m in managers if m.office_id in subtree}
        ),
    }
    own = {
        "Office": {str(world.me.office_id)},
        "Manager": {str(me)},
        "Customer": {str(c) for c in my_customers},
        "Loan": pick(loans, lambda x: x.customer_id in my_customers),
        "Appraisal": pick(appraisals, lambda a: a.manager_id == me),
    }
    nothing: dict[str, set[str]] = {k: set() for k in KINDS}
    return {
        Role.MANAGER: own,
        Role.BRANCH_HEAD: head_of_branch,
        Role.HR: everything,
        Role.RISK: everything,
        Role.AUDITOR: everything,
        Role.INTEGRATOR: nothing,
        Role.FEDERATION_ADMIN: nothing,
    }


def nodes_in(data: Any) -> list[tuple[str, str]]:
    """Every ``(__typename, id)`` object of a response, however deeply nested."""
    found: list[tuple[str, str]] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("__typename") in KINDS and "id" in item:
                found.append((item["__typename"], item["id"]))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found
