"""Real servers and real clients for the tests: `shomik serve` in a subprocess on a free
port, httpx for REST, the websockets library for `/ws`."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parent.parent
SHOMIK = str(Path(sys.executable).parent / "shomik")
PASSWORD = "a long enough passphrase"
SECRET = "test-secret-key-of-at-least-32-bytes!"
_names = itertools.count()
_compressing = itertools.cycle([True, False])

# Cheap hashing keeps hundreds of registrations fast; the production cost is the default.
FAST_ENV = {
    "SHOMIK_ARGON2_TIME_COST": "1",
    "SHOMIK_ARGON2_MEMORY_KIB": "1024",
    "SHOMIK_ARGON2_PARALLELISM": "1",
    "SHOMIK_RATE_LIMITS_ENABLED": "false",
    "SHOMIK_ACCESS_LOG": "0",
    "SHOMIK_LOG_LEVEL": "warning",
    # Tests watch a closed socket take its user offline; the grace has a test of its own.
    "SHOMIK_PRESENCE_OFFLINE_GRACE_SECONDS": "0",
}


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


# The tests' servers listen on ports from below the kernel's ephemeral range. A port from
# bind(0) is in that range, where any outgoing connection (to PostgreSQL, Redis, a browser's)
# may take it between the check and the server's own bind: CI met EADDRINUSE so. Walked
# from a random point, so that two test runs at once seldom try the same ports.
_LOW = 10_000
_HIGH = max(_LOW + 1_000, _ephemeral_start())
_ports = itertools.cycle(range(_LOW, _HIGH))
for _ in range(int.from_bytes(os.urandom(2), "big") % (_HIGH - _LOW)):
    next(_ports)


def free_port() -> int:
    """A port of 127.0.0.1 nothing listens on, outside the ephemeral range."""
    for _ in range(_HIGH - _LOW):
        port = next(_ports)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {_LOW}-{_HIGH - 1}")


def wait_listening(
    proc: subprocess.Popen[bytes],
    ports: list[int],
    seconds: float,
    name: str,
    log: Callable[[], str],
) -> None:
    """Until a daemon the tests started (Janus, coturn) accepts on each of its ports; its
    log's tail in the error if it exits or takes longer."""
    deadline = time.monotonic() + seconds
    for port in ports:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited: {log()[-3000:]}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not listen: {log()[-3000:]}")
            time.sleep(0.1)


