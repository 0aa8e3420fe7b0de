"""A class change's typed rules (``ClassChange.ruleHits``) hold what its JSON ``rules`` hold."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.graphql.lending.rules import ClassRule
from tests.conftest import Api

HISTORY = """query($id: ID!) { customer(id: $id) { classHistory {
  toClass plugin rules ruleHits { rule fact value article } } } }"""


async def test_the_demo_class_changes_read_typed(api: Api, session: AsyncSession) -> None:
    customers = (
        await session.execute(
            select(models.CustomerClassChange.customer_id)
            .where(models.CustomerClassChange.tenant_id == "sx-demo")
            .distinct()
            .limit(5)
        )
    ).scalars()
    seen = 0
    for customer_id in customers:
        history = (await api(HISTORY, {"id": str(customer_id)}, tenant="sx-demo"))["customer"][
            "classHistory"
        ]
        for change in history:
            assert change["ruleHits"] == change["rules"]
            assert all(hit["rule"] and hit["article"] for hit in change["ruleHits"])
            seen += bool(change["ruleHits"])
    assert seen


def test_stored_rules_of_another_shape_read_as_none() -> None:
    stored: Any = [{"rule": "R1", "fact": "blacklisted", "value": "true", "article": "第五条"}, 3]
    (hit,) = ClassRule.all_from_json(stored)
    assert (hit.rule, hit.fact, hit.value, hit.article) == ("R1", "blacklisted", "true", "第五条")
    assert ClassRule.all_from_json(None) == []
