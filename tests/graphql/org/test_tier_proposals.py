"""Manual tier changes over GraphQL: proposeTierChange by one HR person, confirmTierChange or
rejectTierChange by a second, tierProposals to find them; refused past Anhui's qualification
ceiling, by the proposer, on the own record and for roles other than HR, writing nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import Role
from tests.conftest import Api

PROPOSAL_FIELDS = """
  __typename
  ... on TierProposal { id status statusLabel toTier { code rank } fromTierCode reason proposedBy
                        decidedBy decisionReason manager { id tier { code } }
                        tierChange { cause reason recordedBy toTier { code } } }
  ... on Refused { refusals { rule article message } }
  ... on InvalidInput { errors { field code } }
  ... on UserError { code message field }
"""
PROPOSE = f"""mutation($m: ID!, $t: String!, $r: String!) {{
  proposeTierChange(managerId: $m, tierCode: $t, reason: $r) {{ {PROPOSAL_FIELDS} }} }}"""
CONFIRM = f"""mutation($id: ID!) {{ confirmTierChange(id: $id) {{ {PROPOSAL_FIELDS} }} }}"""
REJECT = f"""mutation($id: ID!, $r: String!) {{
  rejectTierChange(id: $id, reason: $r) {{ {PROPOSAL_FIELDS} }} }}"""
PENDING = """query($m: ID) { tierProposals(managerId: $m, status: PENDING) {
  totalCount edges { node { id proposedBy toTier { code } } } } }"""


async def _manager(session: AsyncSession, tenant: str, *conditions: Any) -> models.Manager:
    stmt = (
        select(models.Manager)
        .where(models.Manager.tenant_id == tenant, models.Manager.status == "ACTIVE", *conditions)
        .order_by(models.Manager.employee_no)
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one()


async def _footprint(session: AsyncSession, tenant: str) -> tuple[int, ...]:
    counts = []
    for model in (models.TierProposal, models.ManagerTierChange, models.Event):
        stmt = select(func.count()).select_from(model).where(model.tenant_id == tenant)
        counts.append(int(await session.scalar(stmt) or 0))
    return tuple(counts)


async def _as(
    api: Api, query: str, variables: dict[str, Any], user: str, **token: Any
) -> dict[str, Any]:
    roles = token.pop("roles", (Role.HR,))
    data = await api(query, variables, user=user, roles=roles, **token)
    (result,) = data.values()
    assert isinstance(result, dict)
    return result


async def test_proposed_by_one_confirmed_by_another(api: Api, session: AsyncSession) -> None:
    manager = await _manager(session, "sd-demo", models.Manager.tier_code != "SD_1")
    held = manager.tier_code
    proposed = await _as(
        api, PROPOSE, {"m": str(manager.id), "t": "SD_1", "r": "竞聘上岗"}, "hr-maker"
    )
    assert proposed["__typename"] == "TierProposal", proposed
    assert (proposed["status"], proposed["fromTierCode"], proposed["proposedBy"]) == (
        "PENDING",
        held,
        "hr-maker",
    )
    assert proposed["manager"]["tier"]["code"] == held
    listed = await api(PENDING, {"m": str(manager.id)}, roles=(Role.AUDITOR,))
    assert listed["tierProposals"]["totalCount"] == 1
    assert listed["tierProposals"]["edges"][0]["node"]["id"] == proposed["id"]
    confirmed = await _as(api, CONFIRM, {"id": proposed["id"]}, "hr-checker")
    assert (confirmed["status"], confirmed["decidedBy"]) == ("CONFIRMED", "hr-checker")
    assert confirmed["manager"]["tier"]["code"] == "SD_1"
    assert confirmed["tierChange"] == {
        "cause": "MANUAL",
        "reason": "竞聘上岗",
        "recordedBy": "hr-checker",
        "toTier": {"code": "SD_1"},
    }
    assert (await api(PENDING, {"m": str(manager.id)}))["tierProposals"]["totalCount"] == 0


async def test_a_rejection_keeps_the_tier(api: Api, session: AsyncSession) -> None:
    manager = await _manager(session, "sd-demo", models.Manager.tier_code != "SD_1")
    proposed = await _as(api, PROPOSE, {"m": str(manager.id), "t": "SD_1", "r": "调整"}, "hr-1")
    before = await _footprint(session, "sd-demo")
    rejected = await _as(api, REJECT, {"id": proposed["id"], "r": "业绩不足"}, "hr-2")
    assert (rejected["status"], rejected["decisionReason"], rejected["tierChange"]) == (
        "REJECTED",
        "业绩不足",
        None,
    )
    assert rejected["manager"]["tier"]["code"] == manager.tier_code
    assert await _footprint(session, "sd-demo") == before


async def test_the_top_band_past_the_qualification_ceiling_is_refused(
    api: Api, session: AsyncSession
) -> None:
    """The problem reported: a manager with 初级 qualification proposed into Anhui's top band."""
    manager = await _manager(session, "ah-demo", models.Manager.tier_code != "AH_PRINCIPAL")
    manager.qualification_level = "初级"
    await session.flush()
    before = await _footprint(session, "ah-demo")
    refused = await _as(
        api,
        PROPOSE,
        {"m": str(manager.id), "t": "AH_PRINCIPAL", "r": "破格"},
        "hr-1",
        tenant="ah-demo",
    )
    assert refused["__typename"] == "Refused", refused
    assert [(r["rule"], r["article"]) for r in refused["refusals"]] == [
        ("ABOVE_QUALIFICATION_CEILING", "农商银行信贷客户经理管理规定 第五条")
    ]
    assert "初级" in refused["refusals"][0]["message"]
    assert await _footprint(session, "ah-demo") == before


