"""GraphiQL in a real headless Chromium with no way off loopback: the page renders its
editor from the server's own files, runs a query with a bearer token typed into the
Headers tab, and shows the data the server answers. The server is the real app under
uvicorn on 127.0.0.1; the browser is Debian's ``/usr/bin/chromium`` driven by Playwright.

Every request the browser makes goes through a route that lets loopback through and aborts
anything else (and, in case something escaped the route, the browser resolves no name but
loopback ones). The test counts both and requires zero requests off loopback; a second
test shows that net, and the page's Content-Security-Policy, catching such a request. Run with
``-rA`` (or ``-s``) to see what it saw: the requests, the headers template, the result pane.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from playwright.async_api import Page, Route, async_playwright
from sqlalchemy.ext.asyncio import AsyncEngine

from server.app import create_app
from server.auth import mint_token
from server.domain import Role
from server.http_limits import BoundedHeadProtocol
from server.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
SKIP_REASON = (
    f"chromium not installed at {CHROMIUM}: install Debian's chromium package "
    "(apt-get install chromium) to run the browser test"
)
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=SKIP_REASON)

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
QUERY = "{ viewer { userId roles } }"
USER = "u-graphiql"
TIMEOUT_MS = 90_000
"""Generous: the machine may be loaded, and GraphiQL's script is parsed cold."""

QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
HEADERS_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"
RESULT_PANE = ".graphiql-response .CodeMirror"
RUN_BUTTON = ".graphiql-execute-button"

WATCH_POLICY_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture
async def served(settings: Settings, engine: AsyncEngine) -> AsyncIterator[str]:
    """The app under uvicorn on a free loopback port, on the run's migrated demo database
    (``engine`` made it); its address."""
    app = create_app(settings)
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
    for _ in range(1000):  # uvicorn's Server has no event for "started"
        if server.started:
            break
        await asyncio.sleep(0.01)
    assert server.started
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        await serving
        own_engine = app.state.ruralcredit.engine
        assert own_engine is not None
        await own_engine.dispose()


async def _editor_text(page: Page, selector: str) -> str:
    """What a CodeMirror editor of the page holds (all of it, not only the lines drawn)."""
    text: str = await page.eval_on_selector(selector, "element => element.CodeMirror.getValue()")
    return text


async def _replace_text(page: Page, selector: str, text: str) -> None:
    """Select all of an editor's text and put ``text`` in its place, as pasting would."""
    await page.locator(selector).click()
    await page.keyboard.press("Control+A")
    await page.keyboard.insert_text(text)


@dataclass
class Browsing:
    """A page in a fresh browser context, and what the browser asked for through it."""

    page: Page
    loopback: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def off_loopback(self) -> list[str]:
        """Every request the page made to a host off loopback, routed or not."""
        return [url for url in self.requested if urlsplit(url).hostname not in LOOPBACK_HOSTS]

    async def policy_violations(self) -> list[str]:
        violations: list[str] = await self.page.evaluate("window.__violations")
        return violations


