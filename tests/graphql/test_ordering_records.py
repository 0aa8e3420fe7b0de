"""orderBy and paging both ways on the record lists (pending admissions, the audit trail,
violations, tier proposals): every sort key in both directions, with ties and missing
values, read page by page forwards and backwards, is the order a Python sort of the rows
gives; cursors of another order and first with last are refused; the caller's scope
holds while ordered."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import (
    AdmissionDecision,
    Role,
    TierProposalStatus,
    ViolationKind,
    ViolationStatus,
)
from tests.builders import Desk
from tests.conftest import Api
from tests.graphql.test_ordering import PAGE, python_order

TENANT = "sd-demo"
AUDITOR = (Role.AUDITOR,)
T0 = dt.datetime(2031, 5, 4, 8, 30, tzinfo=dt.UTC)


@dataclass
class Rows:
    """The test's managers: the owner of most rows, and one in another outlet."""

    owner: models.Manager
    other: models.Manager
    outlet: models.Office


def _at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes, microseconds=7)


async def _admissions(desk: Desk, owner: models.Manager, other: models.Manager) -> None:
    # Ties in time and in who asked; a decided request, which the queue leaves out.
    for manager, minutes, by, status in (
        (owner, 0, "u-b", AdmissionDecision.PENDING),
        (owner, 0, "u-a", AdmissionDecision.PENDING),
        (owner, 5, "u-b", AdmissionDecision.PENDING),
        (owner, -3, "u-c", AdmissionDecision.PENDING),
        (owner, 9, "u-a", AdmissionDecision.APPROVED),
        (other, 0, "u-a", AdmissionDecision.PENDING),
        (other, 2, "u-d", AdmissionDecision.PENDING),
    ):
        customer = await desk.customer(manager)
        desk.session.add(
            models.AdmissionRequest(
                tenant_id=TENANT,
                customer_id=customer.id,
                status=status,
                requested_by=by,
                requested_at=_at(minutes),
            )
        )


def _audit(session: AsyncSession) -> None:
    for minutes, user, operation in (
        (0, "Alice", "createLoan"),
        (0, "alice", "createLoan"),
        (1, "bob", "archiveCustomer"),
        (1, "BOB", "createLoan"),
        (-4, "carol", "recordViolation"),
        (7, "alice", "archiveCustomer"),
    ):
        session.add(
            models.AuditEntry(
                tenant_id=TENANT,
                at=_at(minutes),
                request_id=uuid.uuid4().hex,
                user_id=user,
                user_key=user.casefold(),
                roles=["HR"],
                operation=operation,
                target_ids=[],
                outcome="OK",
                input="{}",
                input_bytes=2,
            )
        )


def _violations(session: AsyncSession, owner: models.Manager, other: models.Manager) -> None:
    for manager, day, minutes, confirmed in (
        (owner, 3, 0, 10),
        (owner, 3, 0, None),
        (owner, 1, 2, 10),
        (owner, 8, -1, None),
        (owner, 1, 4, 2),
        (other, 3, 0, None),
        (other, 2, 5, 3),
        (other, 3, 1, None),
    ):
        session.add(
            models.Violation(
                tenant_id=TENANT,
                manager_id=manager.id,
                kind=ViolationKind.OTHER,
                occurred_on=dt.date(2031, 4, day),
                description="test",
                status=ViolationStatus.RECORDED if confirmed is None else ViolationStatus.CONFIRMED,
                recorded_by="u-rec",
                recorded_at=_at(minutes),
                confirmed_by=None if confirmed is None else "u-risk",
                confirmed_at=None if confirmed is None else _at(confirmed),
            )
        )


def _proposals(session: AsyncSession, owner: models.Manager) -> None:
    for minutes, status, decided in (
        (0, TierProposalStatus.PENDING, None),
        (0, TierProposalStatus.CONFIRMED, 30),
        (3, TierProposalStatus.REJECTED, 30),
        (-2, TierProposalStatus.PENDING, None),
        (9, TierProposalStatus.CONFIRMED, 12),
    ):
        session.add(
            models.TierProposal(
                tenant_id=TENANT,
                manager_id=owner.id,
                to_code="T1",
                to_rank=1,
                to_name="test",
                plugin="test",
                plugin_version="1",
                reason="test",
                status=status,
                proposed_by="u-hr",
                proposed_at=_at(minutes),
                decided_by=None if decided is None else "u-hr2",
                decided_at=None if decided is None else _at(decided),
            )
        )