@pytest.mark.parametrize("decision", ["confirm", "reject"])
async def test_the_proposer_never_decides(api: Api, session: AsyncSession, decision: str) -> None:
    manager = await _manager(session, "sd-demo", models.Manager.tier_code != "SD_1")
    proposed = await _as(api, PROPOSE, {"m": str(manager.id), "t": "SD_1", "r": "调整"}, "hr-maker")
    before = await _footprint(session, "sd-demo")
    query, variables = (
        (CONFIRM, {"id": proposed["id"]})
        if decision == "confirm"
        else (REJECT, {"id": proposed["id"], "r": "撤回"})
    )
    refused = await _as(api, query, variables, "HR-MAKER")
    assert (refused["__typename"], refused["code"], refused["field"]) == (
        "PermissionDenied",
        "SEPARATION_OF_DUTIES",
        "id",
    )
    assert "PROPOSER_DECIDES" in refused["message"]
    assert await _footprint(session, "sd-demo") == before


async def test_nobody_proposes_a_tier_for_their_own_record(api: Api, session: AsyncSession) -> None:
    manager = await _manager(session, "sd-demo", models.Manager.tier_code != "SD_1")
    before = await _footprint(session, "sd-demo")
    refused = await _as(
        api,
        PROPOSE,
        {"m": str(manager.id), "t": "SD_1", "r": "给自己升级"},
        "hr-self",
        roles=(Role.HR, Role.MANAGER),
        manager=manager.employee_no,
    )
    assert (refused["code"], refused["field"]) == ("SEPARATION_OF_DUTIES", "managerId")
    assert "OWN_RECORD" in refused["message"]
    assert await _footprint(session, "sd-demo") == before


@pytest.mark.parametrize(
    "roles", [(Role.MANAGER,), (Role.BRANCH_HEAD,), (Role.RISK,), (Role.AUDITOR,)]
)
async def test_only_hr_proposes(api: Api, session: AsyncSession, roles: tuple[Role, ...]) -> None:
    manager = await _manager(session, "sd-demo", models.Manager.tier_code != "SD_1")
    before = await _footprint(session, "sd-demo")
    refused = await _as(
        api, PROPOSE, {"m": str(manager.id), "t": "SD_1", "r": "调整"}, "x", roles=roles
    )
    assert (refused["__typename"], refused["code"]) == ("PermissionDenied", "PERMISSION_DENIED")
    assert await _footprint(session, "sd-demo") == before


async def test_set_manager_tier_is_gone(api: Api) -> None:
    response = await api.post(
        'mutation { setManagerTier(managerId: "x", tierCode: "SD_1", reason: "r") { __typename } }'
    )
    assert "Cannot query field 'setManagerTier'" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("roles", [(Role.MANAGER,), (Role.BRANCH_HEAD,), (Role.INTEGRATOR,)])
async def test_only_hr_and_the_audit_list_proposals(api: Api, roles: tuple[Role, ...]) -> None:
    response = await api.post(PENDING, {"m": None}, token=api.token("sd-demo", roles, "x"))
    body = response.json()
    assert body.get("data") is None, body
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED", body
