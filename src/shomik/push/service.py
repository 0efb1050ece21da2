"""Subscriptions, and what is pushed to whom: a message or a call for a member with no
connected socket (a member with one is told over it)."""

from __future__ import annotations

import binascii
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric import ec

from shomik.db.engine import WriteTx
from shomik.errors import Invalid
from shomik.messages.schemas import Message
from shomik.presence import service as presence
from shomik.push import keys
from shomik.push import repository as repo
from shomik.push.hosts import endpoint_allowed
from shomik.push.keys import b64url_decode
from shomik.push.schemas import SubscriptionIn
from shomik.push.sender import Push, PushSender, Urgency
from shomik.push.subscribed import OP_SUBSCRIBED
from shomik.schemas import as_utc, utcnow
from shomik.services import Services
from shomik.uploads.avatars import public_avatar_url

# A day: a message older than that is better read in the app than announced.
MESSAGE_TTL = 24 * 3600
# Push payloads are at most ~4 KB after encryption (RFC 8291 4); a notification shows
# far less than this anyway.
MAX_TEXT = 300
# The words a notification needs, in the recipient's language (`params.language`; "follow
# the browser" is unknown to the server: English then).
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "image": "Photo",
        "file": "File",
        "voice": "Voice message",
        "video": "Video",
        "text": "Message",
        "hidden": "New message",
        "secret": "New message in a secret chat",
        "call": "Incoming call",
        "video_call": "Incoming video call",
    },
    "ru": {
        "image": "Фото",
        "file": "Файл",
        "voice": "Голосовое сообщение",
        "video": "Видео",
        "text": "Сообщение",
        "hidden": "Новое сообщение",
        "secret": "Новое сообщение в секретном чате",
        "call": "Входящий звонок",
        "video_call": "Входящий видеозвонок",
    },
}


# Messages no one is woken for: notes of what happened, and clients' control messages.
SILENT_TYPES = frozenset({"system", "control"})


def words(params: dict[str, Any] | None) -> dict[str, str]:
    language = (params or {}).get("language")
    return WORDS.get(language if isinstance(language, str) else "en", WORDS["en"])


async def subscribe(
    services: Services, user_id: int, session_id: str, data: SubscriptionIn
) -> None:
    if not endpoint_allowed(data.endpoint, services.settings):
        raise Invalid("This push endpoint is not allowed.", code="push_endpoint")
    _check_keys(data.keys.p256dh, data.keys.auth)
    async with services.db.write() as tx:
        keys = data.keys
        await repo.replace(
            tx.conn, user_id, session_id, data.endpoint, keys.p256dh, keys.auth, utcnow()
        )
    # After the commit: a process that reads the subscriptions on hearing this finds it.
    await services.hub.bus.tell_all(OP_SUBSCRIBED, {"userId": user_id})


def _check_keys(p256dh: str, auth: str) -> None:
    """The browser's P-256 point (65 bytes, on the curve) and its 16-byte auth secret."""
    try:
        point = b64url_decode(p256dh)
        secret = b64url_decode(auth)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except (ValueError, binascii.Error) as exc:
        raise Invalid("Malformed subscription keys.", code="push_keys") from exc
    if len(point) != 65 or len(secret) != 16:
        raise Invalid("Malformed subscription keys.", code="push_keys")


async def unsubscribe(services: Services, user_id: int, endpoint: str) -> None:
    async with services.db.write() as tx:
        await repo.remove(tx.conn, user_id, endpoint)


async def forget_sessions(tx: WriteTx, session_ids: Sequence[str]) -> None:
    """These sessions ended: the browsers they subscribed are not to be woken any more."""
    await repo.remove_of_sessions(tx.conn, session_ids)


def after_message(tx: WriteTx, services: Services, message: Message) -> None:
    """Queue the pushes for a stored message once it is committed. Who is offline is
    decided then, in the background, so the sender's ack never waits on it."""
    sender = services.push
    # A control message (a secret chat's reaction, say) is for the clients, not for eyes.
    if sender is None or message.type in SILENT_TYPES or message.sender_id is None:
        return

    async def queue() -> None:
        sender.enqueue(lambda: _push_message(services, message), message.chat_id)

    tx.after_commit(queue)


