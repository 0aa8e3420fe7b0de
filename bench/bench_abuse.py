"""Abuse queries refused before they cost anything, and /healthz answering meanwhile.

Usage::

    python -m bench.bench_abuse                     # embedded SQLite (temporary file)
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test python -m bench.bench_abuse

Loads the demo data (``--managers --customers --loans`` per tenant; the defaults are the
demo's own, so a manager holds about 100 loans) into a scratch database, starts the real
server (``ruralcredit serve`` on 127.0.0.1, its own process) and sends, ``--rounds``
times each, the abuse requests of issue #8: 11 levels of nested managers → office →
managers, nested pages of 100 × 100 × 100, 1,000 aliases, a 30 MB bearer token, a 400 MB
body (streamed, with and without a declared length), a very deep selection and a document
of fragments that doubles at every level. Each must be refused in under 1 s.

Meanwhile a separate process polls ``/healthz`` one request after another and records each
latency. The phases are interleaved: a floor window (``/healthz`` alone) before every
abuse window, so that each window's p50/p99 is set against a floor measured around the
same time (the ratio). Last, the largest query the default node budget allows (30
managers with 30 loans in each, and each loan's customer: 930 of the 1,000 list items)
runs ``--rounds`` times while ``/healthz`` is polled; its p99 must stay under 100 ms as
well. ``--pages 30,50,100`` runs that query at several sizes (over the budget, with
``--max-nodes`` as the server's ``RURALCREDIT_MAX_QUERY_NODES``) to see where a
machine stops keeping ``/healthz`` under 100 ms.
Traffic goes to 127.0.0.1 only. The machine is printed with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event as EventType
from typing import Any

import httpx

from bench.machine import describe
from bench.scratch import scratch_database
from server.auth import mint_token
from server.domain import Role
from server.settings import Settings

SECRET = "bench-" + "a" * 40
REFUSAL_BUDGET_S = 1.0
HEALTHZ_P99_BUDGET_MS = 100.0
POLL_PAUSE_S = 0.005


def nested_page(size: int) -> str:
    """``size`` managers with ``size`` loans each, and each loan's customer: size + size²
    list items (930 at size 30, the largest square within the default budget)."""
    return f"""{{ managers(first: {size}) {{ edges {{ node {{ name
  loans(first: {size}) {{ edges {{ node {{ contractNo balance riskClass customer {{ name }} }} }} }}
  }} }} }} }}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# The abuse documents -------------------------------------------------------------------


def nested_managers(levels: int) -> str:
    inner = "id"
    for _ in range(levels):
        inner = f"managers(first: 5) {{ edges {{ node {{ office {{ {inner} }} }} }} }}"
    return "{ " + inner + " }"


def nested_pages(*sizes: int) -> str:
    inner = "id"
    for size in reversed(sizes):
        inner = f"managers(first: {size}) {{ edges {{ node {{ office {{ {inner} }} }} }} }}"
    return "{ " + inner + " }"


def many_aliases(count: int) -> str:
    return (
        "{ " + " ".join(f"a{i}: managers(first: 100) {{ totalCount }}" for i in range(count)) + " }"
    )


def deep_selection(levels: int) -> str:
    return "{ offices { " + "parent { " * levels + "id" + " }" * levels + " } }"


def doubling_fragments(levels: int) -> str:
    """Each fragment selects the next one under two different fields: 2**levels selections."""
    fragments = [
        f"fragment F{i} on Office {{ parent {{ ...F{i + 1} }} children {{ ...F{i + 1} }} }}"
        for i in range(levels)
    ]
    fragments.append(f"fragment F{levels} on Office {{ id }}")
    return "{ offices { ...F0 } } " + " ".join(fragments)


# The /healthz poller (its own process, so that the client's own work never delays it) --


def _poll(base: str, stop: EventType, out: Connection) -> None:
    samples: list[tuple[float, float]] = []
    with httpx.Client(base_url=base, timeout=30, trust_env=False) as client:
        while not stop.is_set():
            started = time.monotonic()
            response = client.get("/healthz")
            ended = time.monotonic()
            if response.status_code == 200:
                samples.append((started, (ended - started) * 1000))
            else:
                samples.append((started, float("inf")))
            time.sleep(POLL_PAUSE_S)
    out.send(samples)
    out.close()


# Requests ------------------------------------------------------------------------------


@dataclass
class Outcome:
    seconds: float
    status: int | str
    code: str
    message: str


@dataclass
class Window:
    label: str
    started: float
    ended: float


@dataclass
class Case:
    name: str
    send: Callable[[httpx.AsyncClient], Coroutine[Any, Any, Outcome]]
    outcomes: list[Outcome] = field(default_factory=list)


def _outcome(started: float, response: httpx.Response) -> Outcome:
    seconds = time.monotonic() - started
    code = message = ""
    try:
        body = response.json()
        error = (body.get("errors") or [{}])[0]
        code = str((error.get("extensions") or {}).get("code", ""))
        message = str(error.get("message", ""))
    except (ValueError, AttributeError):
        message = response.text[:80]
    return Outcome(seconds, response.status_code, code, message)


