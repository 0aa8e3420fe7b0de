"""First-credit admission, the blacklist and relationship transfers over GraphQL: each mutation's
result and typed errors as the client reads them, nothing written on a refusal. The rules behind
them are service tests (``tests/services/test_admission.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import business_today
from server.db import models
from server.domain import AdmissionStatus, CustomerKind, Role
from tests.builders import Desk, corporate_customer
from tests.conftest import Api

TENANT = "sd-demo"
REQUESTER = "li.branch"
APPROVER = "zhao.risk"

CUSTOMER_FIELDS = "id admissionStatus admittedOn blacklisted"
REQUEST = f"""
mutation($id: ID!, $reason: String!) {{ requestAdmission(customerId: $id, reason: $reason) {{
  __typename
  ... on AdmissionRequest {{ id status reason requestedBy decidedBy decidedAt decisionReason
                            customer {{ {CUSTOMER_FIELDS} }} }}
  ... on Refused {{ refusals {{ rule article message }} }}
  ... on UserError {{ code message field }}
}} }}
"""
DECISION_FIELDS = f"""
  __typename
  ... on AdmissionRequest {{ id status requestedBy decidedBy decidedAt decisionReason
                            customer {{ {CUSTOMER_FIELDS} }} }}
  ... on Refused {{ refusals {{ rule article message }} }}
  ... on UserError {{ code message field }}
"""
APPROVE = f"""
mutation($id: ID!, $reason: String!) {{ approveAdmission(id: $id, reason: $reason) {{
{DECISION_FIELDS} }} }}
"""
REJECT = f"""
mutation($id: ID!, $reason: String!) {{ rejectAdmission(id: $id, reason: $reason) {{
{DECISION_FIELDS} }} }}
"""
LISTING_FIELDS = """
  __typename
  ... on Customer { id blacklisted blacklistHistory { listed reason recordedBy recordedAt } }
  ... on InvalidInput { errors { field code } }
  ... on UserError { code message field }
