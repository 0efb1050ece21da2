"""Storing a message: its row, the chat's next seq, the first message of a private chat
telling the other person of the chat, and `message:new`. Every way a message is made
(a send, a forward, a system message, a call's note) ends here."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shomik.chats import listing
from shomik.chats import repository as chats_repo
from shomik.chats import settings as chat_settings
from shomik.chats.events import CHAT_NEW
from shomik.db.engine import WriteTx
from shomik.errors import Forbidden
from shomik.messages import changes_repository as changes_store
from shomik.messages import mentions, send_checks
from shomik.messages import repository as repo
from shomik.messages.events import MESSAGE_NEW
from shomik.messages.schemas import ForwardedFrom, Message
from shomik.privacy.repository import PrivatePeer
from shomik.privacy.withhold import Withheld
from shomik.push import service as push
from shomik.realtime.events import Audience, emit
from shomik.schemas import utcnow
from shomik.services import Services
from shomik.uploads import repository as uploads_repo
from shomik.users import repository as users_repo

# A message the send gate's own statement stored (`send`): when it was sent, and what
# storing it learnt.
StoredAt = tuple[datetime, repo.Stored]


async def insert_message(
    tx: WriteTx,
    services: Services,
    *,
    chat_id: int,
    sender_id: int | None,
    type_: str,
    content: str,
    reply_to: int | None = None,
    client_id: str | None = None,
    meta: dict[str, Any] | None = None,
    attachment_ids: list[str] | None = None,
    forwarded_from: ForwardedFrom | None = None,
    withheld: Withheld | None = None,
    stored_already: StoredAt | None = None,
) -> Message:
    """Store a message, advance the chat's sequence and emit `message:new`. Also used for
    system messages (sender None). The hot path of the server: the stored message is built
    from what is known here rather than read back (a new message has no reactions and no
    reader yet, as read positions never pass the chat's last seq). A `withheld` message
    (privacy/withhold.py) reaches its author alone. `stored_already`: the row is stored
    already, by the send gate's statement (`send`)."""
    # Sending means having read everything up to one's own message; a withheld message
    # brings nothing back from anyone's archive.
    unarchive = withheld is None
    mentioned: list[int] = []
    if stored_already is not None:  # stored so only without an "@": no mentions
        created_at, stored = stored_already
    else:
        forwarded = None
        if forwarded_from is not None:
            forwarded = forwarded_from.model_dump(mode="json", by_alias=True)
        row = new_row(chat_id, sender_id, type_, content, reply_to, client_id, meta, forwarded)
        # Mentions are resolved before the row is stored, and only where there can be any.
        if repo.in_one_trip(tx.conn) and (type_ == "system" or "@" not in content):
            stored = await repo.store_in_one(tx.conn, row, unarchive)
        else:
            stored, mentioned = await _store(tx, row, unarchive)
        created_at = row["created_at"]
    seq, secret, expires_at = stored.seq, stored.secret, stored.expires_at
    if type_ != "system":
        send_checks.check_content(content, secret)  # refused: the transaction rolls back
    message_id = stored.message_id
    hidden_for = withheld.hidden_for if withheld else frozenset()
    if seq == 1:
        await reveal_private(tx, services, chat_id, skip=hidden_for)
    if mentioned:
        await mentions.store(tx.conn, chat_id, message_id, seq, mentioned)
    for user_id in hidden_for:
        await changes_store.hide(tx.conn, user_id, chat_id, [message_id])
    await chat_settings.announce_back(tx, services, chat_id, stored.brought_back)
    files = []
    if attachment_ids:
        await uploads_repo.attach(tx.conn, attachment_ids, message_id)
        files = await repo.attachments_of(tx.conn, message_id)
    message = Message(
        id=message_id,
        chat_id=chat_id,
        seq=seq,
        sender_id=sender_id,
        type=type_,
        content=content,
        reply_to=reply_to,
        reply_preview=await repo.reply_preview(tx.conn, reply_to) if reply_to else None,
        attachments=files,
        reactions={},
        read_by=[],
        client_id=client_id,
        meta=meta,
        created_at=created_at,
        edited_at=None,
        deleted_at=None,
        forwarded_from=forwarded_from,
        mentions=mentioned,
        link_preview=None,
        expires_at=expires_at,
    )
    to = Audience(user_id=withheld.author_id) if withheld else Audience(chat_id=chat_id)
    await emit(tx, services.hub, MESSAGE_NEW, message, to)
    if type_ != "system" and not secret:
        services.previews.after_commit(tx, services, message_id, content)
    if withheld is None:
        push.after_message(tx, services, message)
    return message


def new_row(
    chat_id: int,
    sender_id: int | None,
    type_: str,
    content: str,
    reply_to: int | None,
    client_id: str | None,
    meta: dict[str, Any] | None,
    forwarded: dict[str, Any] | None,
) -> dict[str, Any]:
    """A new message's row as `repo.store_in_one` takes it, sent now."""
    return {
        "chat_id": chat_id,
        "sender_id": sender_id,
        "type": type_,
        "content": content,
        "reply_to_id": reply_to,
        "client_id": client_id,
        "meta": meta,
        "created_at": utcnow(),
        "forwarded_from": forwarded,
        "mentions": None,
    }


async def _store(
    tx: WriteTx, row: dict[str, Any], unarchive: bool
) -> tuple[repo.Stored, list[int]]:
    """`repo.store_in_one` statement by statement (SQLite), with the mentions the text
    makes; a secret chat's content is ciphertext: nothing in it to find mentions in."""
    chat_id, sender_id = row["chat_id"], row["sender_id"]
    counted = await repo.next_seq(tx.conn, chat_id, sender_id)
    content = row["content"]
    read_content = row["type"] != "system" and not counted.secret
    mentioned = await mentions.resolve(tx.conn, chat_id, content, sender_id) if read_content else []
    expires_at = expiry_of(row["created_at"], counted.self_destruct_seconds, row["type"])
    full = row | {"seq": counted.last_seq, "mentions": mentioned or None, "expires_at": expires_at}
    message_id = await repo.insert(tx.conn, full)
    back = await chats_repo.after_message(tx.conn, chat_id, sender_id, counted.last_seq, unarchive)
    stored = repo.Stored(message_id, counted.last_seq, counted.secret, expires_at, back)
    return stored, mentioned


def expiry_of(created_at: datetime, seconds: int | None, type_: str) -> datetime | None:
    """When a message sent now self-destructs: the chat's timer (secret chats only) counts
    from the send; system messages (the timer's own note among them) stay."""
    if seconds is None or type_ == "system":
        return None
    return created_at + timedelta(seconds=seconds)


async def reveal_private(
    tx: WriteTx, services: Services, chat_id: int, skip: frozenset[int] = frozenset()
) -> None:
    """The first message of a private chat (or a call placed in it): the other person has
    not been told of the chat yet (chats/service.py `create_private`), so `chat:new` goes
    first, as the chat was before this message, which then arrives as news. Also the first
    message that reaches them after messages withheld from them (a block). Not to `skip`:
    those this message is withheld from."""
    for member_id in await chats_repo.unlisted_members(tx.conn, chat_id):
        if member_id in skip:
            continue
        await chats_repo.list_member(tx.conn, chat_id, member_id)
        (listed,) = await listing.list_for(tx.conn, member_id, chat_id)
        before = listed.model_copy(update={"last_seq": 0, "last_message": None, "unread_count": 0})
        await emit(tx, services.hub, CHAT_NEW, before, Audience(user_id=member_id))


async def check_can_send(
    tx: WriteTx, services: Services, chat_id: int, peer: PrivatePeer | None
) -> None:
    """One does not write into the private chat of someone one blocked. And a message that
    will reach the other person while they were never told of the chat (what was written
    before was withheld from them) tells them of it first, as a first message does."""
    if peer is None:
        return
    if peer.blocked_by_me:
        row = await users_repo.get(tx.conn, peer.user_id)
        name = row.display_name if row is not None else "this user"
        raise Forbidden(f"Unblock {name} to send messages.", code="blocked")
    if not peer.listed and not peer.blocks_me:
        await reveal_private(tx, services, chat_id)
