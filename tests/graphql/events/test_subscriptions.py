"""Subscriptions with a real client against real server processes.

The server runs as its own process (``ruralcredit serve``) on a scratch database
of its own: on PostgreSQL two processes share it, to show an event committed
through one reaching a subscriber of the other; on SQLite one process serves both.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from gql import Client
from gql.graphql_request import GraphQLRequest
from gql.transport.websockets import WebsocketsTransport
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from server.auth import mint_token
from server.domain import Role
from server.settings import Settings, _async_driver
from tests.conftest import HEAD_OFFICE_CODE

SECRET = "live-secret-" + "s" * 40
SUBSCRIBE = """subscription($after: String, $manager: ID) {
  gradeChanged(after: $after, managerId: $manager) { cursor kind payload
    data { __typename ... on GradeChangedData { manager { id } toTier { code name rank } cause } } } }"""
PROPOSE = """mutation($m: ID!, $t: String!) { proposeTierChange(managerId: $m, tierCode: $t,
  reason: "调整") { __typename ... on TierProposal { id } } }"""
CONFIRM = """mutation($id: ID!) { confirmTierChange(id: $id) { __typename
  ... on TierProposal { toTier { code } } } }"""
STATE = """query($m: ID!) { manager(id: $m) { tier { code } }
  tierProposals(managerId: $m, status: PENDING) { edges { node { id } } } }"""
PROPOSER, CHECKER = "hr-live", "hr-check"
"""A manual tier change is proposed by one HR person and confirmed by a second."""


def _init(token: str) -> str:
    return json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})


def _wait_ready(base: str, failure: str) -> None:
    """Until the server at ``base`` is ready (``/readyz``: its database answers, at the
    schema's head), not merely alive."""
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, failure
        time.sleep(0.2)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Live:
    urls: list[str]
    settings: Settings
    processes: list[subprocess.Popen[bytes]]
    env: dict[str, str]

    def restart(self, index: int) -> None:
        """Start the server again on the same port (after it was killed)."""
        port = self.urls[index].rsplit(":", 1)[1]
        self.processes[index] = _serve(port, self.env)
        _wait_ready(self.urls[index], "server did not restart")

    def token(self, roles: tuple[Role, ...] = (Role.INTEGRATOR,), user: str = "live") -> str:
        office = HEAD_OFFICE_CODE if Role.BRANCH_HEAD in roles else None
        return mint_token(
            self.settings, tenant="sd-demo", user=user, roles=list(roles), office=office
        )

    def ws(self, index: int = 0) -> str:
        return self.urls[index].replace("http://", "ws://") + "/graphql"

    async def post(
        self, query: str, variables: dict[str, Any], index: int = 0, user: str = PROPOSER
    ) -> Any:
        async with httpx.AsyncClient(timeout=20) as client:
            response = await client.post(
                f"{self.urls[index]}/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {self.token((Role.HR,), user)}"},
            )
        body = response.json()
        assert "errors" not in body, body
        return body["data"]


async def _scratch_url(tmp: Path) -> tuple[str, Any]:
    base = os.environ.get("DATABASE_URL") or ""
    if not base.startswith(("postgresql", "postgres")):
        return f"sqlite+aiosqlite:///{tmp / 'live.db'}", None
    url = _async_driver(base)
    name = f"rc_live_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    return make_url(url).set(database=name).render_as_string(hide_password=False), (admin, name)


def _server_log(env: dict[str, str], port: str) -> Path:
    """Where a live server process writes its log (beside its data folder)."""
    return Path(env["RURALCREDIT_DATA_DIR"]).parent / f"serve-{port}.log"


