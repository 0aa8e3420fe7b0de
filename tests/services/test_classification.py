"""Customer classes recomputed whenever a fact changes, with a history of every change.

The use cases that change a fact (``create_customer``, ``update_customer_facts``,
``set_loan_risk_class``, ``set_blacklisted``) are called directly; each reclassifies the
customer in its own transaction, as the tenant's classification plugin decides.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import business_today
from server.db import models
from server.domain import (
    CustomerClass,
    CustomerKind,
    CustomerSegment,
    IndustryPolicy,
    OperatingStatus,
    Prospects,
    RiskClass,
    Role,
)
from server.identity_codes import make_resident_id
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services import admission, customers, loans
from tests.builders import LOOKUP_KEY, classification_loan, classification_manager
from tests.conftest import principal

SHANXI = "sx-demo"
PLUGIN = "shanxi_customer_class"

# Facts of a 支持类 customer: every 第十条 criterion met.
SUPPORT_FACTS: dict[str, Any] = {
    "industry_policy": IndustryPolicy.ENCOURAGED,
    "licences_complete": True,
    "operating_status": OperatingStatus.NORMAL,
    "prospects": Prospects.GOOD,
    "malicious_evasion": False,
    "major_litigation": False,
    "contribution_score": 80,
}
SUPPORT, MAINTAIN, RESTRICT, EXIT = (
    CustomerClass.SUPPORT,
    CustomerClass.MAINTAIN,
    CustomerClass.RESTRICT,
    CustomerClass.EXIT,
)


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives times back without their zone; they are UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Change:
    """One entry of a customer's class history, as stored."""

    id: uuid.UUID
    from_class: CustomerClass | None
    to_class: CustomerClass
    rules: list[dict[str, str]]
    plugin: str
    plugin_version: str
    changed_by: str
    changed_at: dt.datetime | None


@dataclass(frozen=True)
class Seen:
    """A customer's class and class history as stored at one moment, oldest change first."""

    id: str
    customer_class: CustomerClass | None
    class_set_at: dt.datetime | None
    history: list[Change]


@dataclass
class Shop:
    """A manager, customers (through the use cases) and loans (in the database) of one tenant."""

    session: AsyncSession
    registry: PolicyRegistry
    tenant: str

    def actor(self, *roles: Role) -> Principal:
        return principal(self.tenant, roles or (Role.BRANCH_HEAD, Role.RISK))

    async def manager(self) -> models.Manager:
        return await classification_manager(self.session, self.tenant)

    async def customer(self, facts: dict[str, Any]) -> Seen:
        manager = await self.manager()
        created = await customers.create_customer(
            self.session,
            self.registry,
            self.actor(),
            kind=CustomerKind.INDIVIDUAL,
            segment=CustomerSegment.FARMER,
            name="分类客户",
            id_number=make_resident_id(random.Random(uuid.uuid4().int)),
            manager_id=str(manager.id),
            facts=customers.CustomerFacts(**facts),
            lookup_key=LOOKUP_KEY,
        )
        return await self.read(str(created.id))

    async def loan(self, customer_id: str, *, balance: str = "80000.00") -> str:
        return await classification_loan(self.session, self.tenant, customer_id, balance=balance)

    async def set_risk_class(self, loan_id: str, risk_class: RiskClass, days: int) -> None:
        loan = await loans.set_loan_risk_class(
            self.session,
            self.registry,
            self.actor(Role.RISK),
            loan_id=loan_id,
            risk_class=risk_class,
            days_overdue=days,
        )
        assert (loan.risk_class, loan.days_overdue) == (risk_class, days)

    async def read(self, customer_id: str) -> Seen:
        key = uuid.UUID(customer_id)
        customer = await self.session.get(
            models.Customer, (self.tenant, key), populate_existing=True
        )
        assert customer is not None
        change = models.CustomerClassChange
        rows = (
            await self.session.execute(
                select(change)
                .where(change.tenant_id == self.tenant, change.customer_id == key)
                .order_by(change.changed_at, change.id)
                .execution_options(populate_existing=True)
            )
        ).scalars()
        history = [
            Change(
                id=r.id,
                from_class=r.from_class,
                to_class=r.to_class,
                rules=list(r.rules),
                plugin=r.plugin,
                plugin_version=r.plugin_version,
                changed_by=r.changed_by,
                changed_at=utc(r.changed_at),
            )
            for r in rows
        ]
        return Seen(customer_id, customer.class_code, utc(customer.class_set_at), history)

    async def update_facts(self, customer_id: str, facts: dict[str, Any]) -> Seen:
        await customers.update_customer_facts(
            self.session, self.registry, self.actor(), customer_id=customer_id, facts=facts
        )
        return await self.read(customer_id)

    async def blacklist(self, customer_id: str, *, listed: bool) -> Seen:
        row = await admission.set_blacklisted(
            self.session,
            self.registry,
            self.actor(Role.RISK),
            customer_id=customer_id,
            listed=listed,
            reason="测试",
        )
        assert row.blacklisted is listed
        return await self.read(customer_id)

    async def class_changes(self) -> int:
        stmt = (
            select(func.count())
            .select_from(models.CustomerClassChange)
            .where(models.CustomerClassChange.tenant_id == self.tenant)
        )
        return int(await self.session.scalar(stmt) or 0)


