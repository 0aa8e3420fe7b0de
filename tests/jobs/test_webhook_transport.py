"""The delivery client (``server.jobs.webhook_transport``): it resolves through the policy,
refuses before connecting when any address is refused, connects to a checked address (the next
one if the first does not answer), and takes no proxy from the environment. Loopback only."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import pytest

from server.jobs.webhook_transport import webhook_client
from server.outbox.signing import SIGNATURE_HEADER, signature_header
from server.services.webhook_addresses import AddressPolicy, AddressRefused, HostUnresolved
from tests.conftest import LOOPBACK_NETWORKS
from tests.webhook_receiver import FakeResolver, Receiver

LOOPBACK_8 = (ipaddress.ip_network("127.0.0.0/8"),)
BODY = b'{"cursor": "1"}'


def signed(receiver: Receiver) -> dict[str, str]:
    receiver.secret = "secret-of-the-test"
    return {SIGNATURE_HEADER: signature_header(receiver.secret, 1_800_000_000, BODY)}


def at(receiver: Receiver, host: str) -> str:
    return f"http://{host}:{urlsplit(receiver.url).port}/hooks/rc"


async def test_a_refused_address_among_the_answers_stops_the_request(receiver: Receiver) -> None:
    resolver = FakeResolver({"mixed.example": [["127.0.0.1", "10.0.0.1"]]})
    async with webhook_client(AddressPolicy(LOOPBACK_NETWORKS, resolver)) as client:
        with pytest.raises(AddressRefused) as refused:
            await client.post(at(receiver, "mixed.example"), content=BODY)
        with pytest.raises(HostUnresolved):
            await client.post(at(receiver, "unknown.example"), content=BODY)
    assert str(refused.value.address) == "10.0.0.1"
    assert (receiver.requests, receiver.connections) == ([], 0)


async def test_the_checked_addresses_are_tried_in_turn(receiver: Receiver) -> None:
    # Nothing listens on 127.0.0.2 at the receiver's port: that connection is refused.
    resolver = FakeResolver({"two.example": [["127.0.0.2", "127.0.0.1"]]})
    async with webhook_client(AddressPolicy(LOOPBACK_8, resolver)) as client:
        response = await client.post(
            at(receiver, "two.example"), content=BODY, headers=signed(receiver)
        )
    assert response.status_code == 200
    [request] = receiver.requests
    assert request.headers["host"] == f"two.example:{urlsplit(receiver.url).port}"


async def test_no_proxy_is_taken_from_the_environment(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:1")  # nobody listens there
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with webhook_client(AddressPolicy(LOOPBACK_NETWORKS, FakeResolver())) as client:
        response = await client.post(receiver.url, content=BODY, headers=signed(receiver))
    assert response.status_code == 200
    assert len(receiver.requests) == 1
