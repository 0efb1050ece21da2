"""A consumer that cannot keep up is disconnected; it never stalls the others."""

from __future__ import annotations

import asyncio
import socket
import uuid
from typing import Any

from websockets.client import ClientProtocol
from websockets.frames import Close, Frame, Opcode
from websockets.uri import parse_uri

from tests.harness import ServerProcess, register


async def test_slow_consumer_is_cut_off_and_others_get_everything(make_server: Any) -> None:
    server: ServerProcess = make_server(env={"SHOMIK_WS_QUEUE_SIZE": "16"})
    alice, bob, carol = [await register(server) for _ in range(3)]
    group = await alice.group("load", bob, carol)
    fast = await bob.ws()
    # Carol's socket reads nothing: a raw socket driven by websockets' sans-I/O protocol,
    # so nothing reads from TCP behind our back until we choose to.
    slow = _SilentClient(server, carol.token)
    await slow.open()
    a = await alice.ws()
    big = "😀" * 4000  # 16 KB of UTF-8 per message
    total = 1200
    for i in range(total):
        await a.command(
            "message:send",
            {"chatId": group["id"], "content": f"{i} {big}", "clientId": uuid.uuid4().hex},
        )
    # The fast reader got every message although carol read none.
    for _ in range(total):
        await fast.expect("message:new", timeout=10)
    # When carol finally reads, her stream ends with the slow-consumer close code.
    frames, close_code = await slow.read_to_close()
    assert close_code == 4008, (close_code, frames)
    assert frames < total
    await alice.aclose()
    await bob.aclose()
    await carol.aclose()


class _SilentClient:
    def __init__(self, server: ServerProcess, token: str) -> None:
        self.server = server
        self.token = token
        self.protocol = ClientProtocol(parse_uri(server.ws_url), max_size=2**24)

    async def open(self) -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # no window growth
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        await loop.sock_connect(sock, ("127.0.0.1", self.server.port))
        self.sock = sock
        self.protocol.send_request(self.protocol.connect())
        await self._flush()
        while self.protocol.handshake_exc is None and not self.protocol.events_received():
            self.protocol.receive_data(await loop.sock_recv(sock, 65536))
            if self.protocol.state.name == "OPEN":
                break
        self.protocol.send_text(f'{{"type":"auth","token":"{self.token}"}}'.encode())
        await self._flush()

    async def _flush(self) -> None:
        for data in self.protocol.data_to_send():
            if data:
                await asyncio.get_running_loop().sock_sendall(self.sock, data)

    async def read_to_close(self) -> tuple[int, int | None]:
        loop = asyncio.get_running_loop()
        frames = 0
        async with asyncio.timeout(30):
            while True:
                data = await loop.sock_recv(self.sock, 1 << 20)
                if not data:
                    return frames, None
                self.protocol.receive_data(data)
                for event in self.protocol.events_received():
                    if not isinstance(event, Frame):
                        continue  # the handshake response
                    if event.opcode is Opcode.CLOSE:
                        self.sock.close()
                        return frames, Close.parse(event.data).code
                    frames += 1
