"""orderBy and paging both ways on the nested lists (office.managers, manager.loans,
manager.customers, manager.appraisals, customer.loans): each parent's rows, read page by
page forwards and backwards, are in the order a Python sort of that parent's rows gives;
two parents in one query each get their own page in one statement; the arguments are
checked as on the root lists; a manager's scope holds under an office it may read."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import AppraisalStatus, Role
from server.policy.registry import PolicyRegistry
from tests.builders import Bank
from tests.conftest import Api, StatementLog
from tests.graphql.test_ordering import python_order

TENANT = "sd-demo"
PAGE = 2


@dataclass
class Parents:
    """Two parents of each kind, the first with more rows than the second."""

    offices: tuple[uuid.UUID, uuid.UUID]
    managers: tuple[models.Manager, models.Manager]
    customers: tuple[models.Customer, models.Customer]


def _appraisal(manager: models.Manager, period: str, total: str | None) -> models.Appraisal:
    return models.Appraisal(
        tenant_id=TENANT,
        manager_id=manager.id,
        period=period,
        status=AppraisalStatus.DRAFT,
        plugin="test",
        plugin_version="1",
        total=None if total is None else Decimal(total),
        graded=total is not None,
        computed_by="someone",
    )


@pytest.fixture
async def parents(session: AsyncSession, registry: PolicyRegistry) -> Parents:
    """Ties in every sort key used below, and missing tier ranks and totals."""
    bank = Bank(session, registry, TENANT)
    offices = await bank.offices()
    placed = [(offices[0], "B", 3), (offices[0], "A", None), (offices[0], "B", None)]
    placed += [(offices[1], "A", 3), (offices[1], "C", None), (offices[1], "A", 3)]
    managers = []
    for office_id, name, rank in placed:
        manager = await bank.manager(office_id)
        manager.name, manager.tier_rank = name, rank
        managers.append(manager)
    owner, second = managers[0], managers[1]
    customers: dict[uuid.UUID, list[models.Customer]] = {owner.id: [], second.id: []}
    for manager, name in [(owner, n) for n in "BABCA"] + [(second, n) for n in "ZYZ"]:
        customer = await bank.customer(manager)
        customer.name = name
        customers[manager.id].append(customer)
    for customer, amounts in zip(
        customers[owner.id][:2] + customers[second.id][:1],
        (
            ("1000.00", "1000.00", "2500.50", "1000.00", "9.98"),
            ("7.00", "8.00", "7.00"),
            ("300.00", "300.00", "12.00"),
        ),
        strict=True,
    ):
        for day, amount in enumerate(amounts):
            await bank.loan(
                customer,
                principal=amount,
                balance=str(Decimal(amount) / 2),
                issued_on=dt.date(2024, 3, 1 + day % 2),
                matures_on=dt.date(2027, 3, 1 + day // 2),
            )
    for manager, period, total in (
        (owner, "2025", "80.00"),
        (owner, "2024", "80.00"),
        (owner, "2023", None),
        (owner, "2022", "91.50"),
        (owner, "2021", None),
        (second, "2025", None),
        (second, "2024", "70.00"),
        (second, "2023", "75.00"),
        (second, "2022", "70.00"),
    ):
        session.add(_appraisal(manager, period, total))
    await session.flush()
    first_customer, other_customer = customers[owner.id][0], customers[owner.id][1]
    return Parents(offices, (owner, second), (first_customer, other_customer))


@dataclass(frozen=True)
class Nested:
    """A nested list: its parent type, its order input, the child model and its parent key."""

    parent: str
    field: str
    order: str
    model: Any
    parent_column: str
    keys: dict[str, str | None]

    def parent_ids(self, parents: Parents) -> tuple[str, str]:
        if self.parent == "Office":
            return str(parents.offices[0]), str(parents.offices[1])
        rows = parents.managers if self.parent == "Manager" else parents.customers
        return str(rows[0].id), str(rows[1].id)


NESTED = {
    "Office.managers": Nested(
        "Office",
        "managers",
        "ManagerOrder",
        models.Manager,
        "office_id",
        {"NAME": "name", "TIER_RANK": "tier_rank"},
    ),
    "Manager.loans": Nested(
        "Manager",
        "loans",
        "LoanOrder",
        models.Loan,
        "manager_id",
        {"PRINCIPAL": "principal", "ISSUED_ON": "issued_on"},
    ),
    "Manager.customers": Nested(
        "Manager",
        "customers",
        "CustomerOrder",
        models.Customer,
        "manager_id",
        {"NAME": "name", "CREATED": None},
    ),
    "Manager.appraisals": Nested(
        "Manager",
        "appraisals",
        "AppraisalOrder",
        models.Appraisal,
        "manager_id",
        {"TOTAL": "total", "PERIOD": "period"},
    ),
    "Customer.loans": Nested(
        "Customer",
        "loans",
        "LoanOrder",
        models.Loan,
        "customer_id",
        {"BALANCE": "balance", "MATURES_ON": "matures_on"},
    ),
}
CASES = [
    (name, key, direction)
    for name, nested in NESTED.items()
    for key in nested.keys
    for direction in ("ASC", "DESC")
]
PAGE_FIELDS = "totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } "
PAGE_FIELDS += "edges { cursor node { id } }"


async def _expected(
    session: AsyncSession, nested: Nested, parent_id: str, key: str, direction: str
) -> list[str]:
    model = nested.model
    column = getattr(model, nested.parent_column)
    statement = select(model).where(model.tenant_id == TENANT, column == uuid.UUID(parent_id))
    items = list((await session.execute(statement)).scalars())
    return python_order(items, nested.keys[key], direction == "DESC")


def _one_parent(nested: Nested) -> str:
    return f"""query($id: ID!, $first: Int, $after: String, $last: Int, $before: String,
        $order: {nested.order}) {{
      node(id: $id) {{ ... on {nested.parent} {{
        {nested.field}(first: $first, after: $after, last: $last, before: $before,
          orderBy: $order) {{ {PAGE_FIELDS} }} }} }} }}"""


async def _walk(
    api: Api, nested: Nested, parent_id: str, order: dict[str, str], backward: bool
) -> tuple[list[str], set[int]]:
    """Every row of one parent's list, a page at a time, and the totals each page gave."""
    document = _one_parent(nested)
    seen: list[str] = []
    totals: set[int] = set()
    cursor: str | None = None
    while True:
        variables: dict[str, Any] = {"id": parent_id, "order": order}
        if backward:
            variables.update(last=PAGE, before=cursor)
        else:
            variables.update(first=PAGE, after=cursor)
        page = (await api(document, variables))["node"][nested.field]
        info = page["pageInfo"]
        ids = [e["node"]["id"] for e in page["edges"]]
        assert 1 <= len(ids) <= PAGE
        assert not set(ids) & set(seen), "a row came again"
        assert info["startCursor"] == page["edges"][0]["cursor"]
        assert info["endCursor"] == page["edges"][-1]["cursor"]
        totals.add(page["totalCount"])
        if backward:
            assert info["hasNextPage"] is (cursor is not None)
            seen = ids + seen
            if not info["hasPreviousPage"]:
                return seen, totals
            cursor = info["startCursor"]
        else:
            assert info["hasPreviousPage"] is (cursor is not None)
            seen += ids
            if not info["hasNextPage"]:
                return seen, totals
            cursor = info["endCursor"]


