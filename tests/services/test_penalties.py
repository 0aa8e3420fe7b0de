"""Violations: recorded by RISK (``records.record_violation``), confirmed by another RISK user
(``penalties.confirm_violation``), the tenant's penalty applied at once, with its history."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import business_today
from server.db import models
from server.domain import (
    AdmissionStatus,
    CustomerKind,
    CustomerSegment,
    EventKind,
    Guarantee,
    IndustryPolicy,
    LoanProduct,
    ManagerStatus,
    OperatingStatus,
    Prospects,
    Role,
    TierChangeCause,
    ViolationKind,
    ViolationStatus,
)
from server.errors import Conflict, InvalidInput, PermissionDenied, Refused, SeparationOfDuties
from server.identity_codes import make_resident_id
from server.policy.registry import PolicyRegistry
from server.services import loans, penalties, records
from tests.builders import identity, manager_holding
from tests.conftest import principal

RECORDER = "qian.risk"
CONFIRMER = "sun.risk"
YEAR = 2025
K = ViolationKind


@dataclass
class Court:
    """Managers of one tenant, and their violations through the use cases."""

    session: AsyncSession
    registry: PolicyRegistry
    tenant: str

    async def manager(self, tier: str | None) -> models.Manager:
        return await manager_holding(self.session, self.registry, self.tenant, tier)

    async def record(
        self,
        manager: models.Manager,
        kind: ViolationKind,
        occurred_on: dt.date = dt.date(YEAR, 5, 6),
        *,
        description: str | None = None,
        roles: tuple[Role, ...] = (Role.BRANCH_HEAD,),
    ) -> models.Violation:
        made = await records.record_violation(
            self.session,
            principal(self.tenant, roles, RECORDER),
            manager_id=str(manager.id),
            kind=kind,
            occurred_on=occurred_on,
            description=f"{kind.value} 一次" if description is None else description,
            evidence="稽核底稿",
        )
        assert made.status is ViolationStatus.RECORDED
        assert made.effect is None
        return made

    async def confirm(
        self,
        violation: models.Violation,
        *,
        user: str = CONFIRMER,
        roles: tuple[Role, ...] = (Role.RISK,),
    ) -> models.Violation:
        return await penalties.confirm_violation(
            self.session,
            self.registry,
            principal(self.tenant, roles, user),
            violation_id=str(violation.id),
        )

    async def footprint(self) -> tuple[int, ...]:
        counts = []
        for model in (models.Violation, models.ManagerTierChange, models.Event):
            stmt = select(func.count()).select_from(model).where(model.tenant_id == self.tenant)
            counts.append(int(await self.session.scalar(stmt) or 0))
        confirmed = (
            select(func.count())
            .select_from(models.Violation)
            .where(
                models.Violation.tenant_id == self.tenant,
                models.Violation.status == ViolationStatus.CONFIRMED,
            )
        )
        counts.append(int(await self.session.scalar(confirmed) or 0))
        return tuple(counts)

    async def stored(self, manager: models.Manager) -> models.Manager:
        row = await self.session.get(
            models.Manager, (self.tenant, manager.id), populate_existing=True
        )
        assert row is not None
        return row

    async def tier_history(self, manager: models.Manager) -> list[models.ManagerTierChange]:
        """The manager's tier changes in the order the client reads them."""
        change = models.ManagerTierChange
        rows = await self.session.execute(
            select(change)
            .where(change.tenant_id == self.tenant, change.manager_id == manager.id)
            .order_by(change.effective_on, change.id)
        )
        return list(rows.scalars())

    async def refused_loan(self, manager: models.Manager) -> list[str]:
        """A loan the manager would own is Refused; the rules that refused it."""
        rng = random.Random(uuid.uuid4().int)
        customer = models.Customer(
            tenant_id=self.tenant,
            kind=CustomerKind.INDIVIDUAL,
            segment=CustomerSegment.FARMER,
            name="借款人",
            **identity(make_resident_id(rng)),
            manager_id=manager.id,
            office_id=manager.office_id,
            admission_status=AdmissionStatus.NOT_REQUIRED,
            industry_policy=IndustryPolicy.NEUTRAL,
            operating_status=OperatingStatus.NORMAL,
            prospects=Prospects.GOOD,
        )
        self.session.add(customer)
        await self.session.flush()
        count = (
            select(func.count())
            .select_from(models.Loan)
            .where(models.Loan.tenant_id == self.tenant)
        )
        before = await self.session.scalar(count)
        with pytest.raises(Refused) as refused:
            await loans.create_loan(
                self.session,
                self.registry,
                principal(
                    self.tenant, (Role.MANAGER,), "loan.officer", manager=manager.employee_no
                ),
                customer_id=str(customer.id),
                manager_id=None,
                contract_no=f"PN-{uuid.uuid4().hex[:16]}",
                product=LoanProduct.FARMER_MICRO_CREDIT,
                principal=Decimal("10000.00"),
                balance=None,
                annual_rate=Decimal("0.0500"),
                issued_on=business_today(),
                matures_on=business_today() + dt.timedelta(days=365),
                guarantee=Guarantee.CREDIT,
            )
        assert all(r.article.strip() for r in refused.value.refusals)
        assert await self.session.scalar(count) == before
        return [r.rule for r in refused.value.refusals]


