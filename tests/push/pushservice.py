"""A local push service for the tests, playing both far ends of RFC 8030: it receives the
server's POSTs like FCM or autopush would, checks their VAPID JWT (RFC 8292), and decrypts
their payload (RFC 8291) with keys a "browser" made here, as the browser would."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
from dataclasses import dataclass, field
from typing import Any

import http_ece
import jwt
import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """One browser's subscription: its P-256 key pair and 16-byte auth secret."""

    endpoint: str
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self) -> dict[str, Any]:
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "keys": {"p256dh": b64url(point), "auth": b64url(self.auth)},
        }


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def claims(self, server_key: str, audience: str) -> dict[str, Any]:
        """The VAPID JWT, verified: ES256 by the server's key, for this origin, not expired."""
        scheme, _, params = self.headers["authorization"].partition(" ")
        assert scheme == "vapid"
        parts = dict(p.split("=", 1) for p in params.split(","))
        assert parts["k"] == server_key
        public = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), b64url_decode(server_key)
        )
        claims: dict[str, Any] = jwt.decode(
            parts["t"],
            public,
            algorithms=["ES256"],
            audience=audience,
            options={"require": ["exp", "aud", "sub"]},
        )
        return claims

    def payload(self, browser: Browser) -> dict[str, Any]:
        assert self.headers["content-encoding"] == "aes128gcm"
        plain = http_ece.decrypt(
            self.body, private_key=browser.key, auth_secret=browser.auth, version="aes128gcm"
        )
        data: dict[str, Any] = orjson.loads(plain)
        return data


class PushService:
    """Answers 201 unless told otherwise per path (a list of (status, headers) to use up)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.replies: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self.delays: dict[str, float] = {}  # path -> seconds before answering (a slow service)
        self._changed = asyncio.Condition()
        self._server: asyncio.Server | None = None
        self.port = 0
        self._count = 0

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def browser(self) -> Browser:
        self._count += 1
        return Browser(f"{self.origin}/push/{self._count}-{os.urandom(4).hex()}")

    async def start(self, port: int) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", port)
        self.port = port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def to(self, browser: Browser) -> list[Received]:
        path = browser.endpoint.removeprefix(self.origin)
        return [r for r in self.received if r.path == path]

    async def wait_for(
        self, browser: Browser, count: int = 1, timeout: float = 10
    ) -> list[Received]:
        async def enough() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.to(browser)) >= count)

        await asyncio.wait_for(enough(), timeout)
        return self.to(browser)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Cancelled when the test's server stops: a quiet end, not an error to log.
        with contextlib.suppress(
            asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError
        ):
            while True:  # keep-alive: several requests per connection
                head = await reader.readuntil(b"\r\n\r\n")
                line, *lines = head.decode("latin-1").split("\r\n")
                _method, path, _ = line.split(" ", 2)
                headers = {}
                for header in lines:
                    if ":" in header:
                        name, value = header.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                await asyncio.sleep(self.delays.get(path, 0))
                queue = self.replies.get(path)
                status, extra = queue.pop(0) if queue else (201, {})
                async with self._changed:
                    self.received.append(Received(path, headers, body))
                    self._changed.notify_all()
                out = "".join(f"{k}: {v}\r\n" for k, v in extra.items())
                writer.write(
                    f"HTTP/1.1 {status} X\r\nContent-Length: 0\r\n{out}\r\n".encode("latin-1")
                )
                await writer.drain()
        writer.close()
