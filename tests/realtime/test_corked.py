"""A socket's writes of one turn leave in one write (realtime/corked.py), in order, and
closing sends what is held first."""

from __future__ import annotations

import asyncio
from typing import Any

from shomik.realtime.corked import CorkedTransport


class Recording:
    """The transport below: what reached it, write by write."""

    def __init__(self) -> None:
        self.calls: list[Any] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        assert not self.closing, "written after close"
        self.calls.append(bytes(data))

    def close(self) -> None:
        self.calls.append("close")
        self.closing = True

    def abort(self) -> None:
        self.calls.append("abort")
        self.closing = True

    def is_closing(self) -> bool:
        return self.closing

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 1)}.get(name, default)


def corked() -> tuple[CorkedTransport, Recording]:
    below = Recording()
    return CorkedTransport(below), below  # type: ignore[arg-type]


async def a_turn() -> None:
    await asyncio.sleep(0)
    await asyncio.sleep(0)


async def test_the_writes_of_one_turn_leave_in_one_write_in_order() -> None:
    transport, below = corked()
    transport.write(b"one ")
    transport.writelines([b"two ", b"three"])
    assert below.calls == []  # held until the turn ends
    assert transport.get_write_buffer_size() == len(b"one two three")
    await a_turn()
    assert below.calls == [b"one two three"]
    transport.write(b"four")
    await a_turn()
    assert below.calls == [b"one two three", b"four"]


async def test_closing_writes_what_is_held_first() -> None:
    transport, below = corked()
    transport.write(b"last event")
    transport.write(b"close frame")
    transport.close()
    assert below.calls == [b"last eventclose frame", "close"]
    await a_turn()  # the flush scheduled by the first write finds nothing left
    assert below.calls == [b"last eventclose frame", "close"]


async def test_an_abort_drops_what_is_held_and_a_closed_transport_gets_nothing() -> None:
    transport, below = corked()
    transport.write(b"never sent")
    transport.abort()
    await a_turn()
    assert below.calls == ["abort"]
    transport, below = corked()
    transport.write(b"too late")
    below.closing = True  # the peer went away during the turn
    await a_turn()
    assert below.calls == []


async def test_the_rest_is_the_transport_below() -> None:
    transport, _ = corked()
    assert transport.get_extra_info("peername") == ("127.0.0.1", 1)
    assert not transport.is_closing()


async def test_a_real_socket_reads_every_frame_in_order_then_the_end() -> None:
    """Over loopback TCP: many writes in turns of several, then a close with bytes held."""
    received = bytearray()
    done = asyncio.Event()

    async def read(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.extend(await reader.read())  # to the end of the stream
        writer.close()
        done.set()

    server = await asyncio.start_server(read, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_connection(asyncio.Protocol, "127.0.0.1", port)
    corked_transport = CorkedTransport(transport)
    expected = bytearray()
    for turn in range(50):
        for n in range(turn % 5 + 1):
            chunk = f"[{turn}.{n}]".encode()
            corked_transport.write(chunk)
            expected.extend(chunk)
        await asyncio.sleep(0)
    corked_transport.write(b"[held at close]")
    expected.extend(b"[held at close]")
    corked_transport.close()
    await asyncio.wait_for(done.wait(), 5)
    server.close()
    await server.wait_closed()
    assert bytes(received) == bytes(expected)