@pytest.fixture
def sd(session: AsyncSession, registry: PolicyRegistry) -> Court:
    return Court(session, registry, "sd-demo")


@pytest.fixture
def cc(session: AsyncSession, registry: PolicyRegistry) -> Court:
    return Court(session, registry, "cc-demo")


# --- who may record and confirm -----------------------------------------------------


@pytest.mark.parametrize("roles", [(Role.HR,), (Role.RISK,), (Role.AUDITOR,), (Role.MANAGER,)])
async def test_recording_needs_a_branch_head(sd: Court, roles: tuple[Role, ...]) -> None:
    manager = await sd.manager("SD_1")
    before = await sd.footprint()
    with pytest.raises(PermissionDenied):
        await sd.record(
            manager, K.NOMINEE_LOAN, dt.date(2025, 5, 6), description="冒名贷款", roles=roles
        )
    assert await sd.footprint() == before


@pytest.mark.parametrize(
    ("occurred_on", "description", "field"),
    [
        (business_today() + dt.timedelta(days=1), "冒名贷款", "occurred_on"),
        (dt.date(2025, 5, 6), "   ", "description"),
    ],
)
async def test_a_violation_needs_a_past_date_and_a_description(
    sd: Court, occurred_on: dt.date, description: str, field: str
) -> None:
    manager = await sd.manager("SD_1")
    before = await sd.footprint()
    with pytest.raises(InvalidInput) as refused:
        await sd.record(manager, K.NOMINEE_LOAN, occurred_on, description=description)
    assert [p.field for p in refused.value.problems] == [field]
    assert await sd.footprint() == before


@pytest.mark.parametrize("user", [RECORDER, RECORDER.upper()])
async def test_the_recorder_cannot_confirm(sd: Court, user: str) -> None:
    manager = await sd.manager("SD_1")
    violation = await sd.record(manager, K.NOMINEE_LOAN)
    before = await sd.footprint()
    with pytest.raises(SeparationOfDuties, match="RECORDER_CONFIRMS"):
        await sd.confirm(violation, user=user)
    assert await sd.footprint() == before
    stored = await sd.stored(manager)
    assert (stored.tier_code, stored.status) == ("SD_1", ManagerStatus.ACTIVE)


