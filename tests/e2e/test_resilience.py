"""The client against a server that goes away: a restart (graceful or a crash), messages
written while it is down, a reload while it is down, and a short network drop. Each time
every message must end up on both screens exactly once and in order."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

import pytest
from playwright.async_api import Locator, Page, Request, Route, WebSocket, expect

from tests.e2e.browser import WEB_DIST, Client, NewContext
from tests.e2e.flows import both_open, send, signed_in_as, timeline
from tests.harness import ServerProcess, User, register

WEB_ENV = {"SHOMIK_WEB_DIR": str(WEB_DIST)}
# The reconnect backoff is 1, 2, 4, 8, 16 then 30 s, each ±25 %: after an outage of a few
# seconds the next try is at most 16 s * 1.25 = 20 s away. 40 s leaves room for a slow box.
RECONNECT_MS = 40_000
# Reconnect tries a page makes against a stopped server before the tests restart it; the
# next is then 2 ** 3 s ± 25 % away: time to write what the page is to catch up on.
RETRIES_BEFORE_RESTART = 3
# What a browser logs, as console errors, for every try against a server that is down.
NETWORK_NOISE = re.compile(r"WebSocket connection to .* failed|Failed to load resource: net::ERR_")

People = Callable[[ServerProcess], Awaitable[User]]


@dataclass
class Side:
    """One person: their REST account and their browser, open on the chat."""

    user: User
    client: Client
    page: Page


@pytest.fixture
async def own_server(make_server: Callable[..., ServerProcess]) -> ServerProcess:
    """A server of the test's own, serving the real client, to stop, kill and restart."""
    if not (WEB_DIST / "index.html").is_file():
        pytest.fail(f"web client not built: run make install ({WEB_DIST}/index.html is missing)")
    return await asyncio.to_thread(make_server, WEB_ENV)


@pytest.fixture
async def people() -> AsyncIterator[People]:
    made: list[User] = []

    async def make(server: ServerProcess) -> User:
        made.append(await register(server))
        return made[-1]

    yield make
    for user in made:
        await user.aclose()


async def open_side(new_context: NewContext, server: ServerProcess, user: User, chat: int) -> Side:
    client = await new_context(base_url=server.url)
    page = await client.new_page()
    await signed_in_as(page, user, f"/chat/{chat}")
    await expect(timeline(page)).to_be_visible()
    return Side(user, client, page)


def status_line(page: Page) -> Locator:
    """The line over the chat list ("Connecting…", "Waiting for network…", "Updating…");
    absent when live."""
    return page.get_by_role("complementary", name="Chats", exact=True).get_by_role("status")


def sending(page: Page) -> Locator:
    return timeline(page).get_by_role("img", name="Sending")


async def message_texts(page: Page) -> list[str]:
    """The bubbles' texts top to bottom, as a screen reader names them ("You: hi" -> "hi")."""
    labels: list[Any] = (
        await timeline(page)
        .locator("article")
        .evaluate_all("els => els.map(e => e.getAttribute('aria-label') ?? '')")
    )
    return [str(label).split(": ", 1)[-1] for label in labels]


async def expect_messages(page: Page, expected: list[str], timeout_ms: float = 10_000) -> None:
    """The timeline shows exactly `expected`: each once, in this order (polled until then)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_ms / 1000
    got = await message_texts(page)
    while got != expected and loop.time() < deadline:
        await asyncio.sleep(0.1)
        got = await message_texts(page)
    duplicates = {text: n for text, n in Counter(got).items() if n > 1}
    assert not duplicates, f"shown more than once: {duplicates} in {got}"
    assert got == expected


async def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not condition():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def service_worker_ready(page: Page) -> None:
    """The app's service worker is active (the shell is precached), within 10 s."""
    state = await page.evaluate(
        """() => Promise.race([
            navigator.serviceWorker.ready.then(({ active }) => new Promise(resolve => {
                const done = () => { if (active.state === 'activated') resolve(active.state) }
                active.addEventListener('statechange', done)
                done()
            })),
            new Promise(resolve => setTimeout(() => resolve('timeout'), 10000)),
        ])"""
    )
    assert state == "activated"


def assert_only_network_errors(*sides: Side) -> None:
    """Failed connections to a stopped server are expected noise; nothing else is."""
    for side in sides:
        unexpected = [e for e in side.client.errors if not NETWORK_NOISE.search(e)]
        assert not unexpected, "errors in the browser:\n" + "\n".join(unexpected)


async def chat_of_two(
    new_context: NewContext, server: ServerProcess, people: People
) -> tuple[int, Side, Side]:
    alice, bob = await people(server), await people(server)
    chat: int = (await both_open(alice, bob))["id"]
    return (
        chat,
        await open_side(new_context, server, alice, chat),
        await open_side(new_context, server, bob, chat),
    )


