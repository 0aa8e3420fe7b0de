"""The page ``GET /graphql`` serves: every file it loads is the server's own, named with the
hash pinned for it, under a Content-Security-Policy that admits the page's origin only."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx
import pytest

from server.app import create_app
from server.graphiql.assets import SERVED, STATIC, sri_sha384
from server.graphiql.page import CONTENT_SECURITY_POLICY
from server.settings import Settings


class _Loads(HTMLParser):
    """The page's scripts and style sheets (their attributes) and any inline script."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[dict[str, str | None]] = []
        self.inline_scripts: list[str] = []
        self.inline_styles: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if "style" in attributes:
            self.inline_styles.append(tag)
        if tag == "script" or (tag == "link" and attributes.get("rel") == "stylesheet"):
            self.tags.append({"tag": tag, **attributes})
        self._in = tag

    def handle_data(self, data: str) -> None:
        if self._in == "script" and data.strip():
            self.inline_scripts.append(data)
        if self._in == "style":
            self.inline_styles.append("style")

    def handle_endtag(self, tag: str) -> None:
        self._in = None


@pytest.fixture
async def page(settings: Settings) -> httpx.Response:
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get("/graphql", headers={"X-Request-ID": "page-1"})


def _loads(page: httpx.Response) -> _Loads:
    parser = _Loads()
    parser.feed(page.text)
    return parser


def test_the_page_loads_each_served_file_once_with_its_pinned_hash(page: httpx.Response) -> None:
    assert page.status_code == 200
    loads = _loads(page)
    addresses = {str(t.get("src") or t.get("href")): t for t in loads.tags}
    assert sorted(addresses) == sorted(asset.url for asset in SERVED.values())
    for asset in SERVED.values():
        tag = addresses[asset.url]
        assert tag["tag"] == ("script" if asset.path.endswith(".js") else "link")
        assert tag["integrity"] == sri_sha384((STATIC / asset.path).read_bytes())
        assert tag["crossorigin"] == "anonymous"


def test_the_page_names_no_other_host_and_runs_nothing_inline(page: httpx.Response) -> None:
    loads = _loads(page)
    assert loads.inline_scripts == []
    assert loads.inline_styles == []
    assert re.findall(r"(?:https?:)?//[^\s\"']+", page.text) == []


def test_react_comes_before_graphiql_and_the_start_script_last(page: httpx.Response) -> None:
    scripts = [str(t["src"]) for t in _loads(page).tags if t["tag"] == "script"]
    assert [s.rsplit("/", 1)[1] for s in scripts] == [
        "react.production.min.js",
        "react-dom.production.min.js",
        "graphiql.min.js",
        "start.js",
    ]


def test_the_page_admits_its_own_origin_only(page: httpx.Response) -> None:
    policy = dict(
        (d.split(" ", 1)[0], d.split(" ", 1)[1])
        for d in page.headers["content-security-policy"].split("; ")
    )
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert policy == {
        "default-src": "'none'",
        "script-src": "'self'",
        "style-src": "'self'",
        "font-src": "'self' data:",
        "img-src": "'self' data:",
        "connect-src": "'self'",
        "base-uri": "'none'",
        "form-action": "'none'",
        "frame-ancestors": "'none'",
    }
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["x-request-id"] == "page-1"


def test_the_start_script_offers_a_bearer_token_template_and_keeps_no_header() -> None:
    script = (STATIC / "start.js").read_text()
    assert 'JSON.stringify({ Authorization: "Bearer <token>" }' in script
    assert "shouldPersistHeaders: false" in script
    assert "isHeadersEditorEnabled: true" in script