def _serve(port: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with _server_log(env, port).open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--port", port, "--log-level", "warning"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )


def _logs_of(live: Live) -> str:
    """The tail of every live server's log, for a failure's message."""
    tails = []
    for url in live.urls:
        path = _server_log(live.env, url.rsplit(":", 1)[1])
        text = path.read_text(errors="replace") if path.exists() else ""
        tails.append(f"--- {path.name}\n{text[-4000:]}")
    return "\n".join(tails)


@pytest.fixture(scope="module")
async def live(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Live]:
    tmp = tmp_path_factory.mktemp("live")
    url, cleanup = await _scratch_url(tmp)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DATABASE_URL=url, RURALCREDIT_JWT_SECRET=SECRET, RURALCREDIT_DATA_DIR=str(tmp / "var")
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "server.cli",
            "demo-data",
            "--migrate",
            "--managers",
            "20",
            "--customers",
            "30",
            "--loans",
            "60",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    count = 2 if url.startswith("postgresql") else 1
    ports = [_free_port() for _ in range(count)]
    processes = [_serve(str(port), env) for port in ports]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for base in urls:
            _wait_ready(base, "server did not start")
        yield Live(
            urls, Settings(database_url=url, jwt_secret=SECRET, data_dir=tmp), processes, env
        )
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)
        if cleanup is not None:
            admin, name = cleanup
            async with admin.connect() as conn:
                await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.dispose()


async def _managers(live: Live) -> list[dict[str, Any]]:
    data = await live.post(
        "{ managers(first: 100, filter: {statuses: [ACTIVE]}) { edges { node { id tier { code } } } } }",
        {},
    )
    return [e["node"] for e in data["managers"]["edges"] if e["node"]["tier"]]


async def _latest(live: Live) -> int:
    """The newest grade-event cursor (asked of the last process, which is never killed)."""
    async with httpx.AsyncClient(timeout=20) as client:
        cursor: str | None = None
        while True:
            response = await client.post(
                f"{live.urls[-1]}/graphql",
                json={
                    "query": "query($a: String) { gradeEvents(after: $a, first: 100) { latestCursor hasMore } }",
                    "variables": {"a": cursor},
                },
                headers={"Authorization": f"Bearer {live.token()}"},
            )
            page = response.json()["data"]["gradeEvents"]
            cursor = page["latestCursor"]
            if not page["hasMore"]:
                return int(cursor or 0)


async def _toggle(live: Live, manager: dict[str, Any], index: int = 0) -> None:
    """One grade change: between SD_2 and SD_3, proposed by one HR person, confirmed by another."""
    target = "SD_3" if manager["tier"]["code"] != "SD_3" else "SD_2"
    proposed = await live.post(PROPOSE, {"m": manager["id"], "t": target}, index, PROPOSER)
    assert proposed["proposeTierChange"]["__typename"] == "TierProposal", proposed
    proposal = proposed["proposeTierChange"]["id"]
    confirmed = await live.post(CONFIRM, {"id": proposal}, index, CHECKER)
    assert confirmed["confirmTierChange"]["__typename"] == "TierProposal", confirmed
    manager["tier"]["code"] = target


def _client(live: Live, index: int = 0, token: str | None = None) -> Client:
    transport = WebsocketsTransport(
        url=live.ws(index),
        init_payload={"Authorization": f"Bearer {token or live.token()}"},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )
    return Client(transport=transport)


async def _take(
    live: Live, after: int, count: int, index: int = 0, manager: str | None = None
) -> list[dict[str, Any]]:
    received: list[dict[str, Any]] = []
    async with _client(live, index) as session:
        request = GraphQLRequest(
            SUBSCRIBE, variable_values={"after": str(after), "manager": manager}
        )
        async for result in session.subscribe(request):
            received.append(result["gradeChanged"])
            if len(received) == count:
                break
    return received


