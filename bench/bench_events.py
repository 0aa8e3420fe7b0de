"""Commit-to-subscriber latency of grade-change events, with many subscribers.

Usage::

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test python -m bench.bench_events

Starts the server as its own process on a scratch database with the demo data,
connects ``--subscribers`` (default 500) WebSocket clients speaking
graphql-transport-ws to ``gradeChanged``, then makes ``--events`` grade changes
through the API at ``--rate`` per second with a few concurrent writers (each change
proposed by one HR user ahead of time, and confirmed by a second at its due time: the
confirmation writes the change and its event). Latency is
measured per (subscriber, event) from the event's ``occurredAt`` (taken inside the
writing transaction, so slightly before its commit) to its arrival at the client.
Prints p50/p95/p99 and the sustained rate at which every subscriber had every event.
The clients run in this one process, on the same machine as the server.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import time

import httpx
import websockets

from bench.machine import describe
from bench.scratch import scratch_database
from server.auth import mint_token
from server.domain import Role
from server.settings import Settings

SECRET = "bench-" + "e" * 40
MANAGERS = (
    "{ managers(first: 100, filter: {statuses: [ACTIVE]}) { edges { node { id tier { code } } } } }"
)
PROPOSE = """mutation($m: ID!, $t: String!) { proposeTierChange(managerId: $m, tierCode: $t,
  reason: "bench") { __typename ... on TierProposal { id } } }"""
CONFIRM = """mutation($id: ID!) { confirmTierChange(id: $id) { __typename } }"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _subscriber(
    url: str,
    token: str,
    expected: int,
    arrivals: list[float],
    ready: asyncio.Event,
    go: asyncio.Event,
) -> None:
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"], max_queue=None) as ws:  # type: ignore[list-item]
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        )
        await ws.recv()
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": "subscription { gradeChanged { cursor occurredAt } }"},
                }
            )
        )
        ready.set()
        await go.wait()
        seen = 0
        while seen < expected:
            message = json.loads(await ws.recv())
            if message.get("type") != "next":
                continue
            now = time.time()
            event = message["payload"]["data"]["gradeChanged"]
            occurred = dt.datetime.fromisoformat(event["occurredAt"]).timestamp()
            arrivals.append(now - occurred)
            seen += 1


async def run(args: argparse.Namespace) -> None:
    async with scratch_database("rc_bench_events") as (url, folder, _):
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(
            DATABASE_URL=url,
            RURALCREDIT_JWT_SECRET=SECRET,
            RURALCREDIT_DATA_DIR=str(folder),
            RURALCREDIT_MAX_SUBSCRIPTIONS_PER_CONNECTION="5",
        )
        subprocess.run(
            [
                sys.executable,
                "-m",
                "server.cli",
                "demo-data",
                "--migrate",
                "--managers",
                "60",
                "--customers",
                "200",
                "--loans",
                "400",
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        port = _free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "server.cli",
                "serve",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--workers",
                str(args.processes),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            await _measure(args, url, port)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


async def _measure(args: argparse.Namespace, url: str, port: int) -> None:
    settings = Settings(database_url=url, jwt_secret=SECRET)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            await asyncio.sleep(0.2)
    reader = mint_token(settings, tenant="sd-demo", user="bench", roles=[Role.INTEGRATOR])
    writer = mint_token(settings, tenant="sd-demo", user="bench-hr", roles=[Role.HR])
    # A manual tier change is proposed by one HR person and confirmed (the event) by another.
    checker = mint_token(settings, tenant="sd-demo", user="bench-hr-2", roles=[Role.HR])
    print(f"machine: {describe()}")
    print(f"database: {url.split(':', 1)[0]}")
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        page = await client.post(
            "/graphql",
            json={"query": MANAGERS},
            headers={"Authorization": f"Bearer {writer}"},
        )
        managers = [
            e["node"] for e in page.json()["data"]["managers"]["edges"] if e["node"]["tier"]
        ]
        arrivals: list[float] = []
        go = asyncio.Event()
        readies = [asyncio.Event() for _ in range(args.subscribers)]
        tasks = [
            asyncio.create_task(
                _subscriber(f"ws://127.0.0.1:{port}/graphql", reader, args.events, arrivals, r, go)
            )
            for r in readies
        ]
        for ready in readies:
            await ready.wait()
        await asyncio.sleep(2)  # every subscription has reached the outbox's head
        go.set()
        print(f"{args.subscribers} subscribers connected; {args.events} events at {args.rate}/s")
        started = time.time()

        async def write(worker: int) -> None:
            for i in range(worker, args.events, args.writers):
                manager = managers[i % len(managers)]
                target = "SD_3" if manager["tier"]["code"] != "SD_3" else "SD_2"
                manager["tier"]["code"] = target
                proposed = await client.post(
                    "/graphql",
                    json={"query": PROPOSE, "variables": {"m": manager["id"], "t": target}},
                    headers={"Authorization": f"Bearer {writer}"},
                )
                proposal = proposed.json()["data"]["proposeTierChange"]
                assert proposal["__typename"] == "TierProposal", proposal
                due = started + i / args.rate
                await asyncio.sleep(max(0.0, due - time.time()))
                response = await client.post(
                    "/graphql",
                    json={"query": CONFIRM, "variables": {"id": proposal["id"]}},
                    headers={"Authorization": f"Bearer {checker}"},
                )
                result = response.json()["data"]["confirmTierChange"]["__typename"]
                assert result == "TierProposal", result

        await asyncio.gather(*(write(w) for w in range(args.writers)))
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=600)
        finished = time.time()
    ms = [a * 1000 for a in arrivals]
    print(
        f"latency over {len(ms)} deliveries: p50 {_percentile(ms, 0.50):.1f} ms, "
        f"p95 {_percentile(ms, 0.95):.1f} ms, p99 {_percentile(ms, 0.99):.1f} ms, "
        f"max {max(ms):.1f} ms, mean {statistics.fmean(ms):.1f} ms"
    )
    print(
        f"sustained: {args.events / (finished - started):.1f} events/s delivered to every "
        f"subscriber ({len(ms) / (finished - started):.0f} deliveries/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=500)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--rate", type=float, default=5.0, help="events per second offered")
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument(
        "--processes", type=int, default=1, help="server worker processes (PostgreSQL)"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
