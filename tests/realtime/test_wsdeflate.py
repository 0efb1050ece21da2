"""permessage-deflate without zlib state on idle sockets (realtime/wsdeflate.py): what the
client reads stays right across a dropped deflater, and a real server drops them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    PerMessageDeflate,
)
from websockets.frames import Frame, Opcode

from shomik.realtime.wsdeflate import LeanDeflate, LeanDeflateFactory, sweep
from tests.harness import ServerProcess, register

TOKEN = "metrics-token-for-the-deflate-tests-0123"


def negotiate() -> tuple[LeanDeflate, PerMessageDeflate, str]:
    """What a browser offers ("permessage-deflate; client_max_window_bits"), answered."""
    client = ClientPerMessageDeflateFactory(client_max_window_bits=True)
    response, server = LeanDeflateFactory().process_request_params(client.get_request_params(), [])
    header = "; ".join(k if v is None else f"{k}={v}" for k, v in response)
    assert isinstance(server, LeanDeflate)
    return server, client.process_response_params(response, []), header


def event(n: int) -> bytes:
    data = {"chatId": 7, "content": f"message number {n}", "sender": {"name": "Alice"}}
    return orjson.dumps({"type": "message:new", "seq": 1000 + n, "data": data})


def test_the_client_is_asked_to_compress_each_message_alone() -> None:
    server, client, header = negotiate()
    assert "client_no_context_takeover" in header
    assert client.local_no_context_takeover  # so our inflater lives for one message
    compressed = client.encode(Frame(Opcode.TEXT, event(1)))
    assert server.decode(compressed).data == event(1)
    assert "decoder" not in server.__dict__  # dropped at the message's end


async def test_a_dropped_deflater_starts_a_fresh_stream_the_client_still_reads() -> None:
    server, client, _ = negotiate()
    assert not server.holds_deflater  # nothing until the first message
    sizes = []
    for n in range(6):
        if n == 3:
            server.release()
            assert not server.holds_deflater
        frame = server.encode(Frame(Opcode.TEXT, event(n)))
        sizes.append(len(frame.data))
        assert client.decode(frame).data == event(n)  # the client keeps its window
    # The window is shared while the deflater lives, and starts again after a release.
    assert sizes[1] < sizes[0] / 2 and sizes[2] < sizes[0] / 2
    assert sizes[3] > sizes[1] * 2
    assert sizes[4] < sizes[3] / 2


async def test_the_sweep_drops_only_idle_deflaters() -> None:
    idle, busy = negotiate()[0], negotiate()[0]
    idle.encode(Frame(Opcode.TEXT, event(1)))
    busy.encode(Frame(Opcode.TEXT, event(2)))
    busy.last_sent = idle.last_sent + 1000  # as if it sent a moment ago
    sweep(now=idle.last_sent + 100)
    assert not idle.holds_deflater
    assert busy.holds_deflater
    busy.release()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(
        Path(tmp_path_factory.mktemp("deflate")),
        env={"SHOMIK_METRICS_TOKEN": TOKEN, "SHOMIK_WS_COMPRESSION_IDLE_SECONDS": "0.5"},
    )
    proc.start()
    yield proc
    proc.stop()


def deflaters(server: ServerProcess) -> float:
    r = httpx.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200, r.text
    for family in text_string_to_metric_families(r.text):
        for sample in family.samples:
            if sample.name == "shomik_ws_deflaters":
                return sample.value
    raise AssertionError("no shomik_ws_deflaters gauge")


async def until_no_deflaters(server: ServerProcess) -> None:
    for _ in range(50):
        if deflaters(server) == 0:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{deflaters(server)} deflaters still held after 5 s idle")


async def test_a_real_server_drops_idle_deflaters_and_its_clients_read_on(
    server: ServerProcess,
) -> None:
    alice, bob = await register(server), await register(server)
    chat = await alice.private_chat(bob)
    a, b = await alice.ws(compress=True), await bob.ws(compress=True)
    assert b.conn.response is not None
    header = b.conn.response.headers.get("Sec-WebSocket-Extensions") or ""
    assert "permessage-deflate" in header and "client_no_context_takeover" in header
    assert deflaters(server) >= 2  # their ready frames were compressed
    for round_ in range(3):
        await until_no_deflaters(server)
        texts = [f"round {round_}, message {i}" for i in range(3)]
        for i, text in enumerate(texts):
            await a.command(
                "message:send", {"chatId": chat["id"], "content": text, "clientId": f"r{round_}{i}"}
            )
        got = [(await b.expect("message:new"))["data"]["content"] for _ in texts]
        assert got == texts
        assert deflaters(server) >= 1
    await alice.aclose()
    await bob.aclose()


async def test_a_ping_neither_makes_a_deflater_nor_keeps_one() -> None:
    server, _, _ = negotiate()
    assert server.encode(Frame(Opcode.PING, b"x")).data == b"x"
    assert not server.holds_deflater
    server.encode(Frame(Opcode.TEXT, event(1)))
    sent = server.last_sent
    server.encode(Frame(Opcode.PING, b"y"))
    assert server.last_sent == sent
    server.release()
