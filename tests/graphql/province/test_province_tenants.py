"""provinceTenants: a federation administrator sees the tenants of its province — their
policy, settings and counts of their business — and nothing of another province, and no
person's data; each count is one grouped statement for the whole list."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import pytest
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLType
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import NON_PERFORMING, CustomerClass, ManagerStatus, RiskClass, Role
from server.graphql.schema import build_schema
from server.permissions import QUERIES
from server.policy.registry import PolicyRegistry
from tests.builders import small_tenant
from tests.conftest import Api, StatementLog

ADMIN = (Role.FEDERATION_ADMIN,)
SECOND = "sd-second"
THIRD = "sd-third"

EVERYTHING = """
{ provinceTenants {
    id name province
    policy { category plugin pluginVersion parameters selectedBy }
    settings { appealDays largeLoanThreshold }
    managers { total byStatus { status count } byTier { tier { code name rank } count } }
    customers { total byClass { customerClass count } }
    loans { count outstandingCount balance nonPerformingBalance nonPerformingRatio
            byRiskClass { riskClass count outstandingCount balance } }
} }
"""


@pytest.fixture
async def second(session: AsyncSession, registry: PolicyRegistry) -> str:
    """Another bank of 山东, beside sd-demo."""
    await small_tenant(session, registry, SECOND, "山东")
    return SECOND


async def province_tenants(api: Api, tenant: str = "sd-demo", query: str = EVERYTHING) -> Any:
    response = await api.post(query, token=api.token(tenant, ADMIN, "fed.admin"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]["provinceTenants"]


async def test_a_federation_admin_sees_the_tenants_of_its_province_only(
    api: Api, second: str
) -> None:
    shandong = await province_tenants(api, query="{ provinceTenants { id name province } }")
    assert shandong == [
        {"id": "sd-demo", "name": "山东某农村商业银行", "province": "山东"},
        {"id": SECOND, "name": "山东测试农商银行", "province": "山东"},
    ]
    anhui = await province_tenants(api, "ah-demo", "{ provinceTenants { id province } }")
    assert anhui == [{"id": "ah-demo", "province": "安徽"}]


def money(value: Any, dialect: str) -> Decimal:
    """A sum of a money column as the database returns it (integer fen on SQLite)."""
    if value is None:
        return Decimal("0.00")
    if dialect == "sqlite":
        return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))
    return Decimal(value).quantize(Decimal("0.01"))


async def counted(session: AsyncSession, tenant: str) -> dict[str, Any]:
    """The figures of one tenant, counted here with plain SQL."""
    dialect = session.get_bind().dialect.name
    one = {"t": tenant}

    async def rows(sql: str) -> list[Any]:
        return list((await session.execute(text(sql), one)).all())

    statuses = dict(
        await rows("SELECT status, COUNT(*) FROM managers WHERE tenant_id = :t GROUP BY status")
    )
    tiers = dict(
        await rows(
            "SELECT tier_code, COUNT(*) FROM managers WHERE tenant_id = :t GROUP BY tier_code"
        )
    )
    classes = dict(
        await rows(
            "SELECT class_code, COUNT(*) FROM customers WHERE tenant_id = :t GROUP BY class_code"
        )
    )
    book = {
        risk: (count, live, money(balance, dialect))
        for risk, count, live, balance in await rows(
            "SELECT risk_class, COUNT(*), SUM(CASE WHEN balance > 0 THEN 1 ELSE 0 END), "
            "SUM(balance) FROM loans WHERE tenant_id = :t GROUP BY risk_class"
        )
    }
    balance = sum((b for _, _, b in book.values()), Decimal("0.00"))
    npl = sum((b for r, (_, _, b) in book.items() if r in NON_PERFORMING), Decimal("0.00"))
    return {
        "managers": {
            "total": sum(statuses.values()),
            "byStatus": [{"status": s.value, "count": statuses.get(s, 0)} for s in ManagerStatus],
            "tiers": tiers,
        },
        "customers": {
            "total": sum(classes.values()),
            "byClass": [
                {"customerClass": c.value, "count": classes.get(c, 0)} for c in CustomerClass
            ]
            + [{"customerClass": None, "count": classes.get(None, 0)}],
        },
        "loans": {
            "count": sum(c for c, _, _ in book.values()),
            "outstandingCount": sum(n for _, n, _ in book.values()),
            "balance": balance,
            "nonPerformingBalance": npl,
            "nonPerformingRatio": (npl / balance).quantize(
                Decimal("0.0001"), rounding=ROUND_HALF_EVEN
            ),
            "byRiskClass": [
                {
                    "riskClass": r.value,
                    "count": book.get(r, (0, 0, 0))[0],
                    "outstandingCount": book.get(r, (0, 0, 0))[1],
                    "balance": book.get(r, (0, 0, Decimal("0.00")))[2],
                }
                for r in RiskClass
            ],
        },
    }


async def test_the_counts_are_those_sql_counts(
    api: Api, session: AsyncSession, second: str
) -> None:
    shown = {t["id"]: t for t in await province_tenants(api)}
    assert set(shown) == {"sd-demo", SECOND}
    for tenant, figures in shown.items():
        expected = await counted(session, tenant)
        managers = figures["managers"]
        assert managers["total"] == expected["managers"]["total"] > 0
        assert managers["byStatus"] == expected["managers"]["byStatus"]
        by_tier = {(g["tier"] or {}).get("code"): g["count"] for g in managers["byTier"]}
        assert by_tier == expected["managers"]["tiers"]
        ranks = [g["tier"]["rank"] for g in managers["byTier"] if g["tier"]]
        assert ranks == sorted(ranks, reverse=True)
        assert figures["customers"] == expected["customers"]
        loans = figures["loans"]
        want = expected["loans"]
        assert (loans["count"], loans["outstandingCount"]) == (
            want["count"],
            want["outstandingCount"],
        )
        assert Decimal(loans["balance"]) == want["balance"] > 0
        assert Decimal(loans["nonPerformingBalance"]) == want["nonPerformingBalance"] > 0
        assert Decimal(loans["nonPerformingRatio"]) == want["nonPerformingRatio"]
        assert [{**g, "balance": Decimal(g["balance"])} for g in loans["byRiskClass"]] == want[
            "byRiskClass"
        ]


async def test_the_small_tenant_by_hand(api: Api, second: str) -> None:
    """The figures of the tenant this test built, written out."""
    (built,) = [t for t in await province_tenants(api) if t["id"] == SECOND]
    assert built["managers"]["total"] == 3
    assert {s["status"]: s["count"] for s in built["managers"]["byStatus"] if s["count"]} == {
        "ACTIVE": 2,
        "SUSPENDED": 1,
    }
    assert built["managers"]["byTier"] == [
        {"tier": {"code": "SD_1", "name": "一级客户经理", "rank": 3}, "count": 1},
        {"tier": {"code": "SD_3", "name": "三级客户经理", "rank": 1}, "count": 1},
        {"tier": None, "count": 1},
    ]
    assert {c["customerClass"]: c["count"] for c in built["customers"]["byClass"]} == {
        "SUPPORT": 2,
        "MAINTAIN": 0,
        "RESTRICT": 0,
        "EXIT": 1,
        None: 1,
    }
    loans = built["loans"]
    assert (loans["count"], loans["outstandingCount"]) == (4, 3)
    assert loans["balance"] == "221234.64"  # 150000.10 + 61234.55 + 9999.99
    assert loans["nonPerformingBalance"] == "71234.54"
    assert loans["nonPerformingRatio"] == "0.322"  # 71234.54 / 221234.64 = 0.32198…
    assert built["policy"] == [
        {
            "category": "GRADING",
            "plugin": "shandong",
            "pluginVersion": PolicyRegistry().info("shandong").version,
            "parameters": {},
            "selectedBy": "seed",
        }
    ]
    assert built["settings"] == {"appealDays": 15, "largeLoanThreshold": "5000000.00"}


async def test_a_tenant_without_loans_has_no_ratio(
    api: Api, session: AsyncSession, second: str
) -> None:
    await session.execute(text("DELETE FROM loans WHERE tenant_id = :t"), {"t": SECOND})
    await session.commit()
    (built,) = [t for t in await province_tenants(api) if t["id"] == SECOND]
    assert built["loans"]["count"] == 0
    assert built["loans"]["balance"] == "0.00"
    assert built["loans"]["nonPerformingRatio"] is None


async def test_the_list_costs_the_same_statements_however_many_tenants(
    api: Api,
    session: AsyncSession,
    registry: PolicyRegistry,
    statements: StatementLog,
    second: str,
) -> None:
    with statements.capture() as two:
        assert len(await province_tenants(api)) == 2
    await small_tenant(session, registry, THIRD, "山东")
    with statements.capture() as three:
        assert len(await province_tenants(api)) == 3
    reads = [s for s in three if s.lstrip().upper().startswith("SELECT")]
    # The token's claims, the tenants, then one statement each: policies, managers,
    # customers, loans.
    assert len(two) == len(three) == 6, three
    assert len(reads) == 6
    # After the claims (the token's manager is looked up by employee number), nothing reads
    # a column of a person.
    personal = ("managers.name", "employee_no", "customers.name", "id_number", "contract_no")
    assert [s for s in three[1:] if any(column in s for column in personal)] == []


async def test_every_count_keeps_to_the_province_in_sql(statements: StatementLog, api: Api) -> None:
    with statements.capture() as captured:
        await province_tenants(api)
    aggregates = [s for s in captured if "GROUP BY" in s.upper()]
    assert len(aggregates) == 3
    for statement in [*aggregates, *(s for s in captured if "tenant_policies" in s)]:
        assert "tenants.province" in statement, statement


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.FEDERATION_ADMIN])
async def test_every_other_role_is_refused(api: Api, role: Role) -> None:
    response = await api.post(
        "{ provinceTenants { id managers { total } } }", token=api.token("sd-demo", (role,))
    )
    assert response.status_code == 200
    body = response.json()
    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert "provinceTenants" in body["errors"][0]["message"]


PERSONAL_QUERIES = [
    "{ managers(first: 1) { totalCount } }",
    "{ customers(first: 1) { totalCount } }",
    "{ loans(first: 1) { totalCount } }",
    "{ offices { id } }",
    "{ appraisals(first: 1) { totalCount } }",
    "{ gradeEvents(first: 1) { latestCursor } }",
]


@pytest.mark.parametrize("query", PERSONAL_QUERIES)
async def test_a_federation_admin_calls_no_field_of_persons(api: Api, query: str) -> None:
    response = await api.post(query, token=api.token("sd-demo", ADMIN))
    body = response.json()
    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


def test_the_table_opens_a_federation_admin_no_query_of_persons() -> None:
    opened = {name for name, rule in QUERIES.items() if Role.FEDERATION_ADMIN in rule.roles}
    assert opened == {"viewer", "tenant", "labels", "policies", "provinceTenants"}


ALLOWED_BELOW = {
    "ProvinceTenant",
    "PolicySelection",
    "ParameterValue",  # a selection's parameters, by name: the plugin's numbers, no person
    "TenantSettings",
    "ManagerCounts",
    "ManagerStatusCount",
    "TierCount",
    "Tier",
    "CustomerCounts",
    "CustomerClassCount",
    "LoanBook",
    "RiskClassTotal",
}


def _named(t: GraphQLType) -> GraphQLType:
    while isinstance(t, GraphQLNonNull | GraphQLList):
        t = t.of_type
    return t


def test_nothing_below_a_province_tenant_leads_to_a_person() -> None:
    """Every object type reachable from ProvinceTenant is one of the counts' own; a link to a
    manager, customer, loan or office (or any new type) fails here until it is judged."""
    schema = build_schema()._schema
    seen: set[str] = set()
    todo = ["ProvinceTenant"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        t = schema.get_type(name)
        assert isinstance(t, GraphQLObjectType), name
        for field in t.fields.values():
            target = _named(field.type)
            if isinstance(target, GraphQLObjectType):
                todo.append(target.name)
    assert seen == ALLOWED_BELOW
