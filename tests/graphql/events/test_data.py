"""An event's typed payload (``ChangeEvent.data``): one union member per event kind, field for
field the JSON payload webhook receivers get."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import EventKind, Role
from server.graphql.events.data import DATA_BY_KIND
from server.graphql.schema import build_schema
from tests.conftest import Api

GRADE_DATA = """__typename ... on GradeChangedData {
  manager { id employeeNo name } office { id code name }
  fromTier { code name rank } toTier { code name rank } direction cause appraisalId violationId
  reason plugin pluginVersion effectiveOn }"""
CLASS_DATA = """__typename ... on CustomerClassChangedData {
  customer { id name } office { id code name } fromClass toClass
  rules { rule fact value article } plugin pluginVersion }"""
EVENTS = """query($after: String) { %s(after: $after, first: 40) {
  latestCursor hasMore events { cursor kind payload data { %s %s } } } }"""
#: The keys every payload carries around the change (``server.outbox.events``).
ENVELOPE = {"cursor", "kind", "tenant", "occurredAt"}
#: The payload keys the typed members name otherwise (one type per name across the union).
RENAMED = {
    "GRADE_CHANGED": {"from": "fromTier", "to": "toTier"},
    "CUSTOMER_CLASS_CHANGED": {"from": "fromClass", "to": "toClass"},
}
MEMBER = {
    "GRADE_CHANGED": "GradeChangedData",
    "CUSTOMER_CLASS_CHANGED": "CustomerClassChangedData",
}


async def events(api: Api, field: str, tenant: str, after: str | None = None) -> list[Any]:
    """Every event of the tenant the field lists after ``after``, page by page."""
    out: list[Any] = []
    while True:
        page = (
            await api(
                EVENTS % (field, GRADE_DATA, CLASS_DATA),
                {"after": after},
                tenant=tenant,
                roles=(Role.INTEGRATOR,),
            )
        )[field]
        out += page["events"]
        after = page["latestCursor"]
        if not page["hasMore"]:
            return out


def assert_data_is_payload(event: dict[str, Any]) -> None:
    """The typed member of the event's kind, holding exactly the payload's values (but the
    envelope's, which the event itself carries)."""
    data = dict(event["data"])
    assert data.pop("__typename") == MEMBER[event["kind"]]
    renamed = RENAMED[event["kind"]]
    payload = {renamed.get(k, k): v for k, v in event["payload"].items() if k not in ENVELOPE}
    assert data == payload
    assert (event["cursor"], event["kind"]) == (
        event["payload"]["cursor"],
        event["payload"]["kind"],
    )


def test_every_event_kind_has_its_union_member() -> None:
    assert set(DATA_BY_KIND) == set(EventKind)
    union = build_schema()._schema.get_type("EventData")
    assert union is not None
    assert {t.name for t in union.types} == set(MEMBER.values())  # type: ignore[attr-defined]
    assert {kind.value for kind in EventKind} == set(MEMBER)


async def test_the_demo_events_read_typed(api: Api) -> None:
    """The demo tenants' recorded events (both kinds), each as its typed member."""
    grades = await events(api, "gradeEvents", "sd-demo")
    classes = await events(api, "classEvents", "sx-demo")
    assert grades and classes
    for event in grades + classes:
        assert_data_is_payload(event)
    assert {e["kind"] for e in grades} == {"GRADE_CHANGED"}
    assert {e["kind"] for e in classes} == {"CUSTOMER_CLASS_CHANGED"}


async def test_a_new_class_change_reads_typed(api: Api, session: AsyncSession) -> None:
    before = (await events(api, "classEvents", "sx-demo"))[-1]["cursor"]
    loan = (
        await session.execute(
            select(models.Loan)
            .join(
                models.Customer,
                (models.Customer.tenant_id == models.Loan.tenant_id)
                & (models.Customer.id == models.Loan.customer_id),
            )
            .where(
                models.Loan.tenant_id == "sx-demo",
                models.Loan.balance > 0,
                models.Customer.class_code != "EXIT",
            )
            .limit(1)
        )
    ).scalar_one()
    await api(
        """mutation($id: ID!) { setLoanRiskClass(input: {loanId: $id, riskClass: LOSS,
             daysOverdue: 400}) { __typename } }""",
        {"id": str(loan.id)},
        tenant="sx-demo",
    )
    (event,) = await events(api, "classEvents", "sx-demo", before)
    assert_data_is_payload(event)
    data = event["data"]
    assert (data["customer"]["id"], data["toClass"]) == (str(loan.customer_id), "EXIT")
    assert data["rules"] and all(r["rule"] and r["article"] for r in data["rules"])


async def test_a_new_grade_change_reads_typed(api: Api, session: AsyncSession) -> None:
    manager = (
        await session.execute(
            select(models.Manager)
            .where(models.Manager.tenant_id == "sd-demo", models.Manager.tier_code == "SD_1")
            .limit(1)
        )
    ).scalar_one()
    before = (await events(api, "gradeEvents", "sd-demo"))[-1]["cursor"]
    recorded = await api(
        """mutation($m: ID!) { recordViolation(input: {managerId: $m, kind: NOMINEE_LOAN,
             occurredOn: "2026-03-01", description: "冒名贷款"}) { ... on Violation { id } } }""",
        {"m": str(manager.id)},
        roles=(Role.BRANCH_HEAD,),
    )
    response = await api.post(
        "mutation($id: ID!) { confirmViolation(id: $id) { __typename } }",
        {"id": recorded["recordViolation"]["id"]},
        token=api.token("sd-demo", (Role.RISK,), "risk-2"),
    )
    assert response.json()["data"]["confirmViolation"]["__typename"] == "Violation"
    (event,) = await events(api, "gradeEvents", "sd-demo", before)
    assert_data_is_payload(event)
    data = event["data"]
    assert data["manager"]["employeeNo"] == manager.employee_no
    assert (data["fromTier"]["code"], data["toTier"]["code"]) == ("SD_1", "SD_2")
    assert data["cause"] == "PENALTY"
    assert data["violationId"] == recorded["recordViolation"]["id"]
    assert data["appraisalId"] is None
