"""A webhook receiver on 127.0.0.1 that checks each signature as an integrator would, and a
name resolver with fixed answers, so that no test asks a real DNS server anything."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What an integrator does: recompute HMAC-SHA256 over "<t>." + body and compare."""
    fields = dict(part.split("=", 1) for part in headers["x-ruralcredit-signature"].split(","))
    expected = hmac.new(
        secret.encode(), fields["t"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


@dataclass
class Request:
    """One request the receiver got, and how it answered."""

    target: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    status: int | None  # None: no answer was given

    @property
    def cursor(self) -> int:
        return int(self.headers["x-ruralcredit-event-cursor"])


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that refuses (401) a request it cannot verify.

    ``plan`` says how to answer the next requests: a status code, or "hang" to give
    no answer until the client goes away; then 200. A 3xx answer sends the client to
    ``redirect_to`` (by default another path of this receiver).
    """

    secret: str = ""
    secrets: list[str] = field(default_factory=list)  # further secrets it accepts
    plan: list[int | str] = field(default_factory=list)
    delay: float = 0.0
    requests: list[Request] = field(default_factory=list)
    hanging: asyncio.Event = field(default_factory=asyncio.Event)
    url: str = ""
    redirect_to: str = ""
    connections: int = 0  # every connection made to it, whether a request came or not

    @property
    def accepted(self) -> list[Request]:
        return [r for r in self.requests if r.status == 200]

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            headers = {}
            for line in head[1:]:
                if line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            step = self.plan.pop(0) if self.plan else 200
            target = head[0].split(" ")[1]
            verified = any(verify(k, headers, body) for k in [self.secret, *self.secrets])
            if step == "hang":
                self.requests.append(Request(target, headers, body, verified, None))
                self.hanging.set()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(reader.read(), 10)
                return
            await asyncio.sleep(self.delay)
            status = int(step) if verified else 401
            self.requests.append(Request(target, headers, body, verified, status))
            text = b"receiver says no: internal detail" if status != 200 else b""
            location = ""
            if 300 <= status < 400:
                location = f"Location: {self.redirect_to or self.url + '/moved'}\r\n"
            writer.write(
                f"HTTP/1.1 {status} X\r\nContent-Length: {len(text)}\r\n{location}"
                "Connection: close\r\n\r\n".encode()
                + text
            )
            await writer.drain()
        finally:
            writer.close()


@dataclass
class FakeResolver:
    """Answers a name from ``answers``: the address lists it gives out, one per call, the
    last one repeating (more than one plays a rebinding DNS server). A name it does not
    know does not resolve. ``asked`` records every name it was asked for."""

    answers: dict[str, list[list[str]]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.asked.append(host)
        given = self.answers.get(host)
        if not given:
            raise OSError(f"{host}: name not known")
        return given[min(self.asked.count(host), len(given)) - 1]
