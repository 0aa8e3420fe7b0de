"""Two transactions racing where a new loan's rules are checked (issue #8, part 10).

Each test plays ``ROUNDS`` rounds. A round writes fresh rows and commits them, then
runs two use cases at once (``asyncio.gather``), each in its own session on its own
connection, each committing: the pair a front end can send at the same moment. After
both, it reads the result back and counts the round broken when a rule no longer holds
— or when either side failed other than by a typed refusal. Which side starts first
alternates, so both orders are played.

On PostgreSQL the sessions run side by side and only the row locks the use cases take
keep the rules. On SQLite a writing transaction holds the database's one write lock
from its first statement (``BEGIN IMMEDIATE``, as the application takes it for a
mutation), so the pair runs one after the other: the same assertions then check that
serial order keeps the rules.

The rows live in a tenant of the test's own, committed for real (the usual rolled-back
test transaction is one connection, on which nothing can race) and deleted afterwards.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from server.db import models
from server.db.engine import SQLITE_IMMEDIATE
from server.domain import CustomerClass, PolicyCategory, RiskClass, Role
from server.errors import Refused
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services import admission, loans, policies, tier_proposals
from tests.builders import Bank, bank, office_tree
from tests.conftest import principal
from tests.services.loan_checks import loan_input

ROUNDS = 50
POLICIES = (
    (PolicyCategory.GRADING, "county_coop"),
    (PolicyCategory.LENDING, "county_coop"),
    (PolicyCategory.CLASSIFICATION, "shanxi_customer_class"),
)

Work = Callable[[AsyncSession], Awaitable[object]]


@dataclass(frozen=True)
class Outcome:
    """How one side of a race ended: refused (with its rules) or committed (and when)."""

    refused: tuple[str, ...] = ()
    commit_started: float = 0.0
    committed: float = 0.0

    @property
    def written(self) -> bool:
        return not self.refused


@dataclass
class Race:
    """The test's tenant, and sessions on their own connections to it."""

    tenant: str
    sessions: async_sessionmaker[AsyncSession]
    registry: PolicyRegistry
    sqlite: bool

    @asynccontextmanager
    async def committed(self) -> AsyncIterator[Bank]:
        """A builder whose rows are committed at the end of the block (a round's setup)."""
        async with self.sessions() as session:
            yield bank(session, self.registry, self.tenant)
            await session.commit()

    async def attempt(self, work: Work) -> Outcome:
        """Run one use case in a transaction of its own and commit it."""
        async with self.sessions() as session:
            if self.sqlite:
                await session.connection(execution_options={SQLITE_IMMEDIATE: True})
            try:
                await work(session)
            except Refused as refused:
                await session.rollback()
                return Outcome(refused=tuple(sorted(r.rule for r in refused.refusals)))
            started = time.monotonic()
            await session.commit()
            return Outcome(commit_started=started, committed=time.monotonic())

    async def race(self, round_no: int, first: Work, second: Work) -> list[Outcome] | str:
        """Both at once, ``first`` started first in even rounds; their outcomes in the order
        given, or what went wrong when either failed other than by a refusal."""
        pair = (first, second) if round_no % 2 == 0 else (second, first)
        done = await asyncio.gather(*(self.attempt(w) for w in pair), return_exceptions=True)
        if round_no % 2:
            done.reverse()
        failures = [repr(d) for d in done if isinstance(d, BaseException)]
        if failures:
            return "failed: " + "; ".join(failures)
        return [d for d in done if isinstance(d, Outcome)]


@pytest.fixture
async def race(engine: AsyncEngine, registry: PolicyRegistry) -> AsyncIterator[Race]:
    tenant = f"race-{uuid.uuid4().hex[:12]}"
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    admin = principal(tenant, (Role.FEDERATION_ADMIN,), "fed-race")
    organiser = principal(tenant, (Role.HR,), "hr-setup")
    async with sessions() as session:
        session.add(models.Tenant(tenant_id=tenant, name="并发测试农商银行", province="河北"))
        await session.flush()
        await office_tree(session, organiser)
        for category, plugin in POLICIES:
            await policies.set_tenant_policy(
                session, registry, admin, category=category, plugin=plugin, parameters={}
            )
        await session.commit()
    try:
        yield Race(tenant, sessions, registry, engine.dialect.name == "sqlite")
    finally:
        async with sessions() as session:
            for table in reversed(models.Base.metadata.sorted_tables):
                if "tenant_id" in table.c:
                    await session.execute(delete(table).where(table.c.tenant_id == tenant))
            await session.commit()


