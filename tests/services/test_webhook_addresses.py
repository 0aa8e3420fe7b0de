"""Where webhooks may go (``server.services.webhook_addresses``): the table of addresses refused,
one row per range, IPv4 and IPv6, and the numeric spellings of 127.0.0.1; every address a name
resolves to checked; the allow-list. Validated without sending traffic: literals are never
looked up, names are answered by a fake resolver, nothing connects."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

import pytest

from server.services.webhook_addresses import (
    REFUSED_NETWORKS,
    AddressPolicy,
    AddressRefused,
    HostUnresolved,
    literal_address,
    refused_kind,
)
from tests.webhook_receiver import FakeResolver

REFUSED = [
    # IPv4, one row per range
    ("http://127.0.0.1:8201/graphql", "loopback"),
    ("http://127.255.255.254/", "loopback"),
    ("http://0.0.0.0:8000/", "this-network"),
    ("http://0.1.2.3/", "this-network"),
    ("http://10.1.2.3/", "private"),
    ("http://172.16.0.1/", "private"),
    ("http://172.31.255.255/", "private"),
    ("http://192.168.1.1/", "private"),
    ("http://100.64.0.1/", "shared (carrier-grade NAT)"),
    ("http://100.127.255.254/", "shared (carrier-grade NAT)"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://192.0.0.8/", "IETF protocol assignment"),
    ("http://192.0.2.1/", "documentation"),
    ("http://198.51.100.7/", "documentation"),
    ("http://203.0.113.9/", "documentation"),
    ("http://192.88.99.1/", "6to4 relay anycast"),
    ("http://198.18.0.1/", "benchmarking"),
    ("http://198.19.255.254/", "benchmarking"),
    ("http://224.0.0.1/", "multicast"),
    ("http://239.255.255.250:1900/", "multicast"),
    ("http://240.0.0.1/", "reserved"),
    ("http://255.255.255.255/", "broadcast"),
    # 127.0.0.1 and 192.168.1.1 as the C library also reads them
    ("http://2130706433/", "loopback"),
    ("http://0x7f.1/", "loopback"),
    ("http://017700000001/", "loopback"),
    ("http://0x7f000001/", "loopback"),
    ("http://0177.0.0.1/", "loopback"),
    ("http://127.1/", "loopback"),
    ("http://3232235777/", "private"),
    # IPv6, one row per range
    ("http://[::1]:8201/", "loopback"),
    ("http://[::]/", "unspecified"),
    ("http://[::ffff:127.0.0.1]/", "loopback (IPv4-mapped)"),
    ("http://[::ffff:10.0.0.1]/", "private (IPv4-mapped)"),
    ("http://[::ffff:169.254.169.254]/", "link-local (IPv4-mapped)"),
    ("http://[64:ff9b::7f00:1]/", "loopback (NAT64)"),
    ("http://[64:ff9b:1::1]/", "NAT64 local-use"),
    ("http://[2002:7f00:1::1]/", "loopback (6to4)"),
    ("http://[2002:c0a8:101::]/", "private (6to4)"),
    ("http://[::7f00:1]/", "reserved"),  # the deprecated IPv4-compatible ::127.0.0.1
    ("http://[100::1]/", "discard-only"),
    ("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "Teredo tunnel"),
    ("http://[2001:2::1]/", "benchmarking"),
    ("http://[2001:10::1]/", "ORCHID"),
    ("http://[2001:db8::1]/", "documentation"),
    ("http://[2001:100::1]/", "IETF protocol assignment"),
    ("http://[3fff::1]/", "documentation"),
    ("http://[5f00::1]/", "segment routing (SRv6)"),
    ("http://[fc00::1]/", "unique local (private)"),
    ("http://[fd12:3456::1]/", "unique local (private)"),
    ("http://[fe80::1]/", "link-local"),
    ("http://[fe80::1%25eth0]/", "link-local"),
    ("http://[fec0::1]/", "site-local"),
    ("http://[ff02::1]/", "multicast"),
    ("http://[ff0e::1]/", "multicast"),  # global scope: Python counts it as global
]
"""URLs no webhook is sent to, and the kind of range that refuses each."""

PUBLIC = [
    "http://93.184.216.34/",
    "https://8.8.8.8/hooks",
    "http://1572395042/",  # 93.184.216.34 written as one number
    "https://[2606:2800:220:1:248:1893:25c8:1946]/",
    "https://[2001:4860:4860::8888]:8443/",
    "http://[::ffff:93.184.216.34]/",
    "http://[64:ff9b::5db8:d822]/",  # NAT64 of 93.184.216.34
    "http://[2002:5db8:d822::1]/",  # 6to4 of 93.184.216.34
]
"""URLs the check accepts. They are only checked here: nothing is ever sent to them."""


async def no_lookups(host: str, port: int) -> Sequence[str]:
    raise AssertionError(f"{host} was looked up, but an address is never looked up")


def host_and_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname is not None
    return parts.hostname, parts.port or 80


@pytest.mark.parametrize(("url", "kind"), REFUSED)
async def test_an_address_that_is_not_public_is_refused(url: str, kind: str) -> None:
    host, port = host_and_port(url)
    with pytest.raises(AddressRefused) as refused:
        await AddressPolicy((), no_lookups).addresses(host, port)
    assert refused.value.kind == kind
    assert refused_kind(refused.value.address) == kind


@pytest.mark.parametrize("url", PUBLIC)
async def test_a_public_address_passes_the_check(url: str) -> None:
    host, port = host_and_port(url)
    [address] = await AddressPolicy((), no_lookups).addresses(host, port)
    assert refused_kind(address) is None


def test_every_range_of_the_table_has_a_row() -> None:
    addresses = [literal_address(host_and_port(url)[0]) for url, _ in REFUSED]
    for network, kind in REFUSED_NETWORKS:
        assert any(a is not None and a in network for a in addresses), f"{network} ({kind})"


@pytest.mark.parametrize(
    "spelling", ["2130706433", "0x7f.1", "017700000001", "0x7f000001", "0177.0.0.1", "127.1"]
)
def test_a_numeric_host_is_read_as_the_c_library_reads_it(spelling: str) -> None:
    # AI_NUMERICHOST: the C library converts the number and never asks a DNS server.
    [answer] = socket.getaddrinfo(
        spelling, 80, type=socket.SOCK_STREAM, family=socket.AF_INET, flags=socket.AI_NUMERICHOST
    )
    assert answer[4][0] == "127.0.0.1"
    assert literal_address(spelling) == ipaddress.IPv4Address("127.0.0.1")


@pytest.mark.parametrize("name", ["hooks.example.cn", "127.0.0.1.", "1.2.3.4.5", "0x7g.1", "1e3"])
def test_a_name_is_not_an_address(name: str) -> None:
    assert literal_address(name) is None


async def test_every_address_a_name_resolves_to_must_be_public() -> None:
    resolver = FakeResolver(
        {
            "hooks.example.cn": [["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]],
            "mixed.example": [["93.184.216.34", "10.0.0.7"]],
            "internal.example": [["fd00::7"]],
            "localhost": [["127.0.0.1", "::1"]],
        }
    )
    policy = AddressPolicy((), resolver)
    assert [str(a) for a in await policy.addresses("hooks.example.cn", 443)] == [
        "93.184.216.34",
        "2606:2800:220:1:248:1893:25c8:1946",
    ]
    for name, address, kind in (
        ("mixed.example", "10.0.0.7", "private"),
        ("internal.example", "fd00::7", "unique local (private)"),
        ("localhost", "127.0.0.1", "loopback"),
    ):
        with pytest.raises(AddressRefused) as refused:
            await policy.addresses(name, 443)
        assert (refused.value.host, str(refused.value.address), refused.value.kind) == (
            name,
            address,
            kind,
        )
    assert resolver.asked == ["hooks.example.cn", "mixed.example", "internal.example", "localhost"]


async def test_a_name_that_resolves_to_nothing_usable_is_unresolved() -> None:
    async def slow(host: str, port: int) -> Sequence[str]:
        await asyncio.sleep(5)
        return ["93.184.216.34"]

    async def empty(host: str, port: int) -> Sequence[str]:
        return []

    async def garbage(host: str, port: int) -> Sequence[str]:
        return ["not an address"]

    cases = [(FakeResolver(), 5.0), (slow, 0.05), (empty, 5.0), (garbage, 5.0)]
    for resolver, timeout in cases:
        with pytest.raises(HostUnresolved) as unresolved:
            await AddressPolicy((), resolver, timeout).addresses("nowhere.example", 80)
        assert unresolved.value.host == "nowhere.example"


async def test_a_rebinding_name_is_refused_when_it_turns_private() -> None:
    resolver = FakeResolver({"rebind.example": [["93.184.216.34"], ["127.0.0.1"]]})
    policy = AddressPolicy((), resolver)
    assert [str(a) for a in await policy.addresses("rebind.example", 80)] == ["93.184.216.34"]
    with pytest.raises(AddressRefused) as refused:
        await policy.addresses("rebind.example", 80)
    assert refused.value.kind == "loopback"


@pytest.mark.parametrize(
    ("allowed", "address", "allowed_now"),
    [
        ("127.0.0.1/32", "127.0.0.1", True),
        ("127.0.0.1/32", "127.0.0.2", False),
        ("127.0.0.1/32", "::ffff:127.0.0.1", True),  # the same host
        ("127.0.0.1/32", "::1", False),
        ("::1/128", "::1", True),
        ("10.20.0.0/16", "10.20.3.4", True),
        ("10.20.0.0/16", "10.21.0.1", False),
        ("fd00:1::/32", "fd00:1::9", True),
        ("fd00:1::/32", "fd00:2::9", False),
        ("192.0.2.0/24", "2002:c000:201::", False),  # a 6to4 tunnel is not the host itself
    ],
)
def test_the_allow_list_lets_its_networks_through(
    allowed: str, address: str, allowed_now: bool
) -> None:
    policy = AddressPolicy((ipaddress.ip_network(allowed),))
    ip = ipaddress.ip_address(address)
    assert refused_kind(ip) is not None
    assert (policy.refusal(ip) is None) is allowed_now


async def test_an_allowed_name_passes_and_a_public_one_still_does() -> None:
    resolver = FakeResolver(
        {"hooks.bank.internal": [["10.20.3.4"]], "hooks.example.cn": [["8.8.8.8"]]}
    )
    policy = AddressPolicy((ipaddress.ip_network("10.20.0.0/16"),), resolver)
    assert [str(a) for a in await policy.addresses("hooks.bank.internal", 443)] == ["10.20.3.4"]
    assert [str(a) for a in await policy.addresses("hooks.example.cn", 443)] == ["8.8.8.8"]
    with pytest.raises(AddressRefused):
        await policy.addresses("10.21.0.1", 443)
