"""Who gets the score sheet: the token read as GraphQL reads it (401), the roles of the
endpoint's row in the permission table (403, default deny), and nothing of another tenant
or outside the scope, answered as if it did not exist (404)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import permissions
from server.auth import mint_token
from server.db import models
from server.domain import Role
from server.exports.routes import SCORE_SHEET
from server.permissions import ENDPOINTS, QUERIES, endpoint_roles
from tests.conftest import Api
from tests.exports.runs import START, download, run_as, score_sheet_url

ENDPOINT = f"GET {SCORE_SHEET}"
READERS = sorted(endpoint_roles(ENDPOINT), key=lambda r: r.value)
OTHERS = sorted(set(Role) - endpoint_roles(ENDPOINT), key=lambda r: r.value)


async def _run(api: Api, tenant: str = "sd-demo") -> str:
    """A run of ``tenant`` with no figures recorded: it exists, its appraisals are none."""
    started = await run_as(api, START, {}, user="hr-1", roles=(Role.HR,), tenant=tenant)
    await api.run_jobs()
    run_id: str = started["runAppraisals"]["id"]
    return run_id


def _code(response: object) -> str:
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"errors"}, body
    code: str = body["errors"][0]["extensions"]["code"]
    return code


def test_the_endpoint_has_the_rule_of_the_appraisal_run_query() -> None:
    assert endpoint_roles(ENDPOINT) == QUERIES["appraisalRun"].roles
    assert endpoint_roles("GET /exports/unknown") == frozenset()


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer"],
    ids=["none", "bad", "not-bearer", "empty"],
)
async def test_no_or_a_bad_token_is_401(api: Api, authorization: str | None) -> None:
    url = score_sheet_url(str(uuid.uuid4()))
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await api.client.get(url, headers=headers)
    assert response.status_code == 401
    assert _code(response) == "UNAUTHENTICATED"
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_token_whose_claims_do_not_hold_is_401(api: Api) -> None:
    run_id = await _run(api)
    for token in (
        api.token("no-such-tenant", roles=(Role.HR,)),
        api.token(roles=(Role.HR, Role.BRANCH_HEAD), office="no-such-office"),
    ):
        response = await download(api, score_sheet_url(run_id), token)
        assert response.status_code == 401, response.text
        assert _code(response) == "UNAUTHENTICATED"


@pytest.mark.parametrize("role", OTHERS, ids=lambda r: r.value)
async def test_a_role_not_in_the_row_is_403(api: Api, role: Role) -> None:
    run_id = await _run(api)
    response = await download(api, score_sheet_url(run_id), api.token(roles=(role,)))
    assert response.status_code == 403, response.text
    assert _code(response) == "PERMISSION_DENIED"
    assert "HR" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("role", READERS, ids=lambda r: r.value)
async def test_each_role_of_the_row_gets_the_workbook(api: Api, role: Role) -> None:
    run_id = await _run(api)
    response = await download(api, score_sheet_url(run_id), api.token(roles=(role,)))
    assert response.status_code == 200, response.text
    assert response.content[:2] == b"PK"


async def test_without_the_row_every_role_is_refused(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = await _run(api)
    # A table without the row (a copy: deleting from the table itself and restoring it
    # would put the row back at the end, and docs/roles.md follows the table's order).
    without = {name: rule for name, rule in ENDPOINTS.items() if name != ENDPOINT}
    monkeypatch.setattr(permissions, "ENDPOINTS", without)
    response = await download(api, score_sheet_url(run_id), api.token(roles=tuple(Role)))
    assert response.status_code == 403
    assert _code(response) == "PERMISSION_DENIED"


async def test_a_branch_head_gets_nothing_even_of_its_own_subtree(
    api: Api, session: AsyncSession
) -> None:
    run_id = await _run(api)
    office = await session.scalar(
        select(models.Office.id).where(
            models.Office.tenant_id == "sd-demo", models.Office.code == "10600"
        )
    )
    token = api.token(roles=(Role.BRANCH_HEAD,), office="10600")
    for url in (score_sheet_url(run_id), score_sheet_url(run_id, str(office))):
        response = await download(api, url, token)
        assert response.status_code == 403, response.text
        assert "spreadsheetml" not in response.headers["content-type"]


async def test_another_tenants_run_is_not_found_like_an_unknown_one(api: Api) -> None:
    theirs = await _run(api, tenant="ah-demo")
    mine = api.token(roles=(Role.HR,))
    answers = []
    for run_id in (theirs, str(uuid.uuid4()), "not-an-id"):
        response = await download(api, score_sheet_url(run_id), mine)
        assert response.status_code == 404, response.text
        assert _code(response) == "NOT_FOUND"
        answers.append(response.json()["errors"][0]["message"].replace(run_id, "…"))
    assert answers[0] == answers[1]
    own = await download(api, score_sheet_url(theirs), api.token("ah-demo", roles=(Role.HR,)))
    assert own.status_code == 200, own.text


async def test_an_office_of_another_tenant_or_unknown_is_not_found(
    api: Api, session: AsyncSession
) -> None:
    run_id = await _run(api)
    elsewhere = await session.scalar(
        select(models.Office.id).where(models.Office.tenant_id == "ah-demo").limit(1)
    )
    token = api.token(roles=(Role.AUDITOR,))
    for office in (str(elsewhere), str(uuid.uuid4()), "not-an-id"):
        response = await download(api, score_sheet_url(run_id, office), token)
        assert response.status_code == 404, response.text
        assert _code(response) == "NOT_FOUND"


async def test_an_expired_token_is_401(api: Api) -> None:
    token = mint_token(
        api.settings, tenant="sd-demo", user="u", roles=[Role.HR], ttl=dt.timedelta(seconds=-60)
    )
    response = await download(api, score_sheet_url(str(uuid.uuid4())), token)
    assert response.status_code == 401