def broken_note(broken: list[str]) -> str:
    return f"{len(broken)}/{ROUNDS} rounds broken, e.g. " + " | ".join(broken[:3])


async def lend(
    registry: PolicyRegistry, actor: Principal, data: dict[str, Any], session: AsyncSession
) -> object:
    return await loans.create_loan(session, registry, actor, **data)


# --- the cap: a loan against a change of the manager's tier ------------------------------


async def demote(
    registry: PolicyRegistry, actor: Principal, proposal_id: str, session: AsyncSession
) -> object:
    """The second HR person confirms the move to 一级 proposed before the round."""
    return await tier_proposals.confirm_tier_change(
        session, registry, actor, proposal_id=proposal_id
    )


async def test_a_loan_never_commits_above_the_cap_of_a_tier_changed_meanwhile(
    race: Race,
) -> None:
    """county_coop caps a single loan by the manager's level (第一章): 二级 up to 1,000,000,
    一级 up to 300,000. An 800,000 loan races the confirmation of the manager's move from
    二级 to 一级: it is written before the move (and so within the cap then), or refused
    after it."""
    lender = principal(race.tenant, (Role.BRANCH_HEAD,), "bh-race", office="HQ")
    proposer = principal(race.tenant, (Role.HR,), "hr-propose")
    hr = principal(race.tenant, (Role.HR,), "hr-race")
    broken: list[str] = []
    for round_no in range(ROUNDS):
        async with race.committed() as world:
            office, _ = await world.offices()
            manager = await world.manager(office, tier="CC_2")
            customer = await world.customer(manager)
            proposal = await tier_proposals.propose_tier_change(
                world.session,
                race.registry,
                proposer,
                manager_id=str(manager.id),
                tier_code="CC_1",
                reason="并发测试: 降级",
            )
        data = loan_input(customer, principal="800000.00", manager=manager)
        done = await race.race(
            round_no,
            partial(lend, race.registry, lender, data),
            partial(demote, race.registry, hr, str(proposal.id)),
        )
        if isinstance(done, str):
            broken.append(f"round {round_no}: {done}")
            continue
        loan, tier = done
        if not tier.written:
            broken.append(f"round {round_no}: the tier change was refused {tier.refused}")
        elif loan.written and loan.commit_started > tier.committed:
            broken.append(f"round {round_no}: 800,000 written after the move to 一级 (cap 300,000)")
        elif not loan.written and loan.refused != ("AMOUNT_OVER_CAP",):
            broken.append(f"round {round_no}: refused by {loan.refused}, not the cap")
    assert broken == [], broken_note(broken)


# --- the MAINTAIN ceiling: two loans to one 维持类 customer ---------------------------------


async def test_two_loans_together_never_lift_a_maintained_customer_past_its_ceiling(
    race: Race,
) -> None:
    """A 维持类 customer with 60,000 outstanding and a ceiling of 100,000 asks for two loans
    of 30,000 at once: each fits alone, both do not, so exactly one is written."""
    lender = principal(race.tenant, (Role.BRANCH_HEAD,), "bh-race", office="HQ")
    ceiling = Decimal("100000.00")
    broken: list[str] = []
    for round_no in range(ROUNDS):
        async with race.committed() as world:
            office, _ = await world.offices()
            manager = await world.manager(office, tier="CC_4")
            customer = await world.customer(
                manager, customer_class=CustomerClass.MAINTAIN, exposure_at_class_set=ceiling
            )
            await world.loan(
                customer,
                principal="80000.00",
                balance="60000.00",
                issued_on=dt.date(2024, 9, 1),
                matures_on=dt.date(2026, 9, 1),
            )
        done = await race.race(
            round_no,
            partial(lend, race.registry, lender, loan_input(customer, principal="30000.00")),
            partial(lend, race.registry, lender, loan_input(customer, principal="30000.00")),
        )
        async with race.sessions() as session:
            total = await session.scalar(
                select(func.sum(models.Loan.balance)).where(
                    models.Loan.tenant_id == race.tenant, models.Loan.customer_id == customer.id
                )
            )
        if total is None or total > ceiling:
            broken.append(f"round {round_no}: outstanding {total} above the ceiling {ceiling}")
        elif isinstance(done, str):
            broken.append(f"round {round_no}: {done}")
        elif sorted(o.refused for o in done) != [(), ("MAINTAIN_NO_INCREASE",)]:
            broken.append(f"round {round_no}: outcomes {[o.refused for o in done]}")
    assert broken == [], broken_note(broken)


# --- the relationship: a loan against a transfer to another office -------------------------


async def transfer(
    actor: Principal, customer_id: str, to_manager_id: str, session: AsyncSession
) -> object:
    return await admission.transfer_relationship(
        session, actor, customer_id=customer_id, to_manager_id=to_manager_id, reason="客户申请迁移"
    )