@contextlib.asynccontextmanager
async def _browsing() -> AsyncIterator[Browsing]:
    """Chromium with every request off loopback aborted (and counted), and no name
    resolved but loopback ones, in case a request escaped the route."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"],
            timeout=TIMEOUT_MS,
        )
        try:
            context = await browser.new_context()
            context.set_default_timeout(TIMEOUT_MS)
            await context.add_init_script(WATCH_POLICY_VIOLATIONS)
            browsing = Browsing(await context.new_page())

            async def only_loopback(route: Route) -> None:
                url = route.request.url
                if urlsplit(url).hostname in LOOPBACK_HOSTS:
                    browsing.loopback.append(url)
                    await route.continue_()
                else:
                    browsing.blocked.append(url)
                    await route.abort("blockedbyclient")

            await context.route("**/*", only_loopback)
            browsing.page.on("request", lambda request: browsing.requested.append(request.url))
            browsing.page.on("pageerror", lambda error: browsing.page_errors.append(str(error)))
            yield browsing
        finally:
            await browser.close()


async def test_graphiql_runs_a_query_with_a_bearer_token_and_nothing_leaves_loopback(
    served: str, settings: Settings
) -> None:
    token = mint_token(settings, tenant="sd-demo", user=USER, roles=[Role.HR, Role.RISK])
    async with httpx.AsyncClient(base_url=served, timeout=60) as client:
        direct = await client.post(
            "/graphql", json={"query": QUERY}, headers={"Authorization": f"Bearer {token}"}
        )
    assert direct.status_code == 200, direct.text
    expected: dict[str, Any] = direct.json()
    assert expected["data"]["viewer"]["userId"] == USER

    async with _browsing() as browsing:
        page = browsing.page
        answer = await page.goto(f"{served}/graphql")
        assert answer is not None
        assert answer.status == 200
        print("blocked off loopback while loading:", browsing.blocked)
        assert browsing.blocked == []
        await page.locator(QUERY_EDITOR).wait_for(state="visible")
        await page.locator(RUN_BUTTON).wait_for(state="visible")
        print("editor rendered:", QUERY_EDITOR, "and", RUN_BUTTON, "visible")

        template = await _editor_text(page, HEADERS_EDITOR)
        print("headers template:", template.replace("\n", " "))
        assert json.loads(template) == {"Authorization": "Bearer <token>"}

        await _replace_text(page, QUERY_EDITOR, QUERY)
        await _replace_text(page, HEADERS_EDITOR, json.dumps({"Authorization": f"Bearer {token}"}))
        assert await _editor_text(page, QUERY_EDITOR) == QUERY
        await page.locator(RUN_BUTTON).click()
        await page.locator(RESULT_PANE).filter(has_text=USER).wait_for(state="visible")

        shown = await page.locator(RESULT_PANE).inner_text()
        result = await _editor_text(page, RESULT_PANE)
        print("result pane:", result.replace("\n", " "))
        print("same query over HTTP:", json.dumps(expected))
        assert USER in shown
        assert json.loads(result) == expected

        violations = await browsing.policy_violations()
        print("requests:", len(browsing.requested), "on loopback:", sorted(set(browsing.loopback)))
        print("blocked off loopback in all:", browsing.blocked)
        print("Content-Security-Policy violations:", violations)
        print("page errors:", browsing.page_errors)
        assert violations == []
        assert browsing.page_errors == []
        assert browsing.blocked == []
        assert browsing.off_loopback() == []
        assert any(url.endswith("/graphiql.min.js") for url in browsing.loopback)


async def test_the_browser_guard_counts_what_it_blocks_and_the_page_policy_refuses_more(
    served: str,
) -> None:
    """The two nets the test above relies on hold: a request off loopback from a page with
    no policy is counted and aborted; from GraphiQL's page its policy refuses it before
    any request is made."""
    async with _browsing() as browsing:
        page = browsing.page
        await page.set_content('<img src="https://unpkg.com/react@18.3.1/umd/react.js">')
        await page.wait_for_load_state("load")
        print("blocked from a page without policy:", browsing.blocked)
        assert browsing.blocked == ["https://unpkg.com/react@18.3.1/umd/react.js"]
        assert browsing.off_loopback() == browsing.blocked

        await page.goto(f"{served}/graphql")
        await page.locator(QUERY_EDITOR).wait_for(state="visible")
        refused = await page.evaluate(
            "fetch('https://cdn.jsdelivr.net/npm/graphiql').then(() => 'sent', () => 'refused')"
        )
        violations = await browsing.policy_violations()
        print("fetch off the origin from GraphiQL's page:", refused, "violations:", violations)
        assert refused == "refused"
        assert violations == ["connect-src https://cdn.jsdelivr.net/npm/graphiql"]
        assert browsing.blocked == ["https://unpkg.com/react@18.3.1/umd/react.js"]
