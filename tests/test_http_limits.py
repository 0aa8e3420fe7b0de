"""The server's HTTP protocol refuses a request head over 64 KiB while it arrives (431), and
lets every head within it through — whole or in pieces, with a body behind it in the same
piece, one request after another on a kept-alive connection. A real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from server.http_limits import MAX_HEAD_BYTES, BoundedHeadProtocol


async def _echo(request: Request) -> PlainTextResponse:
    body = await request.body()
    return PlainTextResponse(f"{len(request.headers.get('x-pad', ''))} {len(body)}")


@pytest.fixture
async def port() -> AsyncIterator[int]:
    app = Starlette(routes=[Route("/", _echo, methods=["GET", "POST"])])
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        http=BoundedHeadProtocol,
        lifespan="off",
        log_level="error",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    for _ in range(500):  # uvicorn's Server has no event for "started"
        if server.started:
            break
        await asyncio.sleep(0.01)
    assert server.started
    try:
        yield int(server.servers[0].sockets[0].getsockname()[1])
    finally:
        server.should_exit = True
        await serving


def _request(pad: int, body: bytes = b"") -> bytes:
    head = f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: {'p' * pad}\r\n"
    return f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


async def _answers(port: int, pieces: list[bytes], count: int = 1) -> list[str]:
    """Send the pieces (each its own write), then read ``count`` answers: status and body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for piece in pieces:
            writer.write(piece)
            await writer.drain()
            await asyncio.sleep(0.01)
        answers = []
        for _ in range(count):
            status = (await reader.readline()).decode().strip()
            length = 0
            while (line := (await reader.readline()).decode().strip()) != "":
                if line.lower().startswith("content-length:"):
                    length = int(line.split(":")[1])
            answers.append(f"{status} | {(await reader.readexactly(length)).decode()}")
        return answers
    finally:
        writer.close()


async def test_a_huge_header_is_refused_while_it_arrives(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()
    answer = asyncio.create_task(reader.readline())
    writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ")
    sent = 0
    try:
        while not answer.done() and sent < 30_000_000:
            writer.write(b"e" * 65_536)
            await writer.drain()
            sent += 65_536
    except ConnectionError:
        pass  # closed by the server while we were still sending
    status = (await asyncio.wait_for(answer, timeout=5)).decode()
    writer.close()
    assert status.startswith("HTTP/1.1 431")
    assert time.monotonic() - started < 1
    assert sent < 30_000_000  # refused before the 30 MB were all sent


@pytest.mark.parametrize(
    ("pieces", "expected"),
    [
        ([_request(60_000)], ["HTTP/1.1 200 OK | 60000 0"]),
        (
            [_request(MAX_HEAD_BYTES)],
            ["HTTP/1.1 431 Request Header Fields Too Large | request head larger than 64 KiB"],
        ),
        # A body far over the head's limit, in the same piece as the head.
        ([_request(100, b"b" * 300_000)], ["HTTP/1.1 200 OK | 100 300000"]),
        # The head's end split between two pieces, the body behind it.
        (
            [_request(60_000, b"b" * 200_000)[:60_050], _request(60_000, b"b" * 200_000)[60_050:]],
            ["HTTP/1.1 200 OK | 60000 200000"],
        ),
    ],
    ids=["under-the-limit", "over-the-limit", "large-body", "head-end-split"],
)
async def test_heads_within_the_limit_pass(
    port: int, pieces: list[bytes], expected: list[str]
) -> None:
    assert await _answers(port, pieces) == expected


async def test_each_request_of_a_kept_alive_connection_has_its_own_limit(port: int) -> None:
    """Three heads of 40 KB one after another: 120 KB in all, each within the limit."""
    answers = await _answers(port, [_request(40_000, b"x") for _ in range(3)], count=3)
    assert answers == ["HTTP/1.1 200 OK | 40000 1"] * 3