@pytest.mark.parametrize("roles", [(Role.HR,), (Role.BRANCH_HEAD,)])
async def test_confirming_needs_risk(sd: Court, roles: tuple[Role, ...]) -> None:
    manager = await sd.manager("SD_1")
    violation = await sd.record(manager, K.NOMINEE_LOAN)
    before = await sd.footprint()
    with pytest.raises(PermissionDenied):
        await sd.confirm(violation, roles=roles)
    assert await sd.footprint() == before
    assert (await sd.stored(manager)).tier_code == "SD_1"


async def test_confirming_twice_is_a_conflict(sd: Court) -> None:
    manager = await sd.manager("SD_1")
    violation = await sd.record(manager, K.NOMINEE_LOAN)
    first = await sd.confirm(violation)
    assert first.status is ViolationStatus.CONFIRMED
    before = await sd.footprint()
    with pytest.raises(Conflict) as second:
        await sd.confirm(violation, user="third.risk")
    assert "CONFIRMED" in second.value.message
    assert await sd.footprint() == before
    assert (await sd.stored(manager)).tier_code == "SD_2"


# --- Shandong 第十五条 -------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind",
    [K.NOMINEE_LOAN, K.LOAN_TO_PAY_INTEREST, K.CROSS_COMMUNITY_LOAN, K.CREDIT_TO_BANNED_CUSTOMER],
)
@pytest.mark.parametrize(("held", "lower"), [("SD_1", "SD_2"), ("SD_2", "SD_3")])
async def test_a_serious_violation_moves_down_one_tier(
    sd: Court, registry: PolicyRegistry, kind: ViolationKind, held: str, lower: str
) -> None:
    manager = await sd.manager(held)
    violation = await sd.record(manager, kind)
    confirmed = await sd.confirm(violation)
    assert confirmed.status is ViolationStatus.CONFIRMED
    assert confirmed.recorded_by == RECORDER
    assert confirmed.confirmed_by == CONFIRMER
    assert confirmed.confirmed_at is not None
    assert confirmed.effect == "DOWN_ONE_TIER"
    assert "第十五条" in (confirmed.effect_article or "")
    assert (confirmed.effect_reason or "").strip()
    after = await sd.stored(manager)
    assert after.status is ManagerStatus.ACTIVE
    assert after.tier_code == lower
    (change,) = await sd.tier_history(manager)
    assert change.cause is TierChangeCause.PENALTY
    assert (change.from_code, change.to_code) == (held, lower)
    assert change.violation_id == violation.id
    assert change.plugin == "shandong"
    assert change.plugin_version == registry.info("shandong").version
    assert change.effective_on == business_today()
    assert change.recorded_by == CONFIRMER
    assert change.reason


async def test_a_third_tier_manager_is_disqualified_and_lends_no_more(sd: Court) -> None:
    manager = await sd.manager("SD_3")
    violation = await sd.record(manager, K.NOMINEE_LOAN)
    tier_changes = (await sd.footprint())[1]
    confirmed = await sd.confirm(violation)
    assert confirmed.effect == "DISQUALIFY"
    assert confirmed.effect_article and confirmed.effect_reason
    after = await sd.stored(manager)
    assert after.status is ManagerStatus.DISQUALIFIED
    # A disqualified manager holds no tier (core.md 客户经理): the move to none is kept.
    assert (after.tier_code, after.tier_rank, after.tier_name) == (None, None, None)
    (change,) = await sd.tier_history(manager)
    assert change.cause is TierChangeCause.PENALTY
    assert (change.from_code, change.to_code, change.to_rank) == ("SD_3", None, None)
    assert change.violation_id == violation.id
    assert (await sd.footprint())[1] == tier_changes + 1
    event = await sd.session.scalar(
        select(models.Event)
        .where(models.Event.tenant_id == sd.tenant, models.Event.subject_id == manager.id)
        .order_by(models.Event.cursor.desc())
        .limit(1)
    )
    assert event is not None and event.kind is EventKind.GRADE_CHANGED
    assert event.payload["from"]["code"] == "SD_3"
    assert (event.payload["to"], event.payload["direction"]) == (None, "REMOVED")
    assert event.payload["cause"] == "PENALTY"
    assert not after.banned_for_life, "disqualified, not for life"
    assert "MANAGER_NOT_ACTIVE" in await sd.refused_loan(manager)


