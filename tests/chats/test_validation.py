"""Bad input is the client's fault: always a 4xx with `{"error": {"code", "message"}}`,
never a 5xx, and it changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.chats.support import error_of, fetch_history, fetch_list, snapshot
from tests.harness import WsError

HUGE = 2**63  # one past the largest id the database can hold
HUGER = 10**30
NAME_129 = "n" * 129
NAME_100K = "n" * 100_000

# (method, path, JSON body or raw text); {chat} is a group the caller owns, {me} the caller.
CASES: list[tuple[str, str, Any]] = [
    ("POST", "/api/chats", {}),
    ("POST", "/api/chats", {"type": "channel", "name": "x"}),
    ("POST", "/api/chats", {"type": "private"}),
    ("POST", "/api/chats", {"type": "private", "participantIds": []}),
    ("POST", "/api/chats", {"type": "private", "userId": "2"}),
    ("POST", "/api/chats", {"type": "private", "userId": True}),
    ("POST", "/api/chats", {"type": "private", "userId": 2.5}),
    ("POST", "/api/chats", {"type": "private", "userId": None}),
    ("POST", "/api/chats", {"type": "private", "userId": -1}),
    ("POST", "/api/chats", {"type": "private", "userId": 0}),
    ("POST", "/api/chats", {"type": "private", "userId": HUGE}),
    ("POST", "/api/chats", {"type": "private", "userId": HUGER}),
    ("POST", "/api/chats", {"type": "private", "userId": 2, "name": "private"}),
    ("POST", "/api/chats", {"type": "group"}),
    ("POST", "/api/chats", {"type": "group", "name": ""}),
    ("POST", "/api/chats", {"type": "group", "name": "   "}),
    ("POST", "/api/chats", {"type": "group", "name": NAME_129}),
    ("POST", "/api/chats", {"type": "group", "name": NAME_100K}),
    ("POST", "/api/chats", {"type": "group", "name": 42}),
    ("POST", "/api/chats", {"type": "group", "name": ["x"]}),
    ("POST", "/api/chats", {"type": "group", "name": "x", "participantIds": "1,2"}),
    ("POST", "/api/chats", {"type": "group", "name": "x", "participantIds": ["a"]}),
    ("POST", "/api/chats", {"type": "group", "name": "x", "participantIds": [-5]}),
    ("POST", "/api/chats", {"type": "group", "name": "x", "participantIds": [HUGE]}),
    ("POST", "/api/chats", {"type": "group", "name": "x", "participantIds": [HUGER]}),
    ("POST", "/api/chats", {"type": "group", "name": "x", "participantIds": [9_000_002]}),
    ("POST", "/api/chats", {"type": "group", "name": "x", "participantIds": list(range(1001))}),
    ("POST", "/api/chats", {"type": "group", "name": "x", "admin": True}),
    ("POST", "/api/chats", []),
    ("POST", "/api/chats", "null"),
    ("POST", "/api/chats", '{"type": "group", "name": '),
    ("GET", "/api/chats?limit=0", None),
    ("GET", "/api/chats?limit=101", None),
    ("GET", "/api/chats?limit=x", None),
    ("GET", "/api/chats?cursor=garbage", None),
    ("GET", "/api/chats?cursor=2.5.7", None),
    ("GET", "/api/chats?cursor=" + "1" * 65, None),
    ("GET", "/api/chats/{chat}/members?limit=0", None),
    ("GET", "/api/chats/{chat}/members?limit=201", None),
    ("GET", "/api/chats/{chat}/members?after=1.2.3", None),
    ("GET", "/api/chats/{chat}/members?after=-1.5", None),
    ("GET", "/api/chats/{chat}/members?q=" + "q" * 65, None),
    ("GET", f"/api/chats/{HUGE}/members", None),
    ("GET", "/api/chats/abc", None),
    ("GET", "/api/chats/1.5", None),
    ("GET", "/api/chats/-1", None),
    ("GET", "/api/chats/0", None),
    ("GET", f"/api/chats/{HUGE}", None),
    ("GET", f"/api/chats/{HUGER}", None),
    ("PATCH", "/api/chats/{chat}", {"name": 5}),
    ("PATCH", "/api/chats/{chat}", {"name": ""}),
    ("PATCH", "/api/chats/{chat}", {"name": " \t "}),
    ("PATCH", "/api/chats/{chat}", {"name": NAME_129}),
    ("PATCH", "/api/chats/{chat}", {"name": NAME_100K}),
    ("PATCH", "/api/chats/{chat}", {"topic": "unknown field"}),
    ("PATCH", "/api/chats/{chat}", {"avatarId": "no-such-file"}),
    ("PATCH", "/api/chats/{chat}", {"avatarId": "a" * 33}),
    ("PATCH", "/api/chats/{chat}", ["name"]),
    ("PATCH", f"/api/chats/{HUGE}", {"name": "x"}),
    ("PATCH", "/api/chats/-3", {"name": "x"}),
    ("POST", "/api/chats/{chat}/members", {}),
    ("POST", "/api/chats/{chat}/members", {"userIds": []}),
    ("POST", "/api/chats/{chat}/members", {"userIds": "1,2"}),
    ("POST", "/api/chats/{chat}/members", {"userIds": [True]}),
    ("POST", "/api/chats/{chat}/members", {"userIds": [-1]}),
    ("POST", "/api/chats/{chat}/members", {"userIds": [HUGE]}),
    ("POST", "/api/chats/{chat}/members", {"userIds": [HUGER]}),
    ("POST", "/api/chats/{chat}/members", {"userIds": list(range(1, 102))}),
    ("POST", "/api/chats/{chat}/members", {"userIds": [1], "role": "admin"}),
    ("POST", f"/api/chats/{HUGE}/members", {"userIds": [1]}),
    ("DELETE", "/api/chats/{chat}/members/abc", None),
    ("DELETE", "/api/chats/{chat}/members/-1", None),
    ("DELETE", "/api/chats/{chat}/members/0", None),
    ("DELETE", f"/api/chats/{{chat}}/members/{HUGE}", None),
    ("DELETE", f"/api/chats/{{chat}}/members/{HUGER}", None),
    ("DELETE", "/api/chats/{chat}/members/9000003", None),
    ("DELETE", "/api/chats/abc/members/{me}", None),
    ("PATCH", "/api/chats/{chat}/members/{me}", {"role": "owner"}),
    ("PATCH", "/api/chats/{chat}/members/{me}", {"role": "boss"}),
    ("PATCH", "/api/chats/{chat}/members/{me}", {"role": 1}),
    ("PATCH", "/api/chats/{chat}/members/{me}", {}),
    ("PATCH", "/api/chats/{chat}/members/{me}", {"role": "admin", "until": "never"}),
    ("PATCH", f"/api/chats/{{chat}}/members/{HUGE}", {"role": "admin"}),
    ("PATCH", "/api/chats/{chat}/members/-7", {"role": "admin"}),
    ("PATCH", "/api/chats/{chat}/members/9000004", {"role": "admin"}),
    # Found by schemathesis (tests/fuzz): a number is no yes/no nor a date (`0` was 1970).
    ("PATCH", "/api/chats/{chat}/settings", {"markedUnread": 1}),
    ("PATCH", "/api/chats/{chat}/settings", {"archived": "true"}),
    ("PATCH", "/api/chats/{chat}/settings", {"pinned": 1}),
    ("PATCH", "/api/chats/{chat}/settings", {"mutedUntil": 4102444800}),
    ("PATCH", "/api/chats/{chat}/settings", {"mutedUntil": 0}),
]


def _fill(value: Any, chat_id: int, me: int) -> Any:
    """Put the test's own ids in: "{chat}" alone is the id itself, inside a path its text."""
    if value == "{chat}":
        return chat_id
    if isinstance(value, str):
        return value.replace("{chat}", str(chat_id)).replace("{me}", str(me))
    if isinstance(value, dict):
        return {k: _fill(v, chat_id, me) for k, v in value.items()}
    return value


