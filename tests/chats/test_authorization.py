"""The authorization matrix: every chat-scoped REST endpoint and WebSocket command, tried
by every kind of actor. Outsiders (never in the chat, or removed from it) get 404 /
not_found, so a chat's existence is not revealed; members get 403 / forbidden for what
only admins may do; a refused call changes nothing and reaches no one."""

from __future__ import annotations

from typing import Any

import pytest

from tests.chats.matrix import ACTIONS, HEART, THUMBS, Scene, as_table, run_row
from tests.chats.support import (
    client_id,
    frames_about,
    remove,
    rest_outcome,
    set_role,
    snapshot,
    ws_outcome,
)
from tests.harness import User, Ws

NF, FB, IV, OK = "not_found", "forbidden", "invalid", "ok"

GROUP_ACTORS = ("non-member", "removed member", "member", "promoted admin", "owner")
GROUP_ROWS = {
    #                              non-member removed member admin owner
    "GET chat": (NF, NF, OK, OK, OK),
    "GET members": (NF, NF, OK, OK, OK),
    "GET messages": (NF, NF, OK, OK, OK),
    "GET shared": (NF, NF, OK, OK, OK),
    "PATCH chat (rename)": (NF, NF, FB, OK, OK),
    "POST members": (NF, NF, FB, OK, OK),
    "DELETE member (other)": (NF, NF, FB, OK, OK),
    "PATCH member role": (NF, NF, FB, OK, OK),
    "POST /api/messages": (NF, NF, OK, OK, OK),
    "message:send": (NF, NF, OK, OK, OK),
    "message:read": (NF, NF, OK, OK, OK),
    "reaction:add": (NF, NF, OK, OK, OK),
    "reaction:remove": (NF, NF, OK, OK, OK),
    "message:pin": (NF, NF, FB, OK, OK),
    "message:unpin": (NF, NF, FB, OK, OK),
    "message:edit (another's)": (NF, NF, FB, FB, OK),
    "message:forward (into the chat)": (NF, NF, OK, OK, OK),
    "message:delete for everyone (another's)": (NF, NF, FB, OK, OK),
    "message:delete for me": (NF, NF, OK, OK, OK),
    "PATCH settings": (NF, NF, OK, OK, OK),
    "typing:start": (NF, NF, OK, OK, OK),
    "typing:stop": (NF, NF, OK, OK, OK),
    "DELETE member (self: leave)": (NF, NF, OK, OK, OK),
}
GROUP = as_table(GROUP_ROWS, GROUP_ACTORS)

# A private chat has no admins: pins are anyone's, membership is not managed.
PRIVATE_ACTORS = ("non-member", "member")
PRIVATE_ROWS = {
    "GET chat": (NF, OK),
    "GET members": (NF, OK),
    "GET messages": (NF, OK),
    "GET shared": (NF, OK),
    "PATCH chat (rename)": (NF, IV),
    "POST members": (NF, IV),
    "DELETE member (other)": (NF, IV),
    "PATCH member role": (NF, IV),
    "POST /api/messages": (NF, OK),
    "message:send": (NF, OK),
    "message:read": (NF, OK),
    "reaction:add": (NF, OK),
    "reaction:remove": (NF, OK),
    "message:pin": (NF, OK),
    "message:unpin": (NF, OK),
    "message:edit (another's)": (NF, FB),
    "message:forward (into the chat)": (NF, OK),
    # Both sides' messages in a private chat, as Telegram allows.
    "message:delete for everyone (another's)": (NF, OK),
    "message:delete for me": (NF, OK),
    "PATCH settings": (NF, OK),
    "typing:start": (NF, OK),
    "typing:stop": (NF, OK),
    "DELETE member (self: leave)": (NF, IV),
}
PRIVATE = as_table(PRIVATE_ROWS, PRIVATE_ACTORS)


def test_the_tables_cover_every_action_for_every_actor() -> None:
    for rows, actors in ((GROUP_ROWS, GROUP_ACTORS), (PRIVATE_ROWS, PRIVATE_ACTORS)):
        assert list(rows) == list(ACTIONS)
        assert all(len(row) == len(actors) for row in rows.values())
    cells = sum(len(row) for row in GROUP_ROWS.values()) + sum(
        len(row) for row in PRIVATE_ROWS.values()
    )
    assert cells == 23 * 5 + 23 * 2


async def _messages(sender: User, chat_id: int) -> tuple[int, int, int]:
    ids = [(await sender.send(chat_id, text))["id"] for text in ("one", "two", "three")]
    return ids[0], ids[1], ids[2]