@pytest.fixture
async def rows(session: AsyncSession) -> Rows:
    desk = Desk(session, TENANT)
    first, second = await desk.outlets()
    owner = await desk.manager(first)
    other = await desk.manager(second)
    await _admissions(desk, owner, other)
    _audit(session)
    _violations(session, owner, other)
    _proposals(session, owner)
    await session.flush()
    outlet = await session.get(models.Office, (TENANT, second))
    assert outlet is not None
    return Rows(owner, other, outlet)


@dataclass(frozen=True)
class Listed:
    """One list: its model, its order input type, its sort keys (field → attribute), what it
    keeps of the table, and the filter that keeps it to the test's rows."""

    model: Any
    order_type: str
    keys: dict[str, str | None]
    arguments: str = ""
    variable: str = ""

    def kept(self, rows: Rows) -> list[ColumnElement[bool]]:
        m = self.model
        if m is models.AdmissionRequest:
            return [m.status == AdmissionDecision.PENDING]
        if m is models.AuditEntry:
            return [m.at >= T0 - dt.timedelta(days=1)]
        return [m.manager_id == rows.owner.id]


LISTS: dict[str, Listed] = {
    "pendingAdmissions": Listed(
        models.AdmissionRequest,
        "AdmissionOrder",
        {"CREATED": None, "REQUESTED_AT": "requested_at", "REQUESTED_BY": "requested_by"},
    ),
    "auditLog": Listed(
        models.AuditEntry,
        "AuditOrder",
        {"CREATED": None, "AT": "at", "OPERATION": "operation", "USER_ID": "user_key"},
        "filter: {from: $since},",
        "$since: DateTime",
    ),
    "violations": Listed(
        models.Violation,
        "ViolationOrder",
        {
            "CREATED": None,
            "OCCURRED_ON": "occurred_on",
            "RECORDED_AT": "recorded_at",
            "CONFIRMED_AT": "confirmed_at",
        },
        "filter: {managerId: $m},",
        "$m: ID",
    ),
    "tierProposals": Listed(
        models.TierProposal,
        "TierProposalOrder",
        {
            "CREATED": None,
            "PROPOSED_AT": "proposed_at",
            "DECIDED_AT": "decided_at",
            "STATUS": "status",
        },
        "managerId: $m,",
        "$m: ID",
    ),
}
CASES = [
    (field, key, direction)
    for field, listed in LISTS.items()
    for key in listed.keys
    for direction in ("ASC", "DESC")
]


def _document(field: str) -> str:
    listed = LISTS[field]
    return f"""query($first: Int, $after: String, $last: Int, $before: String,
        $order: {listed.order_type} {listed.variable}) {{
      {field}({listed.arguments} first: $first, after: $after, last: $last, before: $before,
        orderBy: $order) {{
        totalCount pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
        edges {{ cursor node {{ id }} }} }} }}"""


def _variables(field: str, rows: Rows, **more: Any) -> dict[str, Any]:
    listed = LISTS[field]
    variables = dict(more)
    if "$m" in listed.variable:
        variables["m"] = str(rows.owner.id)
    if "$since" in listed.variable:
        variables["since"] = (T0 - dt.timedelta(days=1)).isoformat()
    return variables


async def _expected(
    session: AsyncSession,
    field: str,
    rows: Rows,
    key: str,
    direction: str,
    *also: ColumnElement[bool],
) -> list[str]:
    listed = LISTS[field]
    model = listed.model
    statement = select(model).where(model.tenant_id == TENANT, *listed.kept(rows), *also)
    items = list((await session.execute(statement)).scalars())
    return python_order(items, listed.keys[key], direction == "DESC")