@pytest.mark.parametrize(("method", "path", "body"), CASES, ids=[f"{m} {p}" for m, p, _ in CASES])
async def test_bad_input_is_a_4xx_with_an_error_body(
    users: Any, method: str, path: str, body: Any
) -> None:
    alice, bob = await users(2)
    chat_id = (await alice.group("Valid", bob))["id"]
    before = (await fetch_list(alice), await snapshot(alice, chat_id))
    url, body = _fill(path, chat_id, alice.id), _fill(body, chat_id, alice.id)
    if isinstance(body, str):
        headers = {"Content-Type": "application/json"}
        r = await alice.http.request(method, url, content=body, headers=headers)
    else:
        r = await alice.http.request(method, url, json=body)
    assert 400 <= r.status_code < 500, f"{r.status_code} {r.text[:300]}"
    error = error_of(r)
    assert error["code"] and error["message"]
    assert (await fetch_list(alice), await snapshot(alice, chat_id)) == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/api/chats/{HUGE}/messages", None),
        ("POST", "/api/messages", {"chatId": HUGE, "content": "x"}),
        ("POST", "/api/messages", {"chatId": "{chat}", "content": "x", "replyTo": HUGE}),
    ],
)
async def test_huge_ids_outside_chats_are_a_4xx(
    users: Any, method: str, path: str, body: Any
) -> None:
    alice, bob = await users(2)
    chat_id = (await alice.group("Valid", bob))["id"]
    r = await alice.http.request(method, path, json=_fill(body, chat_id, alice.id))
    assert 400 <= r.status_code < 500, r.status_code


@pytest.mark.parametrize(
    ("type_", "data"),
    [
        ("typing:start", {"chatId": HUGE}),
        ("message:read", {"chatId": "{chat}", "messageId": HUGE}),
        ("reaction:add", {"messageId": HUGE, "emoji": "👍"}),
        ("message:pin", {"chatId": "{chat}", "messageId": HUGE}),
    ],
)
async def test_huge_ids_in_ws_commands_are_refused_as_invalid(
    users: Any, type_: str, data: dict[str, Any]
) -> None:
    alice, bob = await users(2)
    chat_id = (await alice.group("Valid", bob))["id"]
    ws = await alice.ws()
    with pytest.raises(WsError) as err:
        await ws.command(type_, _fill(data, chat_id, alice.id))
    assert err.value.code in ("invalid", "not_found"), err.value.code
    assert len(await fetch_history(alice, chat_id)) == 1
