"""Separation of duties on every path (``server.services.separation``; core.md, "Roles").

One row per rule and path: the situation is built by other people, then the one person the
rule excludes tries the step — in another letter case where the rule compares people — and
is refused with ``SeparationOfDuties`` naming the rule, having written nothing (every table
the steps write, counted by status, and the rows they would change, read again).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import ManagerCategory, ManagerStatus, Role, ViolationKind
from server.errors import SeparationOfDuties
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services import (
    admission,
    appraisal,
    managers,
    penalties,
    records,
    tier_proposals,
    violations,
)
from server.services.records import Figure, Finding
from tests.builders import Desk, corporate_customer
from tests.conftest import principal

TENANT = "sd-demo"
PERIOD = "2026"
PLANS = {
    "deposit_net_increase": "5000000",
    "npl_net_reduction": "20000",
    "npl_cash_recovered": "10000",
    "writeoff_recovered": "5000",
    "interest_recovered": "300000",
}
ACTUALS = {
    "deposit_net_increase": "4500000",
    "npl_cash_recovered": "12000",
    "writeoff_recovered": "5000",
    "interest_recovered": "310000",
}
MAKER, CHECKER, APPELLANT, REVIEWER = "hr-maker", "hr-checker", "wang.appellant", "hr-reviewer"
RECORDER, REQUESTER, PROPOSER = "bh-recorder", "bh-requester", "hr-proposer"

TABLES: tuple[Any, ...] = (
    models.Manager,
    models.ManagerTierChange,
    models.Event,
    models.TierProposal,
    models.TaskPlan,
    models.IndicatorValue,
    models.InspectionFinding,
    models.Violation,
    models.ViolationStatusChange,
    models.Appraisal,
    models.AppraisalItem,
    models.AccountMovement,
    models.AdmissionRequest,
)


def figures(values: dict[str, str]) -> list[Figure]:
    return [Figure(key, Decimal(value)) for key, value in values.items()]


@dataclass
class Stage:
    """One demo manager of sd-demo, the others who act around them, and what they wrote."""

    session: AsyncSession
    registry: PolicyRegistry
    manager: models.Manager

    def me(self, *roles: Role, user: str = "self.person", claim: bool = True) -> Principal:
        """The manager themselves, holding ``roles`` too (named by the claim, or the user id)."""
        number = self.manager.employee_no
        held = (*roles, Role.MANAGER) if claim else roles
        return principal(TENANT, held, user, manager=number if claim else None)

    async def draft(self, by: str = MAKER) -> models.Appraisal:
        hr = principal(TENANT, (Role.HR,), "hr-figures")
        mid = str(self.manager.id)
        await records.record_task_plan(
            self.session, self.registry, hr, manager_id=mid, period=PERIOD, plans=figures(PLANS)
        )
        await records.record_indicators(
            self.session, self.registry, hr, manager_id=mid, period=PERIOD, values=figures(ACTUALS)
        )
        return await appraisal.run_appraisal(
            self.session,
            self.registry,
            principal(TENANT, (Role.HR,), by),
            manager_id=mid,
            period=PERIOD,
        )

    async def confirmed(self) -> models.Appraisal:
        return await self.confirm(await self.draft(), principal(TENANT, (Role.HR,), CHECKER))

    async def appealed(self) -> models.Appraisal:
        row = await self.confirmed()
        return await appraisal.appeal_appraisal(
            self.session,
            principal(TENANT, (Role.MANAGER,), APPELLANT, manager=self.manager.employee_no),
            appraisal_id=str(row.id),
            reason="B6 利息数据有误",
        )

    async def under_review(self, by: str = REVIEWER) -> models.Appraisal:
        return await self.resolve(
            await self.appealed(), principal(TENANT, (Role.HR,), by), recompute=True
        )

    async def confirm(self, row: models.Appraisal, actor: Principal) -> models.Appraisal:
        return await appraisal.confirm_appraisal(
            self.session, self.registry, actor, appraisal_id=str(row.id)
        )

    async def resolve(
        self, row: models.Appraisal, actor: Principal, *, recompute: bool
    ) -> models.Appraisal:
        return await appraisal.resolve_appeal(
            self.session,
            self.registry,
            actor,
            appraisal_id=str(row.id),
            reason="复核",
            recompute=recompute,
        )

    async def violation(self) -> models.Violation:
        return await records.record_violation(
            self.session,
            principal(TENANT, (Role.BRANCH_HEAD,), RECORDER),
            manager_id=str(self.manager.id),
            kind=ViolationKind.NOMINEE_LOAN,
            occurred_on=dt.date(2026, 1, 5),
            description="背冒名贷款",
            evidence=None,
        )

    async def confirm_violation(self, violation: models.Violation, actor: Principal) -> object:
        return await penalties.confirm_violation(
            self.session, self.registry, actor, violation_id=str(violation.id)
        )

    async def proposal(self) -> models.TierProposal:
        return await tier_proposals.propose_tier_change(
            self.session,
            self.registry,
            principal(TENANT, (Role.HR,), PROPOSER),
            manager_id=str(self.manager.id),
            tier_code=self.other_tier,
            reason="竞聘上岗",
        )

    @property
    def other_tier(self) -> str:
        return "SD_1" if self.manager.tier_code != "SD_1" else "SD_3"

    async def footprint(self) -> list[Any]:
        """Rows by table and status, and the manager as stored."""
        out: list[Any] = []
        for model in TABLES:
            status = [model.status] if hasattr(model, "status") else []
            stmt = (
                select(*status, func.count())
                .select_from(model)
                .where(model.tenant_id == TENANT)
                .group_by(*status)
            )
            out.append(sorted(tuple(map(str, row)) for row in (await self.session.execute(stmt))))
        m = models.Manager
        stored = await self.session.execute(
            select(m.status, m.tier_code, m.name, m.licence_valid_until).where(
                m.tenant_id == TENANT, m.id == self.manager.id
            )
        )
        out.append(tuple(stored.one()))
        a = models.Appraisal
        reviewed = await self.session.execute(
            select(a.status, a.confirmed_by, a.recomputed_by, a.total, a.review_reason).where(
                a.tenant_id == TENANT, a.manager_id == self.manager.id
            )
        )
        out.append(sorted(map(str, reviewed.all())))
        return out


@pytest.fixture
async def stage(session: AsyncSession, registry: PolicyRegistry) -> Stage:
    """The first active manager of the tenant, by employee number."""
    stmt = (
        select(models.Manager)
        .where(models.Manager.tenant_id == TENANT, models.Manager.status == ManagerStatus.ACTIVE)
        .order_by(models.Manager.employee_no)
        .limit(1)
    )
    return Stage(session, registry, (await session.execute(stmt)).scalar_one())


Attempt = Callable[[], Awaitable[object]]
Setup = Callable[[Stage], Awaitable[Attempt]]
ROWS: dict[str, tuple[str, Setup]] = {}


def row(rule: str, path: str) -> Callable[[Setup], Setup]:
    def register(setup: Setup) -> Setup:
        ROWS[f"{rule}-{path}"] = (rule, setup)
        return setup

    return register


# --- nobody acts on their own manager record ------------------------------------------------


@row("OWN_RECORD", "updateManager")
async def _(s: Stage) -> Attempt:
    return lambda: managers.update_manager(
        s.session, s.me(Role.HR), manager_id=str(s.manager.id), changes={"name": "自己改名"}
    )


@row("OWN_RECORD", "updateManager-by-user-id")
async def _(s: Stage) -> Attempt:
    me = s.me(Role.HR, user=s.manager.employee_no.lower(), claim=False)
    return lambda: managers.update_manager(
        s.session, me, manager_id=str(s.manager.id), changes={"status": ManagerStatus.LEFT}
    )


@row("OWN_RECORD", "createManager")
async def _(s: Stage) -> Attempt:
    fields = managers.ManagerFields(
        employee_no=s.manager.employee_no.lower(),
        name="自己",
        office_id=str(s.manager.office_id),
        category=ManagerCategory.RETAIL,
        hire_date=dt.date(2020, 1, 1),
        birth_date=dt.date(1990, 1, 1),
        identity_number="37010219900101001X",
    )
    me = principal(TENANT, (Role.HR,), s.manager.employee_no)
    return lambda: managers.create_manager(s.session, s.registry, me, fields)


@row("OWN_RECORD", "proposeTierChange")
async def _(s: Stage) -> Attempt:
    return lambda: tier_proposals.propose_tier_change(
        s.session,
        s.registry,
        s.me(Role.HR),
        manager_id=str(s.manager.id),
        tier_code=s.other_tier,
        reason="给自己升级",
    )


@row("OWN_RECORD", "confirmTierChange")
async def _(s: Stage) -> Attempt:
    proposal = await s.proposal()
    return lambda: tier_proposals.confirm_tier_change(
        s.session, s.registry, s.me(Role.HR), proposal_id=str(proposal.id)
    )


@row("OWN_RECORD", "rejectTierChange")
async def _(s: Stage) -> Attempt:
    proposal = await s.proposal()
    return lambda: tier_proposals.reject_tier_change(
        s.session, s.me(Role.HR), proposal_id=str(proposal.id), reason="不要"
    )


@row("OWN_RECORD", "recordTaskPlan")
async def _(s: Stage) -> Attempt:
    return lambda: records.record_task_plan(
        s.session,
        s.registry,
        s.me(Role.HR),
        manager_id=str(s.manager.id),
        period=PERIOD,
        plans=figures({"interest_recovered": "1"}),
    )


@row("OWN_RECORD", "recordIndicators")
async def _(s: Stage) -> Attempt:
    return lambda: records.record_indicators(
        s.session,
        s.registry,
        s.me(Role.BRANCH_HEAD),
        manager_id=str(s.manager.id),
        period=PERIOD,
        values=figures({"interest_recovered": "9999999"}),
    )


@row("OWN_RECORD", "recordInspectionFindings")
async def _(s: Stage) -> Attempt:
    finding = Finding(
        item="C1.4", finding="MISSING_INSPECTION_REPORT", count=1, loan_id=None, description=None
    )
    return lambda: records.record_inspection_findings(
        s.session,
        s.registry,
        s.me(Role.HR),
        manager_id=str(s.manager.id),
        period=PERIOD,
        findings=[finding],
    )


@row("OWN_RECORD", "recordViolation")
async def _(s: Stage) -> Attempt:
    return lambda: records.record_violation(
        s.session,
        s.me(Role.BRANCH_HEAD),
        manager_id=str(s.manager.id),
        kind=ViolationKind.OTHER,
        occurred_on=dt.date(2026, 1, 5),
        description="自己登记",
        evidence=None,
    )


@row("OWN_RECORD", "confirmViolation")
async def _(s: Stage) -> Attempt:
    violation = await s.violation()
    return lambda: s.confirm_violation(violation, s.me(Role.RISK))


@row("OWN_RECORD", "dismissViolation")
async def _(s: Stage) -> Attempt:
    violation = await s.violation()
    return lambda: violations.dismiss_violation(
        s.session, s.me(Role.RISK), violation_id=str(violation.id), reason="不成立"
    )


@row("OWN_RECORD", "runAppraisal")
async def _(s: Stage) -> Attempt:
    await s.draft()
    return lambda: appraisal.run_appraisal(
        s.session, s.registry, s.me(Role.HR), manager_id=str(s.manager.id), period=PERIOD
    )


@row("OWN_RECORD", "confirmAppraisal")
async def _(s: Stage) -> Attempt:
    draft = await s.draft()
    return lambda: s.confirm(draft, s.me(Role.HR))


@row("OWN_RECORD", "resolveAppeal")
async def _(s: Stage) -> Attempt:
    appealed = await s.appealed()
    return lambda: s.resolve(appealed, s.me(Role.HR), recompute=False)


# --- who computed or recomputed an appraisal never confirms it ------------------------------


@row("COMPUTER_CONFIRMS", "confirmAppraisal-by-the-computer")
async def _(s: Stage) -> Attempt:
    draft = await s.draft()
    return lambda: s.confirm(draft, principal(TENANT, (Role.HR,), MAKER.upper()))


@row("COMPUTER_CONFIRMS", "confirmAppraisal-under-review-by-the-recomputer")
async def _(s: Stage) -> Attempt:
    review = await s.under_review()
    return lambda: s.confirm(review, principal(TENANT, (Role.HR,), "HR-Reviewer"))


@row("COMPUTER_CONFIRMS", "confirmAppraisal-under-review-by-the-computer")
async def _(s: Stage) -> Attempt:
    review = await s.under_review()
    return lambda: s.confirm(review, principal(TENANT, (Role.HR,), MAKER))


@row("COMPUTER_CONFIRMS", "figures-recorded-and-recomputed-by-one-person-who-confirms")
async def _(s: Stage) -> Attempt:
    """After the appeal X records new figures and recomputes: X made it, X cannot confirm."""
    appealed = await s.appealed()
    x = principal(TENANT, (Role.HR,), "hr-x")
    await records.record_indicators(
        s.session,
        s.registry,
        x,
        manager_id=str(s.manager.id),
        period=PERIOD,
        values=figures({"interest_recovered": "600000"}),
    )
    review = await s.resolve(appealed, x, recompute=True)
    return lambda: s.confirm(review, principal(TENANT, (Role.HR,), "HR-X"))


# --- ... nor resolves an appeal against it --------------------------------------------------


@row("COMPUTER_RESOLVES", "resolveAppeal-by-the-computer")
async def _(s: Stage) -> Attempt:
    appealed = await s.appealed()
    return lambda: s.resolve(appealed, principal(TENANT, (Role.HR,), MAKER), recompute=False)


@row("COMPUTER_RESOLVES", "new-figures-and-recompute-by-the-computer")
async def _(s: Stage) -> Attempt:
    """The problem reported: the maker records new figures and recomputes the appeal."""
    appealed = await s.appealed()
    maker = principal(TENANT, (Role.HR,), "Hr-Maker")
    await records.record_indicators(
        s.session,
        s.registry,
        maker,
        manager_id=str(s.manager.id),
        period=PERIOD,
        values=figures({"interest_recovered": "900000"}),
    )
    return lambda: s.resolve(appealed, maker, recompute=True)


@row("COMPUTER_RESOLVES", "recompute-again-by-the-recomputer")
async def _(s: Stage) -> Attempt:
    review = await s.under_review()
    return lambda: s.resolve(review, principal(TENANT, (Role.HR,), REVIEWER), recompute=True)


# --- the appellant never resolves their own appeal ------------------------------------------


@row("APPELLANT_RESOLVES", "resolveAppeal")
async def _(s: Stage) -> Attempt:
    appealed = await s.appealed()
    return lambda: s.resolve(
        appealed, principal(TENANT, (Role.HR,), APPELLANT.upper()), recompute=True
    )


@row("APPELLANT_RESOLVES", "confirmAppraisal-under-review")
async def _(s: Stage) -> Attempt:
    review = await s.under_review()
    return lambda: s.confirm(review, principal(TENANT, (Role.HR,), "Wang.Appellant"))


# --- who records a violation never confirms it ----------------------------------------------


@row("RECORDER_CONFIRMS", "confirmViolation")
async def _(s: Stage) -> Attempt:
    violation = await s.violation()
    return lambda: s.confirm_violation(violation, principal(TENANT, (Role.RISK,), "BH-Recorder"))


@row("RECORDER_CONFIRMS", "dismissViolation")
async def _(s: Stage) -> Attempt:
    violation = await s.violation()
    recorder = principal(TENANT, (Role.RISK,), "BH-Recorder")
    return lambda: violations.dismiss_violation(
        s.session, recorder, violation_id=str(violation.id), reason="不成立"
    )


# --- who requests an admission never approves it --------------------------------------------


async def _requested(s: Stage) -> models.AdmissionRequest:
    customer = await corporate_customer(Desk(s.session, TENANT))
    return await admission.request_admission(
        s.session,
        principal(TENANT, (Role.BRANCH_HEAD,), REQUESTER),
        customer_id=str(customer.id),
        reason="首次授信准入",
    )


@row("REQUESTER_DECIDES", "approveAdmission")
async def _(s: Stage) -> Attempt:
    made = await _requested(s)
    requester = principal(TENANT, (Role.RISK,), REQUESTER.upper())
    return lambda: admission.decide_admission(
        s.session, requester, request_id=str(made.id), approve=True, reason="同意"
    )


@row("REQUESTER_DECIDES", "rejectAdmission")
async def _(s: Stage) -> Attempt:
    made = await _requested(s)
    requester = principal(TENANT, (Role.RISK,), "Bh-Requester")
    return lambda: admission.decide_admission(
        s.session, requester, request_id=str(made.id), approve=False, reason="不同意"
    )


# --- a manual tier change is confirmed by a second HR person --------------------------------


@row("PROPOSER_DECIDES", "confirmTierChange")
async def _(s: Stage) -> Attempt:
    proposal = await s.proposal()
    return lambda: tier_proposals.confirm_tier_change(
        s.session,
        s.registry,
        principal(TENANT, (Role.HR,), PROPOSER.upper()),
        proposal_id=str(proposal.id),
    )


@row("PROPOSER_DECIDES", "rejectTierChange")
async def _(s: Stage) -> Attempt:
    proposal = await s.proposal()
    return lambda: tier_proposals.reject_tier_change(
        s.session,
        principal(TENANT, (Role.HR,), "Hr-Proposer"),
        proposal_id=str(proposal.id),
        reason="撤回",
    )


@pytest.mark.parametrize("case", list(ROWS))
async def test_the_excluded_person_is_refused_and_nothing_is_written(
    stage: Stage, case: str
) -> None:
    rule, setup = ROWS[case]
    attempt = await setup(stage)
    before = await stage.footprint()
    with pytest.raises(SeparationOfDuties) as refused:
        await attempt()
    assert refused.value.rule == rule, refused.value.message
    assert refused.value.code == "SEPARATION_OF_DUTIES"
    assert refused.value.field is not None
    assert await stage.footprint() == before


def test_every_rule_of_the_spec_has_rows() -> None:
    from server.services import separation

    rules = {value for name, value in vars(separation).items() if name.isupper()}
    assert rules == {rule for rule, _ in ROWS.values()}


async def test_distinct_people_take_each_step_of_an_appeal(stage: Stage) -> None:
    """The way through: the computer, a confirmer, the appellant, a reviewer who recomputes
    and a last person who confirms the review — five people, and the tier moves at the end."""
    review = await stage.under_review()
    assert (review.status.value, review.computed_by, review.recomputed_by) == (
        "DRAFT",
        MAKER,
        REVIEWER,
    )
    done = await stage.confirm(review, principal(TENANT, (Role.HR,), "hr-final"))
    assert (done.status.value, done.confirmed_by, done.appealed_by) == (
        "CONFIRMED",
        "hr-final",
        APPELLANT,
    )