@pytest.fixture
def shop(session: AsyncSession, registry: PolicyRegistry) -> Shop:
    return Shop(session, registry, SHANXI)


def rule_ids(change: Change) -> list[str]:
    return [hit["rule"] for hit in change.rules]


def assert_history_is_a_chain(customer: Seen) -> None:
    """Oldest first; each change starts from the class the previous one set."""
    history = customer.history
    assert history, customer
    assert history[0].from_class is None
    for previous, change in itertools.pairwise(history):
        assert change.from_class == previous.to_class, history
        assert change.changed_at is not None and previous.changed_at is not None
        assert change.changed_at >= previous.changed_at, history
    for change in history:
        assert change.from_class != change.to_class, change
        assert change.rules, change
        assert all(hit["article"] and hit["fact"] and hit["value"] for hit in change.rules)
    assert history[-1].to_class == customer.customer_class


@pytest.mark.parametrize(
    ("facts", "recomputed"),
    [
        ({}, SUPPORT),
        ({"prospects": Prospects.STABLE}, MAINTAIN),
        ({"contribution_score": 59}, MAINTAIN),
        ({"contribution_score": 60}, SUPPORT),
        ({"operating_status": OperatingStatus.DECLINING}, RESTRICT),
        ({"major_litigation": True}, RESTRICT),
    ],
)
async def test_a_doubtful_loan_exits_the_customer_and_normal_recomputes(
    shop: Shop, registry: PolicyRegistry, facts: dict[str, Any], recomputed: CustomerClass
) -> None:
    created = await shop.customer({**SUPPORT_FACTS, **facts})
    assert created.customer_class == recomputed
    loan = await shop.loan(created.id)

    await shop.set_risk_class(loan, RiskClass.DOUBTFUL, 95)
    exited = await shop.read(created.id)
    assert exited.customer_class == EXIT
    change = exited.history[-1]
    assert (change.from_class, change.to_class) == (recomputed, EXIT)
    assert "exit.loan_doubtful_or_loss" in rule_ids(change)
    hit = next(h for h in change.rules if h["rule"] == "exit.loan_doubtful_or_loss")
    assert (hit["fact"], hit["value"]) == ("worst_risk_class", "DOUBTFUL")
    assert change.plugin == PLUGIN
    assert change.plugin_version == registry.info(PLUGIN).version
    assert change.changed_by == "u-test"

    await shop.set_risk_class(loan, RiskClass.NORMAL, 0)
    back = await shop.read(created.id)
    assert back.customer_class == recomputed
    assert [(c.from_class, c.to_class) for c in back.history] == [
        (None, recomputed),
        (recomputed, EXIT),
        (EXIT, recomputed),
    ]
    assert_history_is_a_chain(back)