def _graphql(query: str, token: str) -> Callable[[httpx.AsyncClient], Coroutine[Any, Any, Outcome]]:
    async def send(client: httpx.AsyncClient) -> Outcome:
        started = time.monotonic()
        response = await client.post(
            "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
        )
        return _outcome(started, response)

    return send


def _huge_token(
    megabytes: int, port: int
) -> Callable[[httpx.AsyncClient], Coroutine[Any, Any, Outcome]]:
    """A query whose ``Authorization`` header is ``megabytes`` MB long, sent as
    ``_huge_body`` sends a body."""
    query = b'{"query": "{ viewer { userId } }"}'
    return _streamed(
        b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\nAuthorization: Bearer " % len(query),
        megabytes,
        b"\r\n\r\n" + query,
        port,
        filler=b"e",
        frame=lambda data: data,
    )


def _huge_body(
    megabytes: int, token: str, port: int, *, declared: bool
) -> Callable[[httpx.AsyncClient], Coroutine[Any, Any, Outcome]]:
    """A JSON body of ``megabytes`` MB, its length declared up front or sent in chunks."""
    prefix = b'{"query": "{ viewer { userId } }", "padding": "'
    suffix = b'"}'
    length = len(prefix) + megabytes * 1_000_000 + len(suffix)
    framing = f"Content-Length: {length}" if declared else "Transfer-Encoding: chunked"
    head = (
        f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"{framing}\r\n\r\n"
    ).encode()

    def frame(data: bytes) -> bytes:
        return data if declared else f"{len(data):x}\r\n".encode() + data + b"\r\n"

    return _streamed(
        head + frame(prefix),
        megabytes,
        frame(suffix) + (b"" if declared else b"0\r\n\r\n"),
        port,
        filler=b" ",
        frame=frame,
    )


def _streamed(
    start: bytes,
    megabytes: int,
    end: bytes,
    port: int,
    *,
    filler: bytes,
    frame: Callable[[bytes], bytes],
) -> Callable[[httpx.AsyncClient], Coroutine[Any, Any, Outcome]]:
    """Over a socket of its own, so that the answer is timed when it arrives, not when an
    HTTP client would have finished sending: 1 MB pieces go out until the server answers
    (or closes), never more than one in memory."""
    chunk = frame(filler * 1_000_000)

    async def send(_: httpx.AsyncClient) -> Outcome:
        started = time.monotonic()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        answer = asyncio.create_task(reader.readline())
        try:
            writer.write(start)
            for _ in range(megabytes):
                if answer.done():
                    break
                writer.write(chunk)
                await writer.drain()
            else:
                writer.write(end)
                await writer.drain()
        except ConnectionError:
            pass  # the server answered and closed while we were still sending
        try:
            status_line = (await answer).decode(errors="replace").strip()
        except ConnectionError:  # closed with our bytes unread: the answer may be lost
            status_line = "connection reset by the server"
        seconds = time.monotonic() - started
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
        status: int | str = status_line.split(" ")[1] if status_line.startswith("HTTP/") else "-"
        return Outcome(seconds, status, "", status_line)

    return send


def _cases(token: str, port: int) -> list[Case]:
    return [
        Case("11 levels managers → office → managers", _graphql(nested_managers(11), token)),
        Case("nested pages 100 × 100 × 100", _graphql(nested_pages(100, 100, 100), token)),
        Case("1,000 aliases", _graphql(many_aliases(1000), token)),
        Case("30 MB bearer token", _huge_token(30, port)),
        Case("400 MB body, Content-Length declared", _huge_body(400, token, port, declared=True)),
        Case("400 MB body, chunked", _huge_body(400, token, port, declared=False)),
        Case("1,600 levels of nesting", _graphql(deep_selection(1600), token)),
        Case("fragments doubling 14 times", _graphql(doubling_fragments(14), token)),
    ]


# Measurement ---------------------------------------------------------------------------


async def _floor(windows: list[Window], seconds: float) -> None:
    started = time.monotonic()
    await asyncio.sleep(seconds)
    windows.append(Window("floor", started, time.monotonic()))


async def _measure(args: argparse.Namespace, base: str, settings: Settings) -> None:
    token = mint_token(settings, tenant="sd-demo", user="bench", roles=[Role.HR])
    cases = _cases(token, int(base.rsplit(":", 1)[1]))
    allowed: dict[int, list[Outcome]] = {size: [] for size in args.pages}
    windows: list[Window] = []
    stop = multiprocessing.Event()
    receive, send = multiprocessing.Pipe(duplex=False)
    poller = multiprocessing.Process(target=_poll, args=(base, stop, send), daemon=True)
    poller.start()
    try:
        async with httpx.AsyncClient(base_url=base, timeout=120, trust_env=False) as client:
            for size in args.pages:
                warm = await _graphql(nested_page(size), token)(client)
                assert warm.status == 200 and not warm.code, warm
            for _ in range(args.rounds):
                for case in cases:
                    await _floor(windows, args.floor_seconds)
                    started = time.monotonic()
                    case.outcomes.append(await case.send(client))
                    await asyncio.sleep(0.2)  # whatever the request left behind, too
                    windows.append(Window(case.name, started, time.monotonic()))
                for size in args.pages:
                    await _floor(windows, args.floor_seconds)
                    started = time.monotonic()
                    allowed[size].append(await _graphql(nested_page(size), token)(client))
                    windows.append(Window(f"page {size}", started, time.monotonic()))
    finally:
        stop.set()
        samples: list[tuple[float, float]] = receive.recv()
        poller.join(timeout=30)
    _report(cases, allowed, windows, samples)


