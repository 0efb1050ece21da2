"""A small typed client of Janus's JSON API over its WebSocket transport: the Janus API (a
session, a VideoRoom handle, keepalives) and the Admin API (stored tokens).

Every request carries a transaction id and is answered by the first message with that id
that is not an `ack` (asynchronous plugin requests, such as a VideoRoom `join`, are acked
at once and answered by an `event` later). Messages without a waiting request (events of
a handle) go to `on_event`, if one is given.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Callable
from typing import Any, cast

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.typing import Subprotocol

log = logging.getLogger(__name__)

Message = dict[str, Any]
API_PROTOCOL = Subprotocol("janus-protocol")
ADMIN_PROTOCOL = Subprotocol("janus-admin-protocol")
VIDEOROOM = "janus.plugin.videoroom"
# Janus ends a session 60 s (session_timeout) after its last request: a keepalive well inside.
KEEPALIVE_SECONDS = 25.0
# A session or handle Janus no longer has (it timed out, or Janus restarted).
NO_SUCH_SESSION = 458
NO_SUCH_HANDLE = 459
# Janus answers on loopback in about a millisecond; a request not answered in this long means
# Janus is stuck or gone, and the call goes on without it (or refuses a join) rather than hang.
TIMEOUT_SECONDS = 5.0


class JanusError(Exception):
    """Janus refused a request: a Janus API error or a plugin's error_code."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"Janus error {code}: {reason}")
        self.code = code
        self.reason = reason


class JanusUnavailable(Exception):
    """Janus could not be reached, or did not answer in time."""


class Connection:
    """One WebSocket to the Janus API or the Admin API. `auth` is merged into every request
    (the api_secret, a token, or the admin_secret)."""

    def __init__(
        self,
        url: str,
        *,
        admin: bool = False,
        auth: dict[str, str] | None = None,
        on_event: Callable[[Message], None] | None = None,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self.url = url
        self.protocol = ADMIN_PROTOCOL if admin else API_PROTOCOL
        self.auth = auth or {}
        self.on_event = on_event
        self.timeout = timeout
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        # transaction -> (its answer, whether an ack is the answer)
        self._waiting: dict[str, tuple[asyncio.Future[Message], bool]] = {}

    @property
    def open(self) -> bool:
        return self._ws is not None and self._reader is not None and not self._reader.done()

    async def connect(self) -> None:
        try:
            self._ws = await asyncio.wait_for(
                connect(self.url, subprotocols=[self.protocol], max_size=2**22),
                self.timeout,
            )
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            raise JanusUnavailable(f"cannot reach Janus at {self.url}: {exc}") from exc
        self._reader = asyncio.get_running_loop().create_task(self._read(self._ws))

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                message = json.loads(raw)
                waiting = self._waiting.get(message.get("transaction", ""))
                if waiting is None:
                    # (an async request's ack may come after its answer: nothing to tell)
                    if self.on_event is not None and message.get("janus") != "ack":
                        self.on_event(message)
                    continue
                future, ack_answers = waiting
                if (ack_answers or message.get("janus") != "ack") and not future.done():
                    future.set_result(message)
        except ConnectionClosed:
            pass
        finally:
            for future, _ in self._waiting.values():
                if not future.done():
                    future.set_exception(JanusUnavailable("the connection to Janus closed"))

    async def request(self, message: Message, *, ack: bool = False) -> Message:
        """Send a request and return its answer; `ack`: the ack is the answer (keepalive)."""
        if self._ws is None or not self.open:
            raise JanusUnavailable("not connected to Janus")
        transaction = secrets.token_hex(8)
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._waiting[transaction] = (future, ack)
        try:
            await self._ws.send(json.dumps({**message, **self.auth, "transaction": transaction}))
            answer = await asyncio.wait_for(future, self.timeout)
        except (ConnectionClosed, TimeoutError) as exc:
            raise JanusUnavailable(f"Janus did not answer: {exc!r}") from exc
        finally:
            self._waiting.pop(transaction, None)
        if answer.get("janus") == "error":
            error = answer.get("error", {})
            raise JanusError(int(error.get("code", 0)), str(error.get("reason", "")))
        return answer

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        self._ws = None


class Session:
    """A Janus session with one VideoRoom handle, kept alive until destroyed."""

    def __init__(self, conn: Connection, session_id: int, handle_id: int) -> None:
        self.conn = conn
        self.id = session_id
        self.handle_id = handle_id
        self._lost = False
        self._keepalive = asyncio.get_running_loop().create_task(self._keep_alive())

    @property
    def alive(self) -> bool:
        """False once Janus no longer has it (a failed keepalive, or an answer saying so)."""
        return self.conn.open and not self._lost and not self._keepalive.done()

    @classmethod
    async def create(cls, conn: Connection) -> Session:
        created = await conn.request({"janus": "create"})
        session_id = int(created["data"]["id"])
        attach = {"janus": "attach", "session_id": session_id, "plugin": VIDEOROOM}
        attached = await conn.request(attach)
        return cls(conn, session_id, int(attached["data"]["id"]))

    async def _keep_alive(self) -> None:
        while True:
            await asyncio.sleep(KEEPALIVE_SECONDS)
            try:
                await self.conn.request({"janus": "keepalive", "session_id": self.id}, ack=True)
            except (JanusUnavailable, JanusError):
                log.warning("Janus keepalive failed", exc_info=True)
                return

    async def message(self, body: Message, jsep: Message | None = None) -> Message:
        """A VideoRoom request; its answer's data (`plugindata.data`). A plugin error (an
        `error_code` in the data) raises JanusError. `jsep`: also the answer's JSEP, under
        the key "jsep"."""
        request: Message = {
            "janus": "message",
            "session_id": self.id,
            "handle_id": self.handle_id,
            "body": body,
        }
        if jsep is not None:
            request["jsep"] = jsep
        try:
            answer = await self.conn.request(request)
        except JanusError as exc:
            if exc.code in (NO_SUCH_SESSION, NO_SUCH_HANDLE):
                self._lost = True
            raise
        data = cast(Message, answer.get("plugindata", {}).get("data", {}))
        if "error_code" in data:
            raise JanusError(int(data["error_code"]), str(data.get("error", "")))
        if "jsep" in answer:
            data = {**data, "jsep": answer["jsep"]}
        return data

    async def destroy(self) -> None:
        self._keepalive.cancel()
        if self.conn.open:
            with contextlib.suppress(JanusUnavailable, JanusError):
                await self.conn.request({"janus": "destroy", "session_id": self.id})


class Admin:
    """Janus's Admin API: the stored tokens that admit a browser (token_auth)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def add_token(self, token: str) -> None:
        await self.conn.request({"janus": "add_token", "token": token, "plugins": [VIDEOROOM]})

    async def remove_token(self, token: str) -> None:
        # Already gone (Janus restarted, or removed twice): the goal is reached.
        with contextlib.suppress(JanusError):
            await self.conn.request({"janus": "remove_token", "token": token})

    async def tokens(self) -> list[str]:
        answer = await self.conn.request({"janus": "list_tokens"})
        listed = answer.get("data", {}).get("tokens", [])
        return [str(item["token"]) for item in listed]
