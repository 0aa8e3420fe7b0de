"""The files GraphiQL's page loads, served by the server itself under ``/graphiql/static/``.

``VENDORED`` lists the unmodified release files of ``static/vendor/`` (see its README),
each pinned by its sha384; the page names that hash in the tag's ``integrity``, so a
browser refuses a file that is not the one pinned. Their folders carry the version, and a
new version is a new address: they are cached for a year, ``immutable``. ``OWN`` are the
page's own start script and style sheet, hashed as they are read and revalidated on each
load (``no-cache``: the browser keeps them while their ETag holds).

Only a listed file is served: any other path under the prefix is 404, whatever is on disk.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route, Router
from starlette.types import ASGIApp

STATIC = Path(__file__).resolve().parent / "static"
PREFIX = "graphiql/static/"
"""Where the files are, relative to the page (``/graphql``): ``/graphiql/static/…``."""

JAVASCRIPT = "text/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


@dataclass(frozen=True)
class Asset:
    """A file the page loads: its path under ``static/``, media type and sha384."""

    path: str
    media_type: str
    integrity: str
    cache_control: str

    @property
    def url(self) -> str:
        return PREFIX + self.path


def sri_sha384(content: bytes) -> str:
    """The Subresource Integrity value of ``content``: ``sha384-`` and the base64 digest."""
    return "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode("ascii")


REACT = Asset(
    "vendor/react-18.3.1/react.production.min.js",
    JAVASCRIPT,
    "sha384-DGyLxAyjq0f9SPpVevD6IgztCFlnMF6oW/XQGmfe+IsZ8TqEiDrcHkMLKI6fiB/Z",
    IMMUTABLE,
)
REACT_DOM = Asset(
    "vendor/react-dom-18.3.1/react-dom.production.min.js",
    JAVASCRIPT,
    "sha384-gTGxhz21lVGYNMcdJOyq01Edg0jhn/c22nsx0kyqP0TxaV5WVdsSH1fSDUf5YJj1",
    IMMUTABLE,
)
GRAPHIQL_JS = Asset(
    "vendor/graphiql-3.9.0/graphiql.min.js",
    JAVASCRIPT,
    "sha384-8NGfVj4CVlqHajlZj+bPJT4thxPMHMJYn7DWK2CvtopLd02E7qsPHazniBYvVjOO",
    IMMUTABLE,
)
GRAPHIQL_CSS = Asset(
    "vendor/graphiql-3.9.0/graphiql.min.css",
    CSS,
    "sha384-QMux00XgRtwRLSYIY3kw2rj1ovk5AuuliAchk+HSQbqdbGFnz9GYuqIlOqxhwCE2",
    IMMUTABLE,
)
VENDORED = (REACT, REACT_DOM, GRAPHIQL_JS, GRAPHIQL_CSS)


def _own(path: str, media_type: str) -> Asset:
    return Asset(path, media_type, sri_sha384((STATIC / path).read_bytes()), REVALIDATE)


START_JS = _own("start.js", JAVASCRIPT)
START_CSS = _own("start.css", CSS)
OWN = (START_JS, START_CSS)

SERVED = {asset.path: asset for asset in (*VENDORED, *OWN)}


async def _serve(request: Request) -> Response:
    asset = SERVED.get(request.path_params["path"])
    if asset is None:
        return PlainTextResponse("not found", status_code=404)
    return FileResponse(
        STATIC / asset.path,
        media_type=asset.media_type,
        headers={"Cache-Control": asset.cache_control, "X-Content-Type-Options": "nosniff"},
    )


def static_app() -> ASGIApp:
    """The ASGI app to mount at ``/graphiql/static``: the listed files, gzipped for a
    client that accepts it (GraphiQL's script and style sheet: 1.4 MB, 0.6 MB compressed)."""
    return GZipMiddleware(
        Router(routes=[Route("/{path:path}", _serve, methods=["GET"])]), minimum_size=1024
    )
