"""The connection's writer, in-process: a frame whose send had to wait for the socket is
written once the socket takes data again, in order, and the queue's bound holds meanwhile."""

from __future__ import annotations

import asyncio
from typing import Any

from shomik.realtime.connection import CLOSE_SLOW_CONSUMER, Connection, ConnState
from tests.realtime.fakes import Metrics


class _Socket:
    """Like uvicorn's: a send waits while the transport is paused (`writable` clear)."""

    def __init__(self) -> None:
        self.writable = asyncio.Event()
        self.writable.set()
        self.sent: list[str] = []
        self.closed: int | None = None

    async def send_text(self, text: str) -> None:
        await self.writable.wait()
        self.sent.append(text)

    async def close(self, code: int, reason: str = "") -> None:
        self.closed = code


def _open(queue_size: int) -> tuple[Connection, _Socket]:
    socket = _Socket()
    metrics: Any = Metrics()
    conn = Connection(socket, 1, "session", queue_size, metrics)  # type: ignore[arg-type]
    conn.start()
    conn.finish_replay(0)
    return conn, socket


async def test_frames_that_waited_for_the_socket_are_written_in_order() -> None:
    conn, socket = _open(queue_size=16)
    conn.send_durable(1, "a")
    socket.writable.clear()  # the peer's window is full
    for seq in range(2, 7):
        conn.send_durable(seq, f"m{seq}")
        await asyncio.sleep(0)
    assert socket.sent == ["a"]
    socket.writable.set()
    for _ in range(20):
        await asyncio.sleep(0)
    assert socket.sent == ["a", "m2", "m3", "m4", "m5", "m6"]
    # The writer is gone once the queue is empty; the next frame is written at once.
    conn.send_durable(7, "m7")
    assert socket.sent[-1] == "m7"


async def test_a_peer_that_never_reads_is_cut_off_at_the_bound() -> None:
    conn, socket = _open(queue_size=4)
    socket.writable.clear()
    for seq in range(1, 10):
        conn.send_durable(seq, f"m{seq}")
        await asyncio.sleep(0)
    assert conn.state is ConnState.CLOSED
    assert conn.close_code == CLOSE_SLOW_CONSUMER
    await asyncio.sleep(0)
    assert socket.sent == []