async def _walk(
    api: Api,
    field: str,
    rows: Rows,
    order: dict[str, str],
    backward: bool,
    **who: Any,
) -> tuple[list[str], set[int]]:
    document = _document(field)
    seen: list[str] = []
    totals: set[int] = set()
    cursor: str | None = None
    while True:
        paging = {"last": PAGE, "before": cursor} if backward else {"first": PAGE, "after": cursor}
        variables = _variables(field, rows, order=order, **paging)
        page = (await api(document, variables, **who))[field]
        info = page["pageInfo"]
        ids = [e["node"]["id"] for e in page["edges"]]
        assert len(ids) <= PAGE
        totals.add(page["totalCount"])
        if ids:
            assert info["startCursor"] == page["edges"][0]["cursor"]
            assert info["endCursor"] == page["edges"][-1]["cursor"]
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


@pytest.mark.parametrize(("field", "key", "direction"), CASES)
async def test_pages_both_ways_follow_a_python_sort(
    api: Api, session: AsyncSession, rows: Rows, field: str, key: str, direction: str
) -> None:
    expected = await _expected(session, field, rows, key, direction)
    assert len(expected) > PAGE
    order = {"field": key, "direction": direction}
    forwards, totals = await _walk(api, field, rows, order, backward=False, roles=AUDITOR)
    assert forwards == expected
    backwards, more_totals = await _walk(api, field, rows, order, backward=True, roles=AUDITOR)
    assert backwards == expected
    assert totals | more_totals == {len(expected)}


async def test_the_data_has_ties_and_missing_values(session: AsyncSession, rows: Rows) -> None:
    """The cases above meet equal values and missing ones (else they would prove little)."""
    for field, listed in LISTS.items():
        statement = select(listed.model).where(listed.model.tenant_id == TENANT, *listed.kept(rows))
        items = list((await session.execute(statement)).scalars())
        for attribute in filter(None, listed.keys.values()):
            values = [getattr(r, attribute) for r in items]
            assert len(set(values)) < len(values), (field, attribute)
    for model, attribute in (
        (models.Violation, "confirmed_at"),
        (models.TierProposal, "decided_at"),
    ):
        values = (
            await session.execute(
                select(getattr(model, attribute)).where(model.manager_id == rows.owner.id)
            )
        ).scalars()
        assert None in set(values)


async def _error(api: Api, field: str, rows: Rows, **variables: Any) -> Any:
    body = (
        await api.post(
            _document(field),
            _variables(field, rows, **variables),
            token=api.token(roles=AUDITOR),
        )
    ).json()
    assert body.get("data") is None, body
    return body["errors"][0]


@pytest.mark.parametrize("field", LISTS)
async def test_a_cursor_of_another_order_is_refused_by_name(
    api: Api, rows: Rows, field: str
) -> None:
    key = list(LISTS[field].keys)[1]
    order = {"field": key, "direction": "ASC"}
    page = (
        await api(_document(field), _variables(field, rows, order=order, first=2), roles=AUDITOR)
    )[field]
    end, start = page["pageInfo"]["endCursor"], page["pageInfo"]["startCursor"]
    for other in ({"field": key, "direction": "DESC"}, {"field": "CREATED", "direction": "ASC"}):
        error = await _error(api, field, rows, order=other, first=2, after=end)
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}
        assert f"{key}:ASC" in error["message"]
        error = await _error(api, field, rows, order=other, last=2, before=start)
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "before"}
        assert f"{key}:ASC" in error["message"]


@pytest.mark.parametrize("field", LISTS)
async def test_first_with_last_is_refused(api: Api, rows: Rows, field: str) -> None:
    error = await _error(api, field, rows, first=2, last=2)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "last"}
    assert "first and last" in error["message"]


@pytest.mark.parametrize("key", LISTS["pendingAdmissions"].keys)
async def test_a_manager_sees_only_its_own_admissions_in_order(
    api: Api, session: AsyncSession, rows: Rows, key: str
) -> None:
    own = models.AdmissionRequest.customer_id.in_(
        select(models.Customer.id).where(models.Customer.manager_id == rows.owner.id)
    )
    who = {"roles": (Role.MANAGER,), "manager": rows.owner.employee_no}
    for direction in ("ASC", "DESC"):
        expected = await _expected(session, "pendingAdmissions", rows, key, direction, own)
        assert len(expected) == 4
        order = {"field": key, "direction": direction}
        for backward in (False, True):
            seen, totals = await _walk(api, "pendingAdmissions", rows, order, backward, **who)
            assert seen == expected
            assert totals == {4}


