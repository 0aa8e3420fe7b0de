"""``auditLog``: the trail for AUDITOR alone, its filters, its tenant, and no way to change it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import Role
from server.graphql.schema import build_schema
from server.permissions import MUTATIONS, QUERIES
from tests.conftest import Api
from tests.graphql.audit.rows import someone

AUDIT_LOG = """query($first: Int, $after: String, $filter: AuditFilter) {
  auditLog(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id at requestId userId roles operation targetIds outcome input
                   inputTruncated } }
  } }"""
SET_TIER = """mutation($m: ID!) { proposeTierChange(managerId: $m, tierCode: "NO-SUCH", reason: "r") {
  __typename } }"""
CREATE_OFFICE = """mutation($i: CreateOfficeInput!) { createOffice(input: $i) { __typename } }"""


async def _manager_ids(session: AsyncSession, tenant: str = "sd-demo") -> list[str]:
    m = models.Manager
    rows = await session.execute(
        select(m.id).where(m.tenant_id == tenant).order_by(m.employee_no).limit(2)
    )
    return [str(i) for i in rows.scalars()]


async def _head_office(session: AsyncSession, tenant: str = "sd-demo") -> str:
    o = models.Office
    statement = select(o.id).where(o.tenant_id == tenant, o.kind == "HEAD_OFFICE")
    return str((await session.execute(statement)).scalar_one())


async def _log(api: Api, tenant: str = "sd-demo", **variables: Any) -> dict[str, Any]:
    data = await api(AUDIT_LOG, variables, tenant=tenant, roles=(Role.AUDITOR,), user="auditor")
    log: dict[str, Any] = data["auditLog"]
    return log


def _nodes(log: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["node"] for e in log["edges"]]


@pytest.fixture
async def trail(api: Api, session: AsyncSession) -> dict[str, Any]:
    """Four mutations by two people: two tier changes (one per manager) by the first, an
    office by the second, and a refused office by the first."""
    first, second = someone("hr-a"), someone("hr-b")
    managers = await _manager_ids(session)
    head = await _head_office(session)
    for manager in managers:
        await api(SET_TIER, {"m": manager}, roles=(Role.HR,), user=first)
    office = {"code": "AUD-LOG", "name": "审计", "kind": "BRANCH", "parentId": head}
    await api(CREATE_OFFICE, {"i": office}, roles=(Role.HR,), user=second)
    await api(CREATE_OFFICE, {"i": office}, roles=(Role.AUDITOR,), user=first)
    return {"first": first, "second": second, "managers": managers, "head": head}


async def test_the_auditor_reads_every_mutation_oldest_first(
    api: Api, trail: dict[str, Any]
) -> None:
    log = await _log(api, filter={"userId": trail["first"]})
    nodes = _nodes(log)
    assert log["totalCount"] == 3
    assert [(n["operation"], n["outcome"]) for n in nodes] == [
        ("proposeTierChange", "INVALID_INPUT"),
        ("proposeTierChange", "INVALID_INPUT"),
        ("createOffice", "PERMISSION_DENIED"),
    ]
    assert [n["targetIds"] for n in nodes] == [
        [trail["managers"][0]],
        [trail["managers"][1]],
        [trail["head"]],
    ]
    assert nodes[0]["roles"] == ["HR"] and nodes[2]["roles"] == ["AUDITOR"]
    assert json.loads(nodes[0]["input"]) == {
        "managerId": trail["managers"][0],
        "tierCode": "NO-SUCH",
        "reason": "r",
    }
    assert nodes[0]["inputTruncated"] is False
    assert [n["id"] for n in nodes] == sorted(n["id"] for n in nodes)
    assert all(n["at"].endswith("+00:00") for n in nodes)


async def test_pages_follow_the_cursor(api: Api, trail: dict[str, Any]) -> None:
    page = await _log(api, first=2, filter={"userId": trail["first"]})
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await _log(
        api, first=2, after=page["pageInfo"]["endCursor"], filter={"userId": trail["first"]}
    )
    assert rest["pageInfo"]["hasNextPage"] is False
    operations = [n["operation"] for n in _nodes(page) + _nodes(rest)]
    assert operations == ["proposeTierChange", "proposeTierChange", "createOffice"]


@pytest.mark.parametrize(
    ("make_filter", "expected"),
    [
        (lambda t: {"userId": t["second"].upper()}, [("createOffice", "OK")]),
        (
            lambda t: {"userId": t["first"], "operation": "createOffice"},
            [("createOffice", "PERMISSION_DENIED")],
        ),
        (
            lambda t: {"targetId": t["managers"][1]},
            [("proposeTierChange", "INVALID_INPUT")],
        ),
        (
            lambda t: {"targetId": t["head"], "userId": t["second"]},
            [("createOffice", "OK")],
        ),
        (lambda t: {"userId": t["first"], "operation": "createLoan"}, []),
    ],
)
async def test_filters(
    api: Api, trail: dict[str, Any], make_filter: Any, expected: list[tuple[str, str]]
) -> None:
    log = await _log(api, filter=make_filter(trail))
    assert [(n["operation"], n["outcome"]) for n in _nodes(log)] == expected
    assert log["totalCount"] == len(expected)


async def test_the_period_filter_takes_instants_with_their_zone(
    api: Api, trail: dict[str, Any]
) -> None:
    log = await _log(api, filter={"userId": trail["first"]})
    times = [dt.datetime.fromisoformat(n["at"]) for n in _nodes(log)]
    beijing = dt.timezone(dt.timedelta(hours=8))
    second = times[1].astimezone(beijing)

    async def between(start: dt.datetime | None, end: dt.datetime | None) -> int:
        period: dict[str, Any] = {"userId": trail["first"]}
        if start is not None:
            period["from"] = start.isoformat()
        if end is not None:
            period["to"] = end.isoformat()
        return int((await _log(api, filter=period))["totalCount"])

    assert await between(times[0] - dt.timedelta(seconds=1), None) == 3
    assert await between(second, None) == 3 - (times[0] < times[1])
    assert await between(None, second) == int(times[0] < times[1])
    assert await between(times[-1] + dt.timedelta(seconds=1), None) == 0
    assert await between(None, times[0] - dt.timedelta(seconds=1)) == 0


@pytest.mark.parametrize(
    ("bad_filter", "field"),
    [
        ({"from": "2026-01-02T00:00:00+08:00", "to": "2026-01-01T00:00:00+08:00"}, "filter.to"),
        ({"userId": "u" * 201}, "filter.userId"),
        ({"operation": "o" * 101}, "filter.operation"),
        ({"targetId": "t" * 101}, "filter.targetId"),
        ({"userId": "  "}, "filter.userId"),
    ],
)
async def test_bad_filters_are_refused_naming_the_field(
    api: Api, bad_filter: dict[str, Any], field: str
) -> None:
    response = await api.post(
        AUDIT_LOG, {"filter": bad_filter}, token=api.token(roles=(Role.AUDITOR,))
    )
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert response.json().get("data") is None


@pytest.mark.parametrize("bound", ["from", "to"])
async def test_a_period_bound_without_its_offset_is_refused(api: Api, bound: str) -> None:
    response = await api.post(
        AUDIT_LOG,
        {"filter": {bound: "2026-01-01T00:00:00"}},
        token=api.token(roles=(Role.AUDITOR,)),
    )
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "offset from UTC" in error["message"] and bound in error["message"]
    assert response.json().get("data") is None


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.AUDITOR])
async def test_only_the_auditor_reads_the_trail(api: Api, role: Role) -> None:
    response = await api.post(AUDIT_LOG, {}, token=api.token(roles=(role,)))
    body = response.json()
    assert body.get("data") is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["PERMISSION_DENIED"]


async def test_another_tenants_rows_never_appear(api: Api, session: AsyncSession) -> None:
    user = someone("hr-ah")
    [manager, _] = await _manager_ids(session, "ah-demo")
    await api(SET_TIER, {"m": manager}, tenant="ah-demo", roles=(Role.HR,), user=user)
    own = await _log(api, tenant="ah-demo", filter={"userId": user})
    assert [n["targetIds"] for n in _nodes(own)] == [[manager]]
    for tenant in ("sd-demo", "sx-demo", "cc-demo"):
        assert (await _log(api, tenant=tenant, filter={"userId": user}))["totalCount"] == 0
        assert (await _log(api, tenant=tenant, filter={"targetId": manager}))["totalCount"] == 0
        everything = await _log(api, tenant=tenant, first=100)
        assert user not in {n["userId"] for n in _nodes(everything)}


def test_no_mutation_touches_the_trail() -> None:
    mutation = build_schema().as_str().split("type Mutation {", 1)[1].split("\n}", 1)[0]
    fields = [line.strip().split("(")[0].split(":")[0] for line in mutation.splitlines()]
    fields = [f for f in fields if f and not f.startswith('"')]
    assert "createOffice" in fields
    assert [f for f in fields if "audit" in f.lower()] == []
    assert [f for f in MUTATIONS if "audit" in f.lower()] == []
    assert QUERIES["auditLog"].roles == frozenset({Role.AUDITOR})