async def test_replay_then_live_then_resume_without_gap_or_duplicate(live: Live) -> None:
    managers = await _managers(live)
    start = await _latest(live)
    received: list[dict[str, Any]] = []

    async def subscriber() -> None:
        async with _client(live) as session:
            request = GraphQLRequest(SUBSCRIBE, variable_values={"after": str(start - 2)})
            async for result in session.subscribe(request):
                received.append(result["gradeChanged"])
                if len(received) == 5:
                    return

    task = asyncio.create_task(subscriber())
    await asyncio.sleep(0.5)
    for manager in managers[:3]:
        await _toggle(live, manager)
    await asyncio.wait_for(task, timeout=20)
    cursors = [int(e["cursor"]) for e in received]
    assert cursors == list(range(start - 1, start + 4))  # 2 replayed, 3 live
    assert all(e["kind"] == "GRADE_CHANGED" for e in received)
    # The typed payload rides along, live as replayed.
    assert [
        (
            e["data"]["__typename"],
            e["data"]["manager"]["id"],
            e["data"]["toTier"],
            e["data"]["cause"],
        )
        for e in received
    ] == [
        (
            "GradeChangedData",
            e["payload"]["manager"]["id"],
            e["payload"]["to"],
            e["payload"]["cause"],
        )
        for e in received
    ]
    last = cursors[-1]
    # Disconnected: two more changes happen; resuming after the last cursor gets exactly them.
    for manager in managers[3:5]:
        await _toggle(live, manager)
    missed = await asyncio.wait_for(_take(live, last, 2), timeout=20)
    assert [int(e["cursor"]) for e in missed] == [last + 1, last + 2]
    assert [e["payload"]["manager"]["id"] for e in missed] == [m["id"] for m in managers[3:5]]
    assert await _latest(live) == last + 2


async def test_an_event_committed_through_one_process_reaches_another(live: Live) -> None:
    managers = await _managers(live)
    writer = len(live.urls) - 1  # the other process on PostgreSQL, the same one on SQLite
    start = await _latest(live)
    manager = managers[5]
    task = asyncio.create_task(_take(live, start, 1, index=0, manager=manager["id"]))
    await asyncio.sleep(0.5)
    began = time.monotonic()
    await _toggle(live, managers[6], writer)  # filtered out: another manager
    await _toggle(live, manager, writer)
    received = await asyncio.wait_for(task, timeout=20)
    assert received[0]["payload"]["manager"]["id"] == manager["id"]
    assert int(received[0]["cursor"]) == start + 2
    assert time.monotonic() - began < 3  # woken by NOTIFY / in-process, not by the re-check


