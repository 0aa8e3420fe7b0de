"""``workQueue`` over GraphQL: each role sees only its scope's items (the permission matrix's
world), counts agree with the items, who may act, an item acted on leaves the queue, the
arguments and their bounds. The rules behind it are service tests
(``tests/services/test_work_queue.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import AdmissionDecision, AppraisalStatus, Role, ViolationStatus
from server.policy.registry import PolicyRegistry
from server.services.duties import duties_for
from server.services.tenant_settings import tenant_today
from tests.conftest import Api
from tests.graphql.matrix import TENANT, World, build_world, user_of

QUEUE = """
query($kinds: [WorkItemKind!], $only: Boolean, $first: Int, $after: String) {
  workQueue(kinds: $kinds, actionableOnly: $only) {
    asOf
    kinds { kind kindLabel mayAct count oldestSince oldestSinceAt
      items(first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { cursor node { kind subjectId actionId title since sinceAt dutyKind managerId officeId
                              canAct } } } }
  }
}
"""
#: What an item's subjectId names, per kind (a node of that type).
SUBJECT = {
    "PENDING_ADMISSION": "Customer",
    "DRAFT_TO_CONFIRM": "Appraisal",
    "APPEAL_TO_RESOLVE": "Appraisal",
    "VIOLATION_TO_CONFIRM": "Manager",
    "OVERDUE_DUTY": "Loan",
}
ACTING = (Role.MANAGER, Role.BRANCH_HEAD, Role.HR, Role.RISK)


@pytest.fixture
async def world(session: AsyncSession, registry: PolicyRegistry) -> World:
    return await build_world(session, registry)


async def _post(api: Api, token: str, variables: dict[str, Any] | None = None) -> Any:
    response = await api.post(QUEUE, {"first": 100, **(variables or {})}, token=token)
    assert response.status_code == 200, response.text
    return response.json()


def _token(api: Api, world: World, role: Role, user: str | None = None) -> str:
    return api.token(TENANT, (role,), user or user_of(role), **world.claims(role))


def _kinds(body: Any) -> dict[str, Any]:
    assert "errors" not in body, body["errors"]
    return {k["kind"]: k for k in body["data"]["workQueue"]["kinds"]}


def _nodes(kind: Any) -> list[dict[str, Any]]:
    return [e["node"] for e in kind["items"]["edges"]]


async def _every_item(api: Api, token: str, kind: str) -> list[dict[str, Any]]:
    """Every item of one kind, page after page."""
    out: list[dict[str, Any]] = []
    after = None
    while True:
        body = await _post(api, token, {"kinds": [kind], "after": after})
        items = _kinds(body)[kind]["items"]
        out += [e["node"] for e in items["edges"]]
        if not items["pageInfo"]["hasNextPage"]:
            return out
        after = items["pageInfo"]["endCursor"]


async def _expected(session: AsyncSession, world: World, role: Role) -> dict[str, set[str]]:
    """What each kind holds for ``role``, read straight from the tables and the matrix's
    own computation of the role's scope (``world.visible``): the ids the acts take."""
    visible = world.visible[role]
    ar, ap, v = models.AdmissionRequest, models.Appraisal, models.Violation

    async def rows(model: Any, *where: Any) -> list[Any]:
        return list(
            (await session.scalars(select(model).where(model.tenant_id == TENANT, *where))).all()
        )

    pending = await rows(ar, ar.status == AdmissionDecision.PENDING)
    drafts = await rows(ap, ap.status == AppraisalStatus.DRAFT)
    appeals = await rows(ap, ap.status == AppraisalStatus.APPEALED)
    recorded = await rows(v, v.status == ViolationStatus.RECORDED)
    managers = [m.id for m in await rows(models.Manager)]
    duties = await duties_for(session, TENANT, managers, await tenant_today(session, TENANT))
    out = {
        "PENDING_ADMISSION": {
            str(r.id) for r in pending if str(r.customer_id) in visible["Customer"]
        },
        "DRAFT_TO_CONFIRM": {str(r.id) for r in drafts if str(r.id) in visible["Appraisal"]},
        "APPEAL_TO_RESOLVE": {str(r.id) for r in appeals if str(r.id) in visible["Appraisal"]},
        "VIOLATION_TO_CONFIRM": {
            str(r.id) for r in recorded if str(r.manager_id) in visible["Manager"]
        },
        "OVERDUE_DUTY": {
            f"{d.loan_id} {d.kind.value} {d.due_on}"
            for ds in duties.values()
            for d in ds
            if d.overdue and str(d.loan_id) in visible["Loan"]
        },
    }
    if role is Role.MANAGER:  # the spec gives managers no read of violation records
        del out["VIOLATION_TO_CONFIRM"]
    return out


