"""The audit trail: every mutation, allowed or refused, leaves exactly one row, whatever
happens — with who, when, what, on which ids, how it ended, and no identity number."""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from server import errors
from server.db import models
from server.domain import Role
from server.graphql.audit.trail import (
    MAX_INPUT_BYTES,
    MAX_TARGET_ID_CHARS,
    MAX_TARGET_IDS,
    input_text,
    masked,
    target_ids,
)
from server.identity_codes import make_resident_id, make_social_credit_code, mask_identity
from server.services import managers, offices
from tests.conftest import Api, StatementLog
from tests.graphql.audit.rows import footprint, grown, rows_of, someone

TENANT = "sd-demo"
CREATE_OFFICE = """mutation($i: CreateOfficeInput!) { createOffice(input: $i) {
  __typename ... on Office { id } ... on UserError { code field } } }"""
CREATE_CUSTOMER = """mutation($i: CreateCustomerInput!) { createCustomer(input: $i) {
  __typename ... on Customer { id } ... on UserError { code field } } }"""
#: What a mutation naming one id writes to the trail: its entry and the id's index row.
AUDIT_ROW = {"audit_entries": 1, "audit_targets": 1}
UUID_A = "0190a1b2-1234-7abc-8def-0123456789ab"
UUID_B = "0190a1b2-1234-7abc-8def-0123456789ac"


async def _head_office(session: AsyncSession, tenant: str = TENANT) -> models.Office:
    o = models.Office
    statement = select(o).where(o.tenant_id == tenant, o.kind == "HEAD_OFFICE")
    return (await session.execute(statement)).scalar_one()


async def _first_manager(session: AsyncSession) -> models.Manager:
    m = models.Manager
    statement = select(m).where(m.tenant_id == TENANT).order_by(m.employee_no).limit(1)
    return (await session.execute(statement)).scalar_one()


def _branch(head: models.Office, code: str = "AUD-BR") -> dict[str, Any]:
    return {"i": {"code": code, "name": "审计支行", "kind": "BRANCH", "parentId": str(head.id)}}


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


async def test_an_allowed_mutation_writes_its_change_and_one_row(
    api: Api, session: AsyncSession
) -> None:
    head = await _head_office(session)
    user = someone()
    before = await footprint(session)
    called = dt.datetime.now(dt.UTC)
    response = await api.post(CREATE_OFFICE, _branch(head), token=api.token(user=user))
    assert response.json()["data"]["createOffice"]["__typename"] == "Office"
    assert grown(before, await footprint(session)) == {"offices": 1, **AUDIT_ROW}
    [row] = await rows_of(session, user)
    assert (row.operation, row.outcome, row.target_ids) == ("createOffice", "OK", [str(head.id)])
    assert row.roles == ["BRANCH_HEAD", "HR", "RISK"]
    assert row.request_id == response.headers["x-request-id"]
    assert abs(_utc(row.at) - called) < dt.timedelta(seconds=30)
    assert json.loads(row.input) == {
        "input": {
            "code": "AUD-BR",
            "name": "审计支行",
            "kind": "BRANCH",
            "parentId": str(head.id),
            "hasCreditClerk": False,
        }
    }
    assert row.input_bytes == len(row.input.encode())


async def test_literal_arguments_are_stored_as_written(api: Api, session: AsyncSession) -> None:
    head = await _head_office(session)
    user = someone()
    query = f"""mutation {{ createOffice(input: {{code: "AUD-LIT", name: "字面", kind: BRANCH,
      parentId: "{head.id}"}}) {{ __typename }} }}"""
    await api(query, user=user)
    [row] = await rows_of(session, user)
    assert json.loads(row.input) == {
        "input": {"code": "AUD-LIT", "name": "字面", "kind": "BRANCH", "parentId": str(head.id)}
    }


