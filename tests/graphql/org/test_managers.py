"""Queries over the demo data: connections, filters, nested fields."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import NON_PERFORMING, Role
from tests.conftest import DEMO_SIZES, Api

TENANT = "sd-demo"


async def _count(session: AsyncSession, model: Any, *conditions: Any) -> int:
    stmt = select(func.count()).select_from(model).where(model.tenant_id == TENANT, *conditions)
    return int(await session.scalar(stmt) or 0)


async def test_managers_pages_cover_every_manager_once(api: Api, session: AsyncSession) -> None:
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        data = await api(
            """query($after: String) { managers(first: 5, after: $after) {
                 totalCount pageInfo { hasNextPage endCursor hasPreviousPage }
                 edges { cursor node { id employeeNo } } } }""",
            {"after": after},
        )
        conn = data["managers"]
        assert conn["totalCount"] == DEMO_SIZES["managers"]
        assert conn["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen += [e["node"]["id"] for e in conn["edges"]]
        pages += 1
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == await _count(session, models.Manager)
    assert pages == -(-DEMO_SIZES["managers"] // 5)


@pytest.mark.parametrize("first", [0, -1, 101])
async def test_page_size_is_capped(api: Api, first: int) -> None:
    response = await api.post("query($f: Int) { managers(first: $f) { totalCount } }", {"f": first})
    body = response.json()
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "first"}
    assert "between 1 and 100" in body["errors"][0]["message"]


async def test_bad_cursor_is_a_clear_error(api: Api) -> None:
    response = await api.post('{ loans(first: 2, after: "bm9wZQ==") { totalCount } }')
    error = response.json()["errors"][0]
    assert error["extensions"]["field"] == "after"


async def test_filter_non_performing_and_overdue(api: Api, session: AsyncSession) -> None:
    data = await api(
        """{ npl: loans(first: 100, filter: {nonPerforming: true}) {
               totalCount edges { node { riskClass nonPerforming daysOverdue } } }
             overdue: loans(filter: {overdue: true}) { totalCount }
             doubtful: loans(filter: {riskClasses: [DOUBTFUL, LOSS]}) { totalCount } }"""
    )
    npl_db = await _count(session, models.Loan, models.Loan.risk_class.in_(NON_PERFORMING))
    assert data["npl"]["totalCount"] == npl_db > 0
    assert all(e["node"]["nonPerforming"] for e in data["npl"]["edges"])
    assert data["overdue"]["totalCount"] == await _count(
        session, models.Loan, models.Loan.days_overdue > 0
    )
    assert data["doubtful"]["totalCount"] == await _count(
        session, models.Loan, models.Loan.risk_class.in_(["DOUBTFUL", "LOSS"])
    )


async def test_office_subtree_filter(api: Api, session: AsyncSession) -> None:
    offices = (await api("{ offices { id kind depth parent { id } children { id } } }"))["offices"]
    head = next(o for o in offices if o["kind"] == "HEAD_OFFICE")
    branch = next(o for o in offices if o["kind"] == "BRANCH" and o["children"])
    whole = await api(
        "query($o: ID!) { managers(filter: {officeId: $o}) { totalCount } }", {"o": head["id"]}
    )
    assert whole["managers"]["totalCount"] == await _count(session, models.Manager)
    subtree_ids = {branch["id"], *(c["id"] for c in branch["children"])}
    expected = await _count(
        session,
        models.Manager,
        models.Manager.office_id.in_([uuid.UUID(i) for i in subtree_ids]),
    )
    sub = await api(
        "query($o: ID!) { managers(first: 100, filter: {officeId: $o}) { totalCount } }",
        {"o": branch["id"]},
    )
    only = await api(
        """query($o: ID!) { managers(filter: {officeId: $o, includeSubOffices: false}) {
             totalCount } }""",
        {"o": branch["id"]},
    )
    assert sub["managers"]["totalCount"] == expected
    assert only["managers"]["totalCount"] <= expected


async def test_text_search_on_name_and_employee_no(api: Api, session: AsyncSession) -> None:
    manager = (
        await session.execute(
            select(models.Manager).where(models.Manager.tenant_id == TENANT).limit(1)
        )
    ).scalar_one()
    by_no = await api(
        "query($q: String) { managers(filter: {search: $q}) { edges { node { id } } } }",
        {"q": manager.employee_no.lower()},
    )
    assert str(manager.id) in [e["node"]["id"] for e in by_no["managers"]["edges"]]
    by_name = await api(
        "query($q: String) { managers(first: 100, filter: {search: $q}) { edges { node { name } } } }",
        {"q": manager.name[1:]},
    )
    assert all(manager.name[1:] in e["node"]["name"] for e in by_name["managers"]["edges"])
    none = await api('{ managers(filter: {search: "%"}) { totalCount } }')
    assert none["managers"]["totalCount"] == 0


async def test_nested_fields_agree_with_the_database(api: Api, session: AsyncSession) -> None:
    data = await api(
        """{ managers(first: 3) { edges { node { id office { id name }
             tier { code rank } tierHistory { cause toTier { code } }
             loans(first: 100) { totalCount edges { node { balance
               customer { id manager { id } } manager { id } } } }
             customers(first: 2) { totalCount edges { node { id loans { totalCount } } } } } } } }"""
    )
    for edge in data["managers"]["edges"]:
        m = edge["node"]
        mid = uuid.UUID(m["id"])
        assert m["loans"]["totalCount"] == await _count(
            session, models.Loan, models.Loan.manager_id == mid
        )
        assert all(e["node"]["manager"]["id"] == m["id"] for e in m["loans"]["edges"])
        assert m["customers"]["totalCount"] == await _count(
            session, models.Customer, models.Customer.manager_id == mid
        )
        if m["tier"]:
            assert m["tierHistory"][-1]["toTier"]["code"] == m["tier"]["code"]
        for loan in m["loans"]["edges"]:
            Decimal(loan["node"]["balance"])  # a decimal string, exactly


async def test_lookup_by_id_and_unknown_id(api: Api, session: AsyncSession) -> None:
    loan = (
        await session.execute(select(models.Loan).where(models.Loan.tenant_id == TENANT).limit(1))
    ).scalar_one()
    data = await api(
        """query($id: ID!) { loan(id: $id) { contractNo principal customer { name } }
             missing: loan(id: "00000000-0000-7000-8000-000000000000") { id }
             malformed: manager(id: "nope") { id } }""",
        {"id": str(loan.id)},
    )
    assert data["loan"]["contractNo"] == loan.contract_no
    assert Decimal(data["loan"]["principal"]) == loan.principal
    assert data["missing"] is None
    assert data["malformed"] is None


async def test_id_numbers_are_masked_except_for_auditors(api: Api, session: AsyncSession) -> None:
    customer = (
        await session.execute(
            select(models.Customer).where(models.Customer.tenant_id == TENANT).limit(1)
        )
    ).scalar_one()
    query = "query($id: ID!) { customer(id: $id) { idNumber } }"
    masked = await api(query, {"id": str(customer.id)}, roles=(Role.HR, Role.RISK))
    shown = await api(query, {"id": str(customer.id)}, roles=(Role.AUDITOR,))
    assert shown["customer"]["idNumber"] == customer.id_number
    value = masked["customer"]["idNumber"]
    assert value == customer.id_number[:3] + "*" * 11 + customer.id_number[-4:]


async def test_enum_labels(api: Api) -> None:
    data = await api(
        """{ labels { enum value label }
             loans(first: 1) { edges { node { riskClass riskClassLabel guaranteeLabel } } } }"""
    )
    labels = {(x["enum"], x["value"]): x["label"] for x in data["labels"]}
    assert labels[("RiskClass", "SUBSTANDARD")] == "次级"
    assert labels[("ManagerStatus", "PROBATION")] == "见习"
    node = data["loans"]["edges"][0]["node"]
    assert node["riskClassLabel"] == labels[("RiskClass", node["riskClass"])]


async def test_tenant_policy_and_offices_tree(api: Api) -> None:
    data = await api(
        """{ tenant { id province policy { category plugin pluginVersion } }
             offices { id kind parent { id kind } children { kind } } }"""
    )
    policy = {p["category"]: p["plugin"] for p in data["tenant"]["policy"]}
    assert policy["GRADING"] == "shandong"
    for office in data["offices"]:
        if office["kind"] == "HEAD_OFFICE":
            assert office["parent"] is None
        elif office["kind"] == "BRANCH":
            assert office["parent"]["kind"] == "HEAD_OFFICE"
        else:
            assert office["parent"]["kind"] == "BRANCH"
            assert office["children"] == []