def _identity(kind: str, node: dict[str, Any]) -> str:
    if kind == "OVERDUE_DUTY":
        return f"{node['actionId']} {node['dutyKind']} {node['since']}"
    return str(node["actionId"])


@pytest.mark.parametrize("role", ACTING)
async def test_each_role_sees_exactly_its_scope(
    api: Api, world: World, session: AsyncSession, role: Role
) -> None:
    token = _token(api, world, role)
    kinds = _kinds(await _post(api, token))
    expected = await _expected(session, world, role)
    assert list(kinds) == list(expected), role
    for name, kind in kinds.items():
        nodes = await _every_item(api, token, name)
        assert kind["count"] == kind["items"]["totalCount"] == len(nodes), name
        leaks = [
            n["subjectId"]
            for n in nodes
            if n["subjectId"] not in world.visible[role][SUBJECT[name]]
        ]
        assert leaks == [], f"leak: {role.value} sees {name} {leaks}"
        assert sorted(_identity(name, n) for n in nodes) == sorted(expected[name]), (role, name)
    own, other = world.corners["own"], world.corners["other_office"]
    assert str(own.appraisal.id) in expected["DRAFT_TO_CONFIRM"]
    assert str(own.admission.id) in expected["PENDING_ADMISSION"]
    reaches_other = str(other.appraisal.id) in expected["DRAFT_TO_CONFIRM"]
    assert reaches_other is (role in (Role.HR, Role.RISK)), role
    assert str(world.corners["other_tenant"].appraisal.id) not in expected["DRAFT_TO_CONFIRM"]


async def test_subject_ids_are_nodes(api: Api, world: World) -> None:
    token = _token(api, world, Role.HR)
    kinds = _kinds(await _post(api, token, {"first": 3}))
    for name, kind in kinds.items():
        for node in _nodes(kind):
            query = "query($id: ID!) { node(id: $id) { __typename id } }"
            body = (await api.post(query, {"id": node["subjectId"]}, token=token)).json()
            assert body["data"]["node"] == {"__typename": SUBJECT[name], "id": node["subjectId"]}


async def test_the_maker_cannot_act_a_second_hr_person_can(
    api: Api, world: World, session: AsyncSession
) -> None:
    own = world.corners["own"]
    draft = str(own.appraisal.id)  # computed by "someone-else"

    async def can_act(user: str) -> bool:
        body = await _post(
            api, api.token(TENANT, (Role.HR,), user), {"kinds": ["DRAFT_TO_CONFIRM"]}
        )
        [item] = [n for n in _nodes(_kinds(body)["DRAFT_TO_CONFIRM"]) if n["actionId"] == draft]
        return bool(item["canAct"])

    assert await can_act("Someone-Else") is False
    assert await can_act("hr.second") is True
    assert await can_act(own.manager.employee_no) is False


