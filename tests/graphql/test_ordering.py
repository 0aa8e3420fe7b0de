"""orderBy and paging both ways: every sort key of every main list, in both directions,
with ties and missing values, read page by page forwards and backwards, is the order a
Python sort of all the rows gives (the id breaking ties); cursors are checked and stay
put when rows are added."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import AppraisalStatus, OfficeKind
from server.policy.registry import PolicyRegistry
from tests.builders import Bank
from tests.conftest import Api

TENANT = "sd-demo"
PAGE = 4


@dataclass
class Rows:
    """What each list is read through: its filter, and the model the rows come from."""

    manager: models.Manager


@pytest.fixture
async def rows(session: AsyncSession, registry: PolicyRegistry) -> Rows:
    """Ties in every sort key, and missing tier ranks and totals."""
    bank = Bank(session, registry, TENANT)
    outlet = await session.scalar(
        select(models.Office).where(
            models.Office.tenant_id == TENANT, models.Office.kind == OfficeKind.OUTLET
        )
    )
    assert outlet is not None
    managers = [await bank.manager(outlet.id) for _ in range(4)]
    for manager, rank in zip(managers, (3, 3, None, None), strict=True):
        manager.tier_rank = rank
    owner = managers[0]
    customers = [await bank.customer(owner) for _ in range(5)]
    for customer, principal in zip(
        customers, ("1000.00", "1000.00", "2500.50", "1000.00", "9.99"), strict=True
    ):
        await bank.loan(
            customer,
            principal=principal,
            balance=principal,
            issued_on=dt.date(2024, 3, 1),
            matures_on=dt.date(2027, 3, 1),
        )
    for manager, period, total in (
        (managers[0], "2025", Decimal("80.00")),
        (managers[1], "2025", Decimal("80.00")),
        (managers[2], "2025", None),
        (managers[3], "2025", None),
        (managers[0], "2024", Decimal("91.50")),
        (managers[1], "2024", None),
    ):
        session.add(
            models.Appraisal(
                tenant_id=TENANT,
                manager_id=manager.id,
                period=period,
                status=AppraisalStatus.DRAFT,
                plugin="test",
                plugin_version="1",
                total=total,
                graded=total is not None,
                computed_by="someone",
            )
        )
    await session.flush()
    return Rows(owner)


#: list field → (model, its filter of the test's rows, {sort field: attribute}).
LISTS: dict[str, tuple[Any, str, dict[str, str | None]]] = {
    "managers": (
        models.Manager,
        "",
        {
            "CREATED": None,
            "NAME": "name",
            "EMPLOYEE_NO": "employee_no",
            "HIRE_DATE": "hire_date",
            "TIER_RANK": "tier_rank",
        },
    ),
    "customers": (models.Customer, "managerId", {"CREATED": None, "NAME": "name"}),
    "loans": (
        models.Loan,
        "managerId",
        {
            "CREATED": None,
            "PRINCIPAL": "principal",
            "BALANCE": "balance",
            "ISSUED_ON": "issued_on",
            "MATURES_ON": "matures_on",
        },
    ),
    "appraisals": (models.Appraisal, "", {"CREATED": None, "PERIOD": "period", "TOTAL": "total"}),
}
CASES = [
    (field, key, direction)
    for field, (_, _, keys) in LISTS.items()
    for key in keys
    for direction in ("ASC", "DESC")
]


def python_order(items: list[Any], attribute: str | None, descending: bool) -> list[str]:
    """Values in order, the id breaking ties in the same direction; no value comes last."""
    valued = [r for r in items if attribute is None or getattr(r, attribute) is not None]
    missing = [r for r in items if attribute is not None and getattr(r, attribute) is None]
    valued.sort(key=lambda r: (getattr(r, attribute) if attribute else 0, r.id), reverse=descending)
    missing.sort(key=lambda r: r.id, reverse=descending)
    return [str(r.id) for r in valued + missing]


async def _expected(
    session: AsyncSession, field: str, owner: models.Manager, key: str, direction: str
) -> list[str]:
    model, by, keys = LISTS[field]
    conditions = [model.tenant_id == TENANT]
    if by:
        conditions.append(model.manager_id == owner.id)
    items = list((await session.execute(select(model).where(*conditions))).scalars())
    return python_order(items, keys[key], direction == "DESC")


def _document(field: str, by: str) -> str:
    filter_ = "filter: {managerId: $m}," if by else ""
    return f"""query($first: Int, $after: String, $last: Int, $before: String,
        $order: {field[:-1].capitalize()}Order, $m: ID) {{
      {field}({filter_} first: $first, after: $after, last: $last, before: $before,
        orderBy: $order) {{
        totalCount pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
        edges {{ cursor node {{ id }} }} }} }}""".replace("$m: ID", "$m: ID" if by else "")


async def _walk(
    api: Api, field: str, owner: models.Manager, order: dict[str, str], backward: bool
) -> tuple[list[str], int]:
    _, by, _ = LISTS[field]
    document = _document(field, by)
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        variables: dict[str, Any] = {"order": order}
        if by:
            variables["m"] = str(owner.id)
        if backward:
            variables.update(last=PAGE, before=cursor)
        else:
            variables.update(first=PAGE, after=cursor)
        page = (await api(document, variables))[field]
        info = page["pageInfo"]
        ids = [e["node"]["id"] for e in page["edges"]]
        assert len(ids) <= PAGE
        if ids:
            assert info["startCursor"] == page["edges"][0]["cursor"]
            assert info["endCursor"] == page["edges"][-1]["cursor"]
        pages += 1
        if backward:
            assert info["hasNextPage"] is (cursor is not None)
            seen = ids + seen
            if not info["hasPreviousPage"]:
                return seen, pages
            cursor = info["startCursor"]
        else:
            assert info["hasPreviousPage"] is (cursor is not None)
            seen += ids
            if not info["hasNextPage"]:
                return seen, pages
            cursor = info["endCursor"]


@pytest.mark.parametrize(("field", "key", "direction"), CASES)
async def test_pages_both_ways_follow_a_python_sort(
    api: Api, session: AsyncSession, rows: Rows, field: str, key: str, direction: str
) -> None:
    expected = await _expected(session, field, rows.manager, key, direction)
    assert len(expected) > PAGE
    order = {"field": key, "direction": direction}
    forwards, pages = await _walk(api, field, rows.manager, order, backward=False)
    assert forwards == expected
    assert pages == -(-len(expected) // PAGE)
    backwards, _ = await _walk(api, field, rows.manager, order, backward=True)
    assert backwards == expected


async def test_ties_and_missing_values_are_in_the_data(session: AsyncSession, rows: Rows) -> None:
    """The cases above meet equal values and missing ones (else they would prove little)."""
    managers = (
        (
            await session.execute(
                select(models.Manager.tier_rank).where(models.Manager.tenant_id == TENANT)
            )
        )
        .scalars()
        .all()
    )
    assert None in managers and len(set(managers)) < len(managers)
    totals = (
        (
            await session.execute(
                select(models.Appraisal.total).where(models.Appraisal.tenant_id == TENANT)
            )
        )
        .scalars()
        .all()
    )
    assert None in totals and len(set(totals)) < len(totals)


MANAGERS = """query($after: String, $order: ManagerOrder) {
  managers(first: 3, after: $after, orderBy: $order) {
    pageInfo { endCursor } edges { node { id name } } } }"""


async def test_a_cursor_stays_put_when_rows_are_added(
    api: Api, session: AsyncSession, rows: Rows, registry: PolicyRegistry
) -> None:
    order = {"field": "NAME", "direction": "ASC"}
    first = (await api(MANAGERS, {"order": order}))["managers"]
    seen = [e["node"]["id"] for e in first["edges"]]
    bank = Bank(session, registry, TENANT)
    for name in ("", "\u4e00", "\U0002a700"):
        added = await bank.manager(rows.manager.office_id)
        added.name = name or "A"
    await session.flush()
    rest = await api(MANAGERS, {"order": order, "after": first["pageInfo"]["endCursor"]})
    expected = await _expected(session, "managers", rows.manager, "NAME", "ASC")
    position = expected.index(seen[-1])
    assert [e["node"]["id"] for e in rest["managers"]["edges"]] == expected[
        position + 1 : position + 4
    ]


async def _error(api: Api, query: str, variables: dict[str, Any] | None = None) -> Any:
    body = (await api.post(query, variables)).json()
    assert body.get("data") in (None, {}) or body["data"].get("managers") is None, body
    return body["errors"][0]


@pytest.mark.parametrize(
    ("arguments", "field", "says"),
    [
        ("first: 2, last: 2", "last", "first and last"),
        ('after: "x", before: "y", last: 2', "before", "after and before"),
        ('last: 2, after: "x"', "after", "with first"),
        ('first: 2, before: "x"', "before", "with last"),
        ("last: 0", "last", "between 1 and 100"),
        ("last: 101", "last", "between 1 and 100"),
    ],
)
async def test_paging_arguments_that_do_not_go_together_are_refused(
    api: Api, arguments: str, field: str, says: str
) -> None:
    error = await _error(api, f"{{ managers({arguments}) {{ totalCount }} }}")
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert says in error["message"]


async def test_a_cursor_of_another_order_is_refused_by_name(api: Api, rows: Rows) -> None:
    by_name = {"field": "NAME", "direction": "ASC"}
    cursor = (await api(MANAGERS, {"order": by_name}))["managers"]["pageInfo"]["endCursor"]
    for other in (
        {"field": "NAME", "direction": "DESC"},
        {"field": "HIRE_DATE", "direction": "ASC"},
        None,
    ):
        error = await _error(api, MANAGERS, {"order": other, "after": cursor})
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}
        assert "NAME:ASC" in error["message"]


async def test_the_default_order_keeps_the_first_cursor_format(api: Api) -> None:
    page = (await api(MANAGERS, {}))["managers"]
    cursor = page["pageInfo"]["endCursor"]
    assert base64.urlsafe_b64decode(cursor).decode().startswith("id:")
    explicit = await api(MANAGERS, {"after": cursor, "order": {"field": "CREATED"}})
    implicit = await api(MANAGERS, {"after": cursor})
    assert explicit == implicit
    assert explicit["managers"]["edges"]


@pytest.mark.parametrize(
    "body",
    [
        "v2:not json",
        'v2:["NAME:ASC", "x"]',
        'v2:["NAME:ASC", "x", "not-a-uuid"]',
        'v2:["NAME:ASC", 7, "' + str(uuid.uuid4()) + '"]',
        'v2:["TIER_RANK:ASC", "three", "' + str(uuid.uuid4()) + '"]',
        'v2:["NAME:ASC", null, "' + str(uuid.uuid4()) + '"]',
    ],
)
async def test_a_forged_cursor_is_refused(api: Api, body: str) -> None:
    order = json.loads(body.removeprefix("v2:"))[0] if body.startswith('v2:["') else "NAME:ASC"
    field, direction = order.split(":")
    cursor = base64.urlsafe_b64encode(body.encode()).decode()
    error = await _error(
        api, MANAGERS, {"order": {"field": field, "direction": direction}, "after": cursor}
    )
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}
    assert "not a cursor this API issued" in error["message"]