async def test_a_refused_mutation_writes_its_row_and_nothing_else(
    api: Api, session: AsyncSession
) -> None:
    head = await _head_office(session)
    user = someone()
    before = await footprint(session)
    data = await api(CREATE_OFFICE, _branch(head), roles=(Role.AUDITOR,), user=user)
    assert data["createOffice"] == {
        "__typename": "PermissionDenied",
        "code": "PERMISSION_DENIED",
        "field": None,
    }
    assert grown(before, await footprint(session)) == AUDIT_ROW
    [row] = await rows_of(session, user)
    assert (row.outcome, row.roles, row.target_ids) == (
        "PERMISSION_DENIED",
        ["AUDITOR"],
        [str(head.id)],
    )


async def test_invalid_input_writes_its_row_and_nothing_else(
    api: Api, session: AsyncSession
) -> None:
    manager = await _first_manager(session)
    wrong_check = make_resident_id(random.Random(3))
    wrong_check = wrong_check[:17] + ("0" if wrong_check[17] != "0" else "1")
    user = someone()
    before = await footprint(session)
    data = await api(
        CREATE_CUSTOMER,
        {
            "i": {
                "kind": "INDIVIDUAL",
                "segment": "FARMER",
                "name": "张三",
                "idNumber": wrong_check,
                "managerId": str(manager.id),
            }
        },
        user=user,
    )
    assert data["createCustomer"]["code"] == "INVALID_INPUT"
    assert grown(before, await footprint(session)) == AUDIT_ROW
    [row] = await rows_of(session, user)
    assert (row.operation, row.outcome, row.target_ids) == (
        "createCustomer",
        "INVALID_INPUT",
        [str(manager.id)],
    )
    assert json.loads(row.input)["input"]["idNumber"] == mask_identity(wrong_check)


async def test_a_managers_identity_number_is_masked_in_the_trail_even_malformed(
    api: Api, session: AsyncSession
) -> None:
    office = (await _first_manager(session)).office_id
    short = "3701021990010100"  # 16 digits: nothing reads it as an identity number
    user = someone()
    data = await api(
        """mutation($m: CreateManagerInput!) { createManager(input: $m) {
          __typename ... on UserError { code } } }""",
        {
            "m": {
                "employeeNo": "TRAIL-1",
                "name": "赵六",
                "officeId": str(office),
                "category": "RETAIL",
                "hireDate": "2020-01-01",
                "birthDate": "1990-01-01",
                "identityNumber": short,
            }
        },
        user=user,
    )
    assert data["createManager"]["code"] == "INVALID_INPUT"
    [row] = await rows_of(session, user)
    assert json.loads(row.input)["input"]["identityNumber"] == mask_identity(short)
    assert short not in row.input


async def test_identity_numbers_appear_nowhere_in_the_trail(
    api: Api, session: AsyncSession
) -> None:
    manager = await _first_manager(session)
    rng = random.Random(11)
    person, company = make_resident_id(rng), make_social_credit_code(rng)
    user = someone()
    calls = [
        ("INDIVIDUAL", "李四", person, str(manager.id)),
        ("CORPORATE", "某某合作社", company, str(manager.id)),
        # The numbers where no one expects them: in a name, as an id.
        ("INDIVIDUAL", f"王五（{person}）", f" {company} ", person),
    ]
    outcomes = []
    for kind, name, number, manager_id in calls:
        data = await api(
            CREATE_CUSTOMER,
            {
                "i": {
                    "kind": kind,
                    "segment": "FARMER" if kind == "INDIVIDUAL" else "ENTERPRISE",
                    "name": name,
                    "idNumber": number,
                    "managerId": manager_id,
                }
            },
            user=user,
        )
        outcomes.append(data["createCustomer"]["__typename"])
    assert outcomes[:2] == ["Customer", "Customer"]
    rows = await rows_of(session, user)
    assert [r.outcome for r in rows][:2] == ["OK", "OK"]
    assert len(rows) == 3
    assert json.loads(rows[0].input)["input"]["idNumber"] == mask_identity(person)
    assert json.loads(rows[1].input)["input"]["idNumber"] == mask_identity(company)
    assert rows[2].target_ids == [mask_identity(person)]
    assert mask_identity(person) in json.loads(rows[2].input)["input"]["name"]
    every_value = " ".join(
        str(getattr(r, c.key)) for r in rows for c in models.AuditEntry.__table__.columns
    )
    for number in (person, company):
        assert number not in every_value
        assert number[3:-4] not in every_value