class ServerProcess:
    def __init__(self, data_dir: Path, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.env = {**os.environ, **FAST_ENV, "SHOMIK_SECRET_KEY": SECRET, **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [SHOMIK, "serve", "--port", str(self.port), "--data-dir", str(self.data_dir)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60  # generous: a loaded 2-core CI machine
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash or an OOM kill."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    async def execute_sql(self, sql: str) -> None:
        """A statement on the server's database behind its back, as another process (or an
        operator) would run it."""
        url = self.env.get("SHOMIK_DATABASE_URL")
        if url:
            conn = await asyncpg.connect(url.replace("+asyncpg", ""), timeout=5)
            try:
                await conn.execute(sql)
            finally:
                await conn.close()
            return

        def run() -> None:
            with contextlib.closing(sqlite3.connect(self.data_dir / "shomik.db")) as db:
                db.execute("PRAGMA busy_timeout = 5000")
                db.execute(sql)
                db.commit()

        await asyncio.to_thread(run)

    async def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """`shomik ARGS --data-dir <this server's>` with this server's settings, as an
        operator runs it beside the server."""
        proc = await asyncio.create_subprocess_exec(
            SHOMIK,
            *args,
            "--data-dir",
            str(self.data_dir),
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        out, err = await proc.communicate(stdin.encode() if stdin is not None else b"")
        assert proc.returncode is not None
        return subprocess.CompletedProcess(args, proc.returncode, out.decode(), err.decode())


class WsError(Exception):
    def __init__(self, frame: dict[str, Any]) -> None:
        super().__init__(frame["error"]["code"], frame["error"]["message"])
        self.code: str = frame["error"]["code"]
        self.frame = frame


class Ws:
    """A protocol client: commands await their ack, events are kept for `expect`."""

    def __init__(self, conn: ClientConnection) -> None:
        self.conn = conn
        self.frames: list[dict[str, Any]] = []  # everything except acks and errors with refs
        self._consumed: set[int] = set()
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._changed = asyncio.Condition()
        self.closed: asyncio.Future[tuple[int | None, str]] = (
            asyncio.get_running_loop().create_future()
        )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.conn:
                frame = orjson.loads(raw)
                ref = frame.get("ref")
                if frame["type"] in ("ack", "error") and ref in self._pending:
                    self._pending.pop(ref).set_result(frame)
                    continue
                async with self._changed:
                    self.frames.append(frame)
                    self._changed.notify_all()
        except Exception:  # connection closed: recorded below
            pass
        if not self.closed.done():
            self.closed.set_result((self.conn.close_code, self.conn.close_reason or ""))
        async with self._changed:
            self._changed.notify_all()

    async def send_raw(self, data: str | dict[str, Any]) -> None:
        await self.conn.send(data if isinstance(data, str) else orjson.dumps(data).decode())

    async def request(
        self, type_: str, data: dict[str, Any], timeout: float = 10
    ) -> dict[str, Any]:
        ref = uuid.uuid4().hex
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[ref] = fut
        await self.send_raw({"type": type_, "ref": ref, "data": data})
        return await asyncio.wait_for(fut, timeout)

    async def command(self, type_: str, data: dict[str, Any]) -> Any:
        frame = await self.request(type_, data)
        if frame["type"] == "error":
            raise WsError(frame)
        return frame["data"]

    async def expect(
        self, type_: str, where: Callable[[dict[str, Any]], bool] | None = None, timeout: float = 5
    ) -> dict[str, Any]:
        """The first not-yet-consumed frame of this type (matching `where`), waiting for it."""
        deadline = asyncio.get_running_loop().time() + timeout
        async with self._changed:
            while True:
                for index, frame in enumerate(self.frames):
                    if index in self._consumed or frame["type"] != type_:
                        continue
                    if where is None or where(frame["data"]):
                        self._consumed.add(index)
                        return frame
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0 or self.closed.done():
                    types = [f["type"] for f in self.frames]
                    raise AssertionError(f"no {type_} frame within {timeout}s; got {types}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)

    def of_type(self, type_: str) -> list[dict[str, Any]]:
        return [f for f in self.frames if f["type"] == type_]

    async def quiet(self, seconds: float = 0.3) -> None:
        await asyncio.sleep(seconds)

    async def close(self) -> None:
        await self.conn.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


class User:
    """A registered user with a REST client."""

    def __init__(self, server: ServerProcess, http: httpx.AsyncClient, data: dict[str, Any]):
        self.server = server
        self.http = http
        self.token: str = data["access_token"]
        self.me: dict[str, Any] = data["user"]
        self.id: int = self.me["id"]
        self.username: str = self.me["username"]
        http.headers["Authorization"] = f"Bearer {self.token}"
        self.sockets: list[Ws] = []

    def set_token(self, token: str) -> None:
        self.token = token
        self.http.headers["Authorization"] = f"Bearer {token}"

    async def ws(
        self,
        since: int | None = None,
        headers: dict[str, str] | None = None,
        epoch: str | None = None,
        compress: bool | None = None,
    ) -> Ws:
        ws = await open_ws(
            self.server, self.token, since=since, headers=headers, epoch=epoch, compress=compress
        )
        self.sockets.append(ws)
        return ws

    async def private_chat(self, other: User) -> dict[str, Any]:
        r = await self.http.post("/api/chats", json={"type": "private", "userId": other.id})
        assert r.status_code in (200, 201), r.text
        return dict(r.json())

    async def group(self, name: str, *members: User) -> dict[str, Any]:
        body = {"type": "group", "name": name, "participantIds": [m.id for m in members]}
        r = await self.http.post("/api/chats", json=body)
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def send(self, chat_id: int, content: str, **extra: Any) -> dict[str, Any]:
        r = await self.http.post(
            "/api/messages", json={"chatId": chat_id, "content": content, **extra}
        )
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def aclose(self) -> None:
        for ws in self.sockets:
            with contextlib.suppress(Exception):
                await ws.close()
        await self.http.aclose()


async def open_ws(
    server: ServerProcess,
    token: str,
    since: int | None = None,
    headers: dict[str, str] | None = None,
    expect_ready: bool = True,
    epoch: str | None = None,
    compress: bool | None = None,
) -> Ws:
    """`compress`: offer permessage-deflate, as browsers do; by default every other socket
    does not, so both ways a frame is written (realtime/frames.py) are used throughout."""
    if compress is None:
        compress = next(_compressing)
    conn = await connect(
        server.ws_url,
        additional_headers=headers or {},
        max_size=2**22,
        compression="deflate" if compress else None,
    )
    ws = Ws(conn)
    auth: dict[str, Any] = {"type": "auth", "token": token}
    if since is not None:
        auth["since"] = since
    if epoch is not None:
        auth["epoch"] = epoch
    await ws.send_raw(auth)
    if expect_ready:
        await ws.expect("ready")
    return ws


def unique_name(prefix: str = "u") -> str:
    return f"{prefix}{os.getpid() % 1000}_{next(_names)}_{uuid.uuid4().hex[:6]}"


async def register(server: ServerProcess, name: str | None = None) -> User:
    http = httpx.AsyncClient(base_url=server.url, timeout=20)
    username = name or unique_name()
    r = await http.post(
        "/api/auth/register",
        json={"username": username, "password": PASSWORD, "displayName": username.title()},
    )
    assert r.status_code == 201, r.text
    return User(server, http, r.json())
