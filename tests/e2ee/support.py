"""Devices of the e2ee tests: a session of a user (their first, or another sign-in) with
an MLS device registered, and the calls such a device makes."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.e2ee import mls
from tests.harness import PASSWORD, ServerProcess, User, Ws, open_ws


@dataclass
class Dev:
    user: User
    http: httpx.AsyncClient
    token: str
    key: Ed25519PrivateKey
    device_id: str = ""
    sockets: list[Ws] = field(default_factory=list)

    @property
    def identity(self) -> bytes:
        return f"{self.user.id}:{self.device_id}".encode()

    def key_packages(self, n: int) -> list[str]:
        return [mls.b64(mls.key_package(self.identity, self.key)) for _ in range(n)]

    async def publish(self, n: int) -> httpx.Response:
        return await self.http.post(
            "/api/e2ee/key-packages", json={"keyPackages": self.key_packages(n)}
        )

    async def claim(self, user_id: int, chat_id: int) -> httpx.Response:
        return await self.http.get(f"/api/e2ee/key-packages/{user_id}", params={"chatId": chat_id})

    async def group(self, chat_id: int) -> dict[str, Any]:
        r = await self.http.get(f"/api/e2ee/chats/{chat_id}")
        assert r.status_code == 200, r.text
        return dict(r.json())

    async def commit(
        self,
        chat_id: int,
        epoch: int,
        added: list[str] | None = None,
        removed: list[str] | None = None,
        welcome: str | None = None,
    ) -> httpx.Response:
        body: dict[str, Any] = {
            "epoch": epoch,
            "commit": mls.commit(epoch),
            "addedDeviceIds": added or [],
            "removedDeviceIds": removed or [],
        }
        if added:
            body["welcome"] = welcome or mls.welcome()
        return await self.http.post(f"/api/e2ee/chats/{chat_id}/commits", json=body)

    async def ws(self) -> Ws:
        ws = await open_ws(self.user.server, self.token)
        self.sockets.append(ws)
        return ws

    async def aclose(self) -> None:
        for ws in self.sockets:
            await ws.close()
        if self.http is not self.user.http:
            await self.http.aclose()


async def sign_in(user: User) -> tuple[httpx.AsyncClient, str]:
    """Another session of the user: another device."""
    http = httpx.AsyncClient(base_url=user.server.url, timeout=20)
    r = await http.post("/api/auth/login", json={"username": user.username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    token = str(r.json()["access_token"])
    http.headers["Authorization"] = f"Bearer {token}"
    return http, token


async def device(user: User, *, new_session: bool = False, key_packages: int = 3) -> Dev:
    """A registered device of the user (on their first session unless `new_session`), with
    `key_packages` published."""
    http, token = await sign_in(user) if new_session else (user.http, user.token)
    dev = Dev(user, http, token, Ed25519PrivateKey.generate())
    r = await http.post(
        "/api/e2ee/devices", json={"signatureKey": mls.b64(mls.public_key(dev.key))}
    )
    assert r.status_code == 200, r.text
    dev.device_id = r.json()["deviceId"]
    assert r.json()["identity"] == f"{user.id}:{dev.device_id}"
    if key_packages:
        r = await dev.publish(key_packages)
        assert r.status_code == 201, r.text
    return dev


async def secret_chat(creator: User, *others: User, name: str = "") -> dict[str, Any]:
    if name or len(others) != 1:
        body: dict[str, Any] = {
            "type": "group",
            "name": name or "Secret",
            "participantIds": [o.id for o in others],
        }
    else:
        body = {"type": "private", "userId": others[0].id}
    r = await creator.http.post("/api/e2ee/chats", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def found(dev: Dev, chat_id: int) -> None:
    """The device founds the chat's group: the first commit, adding every other live device
    of the members (claiming their key packages)."""
    group = await dev.group(chat_id)
    others = {d["userId"] for d in group["devices"]}
    added = []
    for user_id in sorted(others):
        r = await dev.claim(user_id, chat_id)
        assert r.status_code == 200, r.text
        added += [k["deviceId"] for k in r.json()["keyPackages"]]
    r = await dev.commit(chat_id, 0, added=added)
    assert r.status_code == 200, r.text


async def query(server: ServerProcess, sql: str) -> list[tuple[Any, ...]]:
    """The rows of a query on the server's database, read behind its back."""
    url = server.env.get("SHOMIK_DATABASE_URL")
    if url:
        conn = await asyncpg.connect(url.replace("+asyncpg", ""), timeout=5)
        try:
            return [tuple(r) for r in await conn.fetch(sql)]
        finally:
            await conn.close()

    def run() -> list[tuple[Any, ...]]:
        with contextlib.closing(sqlite3.connect(server.data_dir / "shomik.db")) as db:
            return list(db.execute(sql).fetchall())

    return await asyncio.to_thread(run)