async def test_a_disqualified_manager_without_a_tier_gets_no_tier_change(sd: Court) -> None:
    manager = await sd.manager(None)
    tier_changes = (await sd.footprint())[1]
    await sd.confirm(await sd.record(manager, K.NOMINEE_LOAN))
    assert (await sd.stored(manager)).status is ManagerStatus.DISQUALIFIED
    assert (await sd.footprint())[1] == tier_changes


async def test_the_daily_job_takes_the_tier_a_disqualified_manager_kept_from_before(
    sd: Court,
) -> None:
    """A manager disqualified before the rule (a disqualified manager holds no tier) kept
    三级: the daily job moves them to none, with history and event, once."""
    kept = await sd.manager("SD_3")
    kept.status = ManagerStatus.DISQUALIFIED
    active = await sd.manager("SD_2")
    await sd.session.flush()
    day = business_today()
    assert await penalties.remove_tiers_of_disqualified(sd.session, sd.tenant, day) == 1
    after = await sd.stored(kept)
    assert (after.tier_code, after.tier_rank, after.tier_name) == (None, None, None)
    (change,) = await sd.tier_history(kept)
    assert (change.from_code, change.to_code, change.cause) == (
        "SD_3",
        None,
        TierChangeCause.PENALTY,
    )
    assert (change.recorded_by, change.effective_on) == (penalties.TIERLESS_JOB, day)
    event = await sd.session.scalar(
        select(models.Event)
        .where(models.Event.tenant_id == sd.tenant, models.Event.subject_id == kept.id)
        .order_by(models.Event.cursor.desc())
        .limit(1)
    )
    assert event is not None and event.payload["direction"] == "REMOVED"
    assert (await sd.stored(active)).tier_code == "SD_2"
    assert await penalties.remove_tiers_of_disqualified(sd.session, sd.tenant, day) == 0


async def test_a_failed_training_exam_suspends(sd: Court) -> None:
    manager = await sd.manager("SD_2")
    violation = await sd.record(manager, K.TRAINING_EXAM_FAILED)
    confirmed = await sd.confirm(violation)
    assert confirmed.effect == "SUSPEND"
    after = await sd.stored(manager)
    assert after.status is ManagerStatus.SUSPENDED
    assert after.tier_code == "SD_2"
    assert await sd.tier_history(manager) == []


@pytest.mark.parametrize(
    ("cases", "effects", "tier"),
    [
        # The third audit notice of one calendar year moves a tier; the first two do not.
        (
            [(K.AUDIT_NOTICE, dt.date(YEAR, 2, 1))] * 3,
            ["NONE", "NONE", "DOWN_ONE_TIER"],
            "SD_2",
        ),
        # A fourth in the same year moves nothing more.
        (
            [(K.AUDIT_NOTICE, dt.date(YEAR, 2, 1))] * 4,
            ["NONE", "NONE", "DOWN_ONE_TIER", "NONE"],
            "SD_2",
        ),
        # Notices of another year do not add up.
        (
            [
                (K.AUDIT_NOTICE, dt.date(YEAR - 1, 12, 31)),
                (K.AUDIT_NOTICE, dt.date(YEAR, 1, 1)),
                (K.AUDIT_NOTICE, dt.date(YEAR, 12, 31)),
            ],
            ["NONE", "NONE", "NONE"],
            "SD_1",
        ),
        # Audit notices and customer complaints count each on its own.
        (
            [
                (K.AUDIT_NOTICE, dt.date(YEAR, 3, 1)),
                (K.CUSTOMER_COMPLAINT, dt.date(YEAR, 3, 2)),
                (K.AUDIT_NOTICE, dt.date(YEAR, 3, 3)),
            ],
            ["NONE", "NONE", "NONE"],
            "SD_1",
        ),
        (
            [(K.CUSTOMER_COMPLAINT, dt.date(YEAR, 7, 1))] * 3,
            ["NONE", "NONE", "DOWN_ONE_TIER"],
            "SD_2",
        ),
    ],
)
async def test_the_third_notice_in_a_calendar_year_moves_a_tier(
    sd: Court, cases: list[tuple[ViolationKind, dt.date]], effects: list[str], tier: str
) -> None:
    manager = await sd.manager("SD_1")
    seen = []
    for kind, occurred_on in cases:
        violation = await sd.record(manager, kind, occurred_on)
        confirmed = await sd.confirm(violation)
        assert confirmed.effect_article, confirmed
        seen.append(confirmed.effect)
    assert seen == effects
    assert (await sd.stored(manager)).tier_code == tier
    moves = [c for c in await sd.tier_history(manager) if c.cause is TierChangeCause.PENALTY]
    assert len(moves) == effects.count("DOWN_ONE_TIER")