@pytest.mark.parametrize(
    ("risk_class", "days", "expected", "rule"),
    [
        (RiskClass.SPECIAL_MENTION, 0, SUPPORT, None),
        (RiskClass.SUBSTANDARD, 0, RESTRICT, "restrict.loan_substandard"),
        (RiskClass.NORMAL, 1, RESTRICT, "restrict.overdue"),
        (RiskClass.DOUBTFUL, 0, EXIT, "exit.loan_doubtful_or_loss"),
        (RiskClass.LOSS, 400, EXIT, "exit.loan_doubtful_or_loss"),
    ],
)
async def test_the_loans_class_and_days_overdue_drive_the_customer_class(
    shop: Shop, risk_class: RiskClass, days: int, expected: CustomerClass, rule: str | None
) -> None:
    created = await shop.customer(SUPPORT_FACTS)
    loan = await shop.loan(created.id)
    before = await shop.class_changes()
    await shop.set_risk_class(loan, risk_class, days)
    after = await shop.read(created.id)
    assert after.customer_class == expected
    if rule is None:
        assert len(after.history) == 1
        assert await shop.class_changes() == before
    else:
        assert rule in rule_ids(after.history[-1])
        assert await shop.class_changes() == before + 1
    assert_history_is_a_chain(after)


async def test_a_repaid_loan_no_longer_counts(shop: Shop) -> None:
    created = await shop.customer(SUPPORT_FACTS)
    loan = await shop.loan(created.id, balance="0.00")
    await shop.set_risk_class(loan, RiskClass.LOSS, 700)
    after = await shop.read(created.id)
    assert after.customer_class == SUPPORT
    assert len(after.history) == 1


@pytest.mark.parametrize(
    ("facts", "expected", "rule"),
    [
        ({"industry_policy": IndustryPolicy.PROHIBITED}, EXIT, "exit.industry_prohibited"),
        ({"industry_policy": IndustryPolicy.RESTRICTED}, RESTRICT, "restrict.industry_restricted"),
        ({"malicious_evasion": True}, EXIT, "exit.malicious_evasion"),
        ({"operating_status": OperatingStatus.CEASED}, EXIT, "exit.operations_ceased"),
        (
            {"operating_status": OperatingStatus.SUSPENDED},
            RESTRICT,
            "restrict.operations_declining_or_suspended",
        ),
        ({"licences_complete": False}, RESTRICT, "restrict.licences_incomplete"),
        ({"major_litigation": True}, RESTRICT, "restrict.major_litigation"),
        ({"prospects": Prospects.POOR}, MAINTAIN, "maintain.prospects_not_good"),
        ({"contribution_score": 10}, MAINTAIN, "maintain.low_contribution"),
        ({"industry_policy": IndustryPolicy.NEUTRAL}, SUPPORT, None),
    ],
)
async def test_changed_facts_recompute_the_class(
    shop: Shop, facts: dict[str, Any], expected: CustomerClass, rule: str | None
) -> None:
    created = await shop.customer(SUPPORT_FACTS)
    assert created.customer_class == SUPPORT
    before = await shop.class_changes()
    updated = await shop.update_facts(created.id, facts)
    assert updated.customer_class == expected
    if rule is None:
        assert updated.history == created.history
        assert await shop.class_changes() == before
    else:
        change = updated.history[-1]
        assert (change.from_class, change.to_class) == (SUPPORT, expected)
        assert rule in rule_ids(change)
        assert updated.class_set_at is not None and created.class_set_at is not None
        assert updated.class_set_at >= created.class_set_at
        assert await shop.class_changes() == before + 1
    assert_history_is_a_chain(updated)


async def test_a_recent_bad_credit_record_restricts(shop: Shop) -> None:
    created = await shop.customer(SUPPORT_FACTS)
    recent = business_today() - dt.timedelta(days=30)
    updated = await shop.update_facts(created.id, {"last_bad_credit_on": recent})
    assert updated.customer_class == RESTRICT
    hit = next(h for h in updated.history[-1].rules if h["rule"] == "restrict.bad_credit_record")
    assert hit["value"] == recent.isoformat()


