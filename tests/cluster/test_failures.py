"""Failures of a cluster under load: a process killed (-9), Redis restarted, PostgreSQL
unreachable. Clients behave as the web client does: they reconnect through nginx with
`since` and retry sends with the same clientId. Nothing acknowledged may be lost, nothing
shown twice."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cluster.harness import Cluster
from tests.conftest import _pg_run
from tests.harness import User, Ws, open_ws

Users = Callable[[int], Awaitable[list[User]]]


class Follower:
    """A client that follows a chat through nginx like the web client: on any close it
    reconnects (to whichever process nginx picks) with `since` = the last seq it saw."""

    def __init__(self, cluster: Cluster, user: User) -> None:
        self.cluster = cluster
        self.user = user
        self.contents: list[str] = []
        self.seq: int | None = None
        self.reconnects = 0
        self._task = asyncio.create_task(self._run())
        self._stop = False

    async def _run(self) -> None:
        while not self._stop:
            try:
                ws = await open_ws(self.cluster.gateway, self.user.token, since=self.seq)
            except Exception:
                await asyncio.sleep(0.2)
                continue
            if self.seq is None:
                self.seq = int(ws.of_type("ready")[0]["data"]["seq"])
            await self._follow(ws)
            self.reconnects += 1

    async def _follow(self, ws: Ws) -> None:
        read = 0
        try:
            while not self._stop:
                while read < len(ws.frames):
                    frame = ws.frames[read]
                    read += 1
                    if frame["type"] == "resync_required":
                        raise AssertionError("a resume was refused: events were lost")
                    if "seq" in frame and frame["type"] != "ready":
                        assert frame["seq"] > (self.seq or 0), "a seq went backwards"
                        self.seq = frame["seq"]
                        if frame["type"] == "message:new":
                            self.contents.append(frame["data"]["content"])
                if ws.closed.done():
                    return
                await asyncio.sleep(0.02)
        finally:
            await ws.close()

    async def stop(self) -> None:
        self._stop = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._task, 5)


async def send_until_acked(http: httpx.AsyncClient, chat_id: int, text: str) -> None:
    """One message, retried through nginx with its clientId until it is acknowledged."""
    body = {"chatId": chat_id, "content": text, "clientId": str(uuid.uuid4())}
    for _ in range(200):
        with contextlib.suppress(httpx.HTTPError):
            r = await http.post("/api/messages", json=body)
            if r.status_code in (200, 201):
                return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{text!r} was never acknowledged")


async def eventually(check: Callable[[], bool], seconds: float = 30) -> None:
    for _ in range(int(seconds * 10)):
        if check():
            return
        await asyncio.sleep(0.1)
    assert check()


async def _load_with(
    cluster: Cluster, users: Users, failure: Callable[[], Any], messages: int = 60
) -> None:
    alice, bob, carol = await users(3)
    chat = await alice.group("Under load", bob, carol)
    followers = [Follower(cluster, bob), Follower(cluster, carol)]
    await eventually(lambda: all(f.seq is not None for f in followers))
    texts = [f"load {i}" for i in range(messages)]

    async def send_all() -> None:
        for text in texts:
            await send_until_acked(alice.http, chat["id"], text)

    sender = asyncio.create_task(send_all())
    await asyncio.sleep(0.5)
    await asyncio.to_thread(failure)
    await sender
    try:
        await eventually(lambda: all(len(f.contents) >= len(texts) for f in followers), 60)
    except AssertionError as exc:
        got = [(len(f.contents), f.reconnects, f.seq) for f in followers]
        logs = cluster.log_text()[-6000:]
        raise AssertionError(f"followers got {got} of {len(texts)}\n{logs}") from exc
    await asyncio.sleep(0.5)
    for follower in followers:
        await follower.stop()
        assert follower.contents == texts  # all of them, once each, in order


async def test_kill_9_of_one_process_under_load_loses_nothing(
    cluster: Cluster, cluster_users: Users
) -> None:
    await _load_with(cluster, cluster_users, lambda: cluster.kill(1))


async def test_redis_restarting_under_load_loses_nothing(
    cluster: Cluster, cluster_users: Users
) -> None:
    await _load_with(cluster, cluster_users, cluster.restart_redis)


class TcpProxy:
    """A TCP relay in front of PostgreSQL that the test can cut (all connections dropped,
    new ones refused) and restore: the database going away, without stopping the machine's
    PostgreSQL that other tests use."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()
        for writer in list(self._writers):
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers -= {writer, up_writer}


async def test_postgresql_away_refuses_sends_clearly_and_recovers(
    pg_database: str, tmp_path: Path
) -> None:
    proxy = TcpProxy(5432)
    await proxy.start()
    name = f"{pg_database.rsplit('/', 1)[1]}_pgaway"
    _pg_run(f"DROP DATABASE IF EXISTS {name}")
    _pg_run(f"CREATE DATABASE {name}")
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{proxy.port}/{name}"
    cluster = Cluster(tmp_path, url, size=2)
    try:
        await asyncio.to_thread(cluster.start)
        alice, bob = await cluster.register(), await cluster.register()
        chat = await alice.group("Database", bob)
        ws = await cluster.ws_on(bob, 0)
        await proxy.cut()
        r = await alice.http.post(
            f"{cluster.processes[1].url}/api/messages",
            json={"chatId": chat["id"], "content": "while the database is away"},
        )
        assert r.status_code == 503 and r.json()["error"]["code"] == "unavailable"
        with pytest.raises(Exception, match="unavailable"):
            await ws.command("message:send", {"chatId": chat["id"], "content": "also refused"})
        await proxy.start()  # back, on the same port
        async with asyncio.timeout(30):
            while True:
                r = await alice.http.post(
                    f"{cluster.processes[1].url}/api/messages",
                    json={"chatId": chat["id"], "content": "back again"},
                )
                if r.status_code == 201:
                    break
                assert r.status_code == 503, r.text
                await asyncio.sleep(0.5)
        history = await bob.http.get(f"{cluster.processes[0].url}/api/chats/{chat['id']}/messages")
        contents = [m["content"] for m in history.json()["messages"] if m["type"] != "system"]
        assert contents == ["back again"]  # the refused ones were never stored
        await alice.aclose()
        await bob.aclose()
    finally:
        await asyncio.to_thread(cluster.stop)
        await proxy.cut()
        _pg_run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
