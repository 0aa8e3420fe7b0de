"""Manual tier changes (``server.services.tier_proposals``): one HR person proposes with the
reason, a second confirms (the tier moves, cause MANUAL, with its event) or rejects; refused
past the grading policy's eligibility and ceilings at proposal and at confirmation, and
nothing written by a refusal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import ManagerStatus, Role, TierChangeCause, TierProposalStatus
from server.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Refused,
    SeparationOfDuties,
)
from server.policy.registry import PolicyRegistry
from server.services import tier_proposals
from tests.builders import manager_holding
from tests.conftest import principal

PROPOSER, CHECKER = "hr-maker", "hr-checker"


@dataclass
class Desk:
    """HR's desk in one tenant: proposals, decisions, and what they wrote."""

    session: AsyncSession
    registry: PolicyRegistry
    tenant: str

    async def manager(self, tier: str | None, **changes: Any) -> models.Manager:
        row = await manager_holding(self.session, self.registry, self.tenant, tier)
        for key, value in changes.items():
            setattr(row, key, value)
        await self.session.flush()
        return row

    async def propose(
        self, manager: models.Manager, tier: str, *, user: str = PROPOSER, reason: str = "竞聘上岗"
    ) -> models.TierProposal:
        return await tier_proposals.propose_tier_change(
            self.session,
            self.registry,
            principal(self.tenant, (Role.HR,), user),
            manager_id=str(manager.id),
            tier_code=tier,
            reason=reason,
        )

    async def confirm(
        self, proposal: models.TierProposal, *, user: str = CHECKER, roles: tuple[Role, ...] = ()
    ) -> models.TierProposal:
        return await tier_proposals.confirm_tier_change(
            self.session,
            self.registry,
            principal(self.tenant, roles or (Role.HR,), user),
            proposal_id=str(proposal.id),
        )

    async def reject(
        self, proposal: models.TierProposal, *, user: str = CHECKER, reason: str = "不符合条件"
    ) -> models.TierProposal:
        return await tier_proposals.reject_tier_change(
            self.session,
            principal(self.tenant, (Role.HR,), user),
            proposal_id=str(proposal.id),
            reason=reason,
        )

    async def footprint(self) -> tuple[int, int, int]:
        """Proposals, tier changes and events of the tenant."""
        counts = []
        for model in (models.TierProposal, models.ManagerTierChange, models.Event):
            stmt = select(func.count()).select_from(model).where(model.tenant_id == self.tenant)
            counts.append(int(await self.session.scalar(stmt) or 0))
        return counts[0], counts[1], counts[2]


@pytest.fixture
def sd(session: AsyncSession, registry: PolicyRegistry) -> Desk:
    return Desk(session, registry, "sd-demo")


@pytest.fixture
def ah(session: AsyncSession, registry: PolicyRegistry) -> Desk:
    return Desk(session, registry, "ah-demo")


async def test_a_second_hr_person_confirms_and_the_tier_moves_with_its_event(sd: Desk) -> None:
    manager = await sd.manager("SD_3")
    before = await sd.footprint()
    proposal = await sd.propose(manager, "SD_1", reason="  竞聘上岗  ")
    assert (proposal.status, proposal.from_code, proposal.to_code, proposal.reason) == (
        TierProposalStatus.PENDING,
        "SD_3",
        "SD_1",
        "竞聘上岗",
    )
    await sd.session.refresh(manager)
    assert manager.tier_code == "SD_3", "nothing moves on a proposal"
    assert await sd.footprint() == (before[0] + 1, before[1], before[2])
    confirmed = await sd.confirm(proposal)
    assert (confirmed.status, confirmed.decided_by) == (TierProposalStatus.CONFIRMED, CHECKER)
    await sd.session.refresh(manager)
    assert (manager.tier_code, manager.tier_rank) == ("SD_1", 3)
    change = await sd.session.get(models.ManagerTierChange, (sd.tenant, confirmed.tier_change_id))
    assert change is not None
    assert (change.cause, change.from_code, change.to_code) == (
        TierChangeCause.MANUAL,
        "SD_3",
        "SD_1",
    )
    assert (change.reason, change.recorded_by, change.plugin) == ("竞聘上岗", CHECKER, "shandong")
    assert await sd.footprint() == (before[0] + 1, before[1] + 1, before[2] + 1)


async def test_a_rejection_moves_nothing_and_keeps_the_reason(sd: Desk) -> None:
    manager = await sd.manager("SD_2")
    proposal = await sd.propose(manager, "SD_1")
    before = await sd.footprint()
    rejected = await sd.reject(proposal, reason=" 业绩不足 ")
    assert (rejected.status, rejected.decided_by, rejected.decision_reason) == (
        TierProposalStatus.REJECTED,
        CHECKER,
        "业绩不足",
    )
    assert await sd.footprint() == before
    await sd.session.refresh(manager)
    assert manager.tier_code == "SD_2"
    with pytest.raises(Conflict, match="already REJECTED"):
        await sd.confirm(rejected)


@pytest.mark.parametrize(
    ("roles", "tier", "reason", "expected", "problems"),
    [
        ((Role.RISK,), "SD_1", "调整", PermissionDenied, None),
        ((Role.MANAGER,), "SD_1", "调整", PermissionDenied, None),
        ((Role.HR,), "CC_4", "调整", InvalidInput, [("tier_code", "UNKNOWN_TIER")]),
        ((Role.HR,), "SD_1", " ", InvalidInput, [("reason", "REQUIRED")]),
        ((Role.HR,), "SD_2", "调整", Conflict, None),
    ],
)
async def test_a_refused_proposal_writes_nothing(
    sd: Desk,
    roles: tuple[Role, ...],
    tier: str,
    reason: str,
    expected: type[DomainError],
    problems: list[tuple[str, str]] | None,
) -> None:
    manager = await sd.manager("SD_2")
    before = await sd.footprint()
    with pytest.raises(expected) as refused:
        await tier_proposals.propose_tier_change(
            sd.session,
            sd.registry,
            principal(sd.tenant, roles),
            manager_id=str(manager.id),
            tier_code=tier,
            reason=reason,
        )
    if problems is not None:
        assert isinstance(refused.value, InvalidInput)
        assert [(p.field, p.code) for p in refused.value.problems] == problems
    assert await sd.footprint() == before


