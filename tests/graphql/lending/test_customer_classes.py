"""Customer classes over GraphQL: the class and its history as the client reads them after each
mutation that changes a fact. Each classification rule is a service test
(``tests/services/test_classification.py``)."""

from __future__ import annotations

import itertools
import random
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import (
    Role,
)
from server.identity_codes import make_resident_id
from server.policy.registry import PolicyRegistry
from tests.builders import classification_loan, classification_manager
from tests.conftest import Api

SHANXI = "sx-demo"

PLUGIN = "shanxi_customer_class"

CUSTOMER_FIELDS = """
  id class classSetAt
  classHistory { id fromClass toClass rules plugin pluginVersion changedBy changedAt }
"""

CREATE_CUSTOMER = f"""
mutation($input: CreateCustomerInput!) {{ createCustomer(input: $input) {{
  __typename ... on Customer {{ {CUSTOMER_FIELDS} }} ... on UserError {{ code message }} }} }}
"""

CUSTOMER = f"query($id: ID!) {{ customer(id: $id) {{ {CUSTOMER_FIELDS} }} }}"

SET_RISK_CLASS = """
mutation($loan: ID!, $class: RiskClass!, $days: Int!) {
  setLoanRiskClass(input: {loanId: $loan, riskClass: $class, daysOverdue: $days}) {
    __typename ... on Loan { riskClass daysOverdue } ... on UserError { code message } } }
"""

UPDATE_FACTS = f"""
mutation($id: ID!, $facts: CustomerFactsInput!) {{ updateCustomerFacts(id: $id, facts: $facts) {{
  __typename ... on Customer {{ {CUSTOMER_FIELDS} }} ... on UserError {{ code message }} }} }}
"""

BLACKLIST = f"""
mutation($id: ID!, $reason: String!) {{ blacklistCustomer(customerId: $id, reason: $reason) {{
  __typename ... on Customer {{ blacklisted {CUSTOMER_FIELDS} }} ... on UserError {{ code }} }} }}
"""

UNBLACKLIST = f"""
mutation($id: ID!, $reason: String!) {{ unblacklistCustomer(customerId: $id, reason: $reason) {{
  __typename ... on Customer {{ blacklisted {CUSTOMER_FIELDS} }} ... on UserError {{ code }} }} }}
"""

SUPPORT_FACTS: dict[str, Any] = {
    "industryPolicy": "ENCOURAGED",
    "licencesComplete": True,
    "operatingStatus": "NORMAL",
    "prospects": "GOOD",
    "maliciousEvasion": False,
    "majorLitigation": False,
    "contributionScore": 80,
}


@dataclass
class Shop:
    """A manager, customers (through the API) and loans (in the database) of one tenant."""

    api: Api
    session: AsyncSession
    tenant: str

    async def manager(self) -> models.Manager:
        return await classification_manager(self.session, self.tenant)

    async def customer(self, facts: dict[str, Any]) -> dict[str, Any]:
        manager = await self.manager()
        data = await self.api(
            CREATE_CUSTOMER,
            {
                "input": {
                    "kind": "INDIVIDUAL",
                    "segment": "FARMER",
                    "name": "分类客户",
                    "idNumber": make_resident_id(random.Random(uuid.uuid4().int)),
                    "managerId": str(manager.id),
                    "facts": facts,
                }
            },
            tenant=self.tenant,
        )
        created: dict[str, Any] = data["createCustomer"]
        assert created["__typename"] == "Customer", created
        return created

    async def loan(self, customer_id: str, *, balance: str = "80000.00") -> str:
        return await classification_loan(self.session, self.tenant, customer_id, balance=balance)

    async def set_risk_class(self, loan_id: str, risk_class: str, days: int) -> None:
        data = await self.api(
            SET_RISK_CLASS,
            {"loan": loan_id, "class": risk_class, "days": days},
            tenant=self.tenant,
            roles=(Role.RISK,),
        )
        assert data["setLoanRiskClass"] == {
            "__typename": "Loan",
            "riskClass": risk_class,
            "daysOverdue": days,
        }

    async def read(self, customer_id: str) -> dict[str, Any]:
        data = await self.api(CUSTOMER, {"id": customer_id}, tenant=self.tenant)
        found: dict[str, Any] = data["customer"]
        return found

    async def update_facts(self, customer_id: str, facts: dict[str, Any]) -> dict[str, Any]:
        data = await self.api(UPDATE_FACTS, {"id": customer_id, "facts": facts}, tenant=self.tenant)
        updated: dict[str, Any] = data["updateCustomerFacts"]
        assert updated["__typename"] == "Customer", updated
        return updated

    async def blacklist(self, customer_id: str, *, listed: bool) -> dict[str, Any]:
        query, name = (
            (BLACKLIST, "blacklistCustomer") if listed else (UNBLACKLIST, "unblacklistCustomer")
        )
        data = await self.api(
            query, {"id": customer_id, "reason": "测试"}, tenant=self.tenant, roles=(Role.RISK,)
        )
        result: dict[str, Any] = data[name]
        assert result["__typename"] == "Customer", result
        assert result["blacklisted"] is listed
        return result

    async def class_changes(self) -> int:
        stmt = (
            select(func.count())
            .select_from(models.CustomerClassChange)
            .where(models.CustomerClassChange.tenant_id == self.tenant)
        )
        return int(await self.session.scalar(stmt) or 0)


