"""Connections: pages cover every row once, page sizes stay within bounds, cursors are checked."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
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