async def test_an_unexpected_error_still_leaves_a_row(
    api: Api, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("the disk caught fire")

    monkeypatch.setattr(offices, "create_office", broken)
    head = await _head_office(session)
    user = someone()
    before = await footprint(session)
    response = await api.post(CREATE_OFFICE, _branch(head), token=api.token(user=user))
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "INTERNAL_ERROR"
    assert grown(before, await footprint(session)) == AUDIT_ROW
    [row] = await rows_of(session, user)
    assert (row.operation, row.outcome, row.target_ids) == (
        "createOffice",
        "INTERNAL_ERROR",
        [str(head.id)],
    )
    assert row.request_id == response.headers["x-request-id"]


async def test_a_request_rolled_back_records_its_done_mutations_as_rolled_back(
    api: Api, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("lost the connection")

    monkeypatch.setattr(managers, "create_manager", broken)
    head = await _head_office(session)
    user = someone()
    query = """mutation($i: CreateOfficeInput!, $m: CreateManagerInput!) {
      refused: proposeTierChange(managerId: "nope", tierCode: "T1", reason: "r") { __typename }
      createOffice(input: $i) { __typename }
      createManager(input: $m) { __typename } }"""
    manager = {
        "employeeNo": "A-1",
        "name": "赵六",
        "officeId": str(head.id),
        "category": "RETAIL",
        "hireDate": "2020-01-01",
        "birthDate": "1990-01-01",
        "identityNumber": "37010219900101001X",
    }
    before = await footprint(session)
    response = await api.post(
        query, {**_branch(head), "m": manager}, token=api.token(user=user, roles=(Role.HR,))
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_ERROR"
    assert grown(before, await footprint(session)) == {"audit_entries": 3, "audit_targets": 3}
    rows = await rows_of(session, user)
    assert [(r.operation, r.outcome) for r in rows] == [
        ("proposeTierChange", "INVALID_INPUT"),
        ("createOffice", "ROLLED_BACK"),
        ("createManager", "INTERNAL_ERROR"),
    ]
    assert len({r.request_id for r in rows}) == 1


async def test_a_failed_commit_still_leaves_the_rows(
    api: Api, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit = AsyncSession.commit
    calls: list[int] = []

    async def fails_once(self: AsyncSession) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("COMMIT", {}, Exception("server closed the connection"))
        await commit(self)

    head = await _head_office(session)
    user = someone()
    before = await footprint(session)
    monkeypatch.setattr(AsyncSession, "commit", fails_once)
    response = await api.post(CREATE_OFFICE, _branch(head), token=api.token(user=user))
    monkeypatch.undo()
    # The client is told, in JSON, with the request id; never a bare 500.
    assert response.status_code == 500
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_ERROR"
    assert len(calls) == 2
    assert grown(before, await footprint(session)) == AUDIT_ROW
    [row] = await rows_of(session, user)
    assert row.outcome == "ROLLED_BACK"


async def test_a_bad_argument_inside_a_mutation_is_written_with_the_request(
    api: Api, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def out_of_range(*_: Any, **__: Any) -> Any:
        raise errors.BadQueryArgument("first", "first must be between 1 and 100")

    monkeypatch.setattr(offices, "create_office", out_of_range)
    head = await _head_office(session)
    user = someone()
    response = await api.post(CREATE_OFFICE, _branch(head), token=api.token(user=user))
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    [row] = await rows_of(session, user)
    assert row.outcome == "BAD_USER_INPUT"


async def test_each_mutation_writes_one_entry_and_one_insert_of_its_ids(
    api: Api, session: AsyncSession, statements: StatementLog
) -> None:
    head = await _head_office(session)
    with statements.capture() as allowed:
        await api(CREATE_OFFICE, _branch(head))
    with statements.capture() as refused:
        await api(CREATE_OFFICE, _branch(head, "AUD-2"), roles=(Role.AUDITOR,))
    for captured in (allowed, refused):
        inserts = [s.split("(")[0].strip() for s in captured if s.lstrip().startswith("INSERT")]
        assert inserts.count("INSERT INTO audit_entries") == 1
        assert inserts.count("INSERT INTO audit_targets") == 1
    writes = [s for s in refused if not s.lstrip().upper().startswith("SELECT")]
    assert [w.split("(")[0].strip() for w in writes] == [
        "INSERT INTO audit_entries",
        "INSERT INTO audit_targets",
    ]


async def test_a_mutation_naming_no_id_writes_no_target_row(
    api: Api, session: AsyncSession, statements: StatementLog
) -> None:
    user = someone()
    query = """mutation { createOffice(input: {code: "H2", name: "第二总行", kind: HEAD_OFFICE}) {
      __typename } }"""
    before = await footprint(session)
    with statements.capture() as captured:
        await api(query, user=user)
    assert grown(before, await footprint(session)) == {"audit_entries": 1}
    assert not [s for s in captured if s.lstrip().startswith("INSERT INTO audit_targets")]
    [row] = await rows_of(session, user)
    assert (row.outcome, row.target_ids) == ("CONFLICT", [])


async def test_a_long_input_is_cut_on_a_character(api: Api, session: AsyncSession) -> None:
    head = await _head_office(session)
    user = someone()
    variables = _branch(head)
    variables["i"]["name"] = "长" * 4000
    data = await api(CREATE_OFFICE, variables, user=user)
    assert data["createOffice"]["code"] == "INVALID_INPUT"
    [row] = await rows_of(session, user)
    stored = len(row.input.encode())
    assert MAX_INPUT_BYTES - 3 < stored <= MAX_INPUT_BYTES
    assert row.input_bytes > 12000
    assert row.input.startswith('{"input":{"code":"AUD-BR","name":"长长长')


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"id": UUID_A, "input": {"name": "x"}}, [UUID_A]),
        ({"input": {"customerId": UUID_A, "managerId": None}}, [UUID_A]),
        ({"loanIds": [UUID_A, UUID_B, UUID_A]}, [UUID_A, UUID_B]),
        ({"findings": [{"loanId": UUID_B}, {"loanId": UUID_A}]}, [UUID_B, UUID_A]),
        ({"id": UUID_A.upper()}, [UUID_A]),
        ({"idNumber": "110105194912311234", "paid": "x", "identity": "y"}, []),
        ({"managerId": "110105194912311234"}, ["110***********1234"]),
        ({"managerId": "n" * 300}, ["n" * MAX_TARGET_ID_CHARS]),
        ({"id": 7}, ["7"]),
    ],
)
def test_target_ids_are_the_id_arguments_as_sent(
    arguments: dict[str, Any], expected: list[str]
) -> None:
    assert target_ids(arguments) == expected


def test_target_ids_are_bounded() -> None:
    many = [f"id-{n}" for n in range(MAX_TARGET_IDS + 50)]
    assert target_ids({"loanIds": many}) == many[:MAX_TARGET_IDS]


def test_masked_arguments_are_plain_json() -> None:
    value = masked(
        {
            "idNumber": "1234",
            "note": "客户110105194912311234",
            "110105194912311234": "key",
            "principal": Decimal("10.50"),
            "on": dt.date(2026, 1, 2),
            "role": Role.AUDITOR,
            "list": [{"idNumber": "91350100M000100Y43"}],
        }
    )
    assert value == {
        "idNumber": "****",
        "note": "客户110***********1234",
        "110***********1234": "key",
        "principal": "10.50",
        "on": "2026-01-02",
        "role": "AUDITOR",
        "list": [{"idNumber": "913***********0Y43"}],
    }


def test_input_text_keeps_the_whole_size_when_cut() -> None:
    text, size = input_text({"a": "é" * MAX_INPUT_BYTES})
    assert size == len('{"a":""}') + 2 * MAX_INPUT_BYTES
    assert len(text.encode()) == MAX_INPUT_BYTES
    short, short_size = input_text({"a": 1})
    assert (short, short_size) == ('{"a":1}', 7)