def _latencies(
    samples: list[tuple[float, float]], windows: list[Window], label: str
) -> list[float]:
    spans = [(w.started, w.ended) for w in windows if w.label == label]
    return [ms for at, ms in samples if any(a <= at < b for a, b in spans)]


def _line(name: str, latencies: list[float], floor_p99: float | None) -> str:
    if not latencies:
        return f"  {name}: no /healthz sample"
    p50, p99 = statistics.median(latencies), _percentile(latencies, 0.99)
    ratio = f", p99 {p99 / floor_p99:.1f}× floor" if floor_p99 else ""
    verdict = "ok" if p99 < HEALTHZ_P99_BUDGET_MS else "OVER 100 ms"
    return (
        f"  {name}: /healthz p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(latencies):.1f} ms "
        f"({len(latencies)} samples{ratio}) {verdict}"
    )


def _report(
    cases: list[Case],
    allowed: dict[int, list[Outcome]],
    windows: list[Window],
    samples: list[tuple[float, float]],
) -> None:
    floor = _latencies(samples, windows, "floor")
    floor_p99 = _percentile(floor, 0.99) if floor else None
    print("refusals (each must take < 1 s):")
    for case in cases:
        worst = max(o.seconds for o in case.outcomes)
        first = case.outcomes[0]
        verdict = "ok" if worst < REFUSAL_BUDGET_S else "SLOWER THAN 1 s"
        print(
            f"  {case.name}: max {worst * 1000:.0f} ms, median "
            f"{statistics.median(o.seconds for o in case.outcomes) * 1000:.0f} ms over "
            f"{len(case.outcomes)}; HTTP {first.status} {first.code or '-'} "
            f"{first.message[:90]!r} {verdict}"
        )
    print("/healthz, polled one request after another from another process:")
    print(_line("floor (nothing else running)", floor, None))
    abuse = [ms for case in cases for ms in _latencies(samples, windows, case.name)]
    print(_line("during the abuse requests, all together", abuse, floor_p99))
    for case in cases:
        print(_line(f"  {case.name}", _latencies(samples, windows, case.name), floor_p99))
    print(
        "allowed queries: a page of managers with a page of loans in each, and each loan's customer"
    )
    for size, outcomes in allowed.items():
        assert all(o.status == 200 and not o.code for o in outcomes), outcomes
        seconds = [o.seconds for o in outcomes]
        print(
            f"  {size} × {size} ({size + size * size:,} list items): median "
            f"{statistics.median(seconds):.2f} s, max {max(seconds):.2f} s over {len(seconds)}"
        )
        print(_line("  while it runs", _latencies(samples, windows, f"page {size}"), floor_p99))


def _memory(pid: int) -> str:
    """Resident memory now and at its peak (Linux)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
    except OSError:
        return "memory unknown"
    now, peak = (int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM"))
    return f"resident memory {now:.0f} MiB, peak {peak:.0f} MiB"


async def run(args: argparse.Namespace) -> None:
    async with scratch_database("rc_bench_abuse") as (url, folder, _):
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(
            DATABASE_URL=url, RURALCREDIT_JWT_SECRET=SECRET, RURALCREDIT_DATA_DIR=str(folder)
        )
        if args.max_nodes is not None:
            env["RURALCREDIT_MAX_QUERY_NODES"] = str(args.max_nodes)
        started = time.monotonic()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "server.cli",
                "demo-data",
                "--migrate",
                "--managers",
                str(args.managers),
                "--customers",
                str(args.customers),
                "--loans",
                str(args.loans),
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        print(f"machine: {describe()}")
        loaded = time.monotonic() - started
        print(f"database: {url.split(':', 1)[0]}; demo data loaded in {loaded:.0f} s")
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
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/healthz", timeout=2, trust_env=False).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
            await _measure(args, base, Settings(database_url=url, jwt_secret=SECRET))
            print(f"server process: {_memory(server.pid)}")
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--managers", type=int, default=200)
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--loans", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--floor-seconds", type=float, default=1.0)
    parser.add_argument(
        "--pages",
        type=lambda text: [int(p) for p in text.split(",")],
        default=[30],
        help="page sizes of the nested query, comma-separated (default 30: within the budget)",
    )
    parser.add_argument(
        "--max-nodes",
        type=int,
        default=None,
        help="RURALCREDIT_MAX_QUERY_NODES for the server (default: the server's own)",
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
