"""The permission matrix, generated from the permission table: every root field × every
role × every scope (own / same subtree / other office / other tenant), over GraphQL,
nested fields and subscriptions included.

A read *leaks* when a role gets an object outside its scope (or a count that includes
one); a write is *unauthorised* when a role the table does not allow, or a target out of
the role's scope, changes anything. Both must be zero. Each write attempt runs in a
savepoint rolled back afterwards, so attempts do not see each other's effects.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import random
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from server.clock import business_today
from server.db import models
from server.domain import Role
from server.graphql.events.subscriptions import SubscriptionContext
from server.graphql.schema import build_schema
from server.identity_codes import make_resident_id
from server.jobs.appraisal_run import start_run
from server.outbox.hub import EventHub
from server.permissions import MUTATIONS, QUERIES, SUBSCRIPTIONS, allowed_roles
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.settings import Settings
from tests.conftest import Api
from tests.graphql.matrix import (
    REACHES,
    REPORT_SELECTIONS,
    SCOPES,
    TENANT,
    World,
    build_world,
    nodes_in,
    user_of,
)
from tests.graphql.matrix_tally import TRIED
from tests.uploads.sheets import upload

ROLES = tuple(Role)


@pytest.fixture
async def world(session: AsyncSession, registry: PolicyRegistry) -> World:
    return await build_world(session, registry)


async def _as(api: Api, world: World, role: Role, query: str, variables: dict[str, Any]) -> Any:
    token = api.token(TENANT, (role,), user_of(role), **world.claims(role))
    response = await api.post(query, variables, token=token)
    assert response.status_code == 200, response.text
    return response.json()


def _refused(body: dict[str, Any]) -> bool:
    return any(e["extensions"]["code"] == "PERMISSION_DENIED" for e in body.get("errors", []))


# --- reads ---------------------------------------------------------------------------

#: Root lookups by id, and which of a corner's objects each one looks up.
LOOKUPS = {f: f for f in ("office", "manager", "customer", "loan", "appraisal")}


@pytest.mark.parametrize("field", sorted(LOOKUPS))
async def test_lookups_find_only_what_the_role_reaches(api: Api, world: World, field: str) -> None:
    tally: Counter[str] = Counter()
    for role in ROLES:
        for scope in SCOPES:
            target = world.corners[scope].ids()[LOOKUPS[field]]
            query = f"query($id: ID!) {{ {field}(id: $id) {{ __typename id }} }}"
            body = await _as(api, world, role, query, {"id": target})
            TRIED["lookups"] += 1
            if role not in allowed_roles("query", field):
                assert _refused(body) and body.get("data") is None, (role, scope, body)
                tally["refused"] += 1
                continue
            found = body["data"][field]
            if scope in REACHES[role]:
                assert found == {"__typename": field.capitalize(), "id": target}, (role, scope)
                tally["found"] += 1
            else:
                TRIED["leaks"] += found is not None
                assert found is None, f"leak: {role.value} reads {scope} {field}"
                tally["not found"] += 1
    assert tally["found"] and tally["not found"] and tally["refused"]


PROBES = {
    "managers": """{ r: managers(first: 15) { totalCount edges { node { __typename id
        office { __typename id parent { __typename id } children { __typename id }
          managers(first: 5) { totalCount edges { node { __typename id } } } }
        customers(first: 5) { edges { node { __typename id manager { __typename id }
          loans(first: 3) { edges { node { __typename id } } } } } }
        loans(first: 5) { edges { node { __typename id customer { __typename id }
          office { __typename id } } } }
        appraisals(first: 3) { edges { node { __typename id manager { __typename id } } } }
      } } } }""",
    "customers": """{ r: customers(first: 40) { totalCount edges { node { __typename id
        manager { __typename id } office { __typename id }
        loans(first: 5) { totalCount edges { node { __typename id manager { __typename id } } } }
      } } } }""",
    "loans": """{ r: loans(first: 40) { totalCount edges { node { __typename id
        customer { __typename id } manager { __typename id } office { __typename id }
      } } } }""",
    "appraisals": """{ r: appraisals(first: 40) { totalCount edges { node { __typename id
        manager { __typename id office { __typename id } } } } } }""",
    "offices": """{ r: offices { __typename id parent { __typename id }
        managers(first: 10) { edges { node { __typename id } } } } }""",
}
ROOT_KIND = {
    "managers": "Manager",
    "customers": "Customer",
    "loans": "Loan",
    "appraisals": "Appraisal",
    "offices": "Office",
}


def _leaks(world: World, role: Role, data: Any) -> list[tuple[str, str]]:
    visible = world.visible[role]
    return [(kind, id_) for kind, id_ in nodes_in(data) if id_ not in visible[kind]]


@pytest.mark.parametrize("field", sorted(PROBES))
@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
async def test_lists_counts_and_nested_fields_hold_only_the_scope(
    api: Api, world: World, field: str, role: Role
) -> None:
    body = await _as(api, world, role, PROBES[field], {})
    if role not in allowed_roles("query", field):
        assert _refused(body) and body.get("data") is None
        return
    assert "errors" not in body, body["errors"]
    data = body["data"]["r"]
    leaks = _leaks(world, role, data)
    TRIED["objects"] += len(nodes_in(data))
    TRIED["leaks"] += len(leaks)
    assert leaks == []
    expected = len(world.visible[role][ROOT_KIND[field]])
    count = len(data) if isinstance(data, list) else data["totalCount"]
    assert count == expected
    assert expected > 0


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
async def test_filters_naming_other_managers_find_only_the_scope(
    api: Api, world: World, role: Role
) -> None:
    if role not in allowed_roles("query", "customers"):
        return
    for scope in SCOPES:
        ids = world.corners[scope].ids()
        query = """query($m: ID!, $o: ID!) {
          c: customers(filter: {managerId: $m}) { totalCount edges { node { __typename id } } }
          l: loans(filter: {officeId: $o}) { totalCount edges { node { __typename id } } }
          m: managers(filter: {officeId: $o}) { totalCount edges { node { __typename id } } } }"""
        body = await _as(api, world, role, query, {"m": ids["manager"], "o": ids["office"]})
        assert "errors" not in body, body
        leaks = _leaks(world, role, body["data"])
        TRIED["objects"] += len(nodes_in(body["data"]))
        TRIED["leaks"] += len(leaks)
        assert leaks == [], (role, scope)
        for alias in ("c", "l", "m"):
            seen = {e["node"]["id"] for e in body["data"][alias]["edges"]}
            assert body["data"][alias]["totalCount"] == len(seen) or len(seen) == 20
        if scope not in REACHES[role]:
            assert body["data"]["c"]["totalCount"] == 0, (role, scope)


@pytest.mark.parametrize(
    "field",
    sorted(set(QUERIES) - set(LOOKUPS) - set(PROBES) - {"appraisalRun", "loanStateImport"}),
)
async def test_every_other_query_is_answered_only_to_its_roles(
    api: Api, world: World, field: str
) -> None:
    arguments = {
        "webhookDeliveries": f'(webhookId: "{uuid.uuid4()}")',
        "appraisalInputs": '(period: "2025")',
        "node": f'(id: "{world.corners["own"].customer.id}")',
        "nodes": f'(ids: ["{world.corners["own"].loan.id}"])',
        "customerByIdentityNumber": f'(idNumber: "{world.corners["own"].customer.id_number}")',
    }
    selection = {
        "viewer": "{ userId }",
        "tenant": "{ id }",
        "rotationDue": "{ __typename }",
        "gradeEvents": "{ latestCursor }",
        "classEvents": "{ latestCursor }",
        "policies": "{ name }",
        "labels": "{ value }",
        "webhooks": "{ id }",
        "webhookDeliveries": "{ __typename }",
        "provinceTenants": "{ id }",
        "auditLog": "{ totalCount }",
        "tierProposals": "{ totalCount }",
        "pendingAdmissions": "{ totalCount edges { node { requestedBy customer { id } } } }",
        "violations": "{ totalCount }",
        "appraisalInputs": "{ plugin }",
        "node": "{ id }",
        "nodes": "{ id }",
        "customerByIdentityNumber": "{ id }",
        "eventsHead": "{ gradeCursor classCursor }",
        "workQueue": "{ kinds { kind count items(first: 5) { edges { node { subjectId } } } } }",
        **REPORT_SELECTIONS,
    }
    for role in ROLES:
        body = await _as(
            api, world, role, f"{{ {field}{arguments.get(field, '')} {selection[field]} }}", {}
        )
        if role in allowed_roles("query", field):
            codes = {e["extensions"]["code"] for e in body.get("errors", [])}
            assert "PERMISSION_DENIED" not in codes, (role, field, body)
        else:
            assert _refused(body) and body.get("data") is None, (role, field)


async def test_the_appraisal_run_is_only_for_tenant_readers(api: Api, world: World) -> None:
    for role in ROLES:
        body = await _as(api, world, role, f'{{ appraisalRun(id: "{uuid.uuid4()}") {{ id }} }}', {})
        assert _refused(body) is (role not in allowed_roles("query", "appraisalRun")), role


async def test_a_loan_state_import_is_only_for_its_roles(api: Api, world: World) -> None:
    for role in ROLES:
        body = await _as(
            api, world, role, f'{{ loanStateImport(id: "{uuid.uuid4()}") {{ id }} }}', {}
        )
        allowed = role in allowed_roles("query", "loanStateImport")
        assert _refused(body) is (not allowed), role
        if allowed:
            assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"], role


@pytest.mark.parametrize("field", sorted(SUBSCRIPTIONS))
async def test_subscriptions_only_for_their_roles(
    settings: Settings, sessionmaker: Any, world: World, field: str
) -> None:
    """A refused role is answered at once with PERMISSION_DENIED and nothing else; an allowed
    one is not refused (it waits for events: nothing arrives within the grace period)."""
    schema = build_schema()
    query = f'subscription {{ {field}(after: "999999999") {{ cursor }} }}'
    opens_with_cursor = field in ("gradeStream", "customerClassStream")
    if opens_with_cursor:
        # An allowed role is sent the cursor the stream starts after at once.
        query = f'subscription {{ {field}(after: "999999999") {{ ... on StreamStarted {{ cursor }} }} }}'
    if field == "appraisalRunProgress":
        # An allowed role is sent the run at once (then follows it).
        async with sessionmaker() as session, session.begin():
            run = await start_run(
                session,
                PolicyRegistry(),
                Principal(TENANT, "hr", frozenset({Role.HR})),
                period="2031",
            )
        query = f'subscription {{ {field}(id: "{run.id}") {{ id status }} }}'
    for role in ROLES:
        context = SubscriptionContext(settings, sessionmaker, EventHub())
        context.principal = Principal(TENANT, "matrix", frozenset({role}), **world.claims(role))
        stream: Any = await schema.subscribe(query, context_value=context)
        TRIED["subscriptions"] += 1
        try:
            first = await asyncio.wait_for(anext(aiter(stream)), 1)
        except TimeoutError:
            first = None
        finally:
            await stream.aclose()
        if role in allowed_roles("subscription", field) and field == "appraisalRunProgress":
            assert first is not None and not first.errors, (role, first)
            assert first.data == {field: {"id": str(run.id), "status": "QUEUED"}}
        elif role in allowed_roles("subscription", field) and opens_with_cursor:
            assert first is not None and not first.errors, (role, first)
            assert first.data == {field: {"cursor": "999999999"}}
        elif role in allowed_roles("subscription", field):
            assert first is None, (role, first)
        else:
            assert first is not None and first.data is None, role
            codes = {getattr(e.original_error, "code", None) for e in first.errors or []}
            assert codes == {"PERMISSION_DENIED"}, (role, first)


# --- writes --------------------------------------------------------------------------


@dataclass(frozen=True)
class Write:
    """How to call one mutation against one target: its document, its variables, and the
    row that must stay unchanged when the call is refused."""

    document: str
    variables: Callable[[dict[str, str], World], dict[str, Any]]
    target: str | None  # the key of Corner.ids() the call aims at; None: no scoped target
    #: For a mutation taking a file: the filled sheet, sent as the variable ``f`` of a
    #: multipart request.
    upload: Callable[[dict[str, str], World], bytes] | None = None


def _unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


FIGURES = '[{indicator: "interest_recovered", value: "1"}]'
#: A loan is issued on the business date (it may not lie ahead, nor far back).
TODAY = business_today().isoformat()
NEXT_YEAR = (business_today() + dt.timedelta(days=365)).isoformat()

WRITES: dict[str, Write] = {
    "createCustomer": Write(
        """mutation($m: ID!, $n: String!) { r: createCustomer(input: {kind: INDIVIDUAL,
           segment: FARMER, name: "矩阵客户", idNumber: $n, managerId: $m}) { __typename } }""",
        lambda t, _: {"m": t["manager"], "n": make_resident_id(random.Random())},
        "manager",
    ),
    "createLoan": Write(
        f"""mutation($c: ID!, $n: String!) {{ r: createLoan(input: {{customerId: $c,
           contractNo: $n, product: FARMER_MICRO_CREDIT, principal: "1000.00",
           annualRate: "0.0500", issuedOn: "{TODAY}", maturesOn: "{NEXT_YEAR}",
           guarantee: CREDIT}}) {{ __typename }} }}""",
        lambda t, _: {"c": t["customer"], "n": _unique("MX-")},
        "customer",
    ),
    "recordDuty": Write(
        """mutation($l: ID!) { r: recordDuty(loanId: $l, kind: INSPECTION,
           doneOn: "2026-02-01") { __typename } }""",
        lambda t, _: {"l": t["loan"]},
        "loan",
    ),
    "requestAdmission": Write(
        """mutation($c: ID!) { r: requestAdmission(customerId: $c, reason: "首次授信")
           { __typename } }""",
        lambda t, _: {"c": t["corporate"]},
        "corporate",
    ),
    "approveAdmission": Write(
        'mutation($i: ID!) { r: approveAdmission(id: $i, reason: "同意") { __typename } }',
        lambda t, _: {"i": t["admission"]},
        "admission",
    ),
    "rejectAdmission": Write(
        'mutation($i: ID!) { r: rejectAdmission(id: $i, reason: "不同意") { __typename } }',
        lambda t, _: {"i": t["admission"]},
        "admission",
    ),
    "blacklistCustomer": Write(
        'mutation($c: ID!) { r: blacklistCustomer(customerId: $c, reason: "逃废债") { __typename } }',
        lambda t, _: {"c": t["customer"]},
        "customer",
    ),
    "unblacklistCustomer": Write(
        'mutation($c: ID!) { r: unblacklistCustomer(customerId: $c, reason: "结清") { __typename } }',
        lambda t, _: {"c": t["customer"]},
        "customer",
    ),
    "transferRelationship": Write(
        """mutation($c: ID!, $m: ID!) { r: transferRelationship(customerId: $c, toManagerId: $m,
           reason: "客户选择") { __typename } }""",
        lambda t, w: {
            "c": t["customer"],
            "m": str(
                w.corners[
                    "subtree" if t["manager"] != str(w.corners["subtree"].manager.id) else "own"
                ].manager.id
            ),
        },
        "customer",
    ),
    "updateCustomerFacts": Write(
        """mutation($c: ID!) { r: updateCustomerFacts(id: $c, facts: {contributionScore: 61})
           { __typename } }""",
        lambda t, _: {"c": t["customer"]},
        "customer",
    ),
    "setLoanRiskClass": Write(
        """mutation($l: ID!) { r: setLoanRiskClass(input: {loanId: $l, riskClass: SPECIAL_MENTION,
           daysOverdue: 10}) { __typename } }""",
        lambda t, _: {"l": t["loan"]},
        "loan",
    ),
    "recordRepayment": Write(
        f"""mutation($l: ID!) {{ r: recordRepayment(loanId: $l, on: "{TODAY}",
           interest: "10.00") {{ __typename }} }}""",
        lambda t, _: {"l": t["loan"]},
        "loan",
    ),
    "importLoanStates": Write(
        f"""mutation($n: String!, $b: Money!) {{ r: importLoanStates(asOf: "{TODAY}",
           rows: [{{contractNo: $n, balance: $b, interestRepaid: "10.00"}}]) {{ __typename }} }}""",
        lambda t, w: {
            "n": w.corners["own"].loan.contract_no,
            "b": str(w.corners["own"].loan.balance),
        },
        None,
    ),
    "recordViolation": Write(
        """mutation($m: ID!) { r: recordViolation(input: {managerId: $m, kind: OTHER,
           occurredOn: "2026-03-02", description: "矩阵"}) { __typename } }""",
        lambda t, _: {"m": t["manager"]},
        "manager",
    ),
    "confirmViolation": Write(
        "mutation($v: ID!) { r: confirmViolation(id: $v) { __typename } }",
        lambda t, _: {"v": t["violation"]},
        "violation",
    ),
    "dismissViolation": Write(
        """mutation($v: ID!) { r: dismissViolation(id: $v, reason: "矩阵") { __typename } }""",
        lambda t, _: {"v": t["violation"]},
        "violation",
    ),
    "recordTaskPlan": Write(
        f"""mutation($m: ID!) {{ r: recordTaskPlan(managerId: $m, period: "2026",
           plans: {FIGURES}) {{ __typename }} }}""",
        lambda t, _: {"m": t["manager"]},
        "manager",
    ),
    "recordIndicators": Write(
        f"""mutation($m: ID!) {{ r: recordIndicators(managerId: $m, period: "2026",
           values: {FIGURES}) {{ __typename }} }}""",
        lambda t, _: {"m": t["manager"]},
        "manager",
    ),
    "recordOfficeIndicators": Write(
        f"""mutation($o: ID!) {{ r: recordOfficeIndicators(officeId: $o, period: "2026",
           values: {FIGURES}) {{ __typename }} }}""",
        lambda t, _: {"o": t["office"]},
        "office",
    ),
    "recordInspectionFindings": Write(
        """mutation($m: ID!) { r: recordInspectionFindings(managerId: $m, period: "2026",
           findings: [{item: "C1.4", finding: "MISSING_INSPECTION_REPORT", count: 1}]) { __typename } }""",
        lambda t, _: {"m": t["manager"]},
        "manager",
    ),
    "runAppraisal": Write(
        'mutation($m: ID!) { r: runAppraisal(managerId: $m, period: "2026") { __typename } }',
        lambda t, _: {"m": t["manager"]},
        "manager",
    ),
    "confirmAppraisal": Write(
        "mutation($a: ID!) { r: confirmAppraisal(id: $a) { __typename } }",
        lambda t, _: {"a": t["appraisal"]},
        "appraisal",
    ),
    "appealAppraisal": Write(
        'mutation($a: ID!) { r: appealAppraisal(id: $a, reason: "不服") { __typename } }',
        lambda t, _: {"a": t["appraisal"]},
        "appraisal",
    ),
    "resolveAppeal": Write(
        'mutation($a: ID!) { r: resolveAppeal(id: $a, reason: "维持") { __typename } }',
        lambda t, _: {"a": t["appraisal"]},
        "appraisal",
    ),
    "updateManager": Write(
        'mutation($m: ID!) { r: updateManager(id: $m, input: {name: "改名"}) { __typename } }',
        lambda t, _: {"m": t["manager"]},
        "manager",
    ),
    "proposeTierChange": Write(
        """mutation($m: ID!) { r: proposeTierChange(managerId: $m, tierCode: "SD_2",
           reason: "矩阵") { __typename } }""",
        lambda t, _: {"m": t["manager"]},
        "manager",
    ),
    "confirmTierChange": Write(
        "mutation($p: ID!) { r: confirmTierChange(id: $p) { __typename } }",
        lambda t, _: {"p": t["proposal"]},
        "proposal",
    ),
    "rejectTierChange": Write(
        'mutation($p: ID!) { r: rejectTierChange(id: $p, reason: "矩阵") { __typename } }',
        lambda t, _: {"p": t["proposal"]},
        "proposal",
    ),
    "createManager": Write(
        """mutation($o: ID!, $n: String!, $i: String!) { r: createManager(input: {
           employeeNo: $n, name: "新人", officeId: $o, category: RETAIL, hireDate: "2020-01-01",
           birthDate: "1990-01-01", identityNumber: $i}) { __typename } }""",
        lambda t, _: {
            "o": t["office"],
            "n": _unique("MX"),
            "i": make_resident_id(random.Random(), birth_date=dt.date(1990, 1, 1)),
        },
        "office",
    ),
    "createOffice": Write(
        """mutation($o: ID!, $c: String!) { r: createOffice(input: {code: $c, name: "矩阵网点",
           kind: OUTLET, parentId: $o}) { __typename } }""",
        lambda t, _: {"o": t["office"], "c": _unique("X")[:12]},
        "office",
    ),
    "takeLoanSnapshot": Write(
        'mutation { r: takeLoanSnapshot(asOf: "2026-01-31") { __typename } }',
        lambda t, _: {},
        None,
    ),
    "runAppraisals": Write(
        'mutation { r: runAppraisals(period: "2019") { __typename } }', lambda t, _: {}, None
    ),
    "setTenantSettings": Write(
        "mutation { r: setTenantSettings(appealDays: 16) { __typename } }", lambda t, _: {}, None
    ),
    "setTenantPolicy": Write(
        'mutation { r: setTenantPolicy(category: PENALTY, plugin: "shandong") { __typename } }',
        lambda t, _: {},
        None,
    ),
    "registerWebhook": Write(
        'mutation { r: registerWebhook(url: "http://127.0.0.1:9/hook") { __typename } }',
        lambda t, _: {},
        None,
    ),
    "rotateWebhookSecret": Write(
        "mutation($w: ID!) { r: rotateWebhookSecret(id: $w) { __typename } }",
        lambda t, _: {"w": t["webhook"]},
        "webhook",
    ),
    "resumeWebhook": Write(
        "mutation($w: ID!) { r: resumeWebhook(id: $w) { __typename } }",
        lambda t, _: {"w": t["webhook"]},
        "webhook",
    ),
}


def _sheet(sheet: str, *rows: dict[str, object]) -> bytes:
    """A workbook of one sheet: the headers of ``rows`` in row 1, then the rows."""
    book = Workbook()
    data = book.active
    assert data is not None
    data.title = sheet
    headers = list(rows[0])
    data.append(headers)
    for row in rows:
        data.append([row[h] for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _employee_no(t: dict[str, str], w: World) -> str:
    return next(
        c.manager.employee_no for c in w.corners.values() if str(c.manager.id) == t["manager"]
    )


UPLOADED = "__typename ... on SheetUploaded { problems { code } }"
WRITES |= {
    "uploadTaskFigures": Write(
        f'mutation($f: Upload!) {{ r: uploadTaskFigures(file: $f, period: "2026") {{ {UPLOADED} }} }}',
        lambda t, _: {},
        "manager",
        lambda t, w: _sheet("任务完成考核表", {"工号": _employee_no(t, w), "收回贷款利息计划": 1}),
    ),
    "uploadViolations": Write(
        f"mutation($f: Upload!) {{ r: uploadViolations(file: $f) {{ {UPLOADED} }} }}",
        lambda t, _: {},
        "manager",
        lambda t, w: _sheet(
            "违规记录",
            {
                "工号": _employee_no(t, w),
                "违规类型": "其他",
                "发生日期": "2026-03-02",
                "违规事实": "矩阵",
            },
        ),
    ),
    "uploadInspectionFindings": Write(
        f'mutation($f: Upload!) {{ r: uploadInspectionFindings(file: $f, period: "2026") {{ {UPLOADED} }} }}',
        lambda t, _: {},
        "manager",
        lambda t, w: _sheet(
            "检查发现",
            {
                "工号": _employee_no(t, w),
                "考核项目": "C1.4",
                "发现代码": "MISSING_INSPECTION_REPORT",
            },
        ),
    ),
}
#: An upload's row refused as out of scope (the service's NotFound), or its code not found
#: in the tenant at all, is the single mutation's NotFound.
OUT_OF_REACH = frozenset({"NOT_FOUND", "UNKNOWN_CODE"})


async def _upload_as(api: Api, world: World, role: Role, write: Write, ids: dict[str, str]) -> Any:
    assert write.upload is not None
    token = api.token(TENANT, (role,), user_of(role), **world.claims(role))
    response = await upload(api, write.document, {}, write.upload(ids, world), token)
    assert response.status_code == 200, response.text
    body = response.json()
    result = (body.get("data") or {}).get("r") or {}
    codes = {p["code"] for p in result.get("problems") or []}
    if result.get("__typename") == "SheetUploaded" and codes & OUT_OF_REACH:
        body["data"]["r"] = {"__typename": "NotFound"}
    return body


TARGET_MODELS = {
    "office": models.Office,
    "manager": models.Manager,
    "customer": models.Customer,
    "corporate": models.Customer,
    "loan": models.Loan,
    "appraisal": models.Appraisal,
    "violation": models.Violation,
    "admission": models.AdmissionRequest,
    "webhook": models.WebhookEndpoint,
    "proposal": models.TierProposal,
}
#: An integrator reaches the webhooks it registered, nothing else of the tenant.
WEBHOOK_REACH = frozenset({"own"})
#: Tables a refused call may still write: the audit trail records every attempt.
RECORDS_OF_ATTEMPTS = ("audit",)


def test_every_mutation_has_a_write_in_the_matrix() -> None:
    assert sorted(set(MUTATIONS) - set(WRITES)) == []
    assert sorted(set(WRITES) - set(MUTATIONS)) == []


async def _footprint(connection: AsyncConnection, target: tuple[Any, str] | None) -> Any:
    tables = [
        t for t in models.Base.metadata.sorted_tables if not t.name.startswith(RECORDS_OF_ATTEMPTS)
    ]
    counts = select(*[select(func.count()).select_from(t).scalar_subquery() for t in tables])
    snapshot = tuple((await connection.execute(counts)).one())
    if target is None:
        return snapshot
    model, id_ = target
    row = (
        await connection.execute(
            select(model.__table__).where(model.__table__.c.id == uuid.UUID(id_))
        )
    ).one_or_none()
    return snapshot, tuple(row) if row is not None else None


@pytest.mark.parametrize("mutation", sorted(WRITES))
async def test_writes_only_by_their_roles_within_their_scope(
    api: Api, world: World, connection: AsyncConnection, mutation: str
) -> None:
    write = WRITES[mutation]
    allowed = allowed_roles("mutation", mutation)
    tally: Counter[str] = Counter()
    for role in ROLES:
        for scope in SCOPES if write.target else ("none",):
            ids = world.corners[scope].ids() if scope != "none" else {}
            target = (TARGET_MODELS[write.target], ids[write.target]) if write.target else None
            savepoint = await connection.begin_nested()
            try:
                before = await _footprint(connection, target)
                if write.upload is not None:
                    body = await _upload_as(api, world, role, write, ids)
                else:
                    body = await _as(api, world, role, write.document, write.variables(ids, world))
                assert "errors" not in body, (mutation, role, scope, body)
                outcome = body["data"]["r"]["__typename"]
                after = await _footprint(connection, target)
            finally:
                await savepoint.rollback()
            if role not in allowed:
                expected = "PermissionDenied"
            elif scope != "none" and scope not in (
                WEBHOOK_REACH if write.target == "webhook" else REACHES[role]
            ):
                expected = "NotFound"
            else:
                expected = None
            TRIED["writes"] += 1
            if expected is not None:
                TRIED["writes refused"] += outcome == expected
                TRIED["unauthorised"] += after != before
                assert outcome == expected, (mutation, role.value, scope, outcome)
                assert after == before, f"unauthorised write: {mutation} by {role.value} on {scope}"
                tally[expected] += 1
            else:
                assert outcome not in ("PermissionDenied", "NotFound"), (mutation, role, scope)
                tally[f"reached: {outcome}"] += 1
    assert tally["PermissionDenied"] > 0
    assert any(k.startswith("reached") for k in tally), tally
