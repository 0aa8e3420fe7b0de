"""The embedded database has one write lock: a mutation that cannot get it within the busy
timeout is refused with a typed 503 (nothing written, retry), never a bare server error."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx

from server.app import create_app
from server.auth import mint_token
from server.db.engine import create_engine
from server.db.migrate import upgrade_on
from server.domain import Role
from server.settings import Settings

from .conftest import TEST_SECRET

CREATE_OFFICE = """
mutation { createOffice(input: {code: "B1", name: "Busy", kind: HEAD_OFFICE}) {
  __typename ... on Office { code } } }
"""


async def _embedded_bank(tmp_path: Path) -> tuple[Path, Settings, str]:
    """A migrated SQLite file with one bank, settings with a 100 ms busy timeout, and an HR
    token of that bank."""
    database = tmp_path / "busy.db"
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{database}",
        jwt_secret=TEST_SECRET,
        data_dir=tmp_path,
        sqlite_busy_timeout_ms=100,
    )
    engine = create_engine(settings)
    async with engine.connect() as conn:
        await conn.run_sync(upgrade_on)
        await conn.commit()
    await engine.dispose()
    with sqlite3.connect(database) as raw:
        raw.execute(
            "INSERT INTO tenants (tenant_id, name, province, settings, created_at) VALUES ('busy-t', 'Busy bank', '山东', '{}', '2026-12-01 00:00:00')"
        )
    return database, settings, mint_token(settings, tenant="busy-t", user="hr-1", roles=[Role.HR])


async def test_a_mutation_waiting_past_the_busy_timeout_is_refused_as_busy(
    tmp_path: Path,
) -> None:
    database, settings, token = await _embedded_bank(tmp_path)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    holder = sqlite3.connect(database, isolation_level=None)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:

        async def create_office() -> httpx.Response:
            return await client.post(
                "/graphql",
                json={"query": CREATE_OFFICE},
                headers={"Authorization": f"Bearer {token}"},
            )

        holder.execute("BEGIN IMMEDIATE")
        try:
            busy = await create_office()
        finally:
            holder.execute("ROLLBACK")
        again = await create_office()
    holder.close()
    await app.state.ruralcredit.engine.dispose()

    assert busy.status_code == 503
    assert busy.headers["retry-after"] == "1"
    assert busy.json()["errors"][0]["extensions"] == {"code": "DATABASE_BUSY"}
    assert again.status_code == 200
    assert "errors" not in again.json(), again.text
    assert again.json()["data"]["createOffice"] == {"__typename": "Office", "code": "B1"}
    with sqlite3.connect(database) as raw:
        assert raw.execute("SELECT count(*) FROM offices").fetchone() == (1,)


async def test_a_mutation_waits_for_its_turn_among_the_process_writers(tmp_path: Path) -> None:
    """Within one process the mutations queue in order before asking SQLite for its lock:
    one that waits in the queue past the busy timeout is refused as busy, unrun."""
    database, settings, token = await _embedded_bank(tmp_path)
    app = create_app(settings)
    writers = app.state.ruralcredit.writers
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:

        async def create_office() -> httpx.Response:
            return await client.post(
                "/graphql",
                json={"query": CREATE_OFFICE},
                headers={"Authorization": f"Bearer {token}"},
            )

        async with writers.turn() as granted:  # another request of this process writes
            assert granted
            queued = await create_office()
            read = await client.post(
                "/graphql",
                json={"query": "{ offices { code } }"},
                headers={"Authorization": f"Bearer {token}"},
            )
        again = await create_office()
    await app.state.ruralcredit.engine.dispose()

    assert queued.status_code == 503
    assert queued.json()["errors"][0]["extensions"] == {"code": "DATABASE_BUSY"}
    assert read.status_code == 200, "a query does not queue"
    assert read.json()["data"] == {"offices": []}
    assert again.status_code == 200
    assert again.json()["data"]["createOffice"] == {"__typename": "Office", "code": "B1"}
    with sqlite3.connect(database) as raw:
        assert raw.execute("SELECT count(*) FROM offices").fetchone() == (1,)
