"""What a send must know before it writes, in one round trip: that the sender is a member,
the other person of a private chat as blocks stand, and whether the `clientId` was already
used (a retry). Three queries before (membership, private peer, clientId): on PostgreSQL
each is a round trip on the hottest path of the server (docs/benchmarks.md)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from shomik.db import fast
from shomik.db.engine import Conn
from shomik.db.tables import chat_members, chats, messages, user_blocks
from shomik.errors import NotFound
from shomik.privacy.repository import PrivatePeer

_me, _peer = chat_members.alias("me"), chat_members.alias("peer")
_mine, _theirs = user_blocks.alias("mine"), user_blocks.alias("theirs")
_ME: sa.BindParameter[int] = sa.bindparam("me")
_CHAT: sa.BindParameter[int] = sa.bindparam("chat")
_CLIENT: sa.BindParameter[str | None] = sa.bindparam("client")

_EARLIER = (
    sa.select(messages.c.id)
    .where(
        messages.c.sender_id == _ME,
        messages.c.chat_id == _CHAT,
        messages.c.client_id == _CLIENT,
    )
    .scalar_subquery()
)
# Built once: it runs on every send.
_GATE = (
    sa.select(
        _peer.c.user_id.label("peer_id"),
        _peer.c.listed.label("peer_listed"),
        _mine.c.blocker_id.is_not(None).label("blocked_by_me"),
        _theirs.c.blocker_id.is_not(None).label("blocks_me"),
        _EARLIER.label("earlier_id"),
    )
    .select_from(_me)
    .join(chats, chats.c.id == _me.c.chat_id)
    .outerjoin(
        _peer,
        sa.and_(
            _peer.c.chat_id == _me.c.chat_id, chats.c.type == "private", _peer.c.user_id != _ME
        ),
    )
    .outerjoin(_mine, sa.and_(_mine.c.blocker_id == _ME, _mine.c.blocked_id == _peer.c.user_id))
    .outerjoin(
        _theirs, sa.and_(_theirs.c.blocker_id == _peer.c.user_id, _theirs.c.blocked_id == _ME)
    )
    .where(_me.c.chat_id == _CHAT, _me.c.user_id == _ME)
)
_GATE_HOT = fast.Hot(_GATE)


@dataclass(frozen=True)
class SendGate:
    # The other person of a private chat; None in a group.
    peer: PrivatePeer | None
    # The message already sent with this clientId (a retry), if any.
    earlier_id: int | None


async def read(conn: Conn, chat_id: int, user_id: int, client_id: str | None) -> SendGate:
    """Non-members (removed ones included) get a 404: a chat's existence is not revealed."""
    rows = await fast.fetch(conn, _GATE_HOT, {"me": user_id, "chat": chat_id, "client": client_id})
    if not rows:
        raise NotFound("Chat not found.")
    peer_id, peer_listed, blocked_by_me, blocks_me, earlier_id = rows[0]
    peer = None
    if peer_id is not None:
        peer = PrivatePeer(
            user_id=peer_id,
            listed=bool(peer_listed),
            blocked_by_me=bool(blocked_by_me),
            blocks_me=bool(blocks_me),
        )
    return SendGate(peer=peer, earlier_id=earlier_id)
