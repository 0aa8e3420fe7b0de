"""Managers over GraphQL: createManager and updateManager with their typed errors (status
transitions, licence validity, the own record), office moves, filters and search. Manual tier
changes: ``test_tier_proposals``."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import ManagerStatus, Role
from tests.conftest import Api

TENANT = "sd-demo"


async def _count(session: AsyncSession, model: Any, *conditions: Any) -> int:
    stmt = select(func.count()).select_from(model).where(model.tenant_id == TENANT, *conditions)
    return int(await session.scalar(stmt) or 0)


async def _first(session: AsyncSession, model: Any, *conditions: Any) -> Any:
    stmt = select(model).where(model.tenant_id == TENANT, *conditions).limit(1)
    return (await session.execute(stmt)).scalar_one()


CREATE_MANAGER = """
mutation($input: CreateManagerInput!) { createManager(input: $input) {
  __typename
  ... on Manager { id employeeNo status tier { code name rank } tierHistory { cause toTier { code } }
                   qualification { education creditWorkYears } office { id } }
  ... on UserError { code message field }
  ... on InvalidInput { errors { field code message } }
} }
"""


def manager_input(office_id: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "employeeNo": "T-0001",
        "name": "测试经理",
        "officeId": office_id,
        "category": "RETAIL",
        "hireDate": "2018-03-01",
        "birthDate": "1990-05-17",
        "identityNumber": "370102199005170010",
        "tierCode": "SD_2",
        "qualification": {"education": "BACHELOR_OR_HIGHER", "creditWorkYears": "6.50"},
        "jurisdictionHouseholds": 800,
        "ratedHouseholds": 700,
    }
    data.update(overrides)
    return data


async def test_create_manager_with_initial_tier(api: Api, session: AsyncSession) -> None:
    office = await _first(session, models.Office, models.Office.kind == "OUTLET")
    data = await api(CREATE_MANAGER, {"input": manager_input(str(office.id))})
    m = data["createManager"]
    assert m["__typename"] == "Manager"
    assert m["tier"] == {"code": "SD_2", "name": "二级客户经理", "rank": 2}
    assert m["tierHistory"] == [{"cause": "INITIAL", "toTier": {"code": "SD_2"}}]
    assert m["qualification"] == {"education": "BACHELOR_OR_HIGHER", "creditWorkYears": "6.5"}


async def test_duplicate_employee_number_writes_nothing(api: Api, session: AsyncSession) -> None:
    existing = await _first(session, models.Manager)
    before = (
        await _count(session, models.Manager),
        await _count(session, models.ManagerTierChange),
    )
    data = await api(
        CREATE_MANAGER,
        {"input": manager_input(str(existing.office_id), employeeNo=existing.employee_no)},
    )
    assert data["createManager"]["__typename"] == "Conflict"
    assert data["createManager"]["field"] == "input.employeeNo"
    after = (await _count(session, models.Manager), await _count(session, models.ManagerTierChange))
    assert after == before


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"tierCode": "CC_4"}, "input.tierCode", "UNKNOWN_TIER"),
        ({"employeeNo": "空 格"}, "input.employeeNo", "FORMAT"),
        ({"birthDate": "2010-01-01"}, "input.birthDate", "MIN_AGE"),
        ({"status": "PROBATION"}, "input.probationEndsOn", "REQUIRED"),
        ({"ratedHouseholds": 900}, "input.ratedHouseholds", "NOT_ABOVE_JURISDICTION"),
        ({"status": "DISQUALIFIED"}, "input.status", "INITIAL_STATUS"),
        ({"hireDate": "2199-01-01"}, "input.hireDate", "NOT_IN_FUTURE"),
    ],
)
async def test_create_manager_rules(
    api: Api, session: AsyncSession, overrides: dict[str, Any], field: str, code: str
) -> None:
    office = await _first(session, models.Office)
    before = await _count(session, models.Manager)
    data = await api(CREATE_MANAGER, {"input": manager_input(str(office.id), **overrides)})
    result = data["createManager"]
    assert result["__typename"] == "InvalidInput"
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in result["errors"]
    ]
    assert await _count(session, models.Manager) == before


async def test_update_manager_changes_only_given_fields(api: Api, session: AsyncSession) -> None:
    manager = await _first(session, models.Manager, models.Manager.status == "ACTIVE")
    query = """mutation($id: ID!, $i: UpdateManagerInput!) { updateManager(id: $id, input: $i) {
      __typename ... on Manager { name employeeNo status qualification { licenceNo } }
      ... on InvalidInput { errors { field code } } } }"""
    data = await api(
        query,
        {"id": str(manager.id), "i": {"name": "新名字", "qualification": {"licenceNo": None}}},
    )
    assert data["updateManager"] == {
        "__typename": "Manager",
        "name": "新名字",
        "employeeNo": manager.employee_no,
        "status": "ACTIVE",
        "qualification": {"licenceNo": None},
    }
    refused = await api(
        query, {"id": str(manager.id), "i": {"status": "DISQUALIFIED", "name": "x"}}
    )
    assert refused["updateManager"]["errors"] == [
        {"field": "input.status", "code": "DISQUALIFY_BY_VIOLATION"}
    ]
    await session.refresh(manager)
    assert manager.name == "新名字"


@pytest.mark.parametrize(
    "given", ["name", "officeId", "category", "hireDate", "birthDate", "status"]
)
async def test_update_manager_refuses_clearing_a_required_field(
    api: Api, session: AsyncSession, given: str
) -> None:
    """The client reads the field and the message in its own spelling."""
    manager = await _first(session, models.Manager, models.Manager.status == "ACTIVE")
    query = """mutation($id: ID!, $i: UpdateManagerInput!) { updateManager(id: $id, input: $i) {
      __typename ... on InvalidInput { field errors { field code message } } } }"""
    data = await api(query, {"id": str(manager.id), "i": {given: None}})
    assert data["updateManager"] == {
        "__typename": "InvalidInput",
        "field": f"input.{given}",
        "errors": [
            {"field": f"input.{given}", "code": "REQUIRED", "message": f"{given} cannot be null"}
        ],
    }


async def _manager(session: AsyncSession, tenant: str, **where: Any) -> models.Manager:
    stmt = (
        select(models.Manager)
        .where(
            models.Manager.tenant_id == tenant,
            models.Manager.status == "ACTIVE",
            *(getattr(models.Manager, k) == v for k, v in where.items()),
        )
        .order_by(models.Manager.employee_no)
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one()


async def _move(api: Api, manager: models.Manager, office: str, on: str) -> dict[str, Any]:
    data = await api(
        """mutation($m: ID!, $o: ID!, $on: Date) { updateManager(id: $m,
             input: {officeId: $o, officeMovedOn: $on}) {
             __typename ... on Manager { office { id } } ... on InvalidInput { errors { field code } } } }""",
        {"m": str(manager.id), "o": office, "on": on},
    )
    result: dict[str, Any] = data["updateManager"]
    return result


async def _other_office(session: AsyncSession, manager: models.Manager) -> str:
    office = await session.scalar(
        select(models.Office.id).where(
            models.Office.tenant_id == manager.tenant_id,
            models.Office.id != manager.office_id,
            models.Office.kind == "OUTLET",
        )
    )
    return str(office)


@pytest.mark.parametrize(
    ("variables", "field", "code"),
    [
        ({"on": "2199-01-01"}, "input.officeMovedOn", "RANGE"),
        ({"on": "1990-01-01"}, "input.officeMovedOn", "RANGE"),
        ({"on": "2026-03-01", "same": True}, "input.officeMovedOn", "NO_MOVE"),
    ],
)
async def test_office_moves_are_validated(
    api: Api, session: AsyncSession, variables: dict[str, Any], field: str, code: str
) -> None:
    manager = await _manager(session, "sd-demo")
    if variables.get("same"):
        data = await api(
            """mutation($m: ID!, $on: Date) { updateManager(id: $m, input: {officeMovedOn: $on}) {
                 __typename ... on InvalidInput { errors { field code } } } }""",
            {"m": str(manager.id), "on": variables["on"]},
        )
        result = data["updateManager"]
    else:
        result = await _move(api, manager, await _other_office(session, manager), variables["on"])
    assert result["__typename"] == "InvalidInput"
    assert {"field": field, "code": code} in result["errors"]
    await session.refresh(manager)
    moves = await session.scalar(
        select(func.count())
        .select_from(models.ManagerOfficeMove)
        .where(models.ManagerOfficeMove.manager_id == manager.id)
    )
    assert moves == 0


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


UPDATE = """mutation($id: ID!, $i: UpdateManagerInput!) { updateManager(id: $id, input: $i) {
  __typename ... on Manager { status qualification { licenceIssuedOn licenceValidUntil } }
  ... on InvalidInput { errors { field code } }
  ... on UserError { code message } } }"""


async def _suspended(session: AsyncSession) -> models.Manager:
    manager = await _manager(session, TENANT)
    manager.status = ManagerStatus.SUSPENDED  # 山东办法 第十六条: not re-appointed
    await session.flush()
    return manager


@pytest.mark.parametrize(
    ("roles", "user", "claim", "typename", "code"),
    [
        # The manager alone may not call updateManager at all.
        ((Role.MANAGER,), "self", "own", "PermissionDenied", "PERMISSION_DENIED"),
        # An HR person who is the manager (by the claim, or by the user id in any case).
        ((Role.HR, Role.MANAGER), "hr-self", "own", "PermissionDenied", "SEPARATION_OF_DUTIES"),
        ((Role.HR,), "own-lower", None, "PermissionDenied", "SEPARATION_OF_DUTIES"),
        # Another HR person lifts the suspension.
        ((Role.HR,), "hr-other", None, "Manager", None),
    ],
)
async def test_a_suspended_manager_is_reinstated_by_hr_never_by_themselves(
    api: Api,
    session: AsyncSession,
    roles: tuple[Role, ...],
    user: str,
    claim: str | None,
    typename: str,
    code: str | None,
) -> None:
    manager = await _suspended(session)
    if user == "own-lower":
        user = manager.employee_no.lower()
    data = await api(
        UPDATE,
        {"id": str(manager.id), "i": {"status": "ACTIVE"}},
        roles=roles,
        user=user,
        manager=manager.employee_no if claim else None,
    )
    result = data["updateManager"]
    assert result["__typename"] == typename, result
    await session.refresh(manager)
    if code is None:
        assert (result["status"], manager.status) == ("ACTIVE", ManagerStatus.ACTIVE)
    else:
        assert result["code"] == code
        assert manager.status is ManagerStatus.SUSPENDED


@pytest.mark.parametrize(
    ("before", "after", "code"),
    [
        ("ACTIVE", "PROBATION", "STATUS_TRANSITION"),
        ("SUSPENDED", "PROBATION", "STATUS_TRANSITION"),
        ("ACTIVE", "DISQUALIFIED", "DISQUALIFY_BY_VIOLATION"),
        ("DISQUALIFIED", "ACTIVE", "DISQUALIFIED_IS_FINAL"),
        ("LEFT", "SUSPENDED", "STATUS_TRANSITION"),
        ("ACTIVE", "SUSPENDED", None),
        ("ACTIVE", "LEFT", None),
        ("LEFT", "ACTIVE", None),
    ],
)
async def test_status_changes_follow_the_allowed_transitions(
    api: Api, session: AsyncSession, before: str, after: str, code: str | None
) -> None:
    manager = await _manager(session, TENANT)
    manager.status = ManagerStatus(before)
    await session.flush()
    data = await api(UPDATE, {"id": str(manager.id), "i": {"status": after}}, roles=(Role.HR,))
    result = data["updateManager"]
    await session.refresh(manager)
    if code is None:
        assert (result["__typename"], manager.status.value) == ("Manager", after)
    else:
        assert result["errors"] == [{"field": "input.status", "code": code}]
        assert manager.status.value == before


@pytest.mark.parametrize(
    ("tenant", "issued", "until", "problems"),
    [
        # The extension to 2099 of the issue.
        ("sd-demo", "2025-01-01", "2099-12-31", [("licenceValidUntil", "MAX_VALIDITY")]),
        # sd-demo's licences run three years (its setting), cc-demo's one (一年一认定).
        ("sd-demo", "2025-01-01", "2028-01-01", []),
        ("sd-demo", "2025-01-01", "2028-01-02", [("licenceValidUntil", "MAX_VALIDITY")]),
        ("cc-demo", "2025-01-01", "2026-01-01", []),
        ("cc-demo", "2025-01-01", "2026-01-02", [("licenceValidUntil", "MAX_VALIDITY")]),
        ("cc-demo", "2199-01-01", "2199-06-30", [("licenceIssuedOn", "NOT_IN_FUTURE")]),
        ("cc-demo", None, "2026-01-01", [("licenceIssuedOn", "REQUIRED")]),
    ],
)
async def test_a_licence_runs_at_most_the_tenants_validity(
    api: Api,
    session: AsyncSession,
    tenant: str,
    issued: str | None,
    until: str,
    problems: list[tuple[str, str]],
) -> None:
    manager = await _manager(session, tenant)
    kept = (manager.licence_issued_on, manager.licence_valid_until)
    data = await api(
        UPDATE,
        {
            "id": str(manager.id),
            "i": {"qualification": {"licenceIssuedOn": issued, "licenceValidUntil": until}},
        },
        tenant=tenant,
        roles=(Role.HR,),
    )
    result = data["updateManager"]
    await session.refresh(manager)
    if not problems:
        assert result["qualification"] == {"licenceIssuedOn": issued, "licenceValidUntil": until}
        return
    assert [(e["field"], e["code"]) for e in result["errors"]] == [
        (f"input.qualification.{field}", code) for field, code in problems
    ]
    assert (manager.licence_issued_on, manager.licence_valid_until) == kept


async def test_nobody_creates_their_own_manager_record(api: Api, session: AsyncSession) -> None:
    office = await _first(session, models.Office, models.Office.kind == "OUTLET")
    before = await _count(session, models.Manager)
    data = await api(
        CREATE_MANAGER,
        {"input": manager_input(str(office.id), employeeNo="HR-SELF-1")},
        roles=(Role.HR,),
        user="hr-self-1",
    )
    result = data["createManager"]
    assert (result["__typename"], result["code"], result["field"]) == (
        "PermissionDenied",
        "SEPARATION_OF_DUTIES",
        "input.employeeNo",
    )
    assert await _count(session, models.Manager) == before


async def test_a_first_tier_keeps_to_the_policys_ceiling(api: Api, session: AsyncSession) -> None:
    """Anhui (第五条): a new manager with a 初级 qualification cannot start in the top band."""
    office = await session.scalar(
        select(models.Office.id).where(
            models.Office.tenant_id == "ah-demo", models.Office.kind == "OUTLET"
        )
    )
    before = await _count(session, models.Manager)
    changes_before = await _count(session, models.ManagerTierChange)
    query = CREATE_MANAGER.replace(
        "... on UserError { code message field }",
        "... on UserError { code message field } ... on Refused { refusals { rule article } }",
    )
    data = await api(
        query,
        {
            "input": manager_input(
                str(office),
                tierCode="AH_PRINCIPAL",
                qualification={"qualificationLevel": "初级"},
            )
        },
        tenant="ah-demo",
        roles=(Role.HR,),
    )
    result = data["createManager"]
    assert result["__typename"] == "Refused", result
    assert result["refusals"] == [
        {"rule": "ABOVE_QUALIFICATION_CEILING", "article": "农商银行信贷客户经理管理规定 第五条"}
    ]
    assert await _count(session, models.Manager) == before
    assert await _count(session, models.ManagerTierChange) == changes_before


# --- the resident identity number ------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "masked"),
    [
        ((Role.HR,), True),
        ((Role.RISK,), True),
        ((Role.BRANCH_HEAD,), True),
        ((Role.MANAGER,), True),
        ((Role.HR, Role.RISK), True),
        ((Role.AUDITOR,), False),
    ],
)
async def test_identity_numbers_are_masked_except_for_auditors(
    api: Api, session: AsyncSession, roles: tuple[Role, ...], masked: bool
) -> None:
    manager = await _first(session, models.Manager, models.Manager.status == "ACTIVE")
    number = manager.identity_number
    assert number is not None and len(number) == 18
    query = "query($id: ID!) { manager(id: $id) { identityNumber bannedForLife } }"
    data = await api(query, {"id": str(manager.id)}, roles=roles, manager=manager.employee_no)
    shown = data["manager"]["identityNumber"]
    assert shown == (number[:3] + "*" * 11 + number[-4:] if masked else number)
    assert data["manager"]["bannedForLife"] is False


async def test_a_record_made_before_identity_numbers_shows_none(
    api: Api, session: AsyncSession
) -> None:
    manager = await _first(session, models.Manager, models.Manager.status == "ACTIVE")
    manager.identity_number = None
    await session.flush()
    data = await api(
        "query($id: ID!) { manager(id: $id) { identityNumber } }", {"id": str(manager.id)}
    )
    assert data["manager"] == {"identityNumber": None}


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("370102199005170011", "RESIDENT_ID_GB11643"),
        ("37010219900101001X", "BIRTH_DATE_MATCH"),
        ("３７０１０２１９９００５１７００１０", "RESIDENT_ID_GB11643"),
    ],
)
async def test_create_manager_checks_the_identity_number(
    api: Api, session: AsyncSession, number: str, code: str
) -> None:
    office = await _first(session, models.Office, models.Office.kind == "OUTLET")
    before = await _count(session, models.Manager)
    data = await api(
        CREATE_MANAGER, {"input": manager_input(str(office.id), identityNumber=number)}
    )
    result = data["createManager"]
    assert result["__typename"] == "InvalidInput", result
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("input.identityNumber", code)]
    assert await _count(session, models.Manager) == before


async def test_a_person_banned_for_life_is_refused_under_any_employee_number(
    api: Api, session: AsyncSession
) -> None:
    office = await _first(session, models.Office, models.Office.kind == "OUTLET")
    made = (await api(CREATE_MANAGER, {"input": manager_input(str(office.id))}))["createManager"]
    banned = await session.get(models.Manager, (TENANT, uuid.UUID(made["id"])))
    assert banned is not None
    banned.status = ManagerStatus.DISQUALIFIED
    banned.banned_for_life = True
    await session.flush()
    before = await _count(session, models.Manager)
    again = manager_input(str(office.id), employeeNo="T-0002", tierCode=None)
    result = (await api(CREATE_MANAGER, {"input": again}))["createManager"]
    assert result["__typename"] == "InvalidInput", result
    (error,) = result["errors"]
    assert (error["field"], error["code"]) == ("input.identityNumber", "LIFETIME_BAN")
    assert "第七条" in error["message"]
    assert again["identityNumber"] not in result["message"] + error["message"]
    assert await _count(session, models.Manager) == before
    # Not banned: the same person has a record already, and is taken on again there.
    banned.banned_for_life = False
    await session.flush()
    result = (await api(CREATE_MANAGER, {"input": again}))["createManager"]
    assert (result["__typename"], result["field"]) == ("Conflict", "input.identityNumber")
    assert "T-0001" in result["message"]