async def test_the_class_keeps_the_exposure_when_it_was_set(
    shop: Shop, session: AsyncSession
) -> None:
    created = await shop.customer(SUPPORT_FACTS)
    await shop.loan(created.id, balance="12345.67")
    await shop.loan(created.id, balance="10000.00")
    updated = await shop.update_facts(created.id, {"prospects": Prospects.STABLE})
    assert updated.customer_class == MAINTAIN
    row = await session.get(
        models.Customer, (SHANXI, uuid.UUID(created.id)), populate_existing=True
    )
    assert row is not None
    assert row.exposure_at_class_set == Decimal("22345.67")
    exposures = await session.scalars(
        select(models.CustomerClassChange.exposure)
        .where(
            models.CustomerClassChange.tenant_id == SHANXI,
            models.CustomerClassChange.customer_id == row.id,
        )
        .order_by(models.CustomerClassChange.changed_at, models.CustomerClassChange.id)
    )
    # Each history row keeps the outstanding when its class was set: none at creation.
    assert list(exposures) == [Decimal("0.00"), Decimal("22345.67")]


async def test_blacklisting_exits_and_unblacklisting_recomputes(shop: Shop) -> None:
    created = await shop.customer({**SUPPORT_FACTS, "prospects": Prospects.STABLE})
    assert created.customer_class == MAINTAIN
    listed = await shop.blacklist(created.id, listed=True)
    assert listed.customer_class == EXIT
    change = listed.history[-1]
    assert (change.from_class, change.to_class) == (MAINTAIN, EXIT)
    assert rule_ids(change) == ["exit.blacklisted"]
    unlisted = await shop.blacklist(created.id, listed=False)
    assert unlisted.customer_class == MAINTAIN
    assert [(c.from_class, c.to_class) for c in unlisted.history] == [
        (None, MAINTAIN),
        (MAINTAIN, EXIT),
        (EXIT, MAINTAIN),
    ]
    assert_history_is_a_chain(unlisted)


async def test_a_long_history_is_a_chain_in_order(shop: Shop) -> None:
    created = await shop.customer(SUPPORT_FACTS)
    loan = await shop.loan(created.id)
    await shop.update_facts(created.id, {"prospects": Prospects.STABLE})  # MAINTAIN
    await shop.update_facts(created.id, {"contribution_score": 90})  # still MAINTAIN
    await shop.set_risk_class(loan, RiskClass.SUBSTANDARD, 40)  # RESTRICT
    await shop.blacklist(created.id, listed=True)  # EXIT
    await shop.set_risk_class(loan, RiskClass.NORMAL, 0)  # still EXIT (blacklisted)
    await shop.blacklist(created.id, listed=False)  # MAINTAIN
    await shop.update_facts(created.id, {"prospects": Prospects.GOOD})  # SUPPORT
    final = await shop.read(created.id)
    assert [c.to_class for c in final.history] == [
        SUPPORT,
        MAINTAIN,
        RESTRICT,
        EXIT,
        MAINTAIN,
        SUPPORT,
    ]
    assert_history_is_a_chain(final)


async def test_no_classification_policy_classifies_nothing(
    session: AsyncSession, registry: PolicyRegistry
) -> None:
    shop = Shop(session, registry, "sd-demo")
    before = await shop.class_changes()
    created = await shop.customer(SUPPORT_FACTS)
    assert created.customer_class is None
    assert created.class_set_at is None
    loan = await shop.loan(created.id)
    await shop.set_risk_class(loan, RiskClass.LOSS, 300)
    await shop.update_facts(created.id, {"industry_policy": IndustryPolicy.PROHIBITED})
    await shop.blacklist(created.id, listed=True)
    final = await shop.read(created.id)
    assert final.customer_class is None
    assert final.history == []
    assert await shop.class_changes() == before
