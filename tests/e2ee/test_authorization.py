"""Who may use a secret chat's MLS endpoints: members only (outsiders and former members
get 404, as for any chat, so a secret chat's existence is not revealed); a member's session
needs a registered device for what a device does; an ordinary chat has none of it. A
refused call changes nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tests.chats.support import remove, rest_outcome
from tests.e2ee.support import Dev, device, found, secret_chat
from tests.harness import User

NF, IV, OK = "not_found", "invalid", "ok"
NO_DEVICE, NOT_SECRET = "422/no_device", "422/not_secret"


@dataclass
class Scene:
    chat_id: int
    actor: Dev
    peer: User  # a member the actor may claim key packages of
    epoch: Callable[[], Awaitable[int]]


async def _group(s: Scene) -> str:
    return rest_outcome(await s.actor.http.get(f"/api/e2ee/chats/{s.chat_id}"))


async def _commits(s: Scene) -> str:
    return rest_outcome(await s.actor.http.get(f"/api/e2ee/chats/{s.chat_id}/commits"))


async def _welcome(s: Scene) -> str:
    return rest_outcome(await s.actor.http.get(f"/api/e2ee/chats/{s.chat_id}/welcome"))


async def _claim(s: Scene) -> str:
    return rest_outcome(await s.actor.claim(s.peer.id, s.chat_id))


async def _commit(s: Scene) -> str:
    return rest_outcome(await s.actor.commit(s.chat_id, await s.epoch()))


ACTIONS: dict[str, Callable[[Scene], Awaitable[str]]] = {
    "GET group": _group,
    "GET commits": _commits,
    "GET welcome": _welcome,
    "GET key-packages": _claim,
    "POST commit": _commit,
}
ACTORS = ("non-member", "former member", "member, no device", "member")
ROWS = {
    "GET group": (NF, NF, OK, OK),
    "GET commits": (NF, NF, OK, OK),
    "GET welcome": (NF, NF, NO_DEVICE, OK),
    "GET key-packages": (NF, NF, OK, OK),
    "POST commit": (NF, NF, NO_DEVICE, OK),
}
# Members of an ordinary chat: nothing of MLS there.
ORDINARY = {
    "GET group": NOT_SECRET,
    "GET commits": NOT_SECRET,
    "GET welcome": NOT_SECRET,
    "GET key-packages": NOT_SECRET,
    "POST commit": NOT_SECRET,
}


async def _actors(people: Any) -> tuple[int, User, Dev, dict[str, Dev]]:
    owner, peer, outsider, former, bare, member = await people(6)
    od = await device(owner)
    await device(peer)
    group = await secret_chat(owner, peer, former, bare, member, name="Matrix")
    devs = {
        "non-member": await device(outsider),
        "former member": await device(former),
        "member, no device": Dev(bare, bare.http, bare.token, od.key),  # never registered
        "member": await device(member),
    }
    await found(od, group["id"])
    await remove(owner, group["id"], former)
    return group["id"], peer, od, devs


async def test_the_matrix(people: Any) -> None:
    chat_id, peer, owner_dev, devs = await _actors(people)

    async def epoch() -> int:
        return int((await owner_dev.group(chat_id))["epoch"])

    failures = []
    for column, actor in enumerate(ACTORS):
        scene = Scene(chat_id, devs[actor], peer, epoch)
        for name, call in ACTIONS.items():
            before = await owner_dev.group(chat_id)
            got = await call(scene)
            expected = ROWS[name][column]
            if got != expected:
                failures.append(f"{actor} / {name}: expected {expected}, got {got}")
            after = await owner_dev.group(chat_id)
            changes = name == "POST commit" and got == OK
            if not changes and after["epoch"] != before["epoch"]:
                failures.append(f"{actor} / {name}: refused yet the epoch moved")
    assert failures == []


async def test_an_ordinary_chat_has_no_mls(people: Any) -> None:
    alice, bob = await people(2)
    a1 = await device(alice)
    await device(bob)
    chat = await alice.group("Plain", bob)
    scene = Scene(chat["id"], a1, bob, lambda: _zero())
    got = {name: await call(scene) for name, call in ACTIONS.items()}
    assert got == ORDINARY


async def _zero() -> int:
    return 0
