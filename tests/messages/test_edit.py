"""Editing: the author's own text within the window, live for everyone, mentions redone."""

from __future__ import annotations

from typing import Any

from tests.chats.support import fetch_list
from tests.harness import ServerProcess, register
from tests.messages.everyday import chat_of, history, send


async def test_an_edit_reaches_everyone_live_and_stays(people: Any) -> None:
    alice, bob = await people(2)
    group = await alice.group("edits", bob)
    a, b = await alice.ws(), await bob.ws()
    sent = await send(a, group["id"], "teh plan")
    edited = await a.command("message:edit", {"messageId": sent["id"], "content": "the plan"})
    assert edited["content"] == "the plan" and edited["editedAt"] is not None
    assert (edited["id"], edited["seq"]) == (sent["id"], sent["seq"])
    live = await b.expect("message:updated")
    assert live["seq"] > 0 and live["data"]["content"] == "the plan"
    assert live["data"]["editedAt"] == edited["editedAt"]
    assert [m["content"] for m in await history(bob, group["id"])][-1] == "the plan"
    assert (await chat_of(bob, group["id"]))["lastMessage"]["content"] == "the plan"
    # The same text again is no edit: no event, no new mark.
    same = await a.command("message:edit", {"messageId": sent["id"], "content": "the plan"})
    assert same["editedAt"] == edited["editedAt"]
    await b.quiet(0.3)
    assert len(b.of_type("message:updated")) == 1


async def test_bad_edits_are_refused_and_change_nothing(people: Any) -> None:
    alice, bob = await people(2)
    group = await alice.group("refusals", bob)
    a, b = await alice.ws(), await bob.ws()
    mine = await send(a, group["id"], "mine")
    theirs = await send(b, group["id"], "theirs")
    system = (await history(alice, group["id"]))[0]
    assert system["type"] == "system"
    cases = [
        ({"messageId": theirs["id"], "content": "hijack"}, "forbidden"),
        ({"messageId": system["id"], "content": "rewritten"}, "not_editable"),
        ({"messageId": mine["id"], "content": "   "}, "invalid"),
        ({"messageId": mine["id"], "content": "x" * 4097}, "invalid"),
        ({"messageId": 9_000_000_000, "content": "ghost"}, "not_found"),
        ({"messageId": "1", "content": "typed"}, "invalid"),
        ({"content": "no id"}, "invalid"),
    ]
    for data, code in cases:
        err = await a.request("message:edit", data)
        assert err["type"] == "error" and err["error"]["code"] == code, (data, err)
    assert [m["content"] for m in await history(bob, group["id"])][1:] == ["mine", "theirs"]
    await b.quiet(0.3)
    assert b.of_type("message:updated") == []


async def test_the_edit_window_closes(make_server: Any) -> None:
    server: ServerProcess = make_server(env={"SHOMIK_EDIT_WINDOW_SECONDS": "0"})
    alice, bob = await register(server), await register(server)
    chat = await alice.private_chat(bob)
    a = await alice.ws()
    sent = await send(a, chat["id"], "too late")
    err = await a.request("message:edit", {"messageId": sent["id"], "content": "fixed"})
    assert err["error"]["code"] == "edit_expired" and "hours" in err["error"]["message"]
    await alice.aclose()
    await bob.aclose()


async def test_mentions_are_members_counted_until_read_and_follow_edits(people: Any) -> None:
    alice, bob, carol, outsider = await people(4)
    group = await alice.group("mentions", bob, carol)
    a = await alice.ws()
    text = f"@{bob.username} and @{outsider.username}, mail me at x@{carol.username}.org"
    sent = await send(a, group["id"], text)
    assert sent["mentions"] == [bob.id]  # members only; an address is no mention
    self_mention = await send(a, group["id"], f"note to @{alice.username.upper()}")
    assert self_mention["mentions"] == []
    listed = {c["id"]: c for c in await fetch_list(bob)}[group["id"]]
    assert (listed["unreadMentions"], listed["firstUnreadMentionSeq"]) == (1, sent["seq"])
    assert {c["id"]: c for c in await fetch_list(carol)}[group["id"]]["unreadMentions"] == 0
    # An edit can take the mention back, or give one.
    await a.command("message:edit", {"messageId": sent["id"], "content": "never mind"})
    assert (await chat_of(bob, group["id"]))["unreadMentions"] == 0
    await a.command("message:edit", {"messageId": sent["id"], "content": f"@{carol.username}!"})
    carol_view = await chat_of(carol, group["id"])
    assert (carol_view["unreadMentions"], carol_view["firstUnreadMentionSeq"]) == (1, sent["seq"])
    c = await carol.ws()
    await c.command("message:read", {"chatId": group["id"], "messageId": self_mention["id"]})
    assert (await chat_of(carol, group["id"]))["unreadMentions"] == 0


async def test_a_resume_replays_edits_and_deletions_in_order(people: Any) -> None:
    alice, bob = await people(2)
    chat = await alice.private_chat(bob)
    b = await bob.ws()
    since = b.of_type("ready")[0]["data"]["seq"]
    await b.close()
    a = await alice.ws()
    first = await send(a, chat["id"], "frist")
    second = await send(a, chat["id"], "second")
    await a.command("message:edit", {"messageId": first["id"], "content": "first"})
    await a.command("message:delete", {"messageIds": [second["id"]], "forEveryone": True})
    resumed = await bob.ws(since=since)
    await resumed.expect("message:deleted")
    kinds = [f["type"] for f in resumed.frames if f["type"].startswith("message:")]
    assert kinds == ["message:new", "message:new", "message:updated", "message:deleted"]
    edited = resumed.of_type("message:updated")[0]["data"]
    assert edited["content"] == "first" and edited["editedAt"] is not None
