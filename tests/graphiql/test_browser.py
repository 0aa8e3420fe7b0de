"""GraphiQL in a real headless Chromium with no way off loopback: the page renders its
editor from the server's own files, runs a query with a bearer token typed into the
Headers tab, and shows the data the server answers; a subscription run with the token
shows the event a grade change (made over plain HTTP) sends, and one without a token
shows the server's refusal at once. The server is the real app under uvicorn on
127.0.0.1; the browser is Debian's ``/usr/bin/chromium`` driven by Playwright.

Every request the browser makes goes through a route that lets loopback through and aborts
anything else (and, in case something escaped the route, the browser resolves no name but
loopback ones). The test counts both and requires zero requests off loopback; a second
test shows that net, and the page's Content-Security-Policy, catching such a request. Run with
``-rA`` (or ``-s``) to see what it saw: the requests, the headers template, the result pane.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from playwright.async_api import Page, Route, WebSocket, async_playwright
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from server.app import create_app
from server.auth import mint_token
from server.db.engine import create_engine
from server.db.migrate import upgrade_on
from server.demo import load_demo_data
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
STREAM = (
    'subscription { gradeStream(managerId: "%s") { __typename ... on StreamStarted { cursor } '
    "... on ChangeEvent { cursor kind data { ... on GradeChangedData { manager { id } "
    "toTier { code } } } } } }"
)
PROPOSE = """mutation($m: ID!, $t: String!) { proposeTierChange(managerId: $m, tierCode: $t,
  reason: "调整") { __typename ... on TierProposal { id } } }"""
CONFIRM = """mutation($id: ID!) { confirmTierChange(id: $id) { __typename
  ... on TierProposal { toTier { code } } } }"""
PROPOSER, CHECKER = "hr-propose", "hr-check"
"""A manual tier change is proposed by one HR person and confirmed by a second."""
REFUSAL_WAIT_MS = 15_000
"""A refused connection shows within this; a client retrying 4403 with back-off would
take over 30 s to give up."""
RETRY_WATCH_MS = 5_000
"""How long a refused page is watched for a second WebSocket: a back-off client's first
retry comes 1.3 s to 4 s after the refusal."""
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


@contextlib.asynccontextmanager
async def _serving(settings: Settings) -> AsyncIterator[str]:
    """The app under uvicorn on a free loopback port, on ``settings``' database; its address."""
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


@pytest.fixture
async def served(settings: Settings, engine: AsyncEngine) -> AsyncIterator[str]:
    """The app on the run's migrated demo database (``engine`` made it); its address."""
    async with _serving(settings) as address:
        yield address


@pytest.fixture
async def own_database(settings: Settings, tmp_path: Path) -> AsyncIterator[Settings]:
    """Settings on a database of the test's own, migrated, with a little demo data: a test
    that commits changes (the subscription's event) leaves the run's shared database as it
    was."""
    base = settings.database_url
    if not base.startswith("postgresql"):
        yield dataclasses.replace(
            settings, database_url=f"sqlite+aiosqlite:///{tmp_path / 'own.db'}"
        )
        return
    name = f"rc_giql_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(base).set(database=name).render_as_string(hide_password=False)
        yield dataclasses.replace(settings, database_url=url)
    finally:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()


@pytest.fixture
async def served_own(own_database: Settings) -> AsyncIterator[str]:
    """The app on the test's own database, migrated and loaded first; its address."""
    engine = create_engine(own_database)
    try:
        async with engine.connect() as conn:
            await conn.run_sync(upgrade_on)
            await conn.commit()
        async with async_sessionmaker(engine)() as session, session.begin():
            await load_demo_data(
                session,
                lookup_key=own_database.identity_lookup_key,
                managers=6,
                customers=10,
                loans=20,
                tenants=["sd-demo"],
            )
    finally:
        await engine.dispose()
    async with _serving(own_database) as address:
        yield address


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
    sockets: list[str] = field(default_factory=list)
    opened: list[WebSocket] = field(default_factory=list)
    frames_sent: list[dict[str, Any]] = field(default_factory=list)

    def off_loopback(self) -> list[str]:
        """Every request and WebSocket the page opened to a host off loopback, routed or not
        (the route sees no WebSocket; the page's ``websocket`` event does)."""
        return [
            url
            for url in (*self.requested, *self.sockets)
            if urlsplit(url).hostname not in LOOPBACK_HOSTS
        ]

    def watch(self, socket: WebSocket) -> None:
        self.sockets.append(socket.url)
        self.opened.append(socket)
        socket.on("framesent", lambda payload: self.frames_sent.append(json.loads(payload)))

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
            browsing.page.on("websocket", browsing.watch)
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


async def _post(
    client: httpx.AsyncClient, settings: Settings, user: str, query: str, variables: dict[str, Any]
) -> Any:
    token = mint_token(settings, tenant="sd-demo", user=user, roles=[Role.HR])
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def _change_grade(
    client: httpx.AsyncClient, settings: Settings, manager: dict[str, Any]
) -> str:
    """One grade change of ``manager`` (between SD_2 and SD_3), proposed and confirmed over
    plain HTTP; the tier it moved to."""
    target = "SD_3" if manager["tier"]["code"] != "SD_3" else "SD_2"
    proposed = await _post(client, settings, PROPOSER, PROPOSE, {"m": manager["id"], "t": target})
    assert proposed["proposeTierChange"]["__typename"] == "TierProposal", proposed
    proposal = proposed["proposeTierChange"]["id"]
    confirmed = await _post(client, settings, CHECKER, CONFIRM, {"id": proposal})
    assert confirmed["confirmTierChange"]["toTier"]["code"] == target, confirmed
    return target