async def test_unconfirmed_notices_do_not_count(sd: Court) -> None:
    manager = await sd.manager("SD_1")
    await sd.record(manager, K.AUDIT_NOTICE)
    await sd.record(manager, K.AUDIT_NOTICE)
    third = await sd.record(manager, K.AUDIT_NOTICE)
    confirmed = await sd.confirm(third)
    assert confirmed.effect == "NONE"
    assert (await sd.stored(manager)).tier_code == "SD_1"


# --- county union: lifetime disqualification ------------------------------------------


@pytest.mark.parametrize("kind", [K.TEN_KINDS_OF_PERSON, K.LOSS_BY_MISCONDUCT, K.FALSIFICATION])
async def test_a_county_case_of_article_seven_disqualifies_for_life(
    cc: Court, kind: ViolationKind
) -> None:
    manager = await cc.manager("CC_2")
    violation = await cc.record(manager, kind)
    confirmed = await cc.confirm(violation)
    assert confirmed.effect == "DISQUALIFY_FOR_LIFE"
    assert "第七条" in (confirmed.effect_article or "")
    assert "终生取消" in (confirmed.effect_reason or "")
    stored = await cc.stored(manager)
    assert stored.status is ManagerStatus.DISQUALIFIED
    assert "DISQUALIFIED_FOR_LIFE" in stored.flags
    assert stored.banned_for_life
    assert stored.tier_code is None
    assert [c.cause for c in await cc.tier_history(manager)] == [TierChangeCause.PENALTY]
    assert "MANAGER_NOT_ACTIVE" in await cc.refused_loan(manager)


async def test_a_county_kind_outside_article_seven_has_no_effect(cc: Court) -> None:
    manager = await cc.manager("CC_2")
    violation = await cc.record(manager, K.AUDIT_NOTICE)
    confirmed = await cc.confirm(violation)
    assert confirmed.effect == "NONE"
    assert confirmed.effect_article and confirmed.effect_reason
    stored = await cc.stored(manager)
    assert stored.status is ManagerStatus.ACTIVE
    assert stored.flags == []
    assert stored.tier_code == "CC_2"


# --- no penalty policy ----------------------------------------------------------------


async def test_without_a_penalty_policy_a_confirmation_changes_nothing(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    court = Court(session, registry, "sx-demo")
    manager = await court.manager("SD_1")
    violation = await court.record(manager, K.NOMINEE_LOAN)
    tier_changes = (await court.footprint())[1]
    confirmed = await court.confirm(violation)
    assert confirmed.status is ViolationStatus.CONFIRMED
    assert confirmed.effect == "NONE"
    assert "no penalty policy" in (confirmed.effect_reason or "")
    stored = await court.stored(manager)
    assert stored.tier_code == "SD_1"
    assert stored.status is ManagerStatus.ACTIVE
    assert (await court.footprint())[1] == tier_changes