@pytest.mark.parametrize("how", ["stop", "kill"])
async def test_both_sides_catch_up_after_a_server_restart(
    how: Literal["stop", "kill"], own_server: ServerProcess, new_context: NewContext, people: People
) -> None:
    server = own_server
    chat, a, b = await chat_of_two(new_context, server, people)
    bob_sockets: list[WebSocket] = []
    # From now on, every socket Bob's page opens: his reconnect attempts.
    b.page.on("websocket", lambda ws: bob_sockets.append(ws))
    await send(a.page, "before the outage")
    for side in (a, b):
        await expect_messages(side.page, ["before the outage"])

    port = server.port
    await asyncio.to_thread(server.stop if how == "stop" else server.kill)
    for side in (a, b):
        await expect(status_line(side.page)).to_have_text("Connecting…")
    # Three failed tries: Bob's next one is 8 s ± 25 % away, so what Alice writes right after
    # the restart is written while Bob is still away. (After two, 3 s at least were not
    # always enough for a restart and five sends on a busy machine.)
    await wait_until(lambda: len(bob_sockets) >= RETRIES_BEFORE_RESTART, 25, "failed tries")

    await asyncio.to_thread(server.start)
    assert (server.port, server.url) == (port, f"http://127.0.0.1:{port}")
    tries = len(bob_sockets)
    over_rest = [f"over REST {n}" for n in range(1, 6)]
    for text in over_rest:
        await a.user.send(chat, text)  # Alice's other device: REST
    assert len(bob_sockets) == tries, "Bob reconnected before the messages were written"
    in_the_ui = ["typed after the restart 1", "typed after the restart 2"]
    for text in in_the_ui:
        await send(a.page, text)

    expected = ["before the outage", *over_rest, *in_the_ui]
    for side in (a, b):
        await expect(status_line(side.page)).to_have_count(0, timeout=RECONNECT_MS)
        await expect_messages(side.page, expected, RECONNECT_MS)
    await expect(sending(a.page)).to_have_count(0)
    for side in (a, b):  # settled: nothing more arrived late
        await expect_messages(side.page, expected)
    assert_only_network_errors(a, b)


async def test_a_restored_backup_replaces_what_the_screens_show(
    own_server: ServerProcess, new_context: NewContext, people: People, tmp_path: Path
) -> None:
    """The database goes back to a backup while both pages stay open; by the time Bob's page
    comes back the restored log has issued his last seq again, to other events. His `since`
    would resume past them: the new epoch makes both pages load the restored state."""
    server = own_server
    chat, a, b = await chat_of_two(new_context, server, people)
    bob_sockets: list[WebSocket] = []
    b.page.on("websocket", lambda ws: bob_sockets.append(ws))
    await send(a.page, "kept")
    for side in (a, b):
        await expect_messages(side.page, ["kept"])
    backup = tmp_path / "backup.db"
    assert (await server.cli("backup", str(backup))).returncode == 0
    for text in ("lost 1", "lost 2"):
        await a.user.send(chat, text)
    for side in (a, b):
        await expect_messages(side.page, ["kept", "lost 1", "lost 2"])

    await asyncio.to_thread(server.stop)
    for suffix in ("", "-wal", "-shm"):
        (server.data_dir / f"shomik.db{suffix}").unlink(missing_ok=True)
    shutil.copyfile(backup, server.data_dir / "shomik.db")
    # As above: Bob's next try is seconds away when the server is back.
    await wait_until(lambda: len(bob_sockets) >= RETRIES_BEFORE_RESTART, 25, "failed tries")
    await asyncio.to_thread(server.start)
    tries = len(bob_sockets)
    # More events than the lost part of the log held (2 messages and the reads of them).
    restored = [f"after the restore {n}" for n in range(1, 11)]
    for text in restored:
        await a.user.send(chat, text)
    assert len(bob_sockets) == tries, "Bob reconnected before the log passed his position"

    for side in (a, b):
        await expect(status_line(side.page)).to_have_count(0, timeout=RECONNECT_MS)
        await expect_messages(side.page, ["kept", *restored], RECONNECT_MS)
    assert_only_network_errors(a, b)


async def test_messages_written_while_the_server_is_down_are_sent_once_it_is_back(
    own_server: ServerProcess, new_context: NewContext, people: People
) -> None:
    server = own_server
    _, a, b = await chat_of_two(new_context, server, people)
    await asyncio.to_thread(server.stop)
    await expect(status_line(a.page)).to_have_text("Connecting…")

    queued = ["written while down 1", "written while down 2"]
    for text in queued:
        await send(a.page, text)
    # Shown at once, in order, each with the clock.
    await expect_messages(a.page, queued, 2_000)
    await expect(sending(a.page)).to_have_count(2)

    await asyncio.to_thread(server.start)
    await expect_messages(b.page, queued, RECONNECT_MS)
    await expect(sending(a.page)).to_have_count(0, timeout=RECONNECT_MS)
    ticks = timeline(a.page).get_by_role("img", name=re.compile(r"^(Sent|Read)$"))
    await expect(ticks).to_have_count(2)
    # Bob has the chat open: both turn to read.
    await expect(timeline(a.page).get_by_role("img", name="Read")).to_have_count(2)
    for side in (a, b):
        await expect_messages(side.page, queued)
    assert_only_network_errors(a, b)