async def _start_graphiql(browsing: Browsing, served: str, document: str, headers: str) -> None:
    """Open GraphiQL and put ``document`` and ``headers`` in its editors."""
    page = browsing.page
    answer = await page.goto(f"{served}/graphql")
    assert answer is not None
    assert answer.status == 200
    await page.locator(QUERY_EDITOR).wait_for(state="visible")
    await _replace_text(page, QUERY_EDITOR, document)
    await _replace_text(page, HEADERS_EDITOR, headers)
    assert await _editor_text(page, QUERY_EDITOR) == document


async def test_graphiql_subscribes_with_the_token_and_shows_the_event(
    served_own: str, own_database: Settings
) -> None:
    settings = own_database
    token = mint_token(settings, tenant="sd-demo", user=USER, roles=[Role.RISK])
    async with httpx.AsyncClient(base_url=served_own, timeout=60) as client:
        listed = await _post(
            client,
            settings,
            PROPOSER,
            "{ managers(first: 100, filter: {statuses: [ACTIVE]}) { edges { node { id tier { code } } } } }",
            {},
        )
        managers = [e["node"] for e in listed["managers"]["edges"] if e["node"]["tier"]]
        assert len(managers) >= 2
        manager, other = managers[0], managers[1]

        async with _browsing() as browsing:
            page = browsing.page
            document = STREAM % manager["id"]
            await _start_graphiql(
                browsing, served_own, document, json.dumps({"Authorization": f"Bearer {token}"})
            )
            await page.locator(RUN_BUTTON).click()
            await page.locator(RESULT_PANE).filter(has_text="StreamStarted").wait_for()
            started = json.loads(await _editor_text(page, RESULT_PANE))
            print("result pane once subscribed:", json.dumps(started))
            assert started["data"]["gradeStream"]["__typename"] == "StreamStarted"
            running = await page.locator(RUN_BUTTON).get_attribute("aria-label")
            assert running == "Stop query (Ctrl-Enter)"

            await _change_grade(client, settings, other)  # another manager: filtered out
            target = await _change_grade(client, settings, manager)
            await page.locator(RESULT_PANE).filter(has_text="ChangeEvent").wait_for()
            event = json.loads(await _editor_text(page, RESULT_PANE))
            print("result pane after the grade change:", json.dumps(event, ensure_ascii=False))
            async with browsing.opened[0].expect_event("close"):
                await page.locator(RUN_BUTTON).click()  # "Stop query": the socket closes
            stopped = await page.locator(RUN_BUTTON).get_attribute("aria-label")
            print("frames GraphiQL sent:", json.dumps(browsing.frames_sent)[:400])
            print("WebSockets opened:", browsing.sockets)
            violations = await browsing.policy_violations()
            print("Content-Security-Policy violations:", violations)

    streamed = event["data"]["gradeStream"]
    assert streamed["__typename"] == "ChangeEvent"
    assert streamed["kind"] == "GRADE_CHANGED"
    assert streamed["data"] == {"manager": {"id": manager["id"]}, "toTier": {"code": target}}
    assert int(streamed["cursor"]) > int(started["data"]["gradeStream"]["cursor"])
    init, subscribe, complete = browsing.frames_sent
    assert init == {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
    assert subscribe["type"] == "subscribe"
    assert subscribe["payload"]["query"] == document
    assert complete == {"id": subscribe["id"], "type": "complete"}
    assert stopped == "Execute query (Ctrl-Enter)"
    assert browsing.sockets == [served_own.replace("http://", "ws://") + "/graphql"]
    assert violations == []  # connect-src 'self' admits the page's own ws: origin
    assert browsing.page_errors == []
    assert browsing.off_loopback() == []


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer <token>"}],
    ids=["no-header", "template-left-as-is"],
)
async def test_graphiql_shows_a_refused_subscription_at_once(
    served: str, headers: dict[str, str]
) -> None:
    async with _browsing() as browsing:
        page = browsing.page
        await _start_graphiql(browsing, served, STREAM % "00000000", json.dumps(headers))
        clicked = time.monotonic()
        await page.locator(RUN_BUTTON).click()
        await page.locator(RESULT_PANE).filter(has_text="4403").wait_for(timeout=REFUSAL_WAIT_MS)
        waited = time.monotonic() - clicked
        shown = json.loads(await _editor_text(page, RESULT_PANE))
        print(f"result pane {waited:.1f} s after run:", json.dumps(shown))
        print("frames GraphiQL sent:", browsing.frames_sent)
        executing = await page.locator(RUN_BUTTON).get_attribute("aria-label")
        await page.wait_for_timeout(RETRY_WATCH_MS)
        print("WebSockets opened:", browsing.sockets)
        violations = await browsing.policy_violations()

    assert [frame["type"] for frame in browsing.frames_sent] == ["connection_init"]
    assert browsing.frames_sent[0]["payload"] == headers
    [error] = shown["errors"]
    assert error["message"].startswith("The server refused the subscription's connection")
    assert error["extensions"]["closeCode"] == 4403
    assert len(browsing.sockets) == 1  # refused once, not retried
    assert executing == "Execute query (Ctrl-Enter)"  # no longer running: not a hang
    assert violations == []
    assert browsing.page_errors == []
