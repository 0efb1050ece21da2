"""`othersReadSeq` (the furthest any other member has read: "read" ticks) stays the
maximum over the other members' read positions through every way a position moves or a
member comes and goes: sends, reads, system messages (their actor reads through them),
members added and removed. The chat's row keeps only the two furthest (chats/readers.py);
the members' list is the truth it is checked against, on both engines."""

from __future__ import annotations

import random
from typing import Any

from tests.chats.support import fetch_chat, fetch_members, ws_outcome
from tests.harness import User


async def _check(owner: User, members: dict[int, User], chat_id: int, step: str) -> None:
    positions = {m["user"]["id"]: m["lastReadSeq"] for m in await fetch_members(owner, chat_id)}
    assert set(positions) == set(members), step
    for user_id, user in members.items():
        chat = await fetch_chat(user, chat_id)
        others = max((seq for uid, seq in positions.items() if uid != user_id), default=0)
        assert chat["lastReadSeq"] == positions[user_id], (step, user.username)
        assert chat["othersReadSeq"] == others, (step, user.username, positions)


async def test_others_read_follows_every_move_of_every_member(people: Any) -> None:
    alice, *rest = await people(5)
    chat_id = (await alice.group("ticks", *rest[:3]))["id"]
    members = {u.id: u for u in (alice, *rest[:3])}
    outside = [rest[3]]
    sent: list[dict[str, Any]] = []
    rng = random.Random(20261127)
    await _check(alice, members, chat_id, "created")
    for i in range(40):
        roll = rng.random()
        if roll < 0.4 or not sent:
            sender = rng.choice(list(members.values()))
            sent.append(await sender.send(chat_id, f"m{i}"))
            step = f"{i}: {sender.username} sent"
        elif roll < 0.8:
            reader = rng.choice(list(members.values()))
            message = rng.choice(sent)
            ws = await reader.ws()
            read = {"chatId": chat_id, "messageId": message["id"]}
            assert await ws_outcome(ws, "message:read", read) == "ok"
            await ws.close()
            step = f"{i}: {reader.username} read {message['seq']}"
        elif roll < 0.9 and len(members) > 2:
            gone = members.pop(rng.choice([uid for uid in members if uid != alice.id]))
            r = await alice.http.delete(f"/api/chats/{chat_id}/members/{gone.id}")
            assert r.status_code == 204, r.text
            outside.append(gone)
            step = f"{i}: {gone.username} removed"
        elif outside:
            back = outside.pop(rng.randrange(len(outside)))
            r = await alice.http.post(f"/api/chats/{chat_id}/members", json={"userIds": [back.id]})
            assert r.status_code == 200, r.text
            members[back.id] = back
            step = f"{i}: {back.username} added"
        else:
            continue
        await _check(alice, members, chat_id, step)


async def test_the_furthest_reader_leaving_hands_the_ticks_to_the_next(people: Any) -> None:
    alice, bob, carol = await people(3)
    chat_id = (await alice.group("leaving", bob, carol))["id"]
    first = await carol.send(chat_id, "one")
    await bob.send(chat_id, "two")  # bob is furthest now, carol next
    chat = await fetch_chat(alice, chat_id)
    assert chat["othersReadSeq"] == chat["lastSeq"]
    r = await alice.http.delete(f"/api/chats/{chat_id}/members/{bob.id}")
    assert r.status_code == 204, r.text
    # alice's own position moved onto the note of the removal; of the others only carol is
    # left, who read up to her own message.
    assert (await fetch_chat(alice, chat_id))["othersReadSeq"] == first["seq"]


async def test_one_who_leaves_is_not_counted_as_reading_the_note_of_it(people: Any) -> None:
    alice, bob, carol = await people(3)
    chat_id = (await alice.group("goodbye", bob, carol))["id"]
    await carol.send(chat_id, "hello")
    r = await bob.http.delete(f"/api/chats/{chat_id}/members/{bob.id}")
    assert r.status_code == 204, r.text
    chat = await fetch_chat(alice, chat_id)
    # "Bob left" is the newest message, and bob, who is not in the chat any more, is not
    # the furthest reader through it: carol is, behind it.
    assert chat["lastMessage"]["type"] == "system"
    await _check(alice, {alice.id: alice, carol.id: carol}, chat_id, "bob left")
    assert chat["othersReadSeq"] < chat["lastSeq"]
