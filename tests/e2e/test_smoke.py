"""The browser harness itself, on a stand-in client: Chromium starts, a page served by our
server under its CSP opens `/ws` from the page's own script, the server's Origin check
accepts the page, and what the CSP refuses is recorded as an error."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import expect

from tests.e2e.browser import NewContext, save_screenshot
from tests.harness import ServerProcess, register
from tests.web.dist import write_dist

INDEX = """<!doctype html>
<html><head><meta charset="utf-8"><title>Shomik smoke</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<script type="module" src="/assets/app.js"></script></head>
<body><h1>Shomik smoke test</h1><p id="status">loading</p></body></html>
"""

# The page's own code opens the socket, so the page's connect-src decides whether it may.
APP = """
const status = document.getElementById('status');

window.connect = (url) => new Promise((resolve, reject) => {
  const socket = new WebSocket(url);
  socket.onopen = () => socket.send(JSON.stringify(
    {type: 'auth', token: localStorage.getItem('token'), since: null}));
  socket.onmessage = (event) => {
    const frame = JSON.parse(event.data);
    status.textContent = `${frame.type}: ${frame.data.user.username}`;
    socket.close();
    resolve(frame);
  };
  // A connection the CSP blocks fires `error` and never `close`; and page.evaluate has no
  // timeout of its own, so a promise that never settles would hang the test.
  socket.onerror = () => reject(new Error('socket error'));
  socket.onclose = (event) => reject(new Error(`closed with ${event.code}`));
  setTimeout(() => reject(new Error('no answer within 5 s')), 5000);
});

status.textContent = 'loaded';
"""


@pytest.fixture(scope="module")
def smoke_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    build = write_dist(
        tmp_path_factory.mktemp("smoke") / "dist", {"index.html": INDEX, "assets/app.js": APP}
    )
    server = ServerProcess(tmp_path_factory.mktemp("smoke_server"), {"SHOMIK_WEB_DIR": str(build)})
    server.start()
    yield server
    server.stop()


async def test_page_opens_the_socket_under_its_csp(
    new_context: NewContext, smoke_server: ServerProcess
) -> None:
    user = await register(smoke_server)
    client = await new_context(base_url=smoke_server.url)
    page = await client.new_page()
    response = await page.goto("/chats/1")  # a client-side route: the index
    assert response is not None and response.status == 200
    assert "connect-src 'self'" in response.headers["content-security-policy"]
    await expect(page.locator("#status")).to_have_text("loaded")

    await page.evaluate("token => localStorage.setItem('token', token)", user.token)
    frame = await page.evaluate("() => connect(`ws://${location.host}/ws`)")
    assert frame["type"] == "ready"
    assert frame["data"]["user"]["id"] == user.id
    await expect(page.locator("#status")).to_have_text(f"ready: {user.username}")
    await save_screenshot(page, "smoke-ready")
    client.assert_no_errors()
    await user.aclose()


async def test_csp_refusals_are_recorded(
    new_context: NewContext, smoke_server: ServerProcess
) -> None:
    client = await new_context(base_url=smoke_server.url, phone=True)
    page = await client.new_page()
    await page.goto("/")
    assert await page.evaluate("() => [innerWidth, navigator.maxTouchPoints > 0]") == [390, True]
    # Same server, another origin (localhost is not 127.0.0.1): not in connect-src.
    elsewhere = f"ws://localhost:{smoke_server.port}/ws"
    with pytest.raises(PlaywrightError, match="socket error"):
        await page.evaluate("url => connect(url)", elsewhere)
    assert any("Content Security Policy" in error for error in client.errors), client.errors
    with pytest.raises(AssertionError, match="errors in the browser"):
        client.assert_no_errors()
