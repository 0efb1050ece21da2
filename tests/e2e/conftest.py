"""Fixtures of the browser tests: one Chromium for the session, the server with the real
built client, and isolated browser contexts. Nothing here skips: a missing browser or an
unbuilt client is an installation error and fails the tests that need it."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Generator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright
from playwright.async_api import Error as PlaywrightError

from tests.e2e.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    WEB_DIST,
    Client,
    NewContext,
    open_client,
    save_screenshot,
)
from tests.e2e.flows import People
from tests.harness import ServerProcess

HERE = Path(__file__).parent
# The call tests place real calls and must run in a loopback-only network namespace, where
# PostgreSQL is out of reach: `make calls` runs them alone there with SHOMIK_CALL_TESTS=1.
collect_ignore: list[str] = [] if os.environ.get("SHOMIK_CALL_TESTS") == "1" else ["calls"]
_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every test here is an e2e test: `pytest -m "not e2e"` leaves the browser out.
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Kept so that `new_context` can tell at teardown whether the test failed.
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Headless Debian Chromium, shared by the session (contexts isolate the tests)."""
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run make install")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        await chromium.close()


@pytest.fixture(scope="session")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server serving the real built client from `web/dist`."""
    if not (WEB_DIST / "index.html").is_file():
        pytest.fail(f"web client not built: run make install ({WEB_DIST}/index.html is missing)")
    server = ServerProcess(tmp_path_factory.mktemp("web_server"), {"SHOMIK_WEB_DIR": str(WEB_DIST)})
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def new_context(
    browser: Browser, request: pytest.FixtureRequest
) -> AsyncIterator[NewContext]:
    """A factory of isolated browser contexts (see `NewContext`), all closed at teardown;
    if the test failed, every open page is first saved to `test-artifacts/`."""
    clients: list[Client] = []

    async def make(
        *, phone: bool = False, base_url: str | None = None, **options: object
    ) -> Client:
        if base_url is None:  # asked for only here, so tests on other servers need no build
            base_url = request.getfixturevalue("web_server").url
        client = await open_client(browser, base_url, phone, **options)
        clients.append(client)
        return client

    yield make
    call = request.node.stash.get(_REPORTS, {}).get("call")
    for number, client in enumerate(clients):
        if call is not None and call.failed:
            for index, page in enumerate(client.context.pages):
                # A crashed or closing page has no picture to give; the failure is reported.
                with contextlib.suppress(PlaywrightError):
                    await save_screenshot(page, f"{request.node.name}-failed-{number}-{index}")
        await client.context.close()


@pytest.fixture
async def people(web_server: ServerProcess) -> AsyncIterator[People]:
    """The people of one test, registered over REST on this test's server."""
    people = People(web_server)
    yield people
    await people.aclose()
