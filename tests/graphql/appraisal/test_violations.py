"""Violations over GraphQL: recordViolation and confirmViolation, their results and typed errors
as the client reads them, the manager's tier history after a penalty. Every penalty rule is a
service test (``tests/services/test_penalties.py``)."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import business_today
from server.db import models
from server.domain import (
    AdmissionStatus,
    CustomerKind,
    CustomerSegment,
    IndustryPolicy,
    ManagerStatus,
    OperatingStatus,
    Prospects,
    Role,
)
from server.identity_codes import make_resident_id
from server.policy.registry import PolicyRegistry
from tests.builders import identity, manager_holding
from tests.conftest import Api

RECORDER = "qian.risk"

CONFIRMER = "sun.risk"

YEAR = 2025

MANAGER_FIELDS = """
  id status flags tier { code rank }
  tierHistory { cause fromTier { code } toTier { code } violationId reason plugin pluginVersion
                effectiveOn recordedBy }
"""

VIOLATION_FIELDS = f"""
  __typename
  ... on Violation {{ id kind status recordedBy confirmedBy confirmedAt effect effectArticle
                     effectReason manager {{ {MANAGER_FIELDS} }} }}
  ... on InvalidInput {{ errors {{ field code }} }}
  ... on UserError {{ code message field }}