async def test_an_approved_admission_leaves_the_queue(api: Api, world: World) -> None:
    risk = _token(api, world, Role.RISK)
    target = str(world.corners["own"].admission.id)
    before = _kinds(await _post(api, risk, {"kinds": ["PENDING_ADMISSION"]}))["PENDING_ADMISSION"]
    assert target in {n["actionId"] for n in _nodes(before) if n["canAct"]}
    approve = 'mutation($i: ID!) { approveAdmission(id: $i, reason: "同意") { __typename } }'
    response = await api.post(approve, {"i": target}, token=risk)
    assert response.json()["data"]["approveAdmission"]["__typename"] == "AdmissionRequest"
    after = _kinds(await _post(api, risk, {"kinds": ["PENDING_ADMISSION"]}))["PENDING_ADMISSION"]
    assert after["count"] == before["count"] - 1
    assert target not in {n["actionId"] for n in _nodes(after)}


async def test_kinds_and_actionable_only(api: Api, world: World, session: AsyncSession) -> None:
    manager = _token(api, world, Role.MANAGER)
    asked = await _post(api, manager, {"kinds": ["VIOLATION_TO_CONFIRM", "DRAFT_TO_CONFIRM"]})
    kinds = _kinds(asked)
    assert list(kinds) == ["DRAFT_TO_CONFIRM"]  # a manager does not see violations
    assert kinds["DRAFT_TO_CONFIRM"]["mayAct"] is False
    only = _kinds(await _post(api, manager, {"only": True}))
    assert only["DRAFT_TO_CONFIRM"]["count"] == 0
    hr = _token(api, world, Role.HR)
    every = _kinds(await _post(api, hr, {"kinds": ["DRAFT_TO_CONFIRM"]}))["DRAFT_TO_CONFIRM"]
    acting = _kinds(await _post(api, hr, {"kinds": ["DRAFT_TO_CONFIRM"], "only": True}))
    drafts = int(
        await session.scalar(
            select(func.count()).where(
                models.Appraisal.tenant_id == TENANT,
                models.Appraisal.status == AppraisalStatus.DRAFT,
            )
        )
        or 0
    )
    assert every["count"] == drafts
    assert acting["DRAFT_TO_CONFIRM"]["count"] == sum(n["canAct"] for n in _nodes(every))


async def test_pages_follow_one_another(api: Api, world: World) -> None:
    hr = _token(api, world, Role.HR)
    whole = _nodes(
        _kinds(await _post(api, hr, {"kinds": ["DRAFT_TO_CONFIRM"]}))["DRAFT_TO_CONFIRM"]
    )
    assert len(whole) >= 3
    seen: list[str] = []
    after = None
    while True:
        body = await _post(api, hr, {"kinds": ["DRAFT_TO_CONFIRM"], "first": 2, "after": after})
        items = _kinds(body)["DRAFT_TO_CONFIRM"]["items"]
        seen += [e["node"]["actionId"] for e in items["edges"]]
        if not items["pageInfo"]["hasNextPage"]:
            break
        after = items["pageInfo"]["endCursor"]
    assert seen == [n["actionId"] for n in whole]
    assert [n["since"] for n in whole] == sorted(n["since"] for n in whole)


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"first": 0}, "first"),
        ({"first": 101}, "first"),
        ({"after": "bm90LWEtY3Vyc29y"}, "after"),
        ({"kinds": ["OVERDUE_DUTY"] * 6}, "kinds"),
    ],
)
async def test_bad_arguments_are_refused_naming_the_argument(
    api: Api, world: World, variables: dict[str, Any], field: str
) -> None:
    body = await _post(api, _token(api, world, Role.HR), variables)
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}


async def test_a_cursor_of_another_kind_is_refused(api: Api, world: World) -> None:
    hr = _token(api, world, Role.HR)
    drafts = _kinds(await _post(api, hr, {"kinds": ["DRAFT_TO_CONFIRM"], "first": 1}))
    cursor = drafts["DRAFT_TO_CONFIRM"]["items"]["pageInfo"]["endCursor"]
    body = await _post(api, hr, {"kinds": ["PENDING_ADMISSION"], "after": cursor})
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.INTEGRATOR, Role.FEDERATION_ADMIN])
async def test_roles_that_act_on_nothing_are_refused(api: Api, world: World, role: Role) -> None:
    body = await _post(api, _token(api, world, role))
    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