@pytest.mark.parametrize(("name", "key", "direction"), CASES)
async def test_each_parents_pages_both_ways_follow_a_python_sort(
    api: Api, session: AsyncSession, parents: Parents, name: str, key: str, direction: str
) -> None:
    nested = NESTED[name]
    order = {"field": key, "direction": direction}
    for parent_id in nested.parent_ids(parents):
        expected = await _expected(session, nested, parent_id, key, direction)
        assert len(expected) > PAGE
        forwards, totals = await _walk(api, nested, parent_id, order, backward=False)
        assert forwards == expected
        assert totals == {len(expected)}
        backwards, totals = await _walk(api, nested, parent_id, order, backward=True)
        assert backwards == expected
        assert totals == {len(expected)}


async def test_the_data_has_ties_and_missing_values(
    session: AsyncSession, parents: Parents
) -> None:
    """The cases above meet equal values and missing ones (else they would prove little)."""
    for nested in NESTED.values():
        for parent_id in nested.parent_ids(parents):
            column = getattr(nested.model, nested.parent_column)
            # A manager has one appraisal a period: the period alone has no ties.
            for attribute in set(filter(None, nested.keys.values())) - {"period"}:
                values = list(
                    (
                        await session.execute(
                            select(getattr(nested.model, attribute)).where(
                                column == uuid.UUID(parent_id)
                            )
                        )
                    ).scalars()
                )
                assert len(set(values)) < len(values), (nested.field, attribute)
    owner = parents.managers[0].id
    totals = await session.scalars(
        select(models.Appraisal.total).where(models.Appraisal.manager_id == owner)
    )
    assert None in set(totals)


def _two_parents(nested: Nested, size: str) -> str:
    return f"""query($ids: [ID!]!, $order: {nested.order}) {{
      nodes(ids: $ids) {{ ... on {nested.parent} {{ id
        {nested.field}({size}: {PAGE}, orderBy: $order) {{ {PAGE_FIELDS} }} }} }} }}"""