"""
BLACKLIST = f"""
mutation($id: ID!, $reason: String!) {{ blacklistCustomer(customerId: $id, reason: $reason) {{
{LISTING_FIELDS} }} }}
"""
UNBLACKLIST = f"""
mutation($id: ID!, $reason: String!) {{ unblacklistCustomer(customerId: $id, reason: $reason) {{
{LISTING_FIELDS} }} }}
"""
TRANSFER = """
mutation($id: ID!, $to: ID!, $reason: String!) {
  transferRelationship(customerId: $id, toManagerId: $to, reason: $reason) {
    __typename
    ... on Customer { id office { id } manager { id }
      loans(first: 10) { edges { node { id balance office { id } manager { id } } } } }
    ... on InvalidInput { errors { field code } }
    ... on UserError { code message field }
  }
}
"""


async def call(
    api: Api,
    query: str,
    variables: dict[str, Any],
    *,
    roles: tuple[Role, ...],
    user: str,
    tenant: str = TENANT,
    manager: str | None = None,
) -> dict[str, Any]:
    """Run one operation as ``user``; it must succeed at the GraphQL level."""
    token = api.token(tenant, roles, user, manager=manager)
    response = await api.post(query, variables, token=token)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    (result,) = data.values()
    assert isinstance(result, dict)
    return result


@pytest.fixture
def desk(session: AsyncSession) -> Desk:
    return Desk(session)


async def request(api: Api, customer: models.Customer, *, user: str = REQUESTER) -> dict[str, Any]:
    return await call(
        api,
        REQUEST,
        {"id": str(customer.id), "reason": "首次授信准入"},
        roles=(Role.BRANCH_HEAD,),
        user=user,
    )


# --- requesting ----------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.BRANCH_HEAD, Role.MANAGER])
async def test_a_request_makes_the_admission_pending(api: Api, desk: Desk, role: Role) -> None:
    customer = await corporate_customer(desk)
    own = await desk.session.get(models.Manager, (TENANT, customer.manager_id))
    assert own is not None
    before = await desk.count(models.AdmissionRequest)
    made = await call(
        api,
        REQUEST,
        {"id": str(customer.id), "reason": "  拟首次授信  "},
        roles=(role,),
        user=REQUESTER,
        manager=own.employee_no,
    )
    assert made["__typename"] == "AdmissionRequest", made
    assert made["status"] == "PENDING"
    assert made["reason"] == "拟首次授信"
    assert made["requestedBy"] == REQUESTER
    assert made["decidedBy"] is None and made["decidedAt"] is None
    assert made["customer"]["admissionStatus"] == "PENDING"
    assert await desk.count(models.AdmissionRequest) == before + 1
    assert (await desk.stored(customer)).admission_status is AdmissionStatus.PENDING


@pytest.mark.parametrize(
    ("roles", "reason", "kind", "expected"),
    [
        ((Role.HR,), "首次授信", CustomerKind.CORPORATE, "PermissionDenied"),
        ((Role.RISK,), "首次授信", CustomerKind.CORPORATE, "PermissionDenied"),
        ((Role.BRANCH_HEAD,), "   ", CustomerKind.CORPORATE, "InvalidInput"),
        ((Role.BRANCH_HEAD,), "首次授信", CustomerKind.INDIVIDUAL, "Conflict"),
    ],
)
async def test_requests_that_write_nothing(
    api: Api,
    desk: Desk,
    roles: tuple[Role, ...],
    reason: str,
    kind: CustomerKind,
    expected: str,
) -> None:
    office, _ = await desk.outlets()
    customer = await desk.customer(await desk.manager(office), kind=kind)
    before = await desk.footprint()
    result = await call(
        api, REQUEST, {"id": str(customer.id), "reason": reason}, roles=roles, user=REQUESTER
    )
    assert result["__typename"] == expected, result
    assert await desk.footprint() == before
    assert (await desk.stored(customer)).admission_status is customer.admission_status


async def test_a_blacklisted_customer_is_refused_admission(api: Api, desk: Desk) -> None:
    office, _ = await desk.outlets()
    customer = await desk.customer(await desk.manager(office), blacklisted=True)
    before = await desk.footprint()
    result = await request(api, customer)
    assert result["__typename"] == "Refused", result
    assert [r["rule"] for r in result["refusals"]] == ["BLACKLISTED"]
    assert result["refusals"][0]["article"].strip()
    assert await desk.footprint() == before
    assert (await desk.stored(customer)).admission_status is AdmissionStatus.REQUIRED


# --- deciding ----------------------------------------------------------------------


async def test_another_risk_user_approves(api: Api, desk: Desk) -> None:
    customer = await corporate_customer(desk)
    made = await request(api, customer)
    approved = await call(
        api,
        APPROVE,
        {"id": made["id"], "reason": "经审查同意准入"},
        roles=(Role.RISK,),
        user=APPROVER,
    )
    assert approved["__typename"] == "AdmissionRequest", approved
    assert approved["status"] == "APPROVED"
    assert approved["requestedBy"] == REQUESTER
    assert approved["decidedBy"] == APPROVER
    assert approved["decidedAt"] is not None
    assert approved["decisionReason"] == "经审查同意准入"
    assert approved["customer"]["admissionStatus"] == "APPROVED"
    assert approved["customer"]["admittedOn"] == business_today().isoformat()
    stored = await desk.stored(customer)
    assert stored.admission_status is AdmissionStatus.APPROVED
    assert stored.admitted_on == business_today()
    twice = await call(
        api, APPROVE, {"id": made["id"], "reason": "再批"}, roles=(Role.RISK,), user="other.risk"
    )
    assert twice["__typename"] == "Conflict", twice


@pytest.mark.parametrize("decision", [APPROVE, REJECT])
async def test_the_requester_never_decides_their_own_request(
    api: Api, desk: Desk, decision: str
) -> None:
    """Who requests an admission never approves (nor rejects) it, whatever the letter case."""
    customer = await corporate_customer(desk)
    made = await request(api, customer)
    before = await desk.footprint()
    refused = await call(
        api,
        decision,
        {"id": made["id"], "reason": "自己批准"},
        roles=(Role.RISK, Role.BRANCH_HEAD),
        user=REQUESTER.upper(),
    )
    assert (refused["__typename"], refused["code"], refused["field"]) == (
        "PermissionDenied",
        "SEPARATION_OF_DUTIES",
        "id",
    )
    assert "REQUESTER_DECIDES" in refused["message"]
    assert await desk.footprint() == before
    assert (await desk.stored(customer)).admission_status is AdmissionStatus.PENDING


@pytest.mark.parametrize(
    ("roles", "reason", "expected"),
    [
        ((Role.HR,), "同意", "PermissionDenied"),
        ((Role.BRANCH_HEAD,), "同意", "PermissionDenied"),
        ((Role.AUDITOR,), "同意", "PermissionDenied"),
        ((Role.RISK,), "  ", "InvalidInput"),
    ],
)
async def test_only_risk_decides_with_a_reason(
    api: Api, desk: Desk, roles: tuple[Role, ...], reason: str, expected: str
) -> None:
    customer = await corporate_customer(desk)
    made = await request(api, customer)
    before = await desk.footprint()
    for query in (APPROVE, REJECT):
        result = await call(
            api, query, {"id": made["id"], "reason": reason}, roles=roles, user=APPROVER
        )
        assert result["__typename"] == expected, result
    assert await desk.footprint() == before
    assert (await desk.stored(customer)).admission_status is AdmissionStatus.PENDING


async def test_a_rejection_allows_a_new_request(api: Api, desk: Desk) -> None:
    customer = await corporate_customer(desk)
    made = await request(api, customer)
    rejected = await call(
        api,
        REJECT,
        {"id": made["id"], "reason": "资料不全"},
        roles=(Role.RISK,),
        user=APPROVER,
    )
    assert rejected["__typename"] == "AdmissionRequest", rejected
    assert rejected["status"] == "REJECTED"
    assert rejected["decisionReason"] == "资料不全"
    assert rejected["customer"]["admissionStatus"] == "REJECTED"
    assert rejected["customer"]["admittedOn"] is None
    again = await request(api, customer)
    assert again["__typename"] == "AdmissionRequest", again
    assert again["id"] != made["id"]
    assert again["customer"]["admissionStatus"] == "PENDING"
    approved = await call(
        api, APPROVE, {"id": again["id"], "reason": "补齐资料"}, roles=(Role.RISK,), user=APPROVER
    )
    assert approved["customer"]["admissionStatus"] == "APPROVED"


# --- the blacklist -------------------------------------------------------------------


async def test_the_blacklist_keeps_its_history_in_order(api: Api, desk: Desk) -> None:
    customer = await corporate_customer(desk)
    steps = [
        (BLACKLIST, "恶意逃废债", True),
        (UNBLACKLIST, "已结清", False),
        (BLACKLIST, "再次违约", True),
    ]
    for index, (query, reason, listed) in enumerate(steps):
        result = await call(
            api,
            query,
            {"id": str(customer.id), "reason": reason},
            roles=(Role.RISK,),
            user=f"risk.{index}",
        )
        assert result["__typename"] == "Customer", result
        assert result["blacklisted"] is listed
    history = result["blacklistHistory"]
    assert [(h["listed"], h["reason"], h["recordedBy"]) for h in history] == [
        (True, "恶意逃废债", "risk.0"),
        (False, "已结清", "risk.1"),
        (True, "再次违约", "risk.2"),
    ]
    assert [h["recordedAt"] for h in history] == sorted(h["recordedAt"] for h in history)
    assert (await desk.stored(customer)).blacklisted is True


@pytest.mark.parametrize(
    ("query", "roles", "reason", "already", "expected"),
    [
        (BLACKLIST, (Role.HR,), "逃废债", False, "PermissionDenied"),
        (BLACKLIST, (Role.BRANCH_HEAD, Role.MANAGER), "逃废债", False, "PermissionDenied"),
        (BLACKLIST, (Role.RISK,), " ", False, "InvalidInput"),
        (BLACKLIST, (Role.RISK,), "逃废债", True, "Conflict"),
        (UNBLACKLIST, (Role.HR,), "结清", True, "PermissionDenied"),
        (UNBLACKLIST, (Role.RISK,), "", True, "InvalidInput"),
        (UNBLACKLIST, (Role.RISK,), "结清", False, "Conflict"),
    ],
)
async def test_blacklist_changes_need_risk_a_reason_and_a_change(
    api: Api,
    desk: Desk,
    query: str,
    roles: tuple[Role, ...],
    reason: str,
    already: bool,
    expected: str,
) -> None:
    office, _ = await desk.outlets()
    customer = await desk.customer(await desk.manager(office), blacklisted=already)
    before = await desk.footprint()
    result = await call(
        api, query, {"id": str(customer.id), "reason": reason}, roles=roles, user=APPROVER
    )
    assert result["__typename"] == expected, result
    assert await desk.footprint() == before
    assert (await desk.stored(customer)).blacklisted is already


# --- relationship transfers ------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.BRANCH_HEAD, Role.RISK])
async def test_a_transfer_moves_the_customer_and_its_outstanding_loans(
    api: Api, desk: Desk, role: Role
) -> None:
    home, other = await desk.outlets()
    owner = await desk.manager(home)
    receiver = await desk.manager(other)
    customer = await desk.customer(owner)
    outstanding = await desk.loan(customer, balance="320000.00")
    repaid = await desk.loan(customer, balance="0.00")
    transfers = await desk.count(models.RelationshipTransfer)
    moved = await call(
        api,
        TRANSFER,
        {"id": str(customer.id), "to": str(receiver.id), "reason": "客户自愿迁移"},
        roles=(role,),
        user="wang.transfer",
    )
    assert moved["__typename"] == "Customer", moved
    assert moved["office"]["id"] == str(other)
    assert moved["manager"]["id"] == str(receiver.id)
    loans = {e["node"]["id"]: e["node"] for e in moved["loans"]["edges"]}
    assert loans[str(outstanding.id)]["office"]["id"] == str(other)
    assert loans[str(outstanding.id)]["manager"]["id"] == str(receiver.id)
    assert loans[str(repaid.id)]["office"]["id"] == str(home)
    assert loans[str(repaid.id)]["manager"]["id"] == str(owner.id)

    assert await desk.count(models.RelationshipTransfer) == transfers + 1
    record = (
        await desk.session.execute(
            select(models.RelationshipTransfer).where(
                models.RelationshipTransfer.tenant_id == TENANT,
                models.RelationshipTransfer.customer_id == customer.id,
            )
        )
    ).scalar_one()
    assert (record.from_office_id, record.to_office_id) == (home, other)
    assert (record.from_manager_id, record.to_manager_id) == (owner.id, receiver.id)
    assert record.reason == "客户自愿迁移"
    assert record.recorded_by == "wang.transfer"


@pytest.mark.parametrize(
    ("roles", "reason", "same_office", "expected"),
    [
        ((Role.RISK,), "迁移", True, "Conflict"),
        ((Role.HR,), "迁移", False, "PermissionDenied"),
        ((Role.MANAGER,), "迁移", False, "PermissionDenied"),
        ((Role.RISK,), "   ", False, "InvalidInput"),
    ],
)
async def test_transfers_that_write_nothing(
    api: Api,
    desk: Desk,
    roles: tuple[Role, ...],
    reason: str,
    same_office: bool,
    expected: str,
) -> None:
    home, other = await desk.outlets()
    owner = await desk.manager(home)
    receiver = await desk.manager(home if same_office else other)
    customer = await desk.customer(owner)
    loan = await desk.loan(customer, balance="1000.00")
    before = await desk.footprint()
    result = await call(
        api,
        TRANSFER,
        {"id": str(customer.id), "to": str(receiver.id), "reason": reason},
        roles=roles,
        user=APPROVER,
    )
    assert result["__typename"] == expected, result
    assert await desk.footprint() == before
    stored = await desk.stored(customer)
    assert (stored.office_id, stored.manager_id) == (home, owner.id)
    stored_loan = await desk.session.get(models.Loan, (TENANT, loan.id), populate_existing=True)
    assert stored_loan is not None
    assert (stored_loan.office_id, stored_loan.manager_id) == (home, owner.id)


async def test_transfer_needs_an_active_receiving_manager(api: Api, session: AsyncSession) -> None:
    customer = (
        await session.execute(
            select(models.Customer).where(models.Customer.tenant_id == "sd-demo").limit(1)
        )
    ).scalar_one()
    receiver = (
        await session.execute(
            select(models.Manager)
            .where(
                models.Manager.tenant_id == "sd-demo",
                models.Manager.office_id != customer.office_id,
            )
            .limit(1)
        )
    ).scalar_one()
    await session.execute(
        update(models.Manager).where(models.Manager.id == receiver.id).values(status="SUSPENDED")
    )
    data = await api(
        """mutation($c: ID!, $m: ID!) { transferRelationship(customerId: $c, toManagerId: $m,
             reason: "客户申请") { __typename ... on UserError { field message } } }""",
        {"c": str(customer.id), "m": str(receiver.id)},
        roles=(Role.BRANCH_HEAD,),
    )
    assert data["transferRelationship"]["__typename"] == "Conflict"
    assert data["transferRelationship"]["field"] == "toManagerId"
    await session.refresh(customer)
    assert customer.office_id != receiver.office_id


# --- the queue and the lapse ----------------------------------------------------------

PENDING = """query($after: String) { pendingAdmissions(first: 100, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node { id status requestedBy requestedAt customer { id } } } } }"""


async def _queue(api: Api, roles: tuple[Role, ...], **claims: Any) -> list[dict[str, Any]]:
    token = api.token(TENANT, roles, "queue.reader", **claims)
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        body = (await api.post(PENDING, {"after": after}, token=token)).json()
        assert "errors" not in body, body
        page = body["data"]["pendingAdmissions"]
        nodes += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            assert page["totalCount"] == len(nodes)
            return nodes
        after = page["pageInfo"]["endCursor"]


async def test_the_pending_admissions_queue_is_oldest_first_in_the_callers_scope(
    api: Api, desk: Desk
) -> None:
    first_office, second_office = await desk.outlets()
    here = await desk.customer(await desk.manager(first_office))
    there = await desk.customer(await desk.manager(second_office))
    decided = await desk.customer(await desk.manager(first_office))
    made = [await request(api, c) for c in (here, there, decided)]
    await call(
        api, REJECT, {"id": made[2]["id"], "reason": "材料不全"}, roles=(Role.RISK,), user=APPROVER
    )
    mine = [made[0]["id"], made[1]["id"]]
    for roles in ((Role.RISK,), (Role.HR,), (Role.AUDITOR,), (Role.BRANCH_HEAD,)):
        queue = await _queue(api, roles)  # a branch head of the head office: every office
        ids = [n["id"] for n in queue]
        assert [i for i in ids if i in mine] == mine, roles  # oldest first
        assert made[2]["id"] not in ids, "a decided request leaves the queue"
        assert {n["status"] for n in queue} == {"PENDING"}
        ours = next(n for n in queue if n["id"] == mine[0])
        assert (ours["requestedBy"], ours["customer"]["id"]) == (REQUESTER, str(here.id))
        assert ours["requestedAt"]
    outlet = await desk.session.get(models.Office, (TENANT, first_office))
    assert outlet is not None
    branch = [n["id"] for n in await _queue(api, (Role.BRANCH_HEAD,), office=outlet.code)]
    assert mine[0] in branch and mine[1] not in branch
    own = await desk.session.get(models.Manager, (TENANT, here.manager_id))
    assert own is not None
    manager = [n["id"] for n in await _queue(api, (Role.MANAGER,), manager=own.employee_no)]
    assert manager == [mine[0]]
    body = (await api.post(PENDING, {}, token=api.token(TENANT, (Role.INTEGRATOR,), "i-1"))).json()
    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


LOAN = """mutation($c: ID!, $on: Date!, $due: Date!) { createLoan(input: {customerId: $c,
  contractNo: "LAPSE-1", product: WORKING_CAPITAL, principal: "100000.00",
  annualRate: "0.0500", issuedOn: $on, maturesOn: $due, guarantee: MORTGAGE}) {
  __typename ... on Refused { refusals { rule } } } }"""
CUSTOMER = """query($id: ID!) { customer(id: $id) { admissionStatus
  admissionLapses { lastCreditOn lapsedOn recordedBy } } }"""


@pytest.mark.parametrize("blacklisted", [False, True])
async def test_a_lapse_found_by_a_refused_loan_or_request_stands(
    api: Api, desk: Desk, blacklisted: bool
) -> None:
    office, _ = await desk.outlets()
    customer = await desk.customer(await desk.manager(office), blacklisted=blacklisted)
    await desk.session.execute(
        update(models.Customer)
        .where(models.Customer.tenant_id == TENANT, models.Customer.id == customer.id)
        .values(admission_status=AdmissionStatus.APPROVED, admitted_on=dt.date(2025, 1, 10))
    )
    loans_before = await desk.count(models.Loan)
    if blacklisted:
        refused = await request(api, customer)
        assert [r["rule"] for r in refused["refusals"]] == ["BLACKLISTED"]
    else:
        today = business_today()
        loan = {"c": str(customer.id), "on": today.isoformat(), "due": f"{today.year + 1}-12-01"}
        refused = await call(api, LOAN, loan, roles=(Role.BRANCH_HEAD,), user=REQUESTER)
        assert refused["__typename"] == "Refused", refused
        assert "ADMISSION_LAPSED" in [r["rule"] for r in refused["refusals"]]
    assert await desk.count(models.Loan) == loans_before
    shown = await call(api, CUSTOMER, {"id": str(customer.id)}, roles=(Role.RISK,), user="x")
    assert shown["admissionStatus"] == "LAPSED"
    assert shown["admissionLapses"] == [
        {
            "lastCreditOn": "2025-01-10",
            "lapsedOn": business_today().isoformat(),
            "recordedBy": REQUESTER,
        }
    ]
    lapses = (
        await desk.session.scalars(
            select(models.AdmissionLapse).where(
                models.AdmissionLapse.tenant_id == TENANT,
                models.AdmissionLapse.customer_id == customer.id,
            )
        )
    ).all()
    assert [(x.last_credit_on, x.lapsed_on) for x in lapses] == [
        (dt.date(2025, 1, 10), business_today())
    ]
    if not blacklisted:
        again = await request(api, customer)
        assert again["__typename"] == "AdmissionRequest", again
        assert again["customer"]["admissionStatus"] == "PENDING"