async def test_a_queued_message_survives_a_reload_while_the_server_is_down(
    own_server: ServerProcess, new_context: NewContext, people: People
) -> None:
    server = own_server
    _, a, b = await chat_of_two(new_context, server, people)
    await service_worker_ready(a.page)  # so that the page can load without the server
    await asyncio.to_thread(server.stop)
    await expect(status_line(a.page)).to_have_text("Connecting…")
    await send(a.page, "queued, then reloaded")
    await expect(sending(a.page)).to_have_count(1)

    await a.page.reload()
    await expect(status_line(a.page)).to_have_text("Connecting…")
    await expect_messages(a.page, ["queued, then reloaded"], 5_000)
    await expect(sending(a.page)).to_have_count(1)

    await asyncio.to_thread(server.start)
    await expect_messages(b.page, ["queued, then reloaded"], RECONNECT_MS)
    await expect(sending(a.page)).to_have_count(0, timeout=RECONNECT_MS)
    await expect(timeline(a.page).get_by_role("img", name="Read")).to_have_count(1)
    for side in (a, b):
        await expect_messages(side.page, ["queued, then reloaded"])
    assert_only_network_errors(a, b)


async def test_a_short_network_drop_resumes_without_refetching(
    web_server: ServerProcess, new_context: NewContext, people: People
) -> None:
    alice, bob = await people(web_server), await people(web_server)
    chat: int = (await both_open(alice, bob))["id"]
    client = await new_context()
    page = await client.new_page()
    sockets: list[list[str]] = []  # per socket Bob's page opened, the frames it sent

    def on_socket(ws: WebSocket) -> None:
        frames: list[str] = []
        sockets.append(frames)
        ws.on("framesent", lambda p: frames.append(p if isinstance(p, str) else p.decode()))

    requests: list[Request] = []
    page.on("websocket", on_socket)
    page.on("request", lambda r: requests.append(r))
    await signed_in_as(page, bob, f"/chat/{chat}")
    await alice.send(chat, "before the drop")
    await expect_messages(page, ["before the drop"])
    await expect(status_line(page)).to_have_count(0)
    assert len(sockets) == 1
    first = {"type": "auth", "token": bob.token, "since": None, "epoch": None}
    assert json.loads(sockets[0][0]) == first

    await client.context.set_offline(True)
    await expect(status_line(page)).to_have_text("Waiting for network…")
    during = [f"during the drop {n}" for n in range(1, 4)]
    for text in during:
        await alice.send(chat, text)
    seen = len(requests)
    await client.context.set_offline(False)

    await expect_messages(page, ["before the drop", *during])
    await expect(status_line(page)).to_have_count(0)
    assert len(sockets) == 2, "one new socket"
    auth = json.loads(sockets[1][0])
    assert auth["type"] == "auth"
    assert isinstance(auth["since"], int) and auth["since"] > 0, auth
    assert isinstance(auth["epoch"], str) and auth["epoch"], auth
    refetched = [
        r.url
        for r in requests[seen:]
        if r.method == "GET" and urlparse(r.url).path.startswith("/api/chats")
    ]
    assert refetched == [], "resumed with `since`: nothing to load again"
    await expect_messages(page, ["before the drop", *during])
    client.assert_no_errors()


async def test_a_state_load_cut_off_after_ready_starts_over_on_a_new_socket(
    web_server: ServerProcess, new_context: NewContext, people: People
) -> None:
    """The socket is up but a request of the state's load fails (a proxy reset it, the
    network went between the two): the app connects again and loads it again, and what was
    sent meanwhile is shown once; no unhandled rejection."""
    alice, bob = await people(web_server), await people(web_server)
    chat: int = (await both_open(alice, bob))["id"]
    await alice.send(chat, "before the cut")
    client = await new_context()
    page = await client.new_page()
    sockets: list[WebSocket] = []
    page.on("websocket", lambda ws: sockets.append(ws))
    held: list[Route] = []
    first_load = asyncio.Event()

    async def cut_the_first(route: Route) -> None:
        if held:
            await route.continue_()
            return
        held.append(route)  # answered below, once Bob's socket is ready
        first_load.set()

    await page.route("**/api/invites", cut_the_first)
    await signed_in_as(page, bob, f"/chat/{chat}")
    await asyncio.wait_for(first_load.wait(), 10)
    await expect(status_line(page)).to_have_text("Updating…")
    await alice.send(chat, "during the load")
    await held[0].abort("connectionreset")

    await expect_messages(page, ["before the cut", "during the load"])
    await expect(status_line(page)).to_have_count(0)
    assert len(sockets) == 2, "the state is loaded again on a new socket"
    await alice.send(chat, "after it")
    await expect_messages(page, ["before the cut", "during the load", "after it"])
    unexpected = [e for e in client.errors if not NETWORK_NOISE.search(e)]
    assert not unexpected, "errors in the browser:\n" + "\n".join(unexpected)
