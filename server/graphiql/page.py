"""The GraphiQL page ``GET /graphql`` answers: every file it loads comes from this server
(``server.graphiql.assets``), so it works on an intranet with no way out.

Each ``<script>`` and style sheet names its sha384 (``integrity``); the page runs no inline
script and no inline style, and its Content-Security-Policy lets it load and connect to its
own origin only. Fonts and the icon are ``data:`` addresses inside the files themselves.
"""

from __future__ import annotations

from html import escape

from starlette.responses import HTMLResponse

from server.graphiql.assets import (
    GRAPHIQL_CSS,
    GRAPHIQL_JS,
    REACT,
    REACT_DOM,
    START_CSS,
    START_JS,
    Asset,
)

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "font-src 'self' data:",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
"""Only the server's own files and its own ``/graphql`` (HTTP and WebSocket)."""


def _stylesheet(asset: Asset) -> str:
    return (
        f'<link rel="stylesheet" href="{escape(asset.url)}" '
        f'integrity="{asset.integrity}" crossorigin="anonymous">'
    )


def _script(asset: Asset) -> str:
    return (
        f'<script src="{escape(asset.url)}" integrity="{asset.integrity}" '
        'crossorigin="anonymous"></script>'
    )


PAGE = "\n".join(
    (
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        "<title>ruralcredit · GraphiQL</title>",
        '<link rel="icon" href="data:,">',
        _stylesheet(GRAPHIQL_CSS),
        _stylesheet(START_CSS),
        "</head>",
        "<body>",
        '<div id="graphiql">Loading…</div>',
        *(_script(asset) for asset in (REACT, REACT_DOM, GRAPHIQL_JS, START_JS)),
        "</body>",
        "</html>",
        "",
    )
)
"""The page; its addresses are relative, so it also works behind a path prefix."""


def graphiql_page(headers: dict[str, str]) -> HTMLResponse:
    """The page, with ``headers`` (the request id) and its security headers."""
    return HTMLResponse(
        PAGE,
        headers={
            **headers,
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-cache",
        },
    )
