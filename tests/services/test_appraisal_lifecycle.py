"""An appraisal's life cycle (``server.services.appraisal``): a draft from recorded inputs, or
the inputs it lacks; confirmation by a second HR user, which moves the tier; an appeal by the
manager within the tenant's window; the review that recomputes into a draft a second person
confirms. (Who may not take which step: ``test_separation_of_duties``.)"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import AppraisalStatus, ManagerStatus, PolicyCategory, Role, TierChangeCause
from server.errors import (
    Conflict,
    MissingInputs,
    NotFound,
    PermissionDenied,
    SelectionChanged,
    SeparationOfDuties,
)
from server.policy import Tier, TierDirection, TierMove
from server.policy.registry import PolicyRegistry
from server.policy.vocabulary import TierMoveFlag
from server.services import appraisal, policies, records, tenant_settings
from server.services.appraisal import lifecycle
from server.services.records import Figure
from tests.conftest import principal

TENANT = "sd-demo"
PERIOD = "2026"
SD_PLANS = {
    "deposit_net_increase": "5000000",
    "npl_net_reduction": "20000",
    "npl_cash_recovered": "10000",
    "writeoff_recovered": "5000",
    "interest_recovered": "300000",
}
SD_ACTUALS = {
    "deposit_net_increase": "4500000",
    "npl_cash_recovered": "12000",
    "writeoff_recovered": "5000",
    "interest_recovered": "310000",
}


def figures(values: dict[str, str]) -> list[Figure]:
    return [Figure(key, Decimal(value)) for key, value in values.items()]


@pytest.fixture
async def manager(session: AsyncSession) -> models.Manager:
    """The first active manager of the tenant, by employee number."""
    stmt = (
        select(models.Manager)
        .where(models.Manager.tenant_id == TENANT, models.Manager.status == ManagerStatus.ACTIVE)
        .order_by(models.Manager.employee_no)
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one()


async def record(session: AsyncSession, registry: PolicyRegistry, manager: models.Manager) -> None:
    hr = principal(TENANT)
    await records.record_task_plan(
        session, registry, hr, manager_id=str(manager.id), period=PERIOD, plans=figures(SD_PLANS)
    )
    await records.record_indicators(
        session, registry, hr, manager_id=str(manager.id), period=PERIOD, values=figures(SD_ACTUALS)
    )


async def run(
    session: AsyncSession, registry: PolicyRegistry, manager: models.Manager, user: str = "hr-1"
) -> models.Appraisal:
    return await appraisal.run_appraisal(
        session,
        registry,
        principal(TENANT, (Role.HR,), user),
        manager_id=str(manager.id),
        period=PERIOD,
    )


async def confirm(
    session: AsyncSession,
    registry: PolicyRegistry,
    draft: models.Appraisal,
    user: str = "hr-2",
    roles: tuple[Role, ...] = (Role.HR,),
) -> models.Appraisal:
    return await appraisal.confirm_appraisal(
        session, registry, principal(TENANT, roles, user), appraisal_id=str(draft.id)
    )


async def appeal(
    session: AsyncSession, row: models.Appraisal, user: str, roles: tuple[Role, ...]
) -> models.Appraisal:
    """Appeal as ``user``, who as a MANAGER is the manager with that employee number."""
    actor = principal(TENANT, roles, user, manager=user if Role.MANAGER in roles else None)
    return await appraisal.appeal_appraisal(
        session, actor, appraisal_id=str(row.id), reason="B6 利息数据有误"
    )


async def confirmed_days_ago(session: AsyncSession, row: models.Appraisal, days: int) -> None:
    await session.execute(
        update(models.Appraisal)
        .where(models.Appraisal.tenant_id == TENANT, models.Appraisal.id == row.id)
        .values(confirmed_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=days))
    )


async def items_of(session: AsyncSession, row: models.Appraisal) -> list[models.AppraisalItem]:
    item = models.AppraisalItem
    rows = await session.execute(
        select(item)
        .where(item.tenant_id == TENANT, item.appraisal_id == row.id)
        .order_by(item.position)
        .execution_options(populate_existing=True)
    )
    return list(rows.scalars())


async def test_missing_inputs_are_listed_and_nothing_is_written(
    session: AsyncSession, registry: PolicyRegistry, manager: models.Manager
) -> None:
    with pytest.raises(MissingInputs) as refused:
        await run(session, registry, manager)
    missing = {(m.key, m.source) for m in refused.value.missing}
    assert ("interest_recovered", "RECORDED") in missing
    assert ("interest_recovered", "TASK_PLAN") in missing
    assert ("deposit_net_increase", "TASK_PLAN") in missing
    assert all(m.reason for m in refused.value.missing)
    count = await session.scalar(
        select(func.count())
        .select_from(models.Appraisal)
        .where(models.Appraisal.manager_id == manager.id)
    )
    assert count == 0


async def test_the_one_who_ran_it_and_a_manager_cannot_confirm(
    session: AsyncSession, registry: PolicyRegistry, manager: models.Manager
) -> None:
    await record(session, registry, manager)
    draft = await run(session, registry, manager)
    assert (draft.status, draft.graded, draft.plugin) == (AppraisalStatus.DRAFT, True, "shandong")
    for maker in ("hr-1", "HR-1"):
        with pytest.raises(SeparationOfDuties, match="COMPUTER_CONFIRMS"):
            await confirm(session, registry, draft, user=maker)
    with pytest.raises(PermissionDenied):
        await confirm(session, registry, draft, user="x", roles=(Role.MANAGER,))
    assert draft.status is AppraisalStatus.DRAFT


async def test_confirmation_moves_the_tier_and_is_not_run_again(
    session: AsyncSession, registry: PolicyRegistry, manager: models.Manager
) -> None:
    await record(session, registry, manager)
    draft = await run(session, registry, manager)
    assert draft.tier_code is not None
    # Put the manager on a different tier so that confirmation must move it.
    other = "SD_1" if draft.tier_code != "SD_1" else "SD_3"
    await session.execute(
        update(models.Manager)
        .where(models.Manager.tenant_id == TENANT, models.Manager.id == manager.id)
        .values(tier_code=other, tier_rank=3 if other == "SD_1" else 1, tier_name=other)
    )
    confirmed = await confirm(session, registry, draft)
    assert (confirmed.status, confirmed.confirmed_by) == (AppraisalStatus.CONFIRMED, "hr-2")
    await session.refresh(manager)
    assert manager.tier_code == draft.tier_code
    change = models.ManagerTierChange
    last = (
        await session.execute(
            select(change)
            .where(change.tenant_id == TENANT, change.manager_id == manager.id)
            .order_by(change.effective_on.desc(), change.id.desc())
            .limit(1)
        )
    ).scalar_one()
    assert (last.cause, last.appraisal_id, last.to_code) == (
        TierChangeCause.APPRAISAL,
        draft.id,
        draft.tier_code,
    )
    with pytest.raises(Conflict) as rerun:
        await run(session, registry, manager)
    assert rerun.value.field == "period"


async def test_only_the_manager_appeals_their_own_appraisal(
    session: AsyncSession, registry: PolicyRegistry, manager: models.Manager
) -> None:
    await record(session, registry, manager)
    confirmed = await confirm(session, registry, await run(session, registry, manager))
    with pytest.raises(PermissionDenied):
        await appeal(session, confirmed, "hr-2", (Role.HR,))
    with pytest.raises(NotFound):  # another manager's appraisal is out of their scope
        await appeal(session, confirmed, "SOMEONE", (Role.MANAGER,))
    appealed = await appeal(session, confirmed, manager.employee_no, (Role.MANAGER,))
    assert appealed.status is AppraisalStatus.APPEALED
    assert appealed.appeal_reason == "B6 利息数据有误"


async def test_the_appeal_window_closes(
    session: AsyncSession, registry: PolicyRegistry, manager: models.Manager
) -> None:
    await record(session, registry, manager)
    confirmed = await confirm(session, registry, await run(session, registry, manager))
    await confirmed_days_ago(session, confirmed, 16)
    with pytest.raises(Conflict, match="15 days"):
        await appeal(session, confirmed, manager.employee_no, (Role.MANAGER,))


async def test_the_appeal_window_is_the_tenants_setting(
    session: AsyncSession, registry: PolicyRegistry, manager: models.Manager
) -> None:
    await tenant_settings.set_tenant_settings(
        session,
        principal(TENANT, (Role.FEDERATION_ADMIN,)),
        appeal_days=20,
        large_loan_threshold=None,
    )
    await record(session, registry, manager)
    confirmed = await confirm(session, registry, await run(session, registry, manager))
    await confirmed_days_ago(session, confirmed, 16)
    appealed = await appeal(session, confirmed, manager.employee_no, (Role.MANAGER,))
    assert appealed.status is AppraisalStatus.APPEALED


@pytest.mark.parametrize(
    ("zone", "still_open"), [("Pacific/Kiritimati", True), ("Etc/GMT+12", False)]
)
async def test_the_appeal_window_ends_with_a_business_day_of_the_tenants_zone(
    session: AsyncSession,
    registry: PolicyRegistry,
    manager: models.Manager,
    zone: str,
    still_open: bool,
) -> None:
    """Confirmed at 11:00 UTC: the 2nd in Kiritimati (UTC+14), still the 30th in UTC−12.
    15 days and 2 hours later, the window is in its last day in the east (the 17th) and
    closed in the west since midnight there (its last day was the 15th)."""
    await tenant_settings.set_tenant_settings(
        session,
        principal(TENANT, (Role.FEDERATION_ADMIN,)),
        appeal_days=None,
        large_loan_threshold=None,
        time_zone=zone,
    )
    await record(session, registry, manager)
    confirmed = await confirm(session, registry, await run(session, registry, manager))
    at = dt.datetime(2026, 12, 1, 11, 0, tzinfo=dt.UTC)
    await session.execute(
        update(models.Appraisal)
        .where(models.Appraisal.tenant_id == TENANT, models.Appraisal.id == confirmed.id)
        .values(confirmed_at=at)
    )
    actor = principal(TENANT, (Role.MANAGER,), manager.employee_no, manager=manager.employee_no)
    now = at + dt.timedelta(days=15, hours=2)
    if still_open:
        appealed = await appraisal.appeal_appraisal(
            session, actor, appraisal_id=str(confirmed.id), reason="B6 利息数据有误", now=now
        )
        assert appealed.status is AppraisalStatus.APPEALED
        return
    with pytest.raises(Conflict, match=r"closed with 2026-12-15 \(in Etc/GMT\+12\)"):
        await appraisal.appeal_appraisal(
            session, actor, appraisal_id=str(confirmed.id), reason="B6 利息数据有误", now=now
        )


async def test_a_review_recomputes_from_the_current_inputs(
    session: AsyncSession, registry: PolicyRegistry, manager: models.Manager
) -> None:
    await record(session, registry, manager)
    draft = await run(session, registry, manager)
    before = {i.key: i.score for i in await items_of(session, draft)}
    total = draft.total
    confirmed = await confirm(session, registry, draft)
    await appeal(session, confirmed, manager.employee_no, (Role.MANAGER,))
    await records.record_indicators(
        session,
        registry,
        principal(TENANT),
        manager_id=str(manager.id),
        period=PERIOD,
        values=figures({"interest_recovered": "600000"}),
    )
    reviewed = await appraisal.resolve_appeal(
        session,
        registry,
        principal(TENANT, (Role.HR,), "hr-3"),
        appraisal_id=str(draft.id),
        reason="复核: 利息更正",
        recompute=True,
    )
    assert (reviewed.status, reviewed.review_reason, reviewed.recomputed_by) == (
        AppraisalStatus.DRAFT,
        "复核: 利息更正",
        "hr-3",
    )
    after = {i.key: i.score for i in await items_of(session, reviewed)}
    assert after["B6"] > before["B6"]
    assert reviewed.total is not None and total is not None
    assert reviewed.total > total
    confirmed = await confirm(session, registry, reviewed, user="hr-4")
    assert (confirmed.status, confirmed.confirmed_by) == (AppraisalStatus.CONFIRMED, "hr-4")


async def test_a_probationer_is_placed_without_scoring(
    session: AsyncSession, registry: PolicyRegistry, manager: models.Manager
) -> None:
    await session.execute(
        update(models.Manager)
        .where(models.Manager.id == manager.id)
        .values(status=ManagerStatus.PROBATION, probation_ends_on=dt.date(2027, 3, 1))
    )
    draft = await run(session, registry, manager)
    assert (draft.status, draft.graded) == (AppraisalStatus.DRAFT, False)
    assert "第十三条" in (draft.explanation or "") or "13" in (draft.explanation or "")
    assert await items_of(session, draft) == []


def _move(direction: TierDirection, *flags: TierMoveFlag) -> TierMove:
    tier = Tier(code="T_2", name="二级", rank=2, external_title="二级客户经理")
    return TierMove(direction, tier, "reason", "article", flags)


@pytest.mark.parametrize(
    ("status", "ends_on", "move", "ending"),
    [
        # The plugin says so (山东 第十三条): whatever the record says.
        (ManagerStatus.ACTIVE, None, _move(TierDirection.SET, TierMoveFlag.PROBATION_END), True),
        # A plugin that does not flag it: a probationer whose probation ended by the period
        # end, given a tier, is out of probation; one day later it is an ordinary appraisal.
        (ManagerStatus.PROBATION, dt.date(2026, 12, 31), _move(TierDirection.SET), True),
        (ManagerStatus.PROBATION, dt.date(2027, 1, 1), _move(TierDirection.SET), False),
        (ManagerStatus.PROBATION, dt.date(2026, 6, 1), _move(TierDirection.NONE), False),
        (ManagerStatus.PROBATION, None, _move(TierDirection.SET), False),
        (ManagerStatus.ACTIVE, dt.date(2026, 6, 1), _move(TierDirection.PROMOTION), False),
    ],
)
def test_which_confirmed_moves_end_probation(
    status: ManagerStatus, ends_on: dt.date | None, move: TierMove, ending: bool
) -> None:
    manager = models.Manager(status=status, probation_ends_on=ends_on)
    assert lifecycle._ends_probation(manager, move, dt.date(2026, 12, 31)) is ending


async def set_grading(
    session: AsyncSession, registry: PolicyRegistry, plugin: str, parameters: dict[str, str]
) -> None:
    admin = principal(TENANT, (Role.FEDERATION_ADMIN,), "fed-1")
    await policies.set_tenant_policy(
        session,
        registry,
        admin,
        category=PolicyCategory.GRADING,
        plugin=plugin,
        parameters=parameters,
    )


async def test_a_draft_of_other_parameters_is_not_confirmed(
    session: AsyncSession, registry: PolicyRegistry, manager: models.Manager
) -> None:
    await set_grading(session, registry, "shandong", {"deduction_per_case": "1"})
    await record(session, registry, manager)
    draft = await run(session, registry, manager)
    await set_grading(session, registry, "shandong", {"deduction_per_case": "0.5"})
    with pytest.raises(SelectionChanged) as refused:
        await confirm(session, registry, draft)
    assert refused.value.code == "RECOMPUTE_FIRST"
    assert refused.value.field == "appraisal_id"
    assert refused.value.differences == ["parameters.deduction_per_case: 1 → 0.5"]
    await session.refresh(draft)
    assert (draft.status, draft.confirmed_by) == (AppraisalStatus.DRAFT, None)
    # Back to the parameters it was made with, the same draft confirms.
    await set_grading(session, registry, "shandong", {"deduction_per_case": "1"})
    assert (await confirm(session, registry, draft)).status == AppraisalStatus.CONFIRMED


async def test_a_draft_of_another_plugin_is_not_confirmed(
    session: AsyncSession, registry: PolicyRegistry, manager: models.Manager
) -> None:
    await record(session, registry, manager)
    draft = await run(session, registry, manager)
    await set_grading(session, registry, "anhui", {})
    with pytest.raises(SelectionChanged) as refused:
        await confirm(session, registry, draft)
    assert refused.value.differences == ["plugin shandong → anhui"]
    await session.refresh(manager)
    # The switch itself moved the manager to an Anhui band; the draft moved nothing.
    assert (manager.tier_code or "").startswith("AH_")
