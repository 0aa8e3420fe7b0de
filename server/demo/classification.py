"""Customer classes, as the tenant's own classification plugin gives them, with history."""

from __future__ import annotations

import uuid
from decimal import Decimal

from server.demo.draw import RECORDED_BY, Row, TenantDraw
from server.domain import CustomerClass, RiskClass
from server.policy import Classification, CustomerFacts
from server.policy.parameters import defaults
from server.services.classification import RISK_ORDER, rules_json


def class_rows(draw: TenantDraw, customers: list[Row], loans: list[Row]) -> list[Row]:
    """Class every customer when the tenant classifies, with one history entry each."""
    plugin = draw.tenant.classification_plugin
    if plugin is None:
        return []
    version = draw.registry.info(plugin).version
    # As the classification service reads them: loans still outstanding only.
    facts: dict[uuid.UUID, tuple[RiskClass | None, int, Decimal]] = {}
    for loan in loans:
        if loan["balance"] <= 0:
            continue
        worst, overdue, exposure = facts.get(loan["customer_id"], (None, 0, Decimal("0.00")))
        if worst is None or RISK_ORDER[loan["risk_class"]] > RISK_ORDER[worst]:
            worst = loan["risk_class"]
        facts[loan["customer_id"]] = (
            worst,
            max(overdue, loan["days_overdue"]),
            exposure + loan["balance"],
        )
    changes = []
    for customer in customers:
        worst, overdue, exposure = facts.get(customer["id"], (None, 0, Decimal("0.00")))
        to_class, rules = _class_of(draw, plugin, customer, worst, overdue)
        change_id, at = draw.clock.next_id()
        customer.update(
            class_code=to_class, class_set_at=at, exposure_at_class_set=exposure, updated_at=at
        )
        changes.append(
            {
                "tenant_id": draw.tenant.tenant_id,
                "id": change_id,
                "customer_id": customer["id"],
                "from_class": None,
                "to_class": to_class,
                "rules": rules,
                "plugin": plugin,
                "plugin_version": version,
                "changed_by": RECORDED_BY,
                "changed_at": at,
            }
        )
    return changes


def _class_of(
    draw: TenantDraw, plugin: str, customer: Row, worst: RiskClass | None, overdue: int
) -> tuple[CustomerClass, list[dict[str, str]]]:
    """The class the tenant's own classification plugin gives, with its rules."""
    facts = CustomerFacts(
        customer_id=str(customer["id"]),
        kind=customer["kind"],
        industry_policy=customer["industry_policy"],
        licences_complete=customer["licences_complete"],
        operating_status=customer["operating_status"],
        prospects=customer["prospects"],
        last_bad_credit_on=customer["last_bad_credit_on"],
        blacklisted=customer["blacklisted"],
        malicious_evasion=customer["malicious_evasion"],
        major_litigation=customer["major_litigation"],
        contribution_score=customer["contribution_score"],
        worst_risk_class=worst,
        max_days_overdue=overdue,
        as_of=draw.today,
    )
    result: Classification = draw.registry.classification(plugin).classify(
        facts, defaults(draw.registry.info(plugin))
    )
    return result.customer_class, rules_json(result.rules)