@pytest.mark.parametrize("token", ["not-a-token", "expired", "unknown_tenant"])
async def test_bad_token_in_connection_init_closes_with_4403(live: Live, token: str) -> None:
    if token == "expired":
        import datetime as dt

        token = mint_token(
            live.settings,
            tenant="sd-demo",
            user="x",
            roles=[Role.INTEGRATOR],
            ttl=dt.timedelta(seconds=-5),
        )
    elif token == "unknown_tenant":
        token = mint_token(live.settings, tenant="no-such-bank", user="x", roles=[Role.INTEGRATOR])
    async with websockets.connect(live.ws(), subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(_init(token))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_the_older_graphql_ws_protocol_is_not_offered(live: Live) -> None:
    try:
        async with websockets.connect(live.ws(), subprotocols=["graphql-ws"]) as ws:  # type: ignore[list-item]
            assert ws.subprotocol != "graphql-ws"
            await ws.send('{"type": "connection_init", "payload": {}}')
            await asyncio.wait_for(ws.recv(), timeout=10)
    except (websockets.ConnectionClosed, websockets.InvalidHandshake, websockets.InvalidStatus):
        return
    pytest.fail("a graphql-ws connection was accepted")


async def test_only_event_readers_subscribe(live: Live) -> None:
    async def first_event() -> None:
        async with _client(live, token=live.token((Role.BRANCH_HEAD,))) as session:
            request = GraphQLRequest(SUBSCRIBE, variable_values={"after": "0"})
            async for _ in session.subscribe(request):
                return

    with pytest.raises(
        Exception, match="gradeChanged needs the role AUDITOR or HR or INTEGRATOR or RISK"
    ):
        await asyncio.wait_for(first_event(), timeout=20)


async def test_subscriptions_per_connection_are_capped(live: Live) -> None:
    async with websockets.connect(live.ws(), subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(_init(live.token()))
        assert '"connection_ack"' in str(await asyncio.wait_for(ws.recv(), timeout=10))
        limit = live.settings.max_subscriptions_per_connection
        for i in range(limit + 1):
            await ws.send(
                json.dumps(
                    {
                        "id": str(i),
                        "type": "subscribe",
                        "payload": {"query": "subscription { gradeChanged { cursor } }"},
                    }
                )
            )
        while True:
            message = str(await asyncio.wait_for(ws.recv(), timeout=10))
            if '"error"' in message:
                assert f'"id":"{limit}"' in message.replace(" ", "")
                assert "Subscription limit reached" in message
                break


async def _send(
    client: httpx.AsyncClient,
    live: Live,
    alive: list[int],
    query: str,
    variables: dict[str, Any],
    user: str,
    turn: int = 0,
) -> dict[str, Any]:
    """The data of one operation, sent to the live process whose ``turn`` it is, switching
    process when one dies."""
    while True:
        index = alive[turn % len(alive)]
        turn += 1
        try:
            response = await client.post(
                f"{live.urls[index]}/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {live.token((Role.HR,), user)}"},
            )
        except httpx.TimeoutException:
            # Slow, not dead (a loaded machine): asked again, and never struck off the
            # living, or a later kill could leave the writers only the dead process. The
            # writer reads its state again when an answer is not the one it asked for.
            continue
        except httpx.HTTPError:
            if index in alive and len(alive) > 1:
                alive.remove(index)
            await asyncio.sleep(0.05)
            continue
        if response.status_code == 503:
            # DATABASE_BUSY: refused before anything ran (tests/test_sqlite_busy.py).
            assert response.json()["errors"][0]["extensions"]["code"] == "DATABASE_BUSY"
            await asyncio.sleep(0.05)
            continue
        assert response.status_code == 200, f"{response.text}\n{_logs_of(live)}"
        data: dict[str, Any] = response.json().get("data") or {}
        return data


@pytest.mark.parametrize(
    "query",
    [
        "{ managers(first: 1) { totalCount } }",
        'mutation { createOffice(input: {code: "WS-ONLY", name: "经由套接字", kind: HEAD_OFFICE}) { __typename } }',
        "query Q { viewer { userId } } subscription S { gradeChanged { cursor } }",
    ],
    ids=["query", "mutation", "query-named-in-a-document-with-a-subscription"],
)
async def test_the_websocket_runs_subscriptions_only(live: Live, query: str) -> None:
    hr = live.token((Role.HR, Role.INTEGRATOR), "hr-ws")
    async with websockets.connect(live.ws(), subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(_init(hr))
        assert '"connection_ack"' in str(await asyncio.wait_for(ws.recv(), timeout=10))
        payload: dict[str, Any] = {"query": query}
        if "subscription S" in query:
            payload["operationName"] = "Q"
        await ws.send(json.dumps({"id": "op", "type": "subscribe", "payload": payload}))
        refused = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        # The connection stays open and answers: the refusal was the operation's only reply.
        await ws.send(json.dumps({"type": "ping"}))
        after = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
    assert refused == {
        "id": "op",
        "type": "error",
        "payload": [
            {
                "message": "only subscriptions run over the WebSocket; send queries and "
                "mutations as an HTTP POST to /graphql",
                "extensions": {"code": "SUBSCRIPTIONS_ONLY"},
            }
        ],
    }
    assert after == {"type": "pong"}
    offices = await live.post("{ offices { code } }", {})
    assert "WS-ONLY" not in {o["code"] for o in offices["offices"]}


async def test_a_subscription_named_beside_a_query_still_runs(live: Live) -> None:
    start = await _latest(live)
    document = "query Q { viewer { userId } } subscription S { gradeChanged { cursor } }"
    async with websockets.connect(live.ws(), subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(_init(live.token()))
        assert '"connection_ack"' in str(await asyncio.wait_for(ws.recv(), timeout=10))
        await ws.send(
            json.dumps(
                {
                    "id": "s",
                    "type": "subscribe",
                    "payload": {"query": document, "operationName": "S"},
                }
            )
        )
        await asyncio.sleep(0.5)
        managers = await _managers(live)
        await _toggle(live, managers[7])
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout=20))
    assert message["type"] == "next"
    assert int(message["payload"]["data"]["gradeChanged"]["cursor"]) == start + 1


async def _writer(live: Live, manager: dict[str, Any], changes: int, alive: list[int]) -> int:
    """Make ``changes`` acknowledged grade changes (a proposal, then its confirmation by a
    second person), switching process when one dies. After an answer that did not come back
    as expected, the manager's tier and pending proposal are read again: an answer lost with
    a killed process may have applied."""
    done = 0
    pending: str | None = None
    known = True
    async with httpx.AsyncClient(timeout=60) as client:
        while done < changes:
            if not known:
                state = await _send(
                    client, live, alive, STATE, {"m": manager["id"]}, PROPOSER, done
                )
                manager["tier"]["code"] = state["manager"]["tier"]["code"]
                edges = state["tierProposals"]["edges"]
                pending = edges[0]["node"]["id"] if edges else None
                known = True
            if pending is None:
                target = "SD_3" if manager["tier"]["code"] != "SD_3" else "SD_2"
                variables = {"m": manager["id"], "t": target}
                proposed = (
                    await _send(client, live, alive, PROPOSE, variables, PROPOSER, done)
                ).get("proposeTierChange") or {}
                if proposed.get("__typename") != "TierProposal":
                    known = False
                    continue
                pending = proposed["id"]
            confirmed = (await _send(client, live, alive, CONFIRM, {"id": pending}, CHECKER)).get(
                "confirmTierChange"
            ) or {}
            pending = None
            if confirmed.get("__typename") == "TierProposal":
                manager["tier"]["code"] = confirmed["toTier"]["code"]
                done += 1
            else:
                known = False
    return done


async def test_a_killed_process_loses_no_event_for_a_resuming_subscriber(live: Live) -> None:
    """10 writers make 1,000 grade changes; the subscriber's process is killed with SIGKILL
    mid-burst; resuming from its last cursor elsewhere, it holds every event once, in order."""
    import signal

    managers = (await _managers(live))[:10]
    assert len(managers) == 10
    start = await _latest(live)
    victim = live.processes[0]
    received: list[int] = []
    mid_burst = asyncio.Event()

    async def subscribe(index: int, after: int, until: int) -> None:
        async with _client(live, index) as session:
            request = GraphQLRequest(SUBSCRIBE, variable_values={"after": str(after)})
            async for result in session.subscribe(request):
                received.append(int(result["gradeChanged"]["cursor"]))
                if len(received) >= 300:
                    mid_burst.set()
                if len(received) >= until:
                    return

    alive = list(range(len(live.urls)))
    first = asyncio.create_task(subscribe(0, start, 10**6))
    writers = [asyncio.create_task(_writer(live, m, 100, alive)) for m in managers]
    # Guards against a hang, not limits on speed: on two loaded cores the burst has been
    # seen to take minutes (10 writers, 2,000 mutations).
    await asyncio.wait_for(mid_burst.wait(), timeout=600)
    victim.send_signal(signal.SIGKILL)  # the subscriber is still connected to it
    victim.wait(timeout=10)
    with contextlib.suppress(Exception):  # the connection drops, whatever the client calls it
        await asyncio.wait_for(first, timeout=15)
    if len(live.urls) == 1:
        live.restart(0)
        alive[:] = [0]
    acknowledged = sum(await asyncio.gather(*writers))
    assert acknowledged == 1000
    total = await _latest(live) - start
    assert total >= acknowledged  # answers lost with the killed process may have applied too
    resume_at = received[-1]
    await asyncio.wait_for(subscribe(len(live.urls) - 1, resume_at, total), timeout=300)
    assert received == list(range(start + 1, start + total + 1))