@pytest.mark.parametrize("name", NESTED)
async def test_two_parents_in_one_query_each_get_their_own_page_in_one_statement(
    api: Api, session: AsyncSession, statements: StatementLog, parents: Parents, name: str
) -> None:
    nested = NESTED[name]
    ids = nested.parent_ids(parents)
    key = next(k for k in nested.keys if k != "CREATED")
    order = {"field": key, "direction": "DESC"}
    with statements.capture() as captured:
        await api(_two_parents(nested, "first"), {"ids": ids[:1]})
    unordered = len(captured)
    for size in ("first", "last"):
        with statements.capture() as captured:
            data = await api(_two_parents(nested, size), {"ids": list(ids), "order": order})
        # The same statements as one parent's default page: the ids, the nodes, the pages.
        assert len(captured) == unordered
        assert [n["id"] for n in data["nodes"]] == list(ids)
        for parent_id, node in zip(ids, data["nodes"], strict=True):
            expected = await _expected(session, nested, parent_id, key, "DESC")
            got = [e["node"]["id"] for e in node[nested.field]["edges"]]
            assert got == (expected[:PAGE] if size == "first" else expected[-PAGE:])
            info = node[nested.field]["pageInfo"]
            assert info["hasNextPage"] is (size == "first")
            assert info["hasPreviousPage"] is (size == "last")


async def _error(api: Api, nested: Nested, parent_id: str, **variables: Any) -> Any:
    body = (await api.post(_one_parent(nested), {"id": parent_id, **variables})).json()
    assert body["data"] == {"node": None}, body
    return body["errors"][0]


@pytest.mark.parametrize("name", NESTED)
@pytest.mark.parametrize(
    ("variables", "field", "says"),
    [
        ({"first": 2, "last": 2}, "last", "first and last"),
        ({"last": 0}, "last", "between 1 and 100"),
        ({"last": 101}, "last", "between 1 and 100"),
        ({"first": 101}, "first", "between 1 and 100"),
        ({"first": 2, "before": "x"}, "before", "with last"),
    ],
)
async def test_paging_arguments_are_checked_as_on_the_root_lists(
    api: Api, parents: Parents, name: str, variables: dict[str, Any], field: str, says: str
) -> None:
    nested = NESTED[name]
    error = await _error(api, nested, nested.parent_ids(parents)[0], **variables)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert says in error["message"]


@pytest.mark.parametrize("name", NESTED)
async def test_a_cursor_of_another_order_is_refused_by_name(
    api: Api, parents: Parents, name: str
) -> None:
    nested = NESTED[name]
    parent_id = nested.parent_ids(parents)[0]
    key = next(k for k in nested.keys if k != "CREATED")
    issued = {"field": key, "direction": "ASC"}
    page = await api(_one_parent(nested), {"id": parent_id, "first": PAGE, "order": issued})
    cursor = page["node"][nested.field]["pageInfo"]["endCursor"]
    for other in ({"field": key, "direction": "DESC"}, {"field": "CREATED"}, None):
        for argument, size in (("after", "first"), ("before", "last")):
            variables = {"order": other, argument: cursor, size: PAGE}
            error = await _error(api, nested, parent_id, **variables)
            assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": argument}
            assert f"{key}:ASC" in error["message"]


OFFICE_CUSTOMERS = (
    """query($office: ID!, $order: CustomerOrder, $last: Int, $before: String) {
  node(id: $office) { ... on Office { managers(first: 100) { edges { node { id
    customers(last: $last, before: $before, orderBy: $order) { """
    + PAGE_FIELDS
    + """ }
  } } } } } }"""
)


async def test_a_manager_sees_only_its_own_customers_under_its_office(
    api: Api, session: AsyncSession, parents: Parents
) -> None:
    owner, colleague = parents.managers
    assert owner.office_id == colleague.office_id
    who = {"roles": (Role.MANAGER,), "manager": owner.employee_no}
    order = {"field": "NAME", "direction": "DESC"}
    expected = await _expected(session, NESTED["Manager.customers"], str(owner.id), "NAME", "DESC")
    seen: list[str] = []
    cursor: str | None = None
    while True:
        variables = {"office": str(owner.office_id), "order": order, "last": PAGE, "before": cursor}
        data = await api(OFFICE_CUSTOMERS, variables, **who)
        managers = data["node"]["managers"]["edges"]
        assert [m["node"]["id"] for m in managers] == [str(owner.id)]
        page = managers[0]["node"]["customers"]
        assert page["totalCount"] == len(expected)
        ids = [e["node"]["id"] for e in page["edges"]]
        assert not set(ids) & set(seen), "a row came again"
        seen = ids + seen
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        cursor = page["pageInfo"]["startCursor"]
    assert seen == expected
    # The colleague in the same office, and so their customers, are out of scope.
    document = _one_parent(NESTED["Manager.customers"])
    hidden = await api(document, {"id": str(colleague.id), "first": PAGE}, **who)
    assert hidden == {"node": None}
