"""The machinery of the authorization matrix: every chat-scoped REST endpoint and
WebSocket command as an action one actor tries on a prepared chat, and a runner that
checks each outcome against the table and that refused calls change nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from tests.chats.support import client_id, frames_about, rest_outcome, snapshot, ws_outcome
from tests.harness import User, Ws

THUMBS, HEART = "👍", "❤️"


@dataclass
class Scene:
    chat_id: int
    actor: User
    ws: Ws  # the actor's socket
    viewer: User  # a member throughout, who fetches the state before and after
    observer: Ws  # a member's socket: refused calls must not reach it
    kick_target: User  # a plain member, whom removal is tried on
    role_target: User  # a plain member, whom promotion is tried on
    newcomer: User  # not in the chat, whom adding is tried with
    reacted: int  # a message the actor reacted to with THUMBS (while a member)
    unpinned: int
    pinned: int


Call = Callable[[Scene], Awaitable[str]]


@dataclass(frozen=True)
class Action:
    call: Call
    # Whether success must show in a fresh fetch (None: it may or may not).
    mutates: bool | None
    # The event a member's socket must get when the action succeeds.
    event: str | None = None


async def _get_chat(s: Scene) -> str:
    return rest_outcome(await s.actor.http.get(f"/api/chats/{s.chat_id}"))


async def _members(s: Scene) -> str:
    return rest_outcome(await s.actor.http.get(f"/api/chats/{s.chat_id}/members"))


async def _history(s: Scene) -> str:
    return rest_outcome(await s.actor.http.get(f"/api/chats/{s.chat_id}/messages"))


async def _shared(s: Scene) -> str:
    url = f"/api/chats/{s.chat_id}/shared"
    return rest_outcome(await s.actor.http.get(url, params={"kind": "links"}))


async def _rename(s: Scene) -> str:
    body = {"name": f"renamed by {s.actor.username}"}
    return rest_outcome(await s.actor.http.patch(f"/api/chats/{s.chat_id}", json=body))


async def _add_member(s: Scene) -> str:
    body = {"userIds": [s.newcomer.id]}
    return rest_outcome(await s.actor.http.post(f"/api/chats/{s.chat_id}/members", json=body))


async def _remove_member(s: Scene) -> str:
    url = f"/api/chats/{s.chat_id}/members/{s.kick_target.id}"
    return rest_outcome(await s.actor.http.delete(url))


async def _set_role(s: Scene) -> str:
    url = f"/api/chats/{s.chat_id}/members/{s.role_target.id}"
    return rest_outcome(await s.actor.http.patch(url, json={"role": "admin"}))


async def _leave(s: Scene) -> str:
    url = f"/api/chats/{s.chat_id}/members/{s.actor.id}"
    return rest_outcome(await s.actor.http.delete(url))


async def _send(s: Scene) -> str:
    body = {"chatId": s.chat_id, "content": "over REST"}
    return rest_outcome(await s.actor.http.post("/api/messages", json=body))


async def _ws_send(s: Scene) -> str:
    data = {"chatId": s.chat_id, "content": "over WS", "clientId": client_id()}
    return await ws_outcome(s.ws, "message:send", data)


async def _read(s: Scene) -> str:
    return await ws_outcome(s.ws, "message:read", {"chatId": s.chat_id, "messageId": s.pinned})


async def _react(s: Scene) -> str:
    return await ws_outcome(s.ws, "reaction:add", {"messageId": s.reacted, "emoji": HEART})


async def _unreact(s: Scene) -> str:
    return await ws_outcome(s.ws, "reaction:remove", {"messageId": s.reacted, "emoji": THUMBS})


async def _pin(s: Scene) -> str:
    return await ws_outcome(s.ws, "message:pin", {"chatId": s.chat_id, "messageId": s.unpinned})


async def _unpin(s: Scene) -> str:
    return await ws_outcome(s.ws, "message:unpin", {"chatId": s.chat_id, "messageId": s.pinned})


async def _edit_others(s: Scene) -> str:
    # `reacted` is the owner's (the peer's in a private chat): only its author may edit it.
    data = {"messageId": s.reacted, "content": f"edited by {s.actor.username}"}
    return await ws_outcome(s.ws, "message:edit", data)


async def _delete_for_everyone(s: Scene) -> str:
    data = {"messageIds": [s.unpinned], "forEveryone": True}
    return await ws_outcome(s.ws, "message:delete", data)


async def _delete_for_me(s: Scene) -> str:
    data = {"messageIds": [s.pinned], "forEveryone": False}
    return await ws_outcome(s.ws, "message:delete", data)


async def _forward_here(s: Scene) -> str:
    data = {"messageIds": [s.reacted], "toChatId": s.chat_id, "clientId": client_id()}
    return await ws_outcome(s.ws, "message:forward", data)


async def _settings(s: Scene) -> str:
    url = f"/api/chats/{s.chat_id}/settings"
    return rest_outcome(await s.actor.http.patch(url, json={"archived": True}))


async def _typing_start(s: Scene) -> str:
    return await ws_outcome(s.ws, "typing:start", {"chatId": s.chat_id})


async def _typing_stop(s: Scene) -> str:
    return await ws_outcome(s.ws, "typing:stop", {"chatId": s.chat_id})


# In the order they are tried; leaving is always tried last.
ACTIONS: dict[str, Action] = {
    "GET chat": Action(_get_chat, False),
    "GET members": Action(_members, False),
    "GET messages": Action(_history, False),
    "GET shared": Action(_shared, False),
    "PATCH chat (rename)": Action(_rename, True, "chat:updated"),
    "POST members": Action(_add_member, True, "chat:members"),
    "DELETE member (other)": Action(_remove_member, True, "chat:members"),
    "PATCH member role": Action(_set_role, True, "chat:members"),
    "POST /api/messages": Action(_send, True, "message:new"),
    "message:send": Action(_ws_send, True, "message:new"),
    "message:read": Action(_read, None),
    "reaction:add": Action(_react, True, "reaction:updated"),
    "reaction:remove": Action(_unreact, True, "reaction:updated"),
    "message:pin": Action(_pin, True, "pin:updated"),
    "message:unpin": Action(_unpin, True, "pin:updated"),
    "message:edit (another's)": Action(_edit_others, True, "message:updated"),
    "message:forward (into the chat)": Action(_forward_here, True, "message:new"),
    "message:delete for everyone (another's)": Action(
        _delete_for_everyone, True, "message:deleted"
    ),
    # Only the actor's own view changes, and only their sockets hear of it.
    "message:delete for me": Action(_delete_for_me, False),
    "PATCH settings": Action(_settings, False),
    "typing:start": Action(_typing_start, False, "typing:update"),
    "typing:stop": Action(_typing_stop, False, "typing:update"),
    "DELETE member (self: leave)": Action(_leave, True, "chat:members"),
}


@dataclass
class Result:
    tried: int = 0
    unexpected_successes: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)

    def summary(self, who: str) -> str:
        return (
            f"{who}: {self.tried} cells tried, {len(self.unexpected_successes)} unexpected "
            f"successes {self.unexpected_successes}, other mismatches {self.mismatches}"
        )


async def run_row(scene: Scene, expected: dict[str, str]) -> Result:
    """Try every action as the scene's actor: refused ones first (each must leave the chat
    as it was and reach no member), then allowed ones (each must take effect)."""
    result = Result()
    refused = [a for a in ACTIONS if expected[a] != "ok"]
    allowed = [a for a in ACTIONS if expected[a] == "ok"]
    mark = len(scene.observer.frames)
    for name in refused:
        before = await snapshot(scene.viewer, scene.chat_id)
        got = await ACTIONS[name].call(scene)
        result.tried += 1
        if got == "ok":
            result.unexpected_successes.append(name)
        elif got != expected[name]:
            result.mismatches.append(f"{name}: expected {expected[name]}, got {got}")
        if await snapshot(scene.viewer, scene.chat_id) != before:
            result.mismatches.append(f"{name}: refused ({got}) yet the chat changed")
    if refused:
        await scene.observer.quiet(0.5)
        leaked = [f["type"] for f in frames_about(scene.observer, scene.chat_id, mark)]
        if leaked:
            result.mismatches.append(f"refused calls still reached a member: {leaked}")
    for name in allowed:
        action = ACTIONS[name]
        before = await snapshot(scene.viewer, scene.chat_id)
        mark = len(scene.observer.frames)
        got = await action.call(scene)
        result.tried += 1
        if got != "ok":
            result.mismatches.append(f"{name}: expected ok, got {got}")
            continue
        if action.mutates and await snapshot(scene.viewer, scene.chat_id) == before:
            result.mismatches.append(f"{name}: succeeded yet nothing changed")
        if action.event is not None and not await _arrived(scene, action.event, mark):
            result.mismatches.append(f"{name}: succeeded yet no {action.event} reached a member")
    return result


async def _arrived(scene: Scene, type_: str, mark: int) -> bool:
    for _ in range(50):
        if any(f["type"] == type_ for f in frames_about(scene.observer, scene.chat_id, mark)):
            return True
        await scene.observer.quiet(0.1)
    return False


def as_table(
    rows: Mapping[str, tuple[str, ...]], actors: tuple[str, ...]
) -> dict[str, dict[str, str]]:
    """{action: (outcome per actor)} -> {actor: {action: outcome}}."""
    return {actor: {a: row[i] for a, row in rows.items()} for i, actor in enumerate(actors)}
