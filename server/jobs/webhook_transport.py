"""The HTTP client of webhook delivery: it connects only where the address policy allows,
to the very address it checked.

Checking a name and then letting the HTTP library resolve it again would leave a gap
a rebinding DNS server can use (public at the check, 127.0.0.1 at the connection).
Here the name is resolved once per connection, every address is checked
(:class:`~server.services.webhook_addresses.AddressPolicy`), and the socket is opened
to a checked address; the request still carries the URL's host in its ``Host`` header
and as the TLS server name, so virtual hosts and certificates work as usual.

The client follows no redirect (a redirect is the receiver's error, not a new target),
and reads no proxy settings from the environment: a proxy would connect to a target
this check never saw.
"""

from __future__ import annotations

from collections.abc import Iterable

import httpcore
import httpx

from server.services.webhook_addresses import AddressPolicy

#: Connections kept open for reuse, and for how long; one receiver rarely needs more.
MAX_CONNECTIONS = 100
MAX_KEEPALIVE_CONNECTIONS = 20
KEEPALIVE_SECONDS = 5.0


class _CheckedBackend(httpcore.AsyncNetworkBackend):
    """Opens TCP connections only to addresses the policy allows, trying each in turn."""

    def __init__(self, addresses: AddressPolicy) -> None:
        self._addresses = addresses
        self._network = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - the library's own signature
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        checked = await self._addresses.addresses(host, port)  # raises when refused
        failure: Exception | None = None
        for address in checked:
            try:
                return await self._network.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        assert failure is not None  # addresses() returns at least one address
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - the library's own signature
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks are sent over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._network.sleep(seconds)


class _CheckedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, addresses: AddressPolicy) -> None:
        super().__init__()
        # httpx's transport takes no network backend, so its connection pool is replaced
        # by one with the same certificate checks that connects through the policy.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=MAX_CONNECTIONS,
            max_keepalive_connections=MAX_KEEPALIVE_CONNECTIONS,
            keepalive_expiry=KEEPALIVE_SECONDS,
            network_backend=_CheckedBackend(addresses),
        )


def webhook_client(addresses: AddressPolicy) -> httpx.AsyncClient:
    """The client deliveries are sent with; a refused address raises
    :class:`~server.services.webhook_addresses.AddressRefused` from the request."""
    return httpx.AsyncClient(
        transport=_CheckedTransport(addresses), trust_env=False, follow_redirects=False
    )
