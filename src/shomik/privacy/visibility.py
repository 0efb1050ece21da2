"""Who may see a user's status and last seen (their "presence").

A viewer sees someone's presence if they are that person, or if that person has not blocked
them and lets them: everybody ("everybody"), people who share a chat with them ("chats",
the default) or nobody ("nobody"). Anyone else gets `status: null, lastSeen: null`.

Per-viewer answers (REST) are exact. A payload that goes to a whole chat alike
(`chat:updated`, `chat:new` of a new group) shows someone's presence only where every
member may see it: not for a "nobody" member, nor for one who blocked another member.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from shomik.db.engine import Conn
from shomik.privacy import repository as repo


async def hidden_from(
    conn: Conn, viewer_id: int, rows: Sequence[Any], *, share_a_chat: bool = False
) -> set[int]:
    """The ids of these user rows whose presence `viewer_id` may not see. `share_a_chat`:
    the caller knows the viewer shares a chat with each of them (chat members)."""
    others = [r for r in rows if r.id != viewer_id]
    hidden = {r.id for r in others if r.last_seen_privacy == "nobody"}
    rest = [r for r in others if r.id not in hidden]
    if not rest:
        return hidden
    hidden |= await repo.blockers_among(conn, viewer_id, {r.id for r in rest})
    if not share_a_chat:
        need = {r.id for r in rest if r.last_seen_privacy == "chats" and r.id not in hidden}
        if need:
            hidden |= need - await repo.sharing_a_chat(conn, viewer_id, need)
    return hidden


async def hidden_in_chats(
    conn: Conn, rows_by_chat: Mapping[int, Sequence[Any]]
) -> dict[int, set[int]]:
    """Per chat, the members whose presence a payload for all its members must not carry."""
    blockers = await repo.blockers_within(conn, list(rows_by_chat))
    return {
        chat_id: {r.id for r in rows if r.last_seen_privacy == "nobody"}
        | blockers.get(chat_id, set())
        for chat_id, rows in rows_by_chat.items()
    }


async def status_audience(conn: Conn, row: Any, contacts: Collection[int]) -> frozenset[int]:
    """Of the user's contacts (who share a chat with them), those told of their status
    changes live. Strangers are never told live, even with "everybody": they may ask."""
    if row.last_seen_privacy == "nobody":
        return frozenset()
    return frozenset(set(contacts) - await repo.blocked_by(conn, row.id))