async def _react_and_pin(
    actor_ws: Ws | None, pinner_ws: Ws, chat_id: int, ids: tuple[int, ...]
) -> None:
    if actor_ws is not None:
        data = {"messageId": ids[0], "emoji": THUMBS}
        assert await ws_outcome(actor_ws, "reaction:add", data) == OK
    assert (
        await ws_outcome(pinner_ws, "message:pin", {"chatId": chat_id, "messageId": ids[2]}) == OK
    )


@pytest.mark.parametrize("actor", GROUP_ACTORS)
async def test_group_matrix(users: Any, actor: str) -> None:
    owner, admin, member, removed, outsider, role_target, kick_target, newcomer = await users(8)
    chat_id = (await owner.group("matrix", admin, member, removed, role_target, kick_target))["id"]
    await set_role(owner, chat_id, admin, "admin")
    me = {
        "non-member": outsider,
        "removed member": removed,
        "member": member,
        "promoted admin": admin,
        "owner": owner,
    }[actor]
    ids = await _messages(owner, chat_id)
    ws, observer = await me.ws(), await role_target.ws()
    owner_ws = ws if me is owner else await owner.ws()
    await _react_and_pin(None if me is outsider else ws, owner_ws, chat_id, ids)
    await observer.expect("pin:updated")
    if me is removed:
        await remove(owner, chat_id, removed)
        await ws.expect("chat:removed", where=lambda d: d["chatId"] == chat_id)
        await observer.expect("chat:members", where=lambda d: d["memberCount"] == 5)
    scene = Scene(chat_id, me, ws, role_target, observer, kick_target, role_target, newcomer, *ids)
    result = await run_row(scene, GROUP[actor])
    assert result.tried == len(ACTIONS)
    assert not result.unexpected_successes and not result.mismatches, result.summary(actor)


@pytest.mark.parametrize("actor", PRIVATE_ACTORS)
async def test_private_matrix(users: Any, actor: str) -> None:
    peer, member, outsider, newcomer = await users(4)
    me = member if actor == "member" else outsider
    chat_id = (await peer.private_chat(member))["id"]
    ids = await _messages(peer, chat_id)
    ws, observer = await me.ws(), await peer.ws()
    await _react_and_pin(ws if me is member else None, observer, chat_id, ids)
    await observer.expect("pin:updated")
    scene = Scene(chat_id, me, ws, peer, observer, peer, peer, newcomer, *ids)
    result = await run_row(scene, PRIVATE[actor])
    assert result.tried == len(ACTIONS)
    assert not result.unexpected_successes and not result.mismatches, result.summary(actor)


async def test_message_ids_from_a_chat_one_is_not_in_are_not_found(users: Any) -> None:
    """Naming your own chat does not open a message of another: every command that takes a
    messageId checks the message's own chat."""
    alice, bob, eve, mallory = await users(4)
    theirs = (await alice.group("theirs", bob))["id"]
    secret = (await alice.send(theirs, "secret"))["id"]
    mine = (await mallory.group("mine", eve))["id"]
    mine_msg = (await mallory.send(mine, "hello"))["id"]
    before = await snapshot(alice, theirs)
    ws, watcher = await mallory.ws(), await bob.ws()
    cells = {
        "read, own chat id": ("message:read", {"chatId": mine, "messageId": secret}),
        "read, their chat id": ("message:read", {"chatId": theirs, "messageId": secret}),
        "reaction:add": ("reaction:add", {"messageId": secret, "emoji": HEART}),
        "reaction:remove": ("reaction:remove", {"messageId": secret, "emoji": HEART}),
        "pin in own chat (as its owner)": ("message:pin", {"chatId": mine, "messageId": secret}),
        "unpin in own chat": ("message:unpin", {"chatId": mine, "messageId": secret}),
        "send, their chat id": (
            "message:send",
            {"chatId": theirs, "content": "x", "clientId": client_id(), "replyTo": mine_msg},
        ),
    }
    got = {name: await ws_outcome(ws, type_, data) for name, (type_, data) in cells.items()}
    reply = {"chatId": mine, "content": "quoting", "replyTo": secret}
    got["reply in own chat quoting theirs"] = rest_outcome(
        await mallory.http.post("/api/messages", json=reply)
    )
    expected = {name: NF for name in cells} | {"reply in own chat quoting theirs": IV}
    unexpected = [name for name, outcome in got.items() if outcome == OK]
    assert got == expected, f"{len(got)} cells tried, {len(unexpected)} unexpected successes"
    assert await snapshot(alice, theirs) == before
    await watcher.quiet(0.5)
    assert frames_about(watcher, theirs) == []