async def test_a_loan_racing_a_transfer_ends_at_the_customers_office(race: Race) -> None:
    """The customer's manager books a loan while RISK moves the relationship to another
    office (准入办法 第六条). Written before the transfer, the loan moves with it; after it,
    the old office's manager is refused (RELATIONSHIP_ELSEWHERE). Either way every loan of
    the customer is where the customer's relationship is: its office, its manager."""
    lender = principal(race.tenant, (Role.BRANCH_HEAD,), "bh-race", office="HQ")
    risk = principal(race.tenant, (Role.RISK,), "risk-race")
    broken: list[str] = []
    for round_no in range(ROUNDS):
        async with race.committed() as world:
            here, there = await world.offices()
            manager = await world.manager(here, tier="CC_2")
            receiver = await world.manager(there, tier="CC_2")
            customer = await world.customer(manager)
        done = await race.race(
            round_no,
            partial(lend, race.registry, lender, loan_input(customer, manager=manager)),
            partial(transfer, risk, str(customer.id), str(receiver.id)),
        )
        async with race.sessions() as session:
            moved = await session.get(models.Customer, (race.tenant, customer.id))
            booked = list(
                (
                    await session.execute(
                        select(models.Loan).where(
                            models.Loan.tenant_id == race.tenant,
                            models.Loan.customer_id == customer.id,
                        )
                    )
                ).scalars()
            )
        assert moved is not None
        astray = [
            loan
            for loan in booked
            if (loan.office_id, loan.manager_id) != (moved.office_id, moved.manager_id)
        ]
        if astray:
            broken.append(f"round {round_no}: a loan stayed at the office the customer left")
        elif isinstance(done, str):
            broken.append(f"round {round_no}: {done}")
        elif not done[1].written or moved.manager_id != receiver.id:
            broken.append(f"round {round_no}: the transfer did not happen ({done[1].refused})")
        elif done[0].refused not in ((), ("RELATIONSHIP_ELSEWHERE",)):
            broken.append(f"round {round_no}: the loan was refused by {done[0].refused}")
        elif len(booked) != (1 if done[0].written else 0):
            broken.append(f"round {round_no}: {len(booked)} loans where {int(done[0].written)}")
    assert broken == [], broken_note(broken)


# --- the lock order: a loan's class against a transfer of its customer ---------------------


async def classify(
    registry: PolicyRegistry, actor: Principal, loan_id: str, session: AsyncSession
) -> object:
    return await loans.set_loan_risk_class(
        session, registry, actor, loan_id=loan_id, risk_class=RiskClass.LOSS, days_overdue=400
    )


async def test_a_loans_class_and_a_transfer_of_its_customer_both_commit(race: Race) -> None:
    """RISK marks a loan 损失 (which makes its 维持类 customer 退出类) while the customer's
    relationship moves to another office. Both lock the customer before the loan, so
    neither waits for the other in a circle (a deadlock, one of them failed): both commit,
    and the loan ends at the new office with the customer reclassified."""
    risk = principal(race.tenant, (Role.RISK,), "risk-race")
    broken: list[str] = []
    for round_no in range(ROUNDS):
        async with race.committed() as world:
            here, there = await world.offices()
            manager = await world.manager(here, tier="CC_2")
            receiver = await world.manager(there, tier="CC_2")
            customer = await world.customer(
                manager, customer_class=CustomerClass.MAINTAIN, exposure_at_class_set=None
            )
            loan = await world.loan(
                customer,
                principal="50000.00",
                balance="50000.00",
                issued_on=dt.date(2024, 9, 1),
                matures_on=dt.date(2026, 9, 1),
            )
        done = await race.race(
            round_no,
            partial(classify, race.registry, risk, str(loan.id)),
            partial(transfer, risk, str(customer.id), str(receiver.id)),
        )
        async with race.sessions() as session:
            moved = await session.get(models.Customer, (race.tenant, customer.id))
            stored = await session.get(models.Loan, (race.tenant, loan.id))
        assert moved is not None and stored is not None
        if isinstance(done, str):
            broken.append(f"round {round_no}: {done}")
        elif (stored.office_id, stored.manager_id) != (receiver.office_id, receiver.id):
            broken.append(f"round {round_no}: the loan stayed at the office the customer left")
        elif (moved.class_code, stored.risk_class) != (CustomerClass.EXIT, RiskClass.LOSS):
            broken.append(f"round {round_no}: {moved.class_code}, {stored.risk_class}")
    assert broken == [], broken_note(broken)