@pytest.mark.parametrize("key", LISTS["violations"].keys)
async def test_a_branch_head_sees_only_its_subtree_violations_in_order(
    api: Api, session: AsyncSession, rows: Rows, key: str
) -> None:
    v = models.Violation
    document = """query($order: ViolationOrder, $after: String, $before: String,
        $first: Int, $last: Int) {
      violations(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
        totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { node { id } } } }"""
    in_subtree = v.manager_id.in_(
        select(models.Manager.id).where(models.Manager.office_id == rows.outlet.id)
    )
    who = {"roles": (Role.BRANCH_HEAD,), "office": rows.outlet.code}
    statement = select(v).where(v.tenant_id == TENANT, in_subtree)
    items = list((await session.execute(statement)).scalars())
    managers = {r.manager_id for r in items}
    assert rows.other.id in managers and rows.owner.id not in managers
    for direction in ("ASC", "DESC"):
        expected = python_order(items, LISTS["violations"].keys[key], direction == "DESC")
        order = {"field": key, "direction": direction}
        for backward in (False, True):
            seen: list[str] = []
            cursor = None
            while True:
                paging = (
                    {"last": 2, "before": cursor} if backward else {"first": 2, "after": cursor}
                )
                page = (await api(document, {"order": order, **paging}, **who))["violations"]
                assert page["totalCount"] == len(expected)
                ids = [e["node"]["id"] for e in page["edges"]]
                info = page["pageInfo"]
                seen = ids + seen if backward else seen + ids
                if not info["hasPreviousPage" if backward else "hasNextPage"]:
                    break
                cursor = info["startCursor" if backward else "endCursor"]
            assert seen == expected


def _forged(order: str, value: str | None) -> str:
    body = "v2:" + json.dumps([order, value, str(uuid.uuid4())])
    return base64.urlsafe_b64encode(body.encode()).decode()


@pytest.mark.parametrize(
    ("field", "key", "value"),
    [
        ("tierProposals", "STATUS", "WITHDRAWN"),
        ("tierProposals", "STATUS", None),
        ("tierProposals", "PROPOSED_AT", "2031-05-04T08:30:00"),
        ("tierProposals", "PROPOSED_AT", "yesterday"),
        ("auditLog", "AT", "2031-05-04"),
        ("violations", "OCCURRED_ON", "2031-13-01"),
        ("violations", "RECORDED_AT", None),
    ],
)
async def test_a_forged_cursor_of_the_new_kinds_is_refused(
    api: Api, rows: Rows, field: str, key: str, value: str | None
) -> None:
    """An unknown status, a time without its offset, a date for a time, no value for a key
    that always has one: each is refused as a cursor, before any statement runs."""
    cursor = _forged(f"{key}:ASC", value)
    error = await _error(api, field, rows, order={"field": key}, first=2, after=cursor)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}
    assert "not a cursor this API issued" in error["message"]


async def test_a_cursor_of_a_missing_value_pages_on_among_the_missing(
    api: Api, session: AsyncSession, rows: Rows
) -> None:
    """A page that ends among the undecided proposals goes on from there, both ways."""
    expected = await _expected(session, "tierProposals", rows, "DECIDED_AT", "ASC")
    order = {"field": "DECIDED_AT", "direction": "ASC"}
    document = _document("tierProposals")
    first = await api(
        document, _variables("tierProposals", rows, order=order, first=4), roles=AUDITOR
    )
    end = first["tierProposals"]["pageInfo"]["endCursor"]
    assert json.loads(base64.urlsafe_b64decode(end).decode().removeprefix("v2:"))[1] is None
    rest = await api(
        document, _variables("tierProposals", rows, order=order, after=end), roles=AUDITOR
    )
    assert [e["node"]["id"] for e in rest["tierProposals"]["edges"]] == expected[4:]
    back = await api(
        document, _variables("tierProposals", rows, order=order, last=2, before=end), roles=AUDITOR
    )
    assert [e["node"]["id"] for e in back["tierProposals"]["edges"]] == expected[1:3]