"""

RECORD = f"""
mutation($input: RecordViolationInput!) {{ recordViolation(input: $input) {{
{VIOLATION_FIELDS} }} }}
"""

CONFIRM = f"mutation($id: ID!) {{ confirmViolation(id: $id) {{ {VIOLATION_FIELDS} }} }}"

CREATE_LOAN = """
mutation($input: CreateLoanInput!) { createLoan(input: $input) {
  __typename
  ... on Loan { id }
  ... on Refused { refusals { rule article message } }
  ... on UserError { code message }
} }
"""


async def call(
    api: Api,
    query: str,
    variables: dict[str, Any],
    *,
    tenant: str,
    user: str,
    roles: tuple[Role, ...] = (Role.RISK,),
    manager: str | None = None,
) -> dict[str, Any]:
    token = api.token(tenant, roles, user, manager=manager)
    response = await api.post(query, variables, token=token)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    (result,) = body["data"].values()
    assert isinstance(result, dict)
    return result


@dataclass
class Court:
    """Managers of one tenant, and their violations through the API."""

    api: Api
    session: AsyncSession
    registry: PolicyRegistry
    tenant: str

    async def manager(self, tier: str | None) -> models.Manager:
        return await manager_holding(self.session, self.registry, self.tenant, tier)

    async def record(
        self, manager: models.Manager, kind: str, occurred_on: dt.date = dt.date(YEAR, 5, 6)
    ) -> dict[str, Any]:
        made = await call(
            self.api,
            RECORD,
            {
                "input": {
                    "managerId": str(manager.id),
                    "kind": kind,
                    "occurredOn": occurred_on.isoformat(),
                    "description": f"{kind} 一次",
                    "evidence": "稽核底稿",
                }
            },
            tenant=self.tenant,
            user=RECORDER,
            roles=(Role.BRANCH_HEAD,),
        )
        assert made["__typename"] == "Violation", made
        assert made["status"] == "RECORDED"
        assert made["effect"] is None
        return made

    async def confirm(self, violation_id: str, *, user: str = CONFIRMER) -> dict[str, Any]:
        return await call(self.api, CONFIRM, {"id": violation_id}, tenant=self.tenant, user=user)

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
                models.Violation.status == "CONFIRMED",
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
        loans = (
            select(func.count())
            .select_from(models.Loan)
            .where(models.Loan.tenant_id == self.tenant)
        )
        before = await self.session.scalar(loans)
        result = await call(
            self.api,
            CREATE_LOAN,
            {
                "input": {
                    "customerId": str(customer.id),
                    "contractNo": f"PN-{uuid.uuid4().hex[:16]}",
                    "product": "FARMER_MICRO_CREDIT",
                    "principal": "10000.00",
                    "annualRate": "0.0500",
                    "issuedOn": business_today().isoformat(),
                    "maturesOn": (business_today() + dt.timedelta(days=365)).isoformat(),
                    "guarantee": "CREDIT",
                }
            },
            tenant=self.tenant,
            user="loan.officer",
            roles=(Role.MANAGER,),
            manager=manager.employee_no,
        )
        assert result["__typename"] == "Refused", result
        assert all(r["article"].strip() for r in result["refusals"])
        assert await self.session.scalar(loans) == before
        return [r["rule"] for r in result["refusals"]]


@pytest.fixture
def sd(api: Api, session: AsyncSession, registry: PolicyRegistry) -> Court:
    return Court(api, session, registry, "sd-demo")


@pytest.fixture
def cc(api: Api, session: AsyncSession, registry: PolicyRegistry) -> Court:
    return Court(api, session, registry, "cc-demo")


@pytest.mark.parametrize("roles", [(Role.HR,), (Role.RISK,), (Role.AUDITOR,)])
async def test_recording_needs_a_branch_head(sd: Court, roles: tuple[Role, ...]) -> None:
    manager = await sd.manager("SD_1")
    before = await sd.footprint()
    result = await call(
        sd.api,
        RECORD,
        {
            "input": {
                "managerId": str(manager.id),
                "kind": "NOMINEE_LOAN",
                "occurredOn": "2025-05-06",
                "description": "冒名贷款",
            }
        },
        tenant=sd.tenant,
        user=RECORDER,
        roles=roles,
    )
    assert result["__typename"] == "PermissionDenied", result
    assert await sd.footprint() == before


@pytest.mark.parametrize(
    ("occurred_on", "description", "field"),
    [
        (business_today() + dt.timedelta(days=1), "冒名贷款", "input.occurredOn"),
        (dt.date(2025, 5, 6), "   ", "input.description"),
    ],
)
async def test_a_violation_needs_a_past_date_and_a_description(
    sd: Court, occurred_on: dt.date, description: str, field: str
) -> None:
    manager = await sd.manager("SD_1")
    before = await sd.footprint()
    result = await call(
        sd.api,
        RECORD,
        {
            "input": {
                "managerId": str(manager.id),
                "kind": "NOMINEE_LOAN",
                "occurredOn": occurred_on.isoformat(),
                "description": description,
            }
        },
        tenant=sd.tenant,
        user=RECORDER,
        roles=(Role.BRANCH_HEAD,),
    )
    assert result["__typename"] == "InvalidInput", result
    assert [e["field"] for e in result["errors"]] == [field]
    assert await sd.footprint() == before


@pytest.mark.parametrize("user", [RECORDER, RECORDER.upper()])
async def test_the_recorder_cannot_confirm(sd: Court, user: str) -> None:
    manager = await sd.manager("SD_1")
    violation = await sd.record(manager, "NOMINEE_LOAN")
    before = await sd.footprint()
    result = await sd.confirm(violation["id"], user=user)
    assert (result["__typename"], result["code"]) == ("PermissionDenied", "SEPARATION_OF_DUTIES")
    assert "RECORDER_CONFIRMS" in result["message"]
    assert await sd.footprint() == before
    stored = await sd.stored(manager)
    assert (stored.tier_code, stored.status) == ("SD_1", ManagerStatus.ACTIVE)


@pytest.mark.parametrize("roles", [(Role.HR,), (Role.BRANCH_HEAD,)])
async def test_confirming_needs_risk(sd: Court, roles: tuple[Role, ...]) -> None:
    manager = await sd.manager("SD_1")
    violation = await sd.record(manager, "NOMINEE_LOAN")
    before = await sd.footprint()
    result = await call(
        sd.api, CONFIRM, {"id": violation["id"]}, tenant=sd.tenant, user=CONFIRMER, roles=roles
    )
    assert result["__typename"] == "PermissionDenied", result
    assert await sd.footprint() == before
    assert (await sd.stored(manager)).tier_code == "SD_1"


@pytest.mark.parametrize(("kind", "held", "lower"), [("NOMINEE_LOAN", "SD_1", "SD_2")])
async def test_a_serious_violation_moves_down_one_tier(
    sd: Court, registry: PolicyRegistry, kind: str, held: str, lower: str
) -> None:
    manager = await sd.manager(held)
    violation = await sd.record(manager, kind)
    confirmed = await sd.confirm(violation["id"])
    assert confirmed["__typename"] == "Violation", confirmed
    assert confirmed["status"] == "CONFIRMED"
    assert confirmed["recordedBy"] == RECORDER
    assert confirmed["confirmedBy"] == CONFIRMER
    assert confirmed["confirmedAt"] is not None
    assert confirmed["effect"] == "DOWN_ONE_TIER"
    assert "第十五条" in confirmed["effectArticle"]
    assert confirmed["effectReason"].strip()
    after = confirmed["manager"]
    assert after["status"] == "ACTIVE"
    assert after["tier"]["code"] == lower
    (change,) = after["tierHistory"]
    assert change["cause"] == "PENALTY"
    assert (change["fromTier"]["code"], change["toTier"]["code"]) == (held, lower)
    assert change["violationId"] == violation["id"]
    assert change["plugin"] == "shandong"
    assert change["pluginVersion"] == registry.info("shandong").version
    assert change["effectiveOn"] == business_today().isoformat()
    assert change["recordedBy"] == CONFIRMER
    assert change["reason"]
    stored = await sd.stored(manager)
    assert (stored.tier_code, stored.status) == (lower, ManagerStatus.ACTIVE)


@pytest.mark.parametrize("kind", ["TEN_KINDS_OF_PERSON"])
async def test_a_county_case_of_article_seven_disqualifies_for_life(cc: Court, kind: str) -> None:
    manager = await cc.manager("CC_2")
    violation = await cc.record(manager, kind)
    confirmed = await cc.confirm(violation["id"])
    assert confirmed["__typename"] == "Violation", confirmed
    assert confirmed["effect"] == "DISQUALIFY_FOR_LIFE"
    assert "第七条" in confirmed["effectArticle"]
    assert "终生取消" in confirmed["effectReason"]
    after = confirmed["manager"]
    assert after["status"] == "DISQUALIFIED"
    assert "DISQUALIFIED_FOR_LIFE" in after["flags"]
    stored = await cc.stored(manager)
    assert stored.status is ManagerStatus.DISQUALIFIED
    assert "DISQUALIFIED_FOR_LIFE" in stored.flags
    assert "MANAGER_NOT_ACTIVE" in await cc.refused_loan(manager)


# --- the list, the history, dismissal ------------------------------------------------------

LIST = """
query($f: ViolationFilter) { violations(first: 50, filter: $f) {
  totalCount
  edges { node { id kind status occurredOn
                 history { fromStatus toStatus changedBy reason } } }
} }
"""

DISMISS = f"""
mutation($id: ID!, $reason: String!) {{ dismissViolation(id: $id, reason: $reason) {{
{VIOLATION_FIELDS}
  ... on Violation {{ history {{ fromStatus toStatus changedBy reason }} }}
}} }}
"""


async def listed(
    court: Court,
    filter: dict[str, Any],
    *,
    roles: tuple[Role, ...] = (Role.RISK,),
    office: str | None = None,
) -> dict[str, Any]:
    token = court.api.token(court.tenant, roles, "list.reader", office=office)
    response = await court.api.post(LIST, {"f": filter}, token=token)
    body = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["violations"]
    return result


async def test_violations_are_listed_by_manager_status_kind_and_date(sd: Court) -> None:
    manager = await sd.manager("SD_1")
    nominee = await sd.record(manager, "NOMINEE_LOAN", dt.date(YEAR, 5, 6))
    notice = await sd.record(manager, "AUDIT_NOTICE", dt.date(YEAR, 7, 1))
    await sd.confirm(nominee["id"])
    mine = {"managerId": str(manager.id)}

    every = await listed(sd, mine)
    assert every["totalCount"] == 2
    nodes = {e["node"]["id"]: e["node"] for e in every["edges"]}
    assert nodes[nominee["id"]]["history"] == [
        {"fromStatus": None, "toStatus": "RECORDED", "changedBy": RECORDER, "reason": None},
        {"fromStatus": "RECORDED", "toStatus": "CONFIRMED", "changedBy": CONFIRMER, "reason": None},
    ]
    recorded = await listed(sd, {**mine, "statuses": ["RECORDED"]})
    assert [e["node"]["id"] for e in recorded["edges"]] == [notice["id"]]
    by_kind = await listed(sd, {**mine, "kinds": ["NOMINEE_LOAN", "FALSIFICATION"]})
    assert [e["node"]["id"] for e in by_kind["edges"]] == [nominee["id"]]
    # The bounds are inclusive.
    from_july = await listed(sd, {**mine, "occurredFrom": f"{YEAR}-07-01"})
    assert [e["node"]["id"] for e in from_july["edges"]] == [notice["id"]]
    to_may = await listed(sd, {**mine, "occurredTo": f"{YEAR}-05-06"})
    assert [e["node"]["id"] for e in to_may["edges"]] == [nominee["id"]]
    between = await listed(
        sd, {**mine, "occurredFrom": f"{YEAR}-05-07", "occurredTo": f"{YEAR}-06-30"}
    )
    assert between["totalCount"] == 0


async def test_a_branch_head_lists_the_violations_of_its_subtree_only(sd: Court) -> None:
    manager = await sd.manager("SD_1")
    made = await sd.record(manager, "NOMINEE_LOAN")
    office = await sd.session.get(models.Office, (sd.tenant, manager.office_id))
    assert office is not None and office.parent_id is not None
    elsewhere = await sd.session.scalar(
        select(models.Office.code).where(
            models.Office.tenant_id == sd.tenant,
            models.Office.parent_id == office.parent_id,
            models.Office.id != office.id,
        )
    )
    assert elsewhere is not None
    mine = {"managerId": str(manager.id)}
    own = await listed(sd, mine, roles=(Role.BRANCH_HEAD,), office=office.code)
    assert [e["node"]["id"] for e in own["edges"]] == [made["id"]]
    other = await listed(sd, mine, roles=(Role.BRANCH_HEAD,), office=elsewhere)
    assert other == {"totalCount": 0, "edges": []}


async def test_risk_dismisses_with_the_reason_and_the_recorder_cannot(sd: Court) -> None:
    manager = await sd.manager("SD_1")
    made = await sd.record(manager, "NOMINEE_LOAN")
    before = await sd.footprint()
    own = await call(
        sd.api,
        DISMISS,
        {"id": made["id"], "reason": "不成立"},
        tenant=sd.tenant,
        user=RECORDER.upper(),
        roles=(Role.RISK,),
    )
    assert (own["__typename"], own["code"]) == ("PermissionDenied", "SEPARATION_OF_DUTIES")
    assert own["field"] == "id"
    blank = await call(
        sd.api, DISMISS, {"id": made["id"], "reason": " "}, tenant=sd.tenant, user=CONFIRMER
    )
    assert blank["__typename"] == "InvalidInput"
    assert blank["errors"] == [{"field": "reason", "code": "REQUIRED"}]
    assert await sd.footprint() == before

    dismissed = await call(
        sd.api, DISMISS, {"id": made["id"], "reason": "不成立"}, tenant=sd.tenant, user=CONFIRMER
    )
    assert dismissed["__typename"] == "Violation", dismissed
    assert (dismissed["status"], dismissed["effect"]) == ("DISMISSED", None)
    assert dismissed["history"][-1] == {
        "fromStatus": "RECORDED",
        "toStatus": "DISMISSED",
        "changedBy": CONFIRMER,
        "reason": "不成立",
    }
    assert dismissed["manager"]["tier"]["code"] == "SD_1"
    again = await sd.confirm(made["id"], user="third.risk")
    assert (again["__typename"], again["code"]) == ("Conflict", "CONFLICT")
