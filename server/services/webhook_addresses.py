"""Where webhooks may be sent: public addresses only, unless the operator allows a network.

A webhook URL names a host the server connects to on an integrator's behalf. A URL
pointing at the server's own machine or network (loopback, a private range, the
cloud metadata address 169.254.169.254 …) would let an integrator make the server
send requests there: a server-side request forgery. So every address a host stands
for must be public: in none of :data:`REFUSED_NETWORKS`, and, for the IPv6 forms
that carry an IPv4 address (IPv4-mapped, NAT64, 6to4), carrying a public one. The
networks of ``RURALCREDIT_WEBHOOK_ALLOWED_NETWORKS`` are allowed anyway (a receiver
inside the bank's own network; the tests' receivers on loopback).

The check runs when a URL is registered and again on every connection a delivery
opens (:mod:`server.jobs.webhook_transport` connects to the very address it
checked), so a name that resolves to a public address at registration and to a
private one later (DNS rebinding) is refused at delivery.

A host written as a number in any form the C library accepts (``2130706433``,
``0x7f.1`` and ``017700000001`` are all 127.0.0.1) is read as that address, never
looked up.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""``(host, port)`` to the addresses it stands for (as text); raises ``OSError`` if none."""

#: How long a name may take to resolve before it counts as not resolving.
RESOLVE_TIMEOUT = 5.0

_NUMERIC_V4 = re.compile(r"^[0-9a-fA-FxX.]+$")


def _networks(*rows: tuple[str, str]) -> tuple[tuple[IPNetwork, str], ...]:
    return tuple((ipaddress.ip_network(network), kind) for network, kind in rows)


#: Ranges no webhook goes to, first hit names the kind (IANA special-purpose registries).
REFUSED_NETWORKS = _networks(
    ("0.0.0.0/8", "this-network"),  # 0.0.0.0 itself reaches the local host
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "shared (carrier-grade NAT)"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),  # cloud metadata services live here
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "IETF protocol assignment"),
    ("192.0.2.0/24", "documentation"),
    ("192.88.99.0/24", "6to4 relay anycast"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("224.0.0.0/4", "multicast"),
    ("255.255.255.255/32", "broadcast"),
    ("240.0.0.0/4", "reserved"),
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("64:ff9b:1::/48", "NAT64 local-use"),
    ("::/8", "reserved"),  # also the deprecated IPv4-compatible ::a.b.c.d
    ("100::/64", "discard-only"),
    ("2001::/32", "Teredo tunnel"),
    ("2001:2::/48", "benchmarking"),
    ("2001:10::/28", "ORCHID"),
    ("2001:db8::/32", "documentation"),
    ("2001::/23", "IETF protocol assignment"),
    ("3fff::/20", "documentation"),
    ("5f00::/16", "segment routing (SRv6)"),
    ("fc00::/7", "unique local (private)"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local"),
    ("ff00::/8", "multicast"),
)

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class AddressRefused(Exception):
    """A host stands for an address webhooks may not go to."""

    def __init__(self, host: str, address: IPAddress, kind: str) -> None:
        super().__init__(f"{host}: {kind} address")
        self.host = host
        self.address = address
        self.kind = kind


class HostUnresolved(Exception):
    """A host name that resolves to no address (or not in time)."""

    def __init__(self, host: str) -> None:
        super().__init__(f"{host} does not resolve")
        self.host = host


def _embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, str] | None:
    """The IPv4 address an IPv6 address stands for or tunnels to, and the form it is in."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped, "IPv4-mapped"
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF), "NAT64"
    if address.sixtofour is not None:
        return address.sixtofour, "6to4"
    return None


def refused_kind(address: IPAddress) -> str | None:
    """Why no webhook may go to ``address`` (the kind of range it is in), or ``None``."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            inner, form = embedded
            kind = refused_kind(inner)
            return None if kind is None else f"{kind} ({form})"
    for network, kind in REFUSED_NETWORKS:
        if address in network:
            return kind
    if not address.is_global:  # whatever the registry adds after this table was written
        return "not globally reachable"
    return None


def literal_address(host: str) -> IPAddress | None:
    """The address ``host`` is written as, in any spelling, or ``None`` for a name."""
    text = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if _NUMERIC_V4.match(text):
        try:  # inet_aton reads 127.1, 2130706433, 0x7f.1, 0177.0.0.1 as the C library does
            return ipaddress.IPv4Address(socket.inet_aton(text))
        except OSError:
            return None
    return None


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the operating system gives for ``host`` (``getaddrinfo``)."""
    answers = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(answer[4][0]) for answer in answers]


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses webhooks may go to, and how host names are resolved."""

    allowed: tuple[IPNetwork, ...] = ()
    """Networks allowed even though :func:`refused_kind` refuses them."""
    resolver: Resolver = system_resolver
    timeout: float = RESOLVE_TIMEOUT

    def refusal(self, address: IPAddress) -> str | None:
        """The kind of range that refuses ``address``, or ``None`` if it may be used."""
        candidates: list[IPAddress] = [address]
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            candidates.append(address.ipv4_mapped)  # the same host as the IPv4 address
        if any(c in network for c in candidates for network in self.allowed):
            return None
        return refused_kind(address)

    async def addresses(self, host: str, port: int) -> list[IPAddress]:
        """Every address ``host`` stands for, each one allowed; raises
        :class:`AddressRefused` if any is not, :class:`HostUnresolved` if there is none."""
        literal = literal_address(host)
        if literal is not None:
            found = [literal]
        else:
            try:
                async with asyncio.timeout(self.timeout):
                    answers = await self.resolver(host, port)
                found = [ipaddress.ip_address(a) for a in dict.fromkeys(answers)]
            except (OSError, TimeoutError, ValueError, UnicodeError) as error:
                raise HostUnresolved(host) from error
            if not found:
                raise HostUnresolved(host)
        for address in found:
            kind = self.refusal(address)
            if kind is not None:
                raise AddressRefused(host, address, kind)
        return found