async def _push_message(services: Services, message: Message) -> None:
    assert services.push is not None and message.sender_id is not None
    members = await services.hub.members.get(message.chat_id)
    # Most members of most chats have no subscription: they are not asked about at all.
    candidates = services.subscribed.among(members - {message.sender_id})
    offline = await presence.offline_of(services, candidates)
    if not offline:
        return
    now = utcnow()
    async with services.db.read() as conn:
        recipients = await repo.recipients(conn, message.chat_id, offline)
        recipients = [r for r in recipients if _wants(r, message, now)]
        if not recipients:
            return
        subs = await repo.of_users(conn, [r.user_id for r in recipients])
        chat = await repo.chat_info(conn, message.chat_id)
        author = await repo.display_name(conn, message.sender_id)
        avatar = await repo.avatar_id(conn, message.sender_id)
    if chat is None:
        return
    private = chat.type == "private"
    title = author if private or not chat.name else f"{author} · {chat.name}"
    params = {r.user_id: r.params for r in recipients}
    for sub in subs:
        mentioned = sub.user_id in message.mentions
        said = words(params.get(sub.user_id))
        preview = params.get(sub.user_id, {}).get("pushPreview", True) is not False
        text = message.content.strip() or said.get(message.type, said["text"])
        if chat.secret:  # ciphertext: what it says only the recipient's devices know
            text = said["secret"]
        payload = {
            "kind": "message",
            "chatId": message.chat_id,
            "messageId": message.id,
            "title": title if preview else "Shomik",
            "body": text[:MAX_TEXT] if preview else said["hidden"],
            "tag": f"chat-{message.chat_id}",
            "url": f"/chat/{message.chat_id}",
            # The sender's picture, at the avatar's capability URL (no token needed: the
            # service worker has none); none when the preview is hidden.
            "icon": public_avatar_url(avatar) if preview and avatar else None,
        }
        urgency: Urgency = "high" if private or mentioned else "normal"
        push = Push(orjson.dumps(payload), MESSAGE_TTL, urgency, f"chat-{message.chat_id}")
        services.push.deliver(sub, push)


def _wants(recipient: repo.Recipient, message: Message, now: datetime) -> bool:
    """Muted chats stay silent, except for a mention of the recipient."""
    muted = recipient.muted_until is not None and as_utc(recipient.muted_until) > now
    return not muted or recipient.user_id in message.mentions


def after_call(
    services: Services, chat_id: int, caller_id: int, callee_ids: frozenset[int], video: bool
) -> None:
    """An incoming call for callees with no socket: a high-urgency push that lives only as
    long as the call rings."""
    sender = services.push
    if sender is None:
        return

    async def push_to_offline() -> None:
        offline = await presence.offline_of(services, services.subscribed.among(callee_ids))
        if offline:
            await _push_call(services, chat_id, caller_id, offline, video)

    sender.enqueue(push_to_offline, chat_id)


async def _push_call(
    services: Services, chat_id: int, caller_id: int, user_ids: list[int], video: bool
) -> None:
    assert services.push is not None
    async with services.db.read() as conn:
        subs = await repo.of_users(conn, user_ids)
        caller = await repo.display_name(conn, caller_id)
        avatar = await repo.avatar_id(conn, caller_id)
        params = await repo.params_of(conn, user_ids)
    ttl = int(services.settings.call_ring_seconds)
    for sub in subs:
        said = words(params.get(sub.user_id))
        payload = {
            "kind": "call",
            "chatId": chat_id,
            "title": caller,
            "body": said["video_call"] if video else said["call"],
            "tag": f"call-{chat_id}",
            "url": f"/chat/{chat_id}",
            "icon": public_avatar_url(avatar) if avatar else None,
        }
        push = Push(orjson.dumps(payload), ttl, "high", f"call-{chat_id}")
        services.push.deliver(sub, push)


async def start(services: Services) -> PushSender:
    """The sender, and who may be pushed to: read now, kept up to date by every process's
    notes of new subscriptions, and read again when the cluster's bus reconnects."""
    subscribed, bus = services.subscribed, services.hub.bus
    bus.handlers[OP_SUBSCRIBED] = subscribed.on_note
    bus.on_reconnect.append(lambda: subscribed.load(services.db))
    await subscribed.load(services.db)
    services.push = sender = push_sender(services)
    sender.start()
    return sender


def push_sender(services: Services) -> PushSender:
    """The app's sender: keys from the settings or the data dir; gone subscriptions deleted."""

    async def forget(subscription_id: int) -> None:
        async with services.db.write() as tx:
            await repo.remove_by_id(tx.conn, subscription_id)

    return PushSender(services.settings, keys.load(services.settings), forget)
