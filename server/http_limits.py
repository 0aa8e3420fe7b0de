"""The HTTP protocol the server speaks: uvicorn's httptools protocol, with a cap on the head.

httptools sets no limit on a request's head (request line and headers) and joins the
pieces of a long header again each time a piece arrives: a 30 MB ``Authorization``
header held the event loop for 3 s, every other request (``/healthz`` too) waiting,
before the application could refuse the token. ``BoundedHeadProtocol`` counts a head's
bytes as they arrive and, past ``MAX_HEAD_BYTES``, answers 431 and closes the connection
before handing them to the parser.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD_BYTES = 65_536
"""The longest request head accepted: eight times the longest bearer token the default
settings accept (``RURALCREDIT_JWT_MAX_BYTES``), and then some."""
END_OF_HEAD = b"\r\n\r\n"
_REFUSAL = b"request head larger than 64 KiB"
TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(_REFUSAL), _REFUSAL)
)


class BoundedHeadProtocol(HttpToolsProtocol):
    """httptools with ``MAX_HEAD_BYTES`` on each request's head (keep-alive requests too)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._head_bytes = 0
        self._tail = b""  # the last bytes seen, in case the head's end spans two pieces

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            seen = self._tail + data
            end = seen.find(END_OF_HEAD)
            self._head_bytes += len(data) if end < 0 else end + len(END_OF_HEAD) - len(self._tail)
            self._tail = seen[-(len(END_OF_HEAD) - 1) :]
            if self._head_bytes > MAX_HEAD_BYTES:
                self.transport.write(TOO_LARGE)
                self.transport.close()
                return
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head = True
        self._head_bytes = 0
        self._tail = b""
