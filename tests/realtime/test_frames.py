"""A frame built once for all the sockets an event goes to (realtime/frames.py): the bytes
are the frame the usual send would write, a socket takes them while its transport does,
and falls back to the usual send (and its order) when it does not."""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import pytest
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from shomik.realtime.connection import Connection
from shomik.realtime.frames import text_frame
from shomik.realtime.wsdeflate import FRAME_WRITER
from tests.realtime.fakes import Metrics


def _parse(data: bytes) -> Frame:
    reader = StreamReader()
    reader.feed_data(data)
    parser = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parser)
    except StopIteration as done:
        frame: Frame = done.value
        return frame
    raise AssertionError("an incomplete frame")


# Each of the three payload length encodings of RFC 6455 §5.2.
@pytest.mark.parametrize("size", [5, 125, 126, 65535, 65536, 200_000])
def test_the_frame_is_one_final_unmasked_text_frame_of_the_text(size: int) -> None:
    text = ("ж" * size)[:size]
    frame = _parse(text_frame(text))
    assert frame.opcode is Opcode.TEXT and frame.fin
    assert bytes(frame.data).decode() == text


class _Socket:
    """A send that waits while the transport is paused, and uvicorn's `write_frame`, which
    refuses then."""

    def __init__(self) -> None:
        self.writable = asyncio.Event()
        self.writable.set()
        self.wire: list[str] = []  # what reached the transport, either way
        self.framed = 0  # how many came as ready-made frames
        self.scope = {"extensions": {FRAME_WRITER: weakref.WeakMethod(self.write_frame)}}

    def write_frame(self, frame: bytes) -> bool:
        if not self.writable.is_set():
            return False
        self.wire.append(bytes(_parse(frame).data).decode())
        self.framed += 1
        return True

    async def send_text(self, text: str) -> None:
        await self.writable.wait()
        self.wire.append(text)

    async def close(self, code: int, reason: str = "") -> None:
        pass


def _open(framed: bool = True) -> tuple[Connection, _Socket]:
    socket = _Socket()
    if not framed:
        socket.scope = {"extensions": {}}
    metrics: Any = Metrics()
    conn = Connection(socket, 1, "session", 16, metrics)  # type: ignore[arg-type]
    conn.start()
    conn.finish_replay(0)
    return conn, socket


async def test_a_socket_takes_the_fan_outs_frame_and_its_own_replies_as_frames() -> None:
    conn, socket = _open()
    conn.send_durable(1, "event", text_frame("event"))
    conn.send_ephemeral("typing", text_frame("typing"))
    conn.send_direct("ack")  # framed for this socket alone
    assert socket.wire == ["event", "typing", "ack"] and socket.framed == 3


async def test_a_paused_socket_falls_back_to_the_send_and_keeps_the_order() -> None:
    conn, socket = _open()
    socket.writable.clear()  # the peer's window is full
    for seq in range(1, 5):
        conn.send_durable(seq, f"m{seq}", text_frame(f"m{seq}"))
    assert socket.wire == [] and socket.framed == 0
    socket.writable.set()
    # The writer still has frames queued: a new one goes behind them, not around them.
    conn.send_durable(5, "m5", text_frame("m5"))
    for _ in range(20):
        await asyncio.sleep(0)
    assert socket.wire == ["m1", "m2", "m3", "m4", "m5"] and socket.framed == 0
    # The queue is empty again: frames go straight to the transport.
    conn.send_durable(6, "m6", text_frame("m6"))
    assert socket.wire[-1] == "m6" and socket.framed == 1


async def test_a_socket_without_the_extension_uses_the_send() -> None:
    conn, socket = _open(framed=False)  # a compressing one: its frames are its own
    conn.send_durable(1, "x", text_frame("x"))
    await asyncio.sleep(0)
    assert socket.wire == ["x"] and socket.framed == 0


async def test_compressing_and_plain_sockets_read_the_same_events(users: Any) -> None:
    """Through a real server: one member's socket compresses, the other's does not (its
    frames are the fan-out's own bytes); both read every event alike, long ones too."""
    alice, bob, carol = await users(3)
    group = await alice.group("frames", bob, carol)
    squeezed, plain = await bob.ws(compress=True), await carol.ws(compress=False)
    texts = ["short", "ё" * 4096, "x" * 130]
    sent = [await alice.send(group["id"], text) for text in texts]
    for ws in (squeezed, plain):
        got = [await ws.expect("message:new") for _ in sent]
        assert [e["data"]["content"] for e in got] == texts
        assert [e["seq"] for e in got] == sorted(e["seq"] for e in got)
    # An ephemeral event takes the same way.
    await squeezed.command("typing:start", {"chatId": group["id"]})
    typing = await plain.expect("typing:update")
    assert typing["data"]["isTyping"] is True and typing["data"]["userId"] == bob.id