@pytest.fixture
def shop(api: Api, session: AsyncSession) -> Shop:
    return Shop(api, session, SHANXI)


def rule_ids(change: dict[str, Any]) -> list[str]:
    return [hit["rule"] for hit in change["rules"]]


def assert_history_is_a_chain(customer: dict[str, Any]) -> None:
    """Oldest first; each change starts from the class the previous one set."""
    history = customer["classHistory"]
    assert history, customer
    assert history[0]["fromClass"] is None
    for previous, change in itertools.pairwise(history):
        assert change["fromClass"] == previous["toClass"], history
        assert change["changedAt"] >= previous["changedAt"], history
    for change in history:
        assert change["fromClass"] != change["toClass"], change
        assert change["rules"], change
        assert all(hit["article"] and hit["fact"] and hit["value"] for hit in change["rules"])
    assert history[-1]["toClass"] == customer["class"]


@pytest.mark.parametrize(
    ("facts", "recomputed"),
    [({}, "SUPPORT"), ({"prospects": "STABLE"}, "MAINTAIN")],
)
async def test_a_doubtful_loan_exits_the_customer_and_normal_recomputes(
    shop: Shop, registry: PolicyRegistry, facts: dict[str, Any], recomputed: str
) -> None:
    created = await shop.customer({**SUPPORT_FACTS, **facts})
    assert created["class"] == recomputed
    loan = await shop.loan(created["id"])

    await shop.set_risk_class(loan, "DOUBTFUL", 95)
    exited = await shop.read(created["id"])
    assert exited["class"] == "EXIT"
    change = exited["classHistory"][-1]
    assert (change["fromClass"], change["toClass"]) == (recomputed, "EXIT")
    assert "exit.loan_doubtful_or_loss" in rule_ids(change)
    hit = next(h for h in change["rules"] if h["rule"] == "exit.loan_doubtful_or_loss")
    assert (hit["fact"], hit["value"]) == ("worst_risk_class", "DOUBTFUL")
    assert change["plugin"] == PLUGIN
    assert change["pluginVersion"] == registry.info(PLUGIN).version
    assert change["changedBy"] == "u-test"

    await shop.set_risk_class(loan, "NORMAL", 0)
    back = await shop.read(created["id"])
    assert back["class"] == recomputed
    assert [(c["fromClass"], c["toClass"]) for c in back["classHistory"]] == [
        (None, recomputed),
        (recomputed, "EXIT"),
        ("EXIT", recomputed),
    ]
    assert_history_is_a_chain(back)


@pytest.mark.parametrize(
    ("facts", "expected", "rule"),
    [
        ({"industryPolicy": "PROHIBITED"}, "EXIT", "exit.industry_prohibited"),
        ({"industryPolicy": "NEUTRAL"}, "SUPPORT", None),
    ],
)
async def test_changed_facts_recompute_the_class(
    shop: Shop, facts: dict[str, Any], expected: str, rule: str | None
) -> None:
    created = await shop.customer(SUPPORT_FACTS)
    assert created["class"] == "SUPPORT"
    before = await shop.class_changes()
    updated = await shop.update_facts(created["id"], facts)
    assert updated["class"] == expected
    if rule is None:
        assert updated["classHistory"] == created["classHistory"]
        assert await shop.class_changes() == before
    else:
        change = updated["classHistory"][-1]
        assert (change["fromClass"], change["toClass"]) == ("SUPPORT", expected)
        assert rule in rule_ids(change)
        assert updated["classSetAt"] >= created["classSetAt"]
        assert await shop.class_changes() == before + 1
    assert_history_is_a_chain(updated)


async def test_blacklisting_exits_and_unblacklisting_recomputes(shop: Shop) -> None:
    created = await shop.customer({**SUPPORT_FACTS, "prospects": "STABLE"})
    assert created["class"] == "MAINTAIN"
    listed = await shop.blacklist(created["id"], listed=True)
    assert listed["class"] == "EXIT"
    change = listed["classHistory"][-1]
    assert (change["fromClass"], change["toClass"]) == ("MAINTAIN", "EXIT")
    assert rule_ids(change) == ["exit.blacklisted"]
    unlisted = await shop.blacklist(created["id"], listed=False)
    assert unlisted["class"] == "MAINTAIN"
    assert [(c["fromClass"], c["toClass"]) for c in unlisted["classHistory"]] == [
        (None, "MAINTAIN"),
        ("MAINTAIN", "EXIT"),
        ("EXIT", "MAINTAIN"),
    ]
    assert_history_is_a_chain(unlisted)
