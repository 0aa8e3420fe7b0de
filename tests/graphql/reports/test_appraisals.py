"""gradeDistribution and appraisalLeague over GraphQL: the figures as direct SQL counts
them, every role within its scope, bad arguments named."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import Role
from server.policy.registry import PolicyRegistry
from tests.conftest import Api
from tests.graphql.matrix import World, build_world, user_of
from tests.services.reports.book import PERIOD, build_book, build_team

TENANT = "sd-demo"
GRADES = """query($office: ID, $period: Period) { gradeDistribution(officeId: $office,
  period: $period) { office { id } period total tiers { tier { code rank name } count } } }"""
LEAGUE = """query($office: ID, $period: Period!, $first: Int) { appraisalLeague(period: $period,
  officeId: $office, first: $first) { period ranked entries { rank total status
    tier { code } manager { id } office { id } } } }"""


async def direct_tiers(session: AsyncSession) -> dict[str | None, int]:
    rows = await session.execute(
        text(
            "SELECT tier_code, count(*) FROM managers WHERE tenant_id = :t AND status <> 'LEFT' "
            "GROUP BY tier_code"
        ),
        {"t": TENANT},
    )
    return {code: int(n) for code, n in rows.all()}


async def test_the_tenant_tiers_equal_direct_sql(api: Api, session: AsyncSession) -> None:
    data = await api(GRADES, {}, roles=(Role.HR,))
    report = data["gradeDistribution"]
    counted = {(t["tier"] or {}).get("code"): t["count"] for t in report["tiers"]}
    assert counted == await direct_tiers(session)
    assert report["total"] == sum(counted.values()) > 0
    ranks = [t["tier"]["rank"] for t in report["tiers"] if t["tier"]]
    assert ranks == sorted(ranks, reverse=True)


async def test_the_league_equals_direct_sql(
    api: Api, session: AsyncSession, registry: PolicyRegistry
) -> None:
    await build_team(session, registry, await build_book(session, registry))
    await session.commit()
    period = PERIOD
    data = await api(LEAGUE, {"period": period, "first": 100}, roles=(Role.AUDITOR,))
    league = data["appraisalLeague"]
    totals = (
        await session.execute(
            text(
                "SELECT CAST(total AS VARCHAR(20)) FROM appraisals WHERE tenant_id = :t AND "
                "period = :p AND total IS NOT NULL"
            ),
            {"t": TENANT, "p": period},
        )
    ).scalars()
    assert league["ranked"] == len(list(totals)) > 0
    shown = [float(e["total"]) for e in league["entries"]]
    assert shown == sorted(shown, reverse=True)
    for e in league["entries"]:
        assert e["rank"] == 1 + sum(1 for t in shown if t > float(e["total"]))


@pytest.mark.parametrize(
    ("query", "variables", "field", "code"),
    [
        (LEAGUE, {"period": "2025", "first": 101}, "first", "BAD_USER_INPUT"),
        (LEAGUE, {"period": "2025", "first": 0}, "first", "BAD_USER_INPUT"),
        (GRADES, {"office": "not-an-id"}, "officeId", "NOT_FOUND"),
    ],
)
async def test_bad_arguments_are_named(
    api: Api, query: str, variables: dict[str, Any], field: str, code: str
) -> None:
    body = (await api.post(query, variables, token=api.token(roles=(Role.HR,)))).json()
    assert body.get("data") is None
    [error] = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (code, field)


@pytest.fixture
async def world(session: AsyncSession, registry: PolicyRegistry) -> World:
    return await build_world(session, registry)


def _ids(values: Any) -> set[str]:
    return {str(uuid.UUID(str(v))) for v in values}


@pytest.mark.parametrize("role", [Role.BRANCH_HEAD, Role.HR, Role.AUDITOR])
async def test_each_role_counts_exactly_the_managers_it_reaches(
    api: Api, world: World, role: Role, session: AsyncSession
) -> None:
    token = api.token(TENANT, (role,), user_of(role), **world.claims(role))
    visible = world.visible[role]["Manager"]
    staying = _ids(
        (
            await session.execute(
                text("SELECT id FROM managers WHERE tenant_id = :t AND status <> 'LEFT'"),
                {"t": TENANT},
            )
        ).scalars()
    )
    body = (await api.post(GRADES, {}, token=token)).json()
    assert "errors" not in body, body
    assert body["data"]["gradeDistribution"]["total"] == len(visible & staying)
    graded = (
        await session.execute(
            text(
                "SELECT manager_id FROM appraisals WHERE tenant_id = :t AND period = '2025' "
                "AND total IS NOT NULL"
            ),
            {"t": TENANT},
        )
    ).scalars()
    league = (await api.post(LEAGUE, {"period": "2025", "first": 100}, token=token)).json()
    assert "errors" not in league, league
    table = league["data"]["appraisalLeague"]
    assert table["ranked"] == len([m for m in _ids(graded) if m in visible])
    assert {e["manager"]["id"] for e in table["entries"]} <= visible


async def test_a_manager_is_refused_both(api: Api) -> None:
    for query, variables in ((GRADES, {}), (LEAGUE, {"period": "2025"})):
        body = (await api.post(query, variables, token=api.token(roles=(Role.MANAGER,)))).json()
        assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
