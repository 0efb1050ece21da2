"""What a send must know before it writes, in one round trip: that the socket's session is
alive, that the sender is a member, the other person of a private chat as blocks stand, and
whether the `clientId` was already used (a retry). Four queries before (the gateway's
session check, membership, private peer, clientId): on PostgreSQL each is a round trip on
the hottest path of the server (docs/benchmarks.md).

On PostgreSQL a plain text (`read_and_store`) goes further: the gate and the message's
store (messages/repository.py `sent_in_one`) are one statement, which writes only if the
gate lets the send through as it is: a live session, no earlier send of the `clientId`,
and a group, or a private chat whose other person knows of it and neither blocks the
other. Otherwise it writes nothing, and the send goes on as from `read`. One round trip of
a send's four (BEGIN, gate, store, the event with the COMMIT) fewer, and PostgreSQL's own
CPU per send is as large as a third of the server's (docs/benchmarks.md, "Eleventh
session")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from shomik.auth import session_repository as session_repo
from shomik.db import fast
from shomik.db.engine import Conn
from shomik.db.schema_base import Timestamp
from shomik.db.tables import chat_members, chats, messages, user_blocks
from shomik.errors import NotFound, SessionEnded
from shomik.messages import repository as repo
from shomik.messages.schemas import MessageSend
from shomik.privacy.repository import PrivatePeer
from shomik.schemas import utcnow

_me, _peer = chat_members.alias("me"), chat_members.alias("peer")
_mine, _theirs = user_blocks.alias("mine"), user_blocks.alias("theirs")
_ME: sa.BindParameter[int] = sa.bindparam("me")
_CHAT: sa.BindParameter[int] = sa.bindparam("chat")
_CLIENT: sa.BindParameter[str | None] = sa.bindparam("client")
_SESSION: sa.BindParameter[str | None] = sa.bindparam("session", type_=sa.String)
_NOW: sa.BindParameter[datetime] = sa.bindparam("now", type_=Timestamp)

# Without a session (a REST send: its request was authenticated already), true.
_SESSION_ALIVE = sa.or_(
    _SESSION.is_(None),
    sa.exists().where(session_repo.alive_clause(_SESSION, _ME, _NOW)),
)

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
        _SESSION_ALIVE.label("session_alive"),
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
_GATE_WIDTH = len(_GATE.selected_columns)


def _gated(batched: bool = False) -> sa.Select[Any]:
    gate = _GATE.cte("gate")
    conditions = [
        gate.c.session_alive,
        gate.c.earlier_id.is_(None),
        sa.or_(
            gate.c.peer_id.is_(None),
            sa.and_(gate.c.peer_listed, ~gate.c.blocked_by_me, ~gate.c.blocks_me),
        ),
    ]
    if batched:
        # A secret chat's content is checked after the store (it must be ciphertext), and
        # in a batch nothing can refuse a send that wrote: those go the usual way.
        conditions.append(~sa.exists().where(chats.c.id == _CHAT, chats.c.secret))
    gated = repo.sent_in_one(gate, sa.exists().where(*conditions))
    if batched:  # which send of the batch a row is for (db/sendbatch.py): the last column
        entry = sa.cast(sa.bindparam("entry", type_=sa.Integer), sa.Integer)
        gated = gated.add_columns(entry.label("entry"))
    return gated


_GATED_HOT = fast.Hot(_gated())
# The same in a batch of sends (db/sendbatch.py).
BATCHED = fast.Hot(_gated(batched=True))


@dataclass(frozen=True)
class SendGate:
    # The other person of a private chat; None in a group.
    peer: PrivatePeer | None
    # The message already sent with this clientId (a retry), if any.
    earlier_id: int | None


async def read(
    conn: Conn, chat_id: int, user_id: int, client_id: str | None, session: str | None
) -> SendGate:
    """Non-members (removed ones included) get a 404: a chat's existence is not revealed.
    A `session` that ended raises SessionEnded, whatever the chat."""
    params = {"me": user_id, "chat": chat_id, "client": client_id}
    rows = await fast.fetch(conn, _GATE_HOT, {**params, "session": session, "now": utcnow()})
    return await gate_of(conn, rows, user_id, session)


async def read_and_store(
    conn: Conn, user_id: int, session: str | None, row: dict[str, Any]
) -> tuple[SendGate, repo.Stored | None]:
    """PostgreSQL: `read`, and the message's `row` stored in the same statement if the gate
    lets it through as it is (a plain text: see above); None when nothing was written."""
    rows = await fast.fetch(conn, _GATED_HOT, store_params(user_id, session, row))
    gate = await gate_of(conn, rows, user_id, session)
    if not wrote(rows):
        return gate, None
    return gate, stored_of(rows, user_id)


def store_params(user_id: int, session: str | None, row: dict[str, Any]) -> dict[str, Any]:
    """The parameters of the gated store of a plain text's `row`."""
    params = repo.store_params(row, unarchive=True)  # not withheld: nobody blocks anybody
    return params | {"me": user_id, "client": row["client_id"], "session": session}


def wrote(rows: Sequence[Sequence[Any]]) -> bool:
    """Whether the gated store stored its message."""
    return bool(rows) and rows[0][_GATE_WIDTH] is not None


def stored_of(rows: Sequence[Sequence[Any]], user_id: int) -> repo.Stored:
    return repo.stored_of([r[_GATE_WIDTH:] for r in rows], user_id)


def plain_text(data: MessageSend) -> bool:
    """Text alone, with no reply, attachment, or mention to resolve first: what the gate's
    own statement may store."""
    return (
        data.type in (None, "text")
        and not data.attachment_ids
        and data.reply_to is None
        and bool(data.content.strip())
        and "@" not in data.content
    )


async def gate_of(
    conn: Conn, rows: Sequence[Sequence[Any]], user_id: int, session: str | None
) -> SendGate:
    if not rows:
        # Not a member here: is the session alive at all? Only on this refusal path.
        if session is not None and not await session_repo.alive(conn, user_id, session, utcnow()):
            raise SessionEnded("Your session has ended.")
        raise NotFound("Chat not found.")
    peer_id, peer_listed, blocked_by_me, blocks_me, earlier_id, session_alive = rows[0][
        :_GATE_WIDTH
    ]
    if not session_alive:
        raise SessionEnded("Your session has ended.")
    peer = None
    if peer_id is not None:
        peer = PrivatePeer(
            user_id=peer_id,
            listed=bool(peer_listed),
            blocked_by_me=bool(blocked_by_me),
            blocks_me=bool(blocks_me),
        )
    return SendGate(peer=peer, earlier_id=earlier_id)
