"""What a blocked user sends to the one who blocked them, in their private chat: stored, and
shown to its author as sent (one tick, never read), but withheld from the blocker: hidden
for them as a delete-for-me hides (so never in their history, unread counts, chat list or
search), announced to the author alone, never pushed. The author is not told: blocking is
invisible to them except that their messages do not arrive."""

from __future__ import annotations

from dataclasses import dataclass

from shomik.db.engine import Conn
from shomik.privacy import repository as repo
from shomik.privacy.repository import PrivatePeer


@dataclass(frozen=True)
class Withheld:
    author_id: int
    hidden_for: frozenset[int]


def from_peer(peer: PrivatePeer | None, author_id: int) -> Withheld | None:
    if peer is None or not peer.blocks_me:
        return None
    return Withheld(author_id=author_id, hidden_for=frozenset({peer.user_id}))


async def of_author(conn: Conn, chat_id: int, author_id: int) -> Withheld | None:
    """Whether what `author_id` writes into this chat now is withheld, and from whom."""
    return from_peer(await repo.private_peer(conn, chat_id, author_id), author_id)
