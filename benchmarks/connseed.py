"""Set-up for `benchmarks.connections`: thousands of accounts with a session each, written
through the service layer before the server starts, then groups created over REST.

Registering 10,000 users over REST would hash 10,000 passwords (argon2, even cheap, is
most of a registration) and take minutes; here every account gets the same precomputed
hash, through the same functions sign-up uses (`auth.service.create_account`, then
`auth.sessions.start`, which issues the token with the server's secret), 500 to a
transaction. The groups are made over REST, as a person would (`POST /api/chats`).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from shomik.app import build_services
from shomik.auth import sessions
from shomik.auth.schemas import RegisterRequest
from shomik.auth.service import create_account
from shomik.auth.sessions import Device
from shomik.db.migrate import upgrade
from shomik.settings import Settings

PASSWORD = "a long enough benchmark passphrase"
BATCH = 500


def settings_for(data_dir: Path, env: dict[str, str]) -> Settings:
    """The settings `shomik serve` will have: same data dir, same secret, same hashing."""
    return Settings(
        data_dir=data_dir,
        secret_key=env["SHOMIK_SECRET_KEY"],
        argon2_time_cost=int(env["SHOMIK_ARGON2_TIME_COST"]),
        argon2_memory_kib=int(env["SHOMIK_ARGON2_MEMORY_KIB"]),
        argon2_parallelism=int(env["SHOMIK_ARGON2_PARALLELISM"]),
    )


async def _accounts(settings: Settings, count: int) -> list[dict[str, Any]]:
    services = build_services(settings)
    users: list[dict[str, Any]] = []
    try:
        password_hash = await services.passwords.hash(PASSWORD)
        device = Device(name="benchmark", ip="127.0.0.1")
        for start in range(0, count, BATCH):
            async with services.db.write() as tx:
                for i in range(start, min(count, start + BATCH)):
                    data = RegisterRequest(
                        username=f"conn{i}", password=PASSWORD, display_name=f"Conn {i}"
                    )
                    user_id = await create_account(tx, data, password_hash)
                    token = await sessions.start(tx, services, user_id, device)
                    users.append({"userId": user_id, "token": token})
    finally:
        await services.db.dispose()
    return users


def accounts(data_dir: Path, env: dict[str, str], count: int) -> list[dict[str, Any]]:
    """Migrate a fresh database and create `count` accounts; returns ids and tokens."""
    settings = settings_for(data_dir, env)
    upgrade(settings)
    return asyncio.run(_accounts(settings, count))


async def groups(
    url: str, users: list[dict[str, Any]], group_size: int, extra: dict[str, Any], with_extra: int
) -> None:
    """Groups of `group_size` over REST, each made by its first member; `extra` (the storm's
    sender) joins the groups of the first `with_extra` users. Sets each user's `chatId`."""
    gate = asyncio.Semaphore(8)
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:

        async def create(n: int, members: list[dict[str, Any]]) -> None:
            ids = [m["userId"] for m in members[1:]]
            if n * group_size < with_extra:
                ids.append(extra["userId"])
            body = {"type": "group", "name": f"conn group {n}", "participantIds": ids}
            async with gate:
                r = await http.post(
                    "/api/chats",
                    json=body,
                    headers={"Authorization": f"Bearer {members[0]['token']}"},
                )
            r.raise_for_status()
            for m in members:
                m["chatId"] = int(r.json()["id"])

        chunks = [users[i : i + group_size] for i in range(0, len(users), group_size)]
        await asyncio.gather(*(create(n, chunk) for n, chunk in enumerate(chunks)))
