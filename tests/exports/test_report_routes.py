"""Who gets a report download and with which parameters: the token read as GraphQL reads
it (401), the roles of the report's GraphQL field (403), the caller's scope (404 outside
it, a branch head its subtree only), and a bad parameter named as GraphQL names a bad
argument (400), with the same message where the service refuses it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import business_today
from server.db import models
from server.domain import Role
from server.exports import report_routes as routes
from server.permissions import ENDPOINTS, QUERIES, endpoint_roles
from server.policy.registry import PolicyRegistry
from tests.conftest import Api
from tests.exports.reports import table, url, workbook
from tests.exports.runs import download
from tests.services.reports.book import Book, build_book

#: Each download, its GraphQL field, and arguments it needs to answer.
DOWNLOADS = {
    routes.LOAN_PORTFOLIO: ("loanPortfolio", {}),
    routes.GRADE_DISTRIBUTION: ("gradeDistribution", {}),
    routes.APPRAISAL_LEAGUE: ("appraisalLeague", {"period": "2025"}),
    routes.PORTFOLIO_TREND: ("portfolioTrend", {"from": "2025-01-01", "to": "2025-12-31"}),
    routes.DUTY_COMPLIANCE: ("dutyCompliance", {"from": "2025-01-01", "to": "2025-12-31"}),
}
PATHS = list(DOWNLOADS)
SHORT = [p.rsplit("/", 1)[1].removesuffix(".xlsx") for p in PATHS]
ARGUMENTS = {
    "loanPortfolio": "$officeId: ID, $asOf: Date",
    "gradeDistribution": "$officeId: ID, $period: Period",
    "appraisalLeague": "$officeId: ID, $period: Period!, $first: Int",
    "portfolioTrend": "$officeId: ID, $from: Date!, $to: Date!",
    "dutyCompliance": "$officeId: ID, $from: Date!, $to: Date!, $first: Int",
}


def _code(response: Any) -> dict[str, str]:
    body = response.json()
    assert set(body) == {"errors"}, body
    [error] = body["errors"]
    extensions: dict[str, str] = error["extensions"]
    return extensions


async def _graphql_error(api: Api, field: str, variables: dict[str, Any]) -> dict[str, Any]:
    """The one error GraphQL answers for ``field`` with ``variables`` as its arguments."""
    names = ARGUMENTS[field]
    passed = ", ".join(f"{n.split(':')[0][1:]}: {n.split(':')[0]}" for n in names.split(", "))
    query = f"query({names}) {{ {field}({passed}) {{ __typename }} }}"
    body = (await api.post(query, variables, token=api.token(roles=(Role.HR,)))).json()
    [error] = body["errors"]
    return {"message": error["message"], **error["extensions"]}


@pytest.mark.parametrize("path", PATHS, ids=SHORT)
def test_each_download_has_the_roles_of_its_graphql_field(path: str) -> None:
    field, _ = DOWNLOADS[path]
    assert endpoint_roles(f"GET {path}") == QUERIES[field].roles
    assert f"GET {path}" in ENDPOINTS


@pytest.mark.parametrize("path", PATHS, ids=SHORT)
async def test_no_or_a_bad_token_is_401(api: Api, path: str) -> None:
    for authorization in (None, "Bearer not-a-token"):
        headers = {} if authorization is None else {"Authorization": authorization}
        response = await api.client.get(url(path, **DOWNLOADS[path][1]), headers=headers)
        assert response.status_code == 401
        assert _code(response)["code"] == "UNAUTHENTICATED"
    stale = api.token("no-such-tenant", roles=(Role.HR,))
    response = await download(api, url(path, **DOWNLOADS[path][1]), stale)
    assert response.status_code == 401


@pytest.mark.parametrize("path", PATHS, ids=SHORT)
async def test_a_role_without_the_graphql_field_is_403(api: Api, path: str) -> None:
    for role in sorted(set(Role) - endpoint_roles(f"GET {path}"), key=lambda r: r.value):
        response = await download(api, url(path, **DOWNLOADS[path][1]), api.token(roles=(role,)))
        assert response.status_code == 403, (role, response.text)
        assert _code(response)["code"] == "PERMISSION_DENIED"
        assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", PATHS, ids=SHORT)
async def test_an_office_out_of_scope_is_404_naming_office_id(
    api: Api, session: AsyncSession, path: str
) -> None:
    elsewhere = await session.scalar(
        select(models.Office.id).where(models.Office.tenant_id == "ah-demo").limit(1)
    )
    for office in (str(elsewhere), str(uuid.uuid4()), "not-an-id"):
        address = url(path, officeId=office, **DOWNLOADS[path][1])
        response = await download(api, address, api.token(roles=(Role.AUDITOR,)))
        assert response.status_code == 404, response.text
        assert _code(response) == {"code": "NOT_FOUND", "field": "officeId"}


FUTURE = (business_today() + dt.timedelta(days=1)).isoformat()
#: (download, parameters, the parameter named, whether GraphQL's service refuses it too).
BAD = [
    (routes.LOAN_PORTFOLIO, {"asOf": "2025-05-30"}, "asOf", True),
    (routes.LOAN_PORTFOLIO, {"asOf": FUTURE}, "asOf", True),
    (routes.LOAN_PORTFOLIO, {"asOf": "30/05/2025"}, "asOf", False),
    (routes.LOAN_PORTFOLIO, {"asOf": "2200-01-01"}, "asOf", False),
    (routes.LOAN_PORTFOLIO, {"office": "x"}, "office", False),
    (routes.GRADE_DISTRIBUTION, {"period": "2025-Q5"}, "period", False),
    (routes.APPRAISAL_LEAGUE, {}, "period", False),
    (routes.APPRAISAL_LEAGUE, {"period": "2025", "first": "0"}, "first", True),
    (routes.APPRAISAL_LEAGUE, {"period": "2025", "first": "101"}, "first", True),
    (routes.APPRAISAL_LEAGUE, {"period": "2025", "first": "ten"}, "first", False),
    (routes.PORTFOLIO_TREND, {"from": "2025-12-31", "to": "2025-01-01"}, "to", True),
    (routes.PORTFOLIO_TREND, {"from": "2025-01-01"}, "to", False),
    (routes.DUTY_COMPLIANCE, {"from": "2025-01-01", "to": FUTURE}, "to", True),
    (routes.DUTY_COMPLIANCE, {"from": "2024-01-01", "to": "2025-01-02"}, "to", True),
    (
        routes.DUTY_COMPLIANCE,
        {"from": "2025-01-01", "to": "2025-06-30", "first": "0"},
        "first",
        True,
    ),
]


@pytest.mark.parametrize(("path", "parameters", "field", "by_service"), BAD)
async def test_a_bad_parameter_is_400_naming_it(
    api: Api, path: str, parameters: dict[str, str], field: str, by_service: bool
) -> None:
    response = await download(api, url(path, **parameters), api.token(roles=(Role.HR,)))
    assert response.status_code == 400, response.text
    assert _code(response) == {"code": "BAD_USER_INPUT", "field": field}
    assert response.headers["cache-control"] == "no-store"
    if by_service:
        variables: dict[str, Any] = {
            k: int(v) if k == "first" else v for k, v in parameters.items()
        }
        graphql = await _graphql_error(api, DOWNLOADS[path][0], variables)
        message = response.json()["errors"][0]["message"]
        assert graphql == {"message": message, "code": "BAD_USER_INPUT", "field": field}


async def test_a_repeated_parameter_is_400(api: Api) -> None:
    address = f"{routes.APPRAISAL_LEAGUE}?period=2025&period=2026"
    response = await download(api, address, api.token(roles=(Role.HR,)))
    assert response.status_code == 400
    assert _code(response) == {"code": "BAD_USER_INPUT", "field": "period"}


@pytest.fixture
async def book(session: AsyncSession, registry: PolicyRegistry) -> Book:
    book = await build_book(session, registry)
    await session.commit()
    return book


async def test_a_branch_head_gets_only_its_subtree(api: Api, book: Book) -> None:
    sheets, _ = await workbook(
        api, routes.LOAN_PORTFOLIO, (Role.BRANCH_HEAD,), office=book.branch.code
    )
    rows = sheets["机构汇总"]
    assert f"（{book.branch.code}）" in rows[1][0]
    offices = [r[0] for r in table(rows, 3)]
    assert book.branch.code in offices and book.outlet.code in offices
    assert book.head.code not in offices
    query = "{ loanPortfolio { figures { count balance } } }"
    mine = (await api(query, roles=(Role.BRANCH_HEAD,), office=book.branch.code))["loanPortfolio"]
    assert table(rows, 8)[-1][3] == mine["figures"]["count"]
    token = api.token(roles=(Role.BRANCH_HEAD,), office=book.branch.code)
    for path in PATHS:
        for office in (book.head.id, book.outlet.id):
            response = await download(
                api, url(path, officeId=str(office), **DOWNLOADS[path][1]), token
            )
            if office == book.head.id:
                assert response.status_code == 404, (path, response.text)
                assert _code(response) == {"code": "NOT_FOUND", "field": "officeId"}
            else:
                assert response.status_code == 200, (path, response.text)


async def test_the_request_id_is_echoed_and_the_name_has_both_forms(api: Api) -> None:
    response = await api.client.get(
        routes.LOAN_PORTFOLIO,
        headers={
            "Authorization": f"Bearer {api.token(roles=(Role.HR,))}",
            "X-Request-ID": "rpt-42",
        },
    )
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "rpt-42"
    disposition = response.headers["content-disposition"]
    assert 'filename="loan-portfolio-' in disposition
    assert "filename*=UTF-8''" in disposition and "%E8%B4%B7%E6%AC%BE" in disposition