async def test_one_proposal_per_manager_is_pending(sd: Desk) -> None:
    manager = await sd.manager("SD_3")
    first = await sd.propose(manager, "SD_2")
    with pytest.raises(Conflict, match="already pending") as refused:
        await sd.propose(manager, "SD_1", user="hr-other")
    assert str(first.id) in refused.value.message
    await sd.reject(first)
    again = await sd.propose(manager, "SD_1", user="hr-other")
    assert again.status is TierProposalStatus.PENDING


@pytest.mark.parametrize(
    ("qualification", "tier", "rule"),
    [
        # The problem reported: 初级 qualification proposed into Anhui's top band.
        ("初级", "AH_PRINCIPAL", "ABOVE_QUALIFICATION_CEILING"),
        ("初级", "AH_MID_1", "ABOVE_QUALIFICATION_CEILING"),
        (None, "AH_JUNIOR_1", "ABOVE_QUALIFICATION_CEILING"),
        ("中級", "AH_JUNIOR_1", "QUALIFICATION_UNRECOGNISED"),
        ("初级", "AH_JUNIOR_2", None),
        ("资深", "AH_PRINCIPAL", None),
    ],
)
async def test_a_proposal_keeps_to_the_qualification_ceiling(
    ah: Desk, qualification: str | None, tier: str, rule: str | None
) -> None:
    manager = await ah.manager("AH_ASSISTANT", qualification_level=qualification)
    before = await ah.footprint()
    if rule is None:
        proposal = await ah.propose(manager, tier)
        assert (await ah.confirm(proposal)).status is TierProposalStatus.CONFIRMED
        return
    with pytest.raises(Refused) as refused:
        await ah.propose(manager, tier)
    assert [(r.rule, r.article) for r in refused.value.refusals] == [
        (rule, "农商银行信贷客户经理管理规定 第五条")
    ]
    assert await ah.footprint() == before


@pytest.mark.parametrize(
    ("status", "rules"),
    [
        (ManagerStatus.DISQUALIFIED, ["MANAGER_DISQUALIFIED"]),
        (ManagerStatus.LEFT, ["MANAGER_LEFT"]),
        (ManagerStatus.PROBATION, ["IN_PROBATION"]),
        (ManagerStatus.SUSPENDED, ["NOT_REAPPOINTED"]),
    ],
)
async def test_who_holds_no_grade_gets_none_by_hand(
    sd: Desk, status: ManagerStatus, rules: list[str]
) -> None:
    """The core: a disqualified manager, or one who left, holds no tier; Shandong: nor one
    in probation (第十三条) or suspended (第十六条)."""
    manager = await sd.manager("SD_3", status=status)
    before = await sd.footprint()
    with pytest.raises(Refused) as refused:
        await sd.propose(manager, "SD_2")
    assert [r.rule for r in refused.value.refusals] == rules
    assert await sd.footprint() == before


async def test_the_ceiling_is_checked_again_at_confirmation(ah: Desk) -> None:
    """The qualification changed after the proposal: the confirmation is refused."""
    manager = await ah.manager("AH_JUNIOR_1", qualification_level="中级")
    proposal = await ah.propose(manager, "AH_MID_2")
    manager.qualification_level = "初级"
    await ah.session.flush()
    before = await ah.footprint()
    with pytest.raises(Refused) as refused:
        await ah.confirm(proposal)
    assert [r.rule for r in refused.value.refusals] == ["ABOVE_QUALIFICATION_CEILING"]
    assert await ah.footprint() == before
    await ah.session.refresh(proposal)
    assert proposal.status is TierProposalStatus.PENDING


async def test_a_proposal_lapses_when_the_tier_moved_meanwhile(sd: Desk) -> None:
    manager = await sd.manager("SD_3")
    proposal = await sd.propose(manager, "SD_1")
    manager.tier_code, manager.tier_rank, manager.tier_name = "SD_2", 2, "二级客户经理"
    await sd.session.flush()
    before = await sd.footprint()
    with pytest.raises(Conflict, match="tier changed since the proposal"):
        await sd.confirm(proposal)
    assert await sd.footprint() == before


@pytest.mark.parametrize("decide", ["confirm", "reject"])
@pytest.mark.parametrize("user", [PROPOSER, PROPOSER.upper(), "Hr-Maker"])
async def test_the_proposer_never_decides_their_own_proposal(
    sd: Desk, decide: str, user: str
) -> None:
    manager = await sd.manager("SD_3")
    proposal = await sd.propose(manager, "SD_1")
    before = await sd.footprint()
    with pytest.raises(SeparationOfDuties, match="PROPOSER_DECIDES"):
        await getattr(sd, decide)(proposal, user=user)
    assert await sd.footprint() == before
    await sd.session.refresh(proposal)
    assert proposal.status is TierProposalStatus.PENDING


async def test_another_tenants_proposal_is_not_found(sd: Desk, ah: Desk) -> None:
    manager = await ah.manager("AH_JUNIOR_1", qualification_level="初级")
    proposal = await ah.propose(manager, "AH_JUNIOR_2")
    with pytest.raises(NotFound):
        await sd.confirm(proposal)
