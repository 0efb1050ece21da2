"""Chromium against the server's permessage-deflate (realtime/wsdeflate.py): told to
compress each message on its own, and reading on when the server, after a quiet spell, has
dropped its deflater and starts a fresh stream in the middle of the connection."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import WebSocket, expect

from tests.e2e.browser import WEB_DIST, NewContext
from tests.e2e.flows import People, both_open, bubble, open_app, open_chat, send, signed_in_as
from tests.harness import ServerProcess

TOKEN = "metrics-token-for-the-compression-test-01"


@pytest.fixture(scope="module")
def lean_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    env = {
        "SHOMIK_WEB_DIR": str(WEB_DIST),
        "SHOMIK_METRICS_TOKEN": TOKEN,
        "SHOMIK_WS_COMPRESSION_IDLE_SECONDS": "0.5",
    }
    server = ServerProcess(Path(tmp_path_factory.mktemp("lean_deflate")), env)
    server.start()
    yield server
    server.stop()


async def deflaters(server: ServerProcess) -> int:
    async with httpx.AsyncClient() as http:
        r = await http.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    lines = [line for line in r.text.splitlines() if line.startswith("shomik_ws_deflaters ")]
    assert lines, r.text[:300]
    return int(float(lines[0].split()[1]))


async def until_no_deflaters(server: ServerProcess) -> None:
    for _ in range(100):
        if await deflaters(server) == 0:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the server kept its deflaters through 10 s of quiet")


async def test_the_browser_reads_on_after_the_server_drops_its_deflater(
    lean_server: ServerProcess, new_context: NewContext
) -> None:
    people = People(lean_server)
    alice, bob = await people.register("Alice Deflate"), await people.register("Bob Deflate")
    chat = await both_open(alice, bob)
    a_client, a = await open_app(new_context, alice, "Bob Deflate", base_url=lean_server.url)
    b_client = await new_context(base_url=lean_server.url)
    b = await b_client.new_page()
    sockets: list[WebSocket] = []
    b.on("websocket", lambda socket: sockets.append(socket))
    await signed_in_as(b, bob)
    await open_chat(b, "Alice Deflate")
    for round_ in range(3):
        await until_no_deflaters(lean_server)
        texts = [f"Round {round_}: note {i} about the quarterly report" for i in range(3)]
        for text in texts[:2]:
            await alice.send(chat["id"], text)  # the server compresses the event to both
        await send(b, texts[2])  # the browser compresses its command on its own
        for text in texts:
            await expect(bubble(a, text)).to_be_visible()
            await expect(bubble(b, text)).to_be_visible()
        assert await deflaters(lean_server) >= 2
    # One socket all along: a frame it could not inflate would have closed it (and the
    # messages would then have come by the resume after the reconnect).
    assert len(sockets) == 1 and not sockets[0].is_closed()
    a_client.assert_no_errors()
    b_client.assert_no_errors()
    await people.aclose()
