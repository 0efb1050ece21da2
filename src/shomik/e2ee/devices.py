"""MLS devices and their key packages: the Authentication Service's half of the server.

A device is one signed-in session's MLS identity: an Ed25519 signature key the browser made
and keeps, bound here to the user and the session. Its basic credential's identity is
"<userId>:<deviceId>"; a key package is accepted only if it carries that identity and that
key, and is signed by it. Key packages are handed out once each, only to a member of a
secret chat adding the devices of another member (or their own other devices) to its group.
Ending a session revokes its device: its unused key packages are deleted with the session
(the foreign key), its row stays to verify the leaves it still has until a commit removes
them, and the chats whose groups hold it hear `e2ee:devices_revoked`. A new device is
announced to the user's secret chats (`e2ee:device_added`), so that a device in each group
adds it without waiting for someone to open the chat or send."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from shomik.chats import repository as chats_repo
from shomik.db.engine import WriteTx
from shomik.e2ee import repository as repo
from shomik.e2ee import wire
from shomik.e2ee.events import E2EE_DEVICE_ADDED, E2EE_DEVICES_REVOKED
from shomik.e2ee.schemas import (
    MAX_KEY_PACKAGES_PER_DEVICE,
    ClaimedKeyPackage,
    ClaimedKeyPackages,
    Device,
    DeviceAdded,
    DeviceRegister,
    DevicesRevoked,
    KeyPackagesPublish,
    KeyPackagesStored,
)
from shomik.errors import Conflict, Forbidden, Invalid, NotFound
from shomik.realtime.events import Audience, emit
from shomik.schemas import utcnow
from shomik.services import Services


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def identity_of(user_id: int, device_id: str) -> str:
    return f"{user_id}:{device_id}"


def _device(row: Any, key_packages: int) -> Device:
    return Device(
        device_id=row.id,
        user_id=row.user_id,
        identity=identity_of(row.user_id, row.id),
        signature_key=b64(bytes(row.signature_key)),
        created_at=row.created_at,
        key_packages=key_packages,
    )


def _signature_key(text: str) -> bytes:
    key = wire.decode_b64(text, "signatureKey")
    try:
        Ed25519PublicKey.from_public_bytes(key)
    except ValueError as exc:
        raise Invalid("signatureKey: not an Ed25519 public key.", field="signatureKey") from exc
    return key


async def register(services: Services, user: Any, data: DeviceRegister) -> Device:
    """This session's device, with this key. The same key again is the same device; a new
    key (the browser lost its keys) is a new device, and the old one is revoked."""
    key = _signature_key(data.signature_key)
    async with services.db.write() as tx:
        current = await repo.device_of_session(tx.conn, user.session_id)
        if current is not None and bytes(current.signature_key) == key:
            return _device(current, await repo.key_package_count(tx.conn, current.id))
        if await repo.device_by_key(tx.conn, key) is not None:
            raise Conflict("This key belongs to another device.", code="key_in_use")
        now = utcnow()
        if current is not None:
            await repo.revoke(tx.conn, current.id, now)
            await announce_revoked(tx, services, user.id, [current.id])
        device_id = secrets.token_urlsafe(16)
        await repo.insert_device(
            tx.conn,
            id=device_id,
            user_id=user.id,
            session_id=user.session_id,
            signature_key=key,
            created_at=now,
        )
        await announce_added(tx, services, user.id, device_id)
        row = await repo.device_of_session(tx.conn, user.session_id)
        return _device(row, 0)


async def require_device(tx_conn: Any, user: Any) -> Any:
    device = await repo.device_of_session(tx_conn, user.session_id)
    if device is None:
        raise Invalid("Register this device first: POST /api/e2ee/devices.", code="no_device")
    return device


async def current(services: Services, user: Any) -> Device:
    async with services.db.read() as conn:
        row = await repo.device_of_session(conn, user.session_id)
        if row is None:
            raise NotFound("This session has no device yet.")
        return _device(row, await repo.key_package_count(conn, row.id))


def _check_key_package(data: bytes, device: Any, index: int) -> None:
    try:
        info = wire.key_package(data)
    except wire.Malformed as exc:
        raise Invalid(
            f"keyPackages.{index}: not a key package of this server's suite ({exc}).",
            field=f"keyPackages.{index}",
            code="not_mls",
        ) from exc
    expected = identity_of(device.user_id, device.id).encode()
    if info.identity != expected or info.signature_key != bytes(device.signature_key):
        raise Forbidden(
            f"keyPackages.{index}: a device publishes only its own key packages (identity "
            f"{expected.decode()!r}, its registered key).",
            field=f"keyPackages.{index}",
        )


async def publish(services: Services, user: Any, data: KeyPackagesPublish) -> KeyPackagesStored:
    datas = [wire.decode_b64(text, f"keyPackages.{i}") for i, text in enumerate(data.key_packages)]
    if len(set(datas)) != len(datas):
        raise Invalid("A key package is listed twice.", code="duplicate")
    async with services.db.write() as tx:
        device = await require_device(tx.conn, user)
        for index, raw in enumerate(datas):
            _check_key_package(raw, device, index)
        have = await repo.key_package_count(tx.conn, device.id)
        room = MAX_KEY_PACKAGES_PER_DEVICE - have
        if len(datas) > room:
            raise Invalid(
                f"A device keeps at most {MAX_KEY_PACKAGES_PER_DEVICE} key packages; "
                f"{have} are unused.",
                code="key_package_cap",
                room=room,
            )
        await repo.insert_key_packages(tx.conn, device.id, user.session_id, datas, utcnow())
    return KeyPackagesStored(stored=len(datas), key_packages=have + len(datas))


async def claim(services: Services, user: Any, target_id: int, chat_id: int) -> ClaimedKeyPackages:
    """One key package of each of `target_id`'s live devices that the chat's group lacks
    (never the caller's own device): for a member of a secret chat about to add them."""
    await services.limiter.hit("key_packages", str(user.id))
    async with services.db.write() as tx:
        await require_secret_member(tx.conn, chat_id, user.id)
        if await chats_repo.membership(tx.conn, chat_id, target_id) is None:
            raise Invalid("That user is not a member of this chat.", code="not_member")
        own = await repo.device_of_session(tx.conn, user.session_id)
        wanted = [
            row.id
            for row in await repo.directory(tx.conn, chat_id, utcnow())
            if row.user_id == target_id
            and row.live
            and row.added_epoch is None
            and (own is None or row.id != own.id)
        ]
        claimed, exhausted = [], []
        for device_id in wanted:
            data = await repo.take_key_package(tx.conn, device_id)
            if data is None:
                exhausted.append(device_id)
            else:
                claimed.append(ClaimedKeyPackage(device_id=device_id, key_package=b64(data)))
    return ClaimedKeyPackages(
        user_id=target_id, key_packages=claimed, exhausted_device_ids=exhausted
    )


async def require_secret_member(conn: Any, chat_id: int, user_id: int) -> None:
    """A member of this chat (else 404, as for any chat), and the chat is secret."""
    await chats_repo.require_member(conn, chat_id, user_id)
    if not await repo.is_secret(conn, chat_id):
        raise Invalid("This is not a secret chat.", code="not_secret")


async def announce_revoked(
    tx: WriteTx, services: Services, user_id: int, device_ids: Sequence[str]
) -> None:
    for chat_id, ids in (await repo.group_chats_of(tx.conn, device_ids)).items():
        data = DevicesRevoked(chat_id=chat_id, user_id=user_id, device_ids=ids)
        await emit(tx, services.hub, E2EE_DEVICES_REVOKED, data, Audience(chat_id=chat_id))


async def announce_added(tx: WriteTx, services: Services, user_id: int, device_id: str) -> None:
    """Durable, so a member's device that is offline now adds it when it resumes."""
    for chat_id in await repo.secret_chats_of(tx.conn, user_id):
        data = DeviceAdded(chat_id=chat_id, user_id=user_id, device_id=device_id)
        await emit(tx, services.hub, E2EE_DEVICE_ADDED, data, Audience(chat_id=chat_id))


async def forget_sessions(tx: WriteTx, services: Services, user_id: int) -> None:
    """Sessions of the user just ended (in this transaction): their devices are revoked,
    and the secret chats that hold them hear of it."""
    revoked = await repo.revoke_orphans(tx.conn, user_id, utcnow())
    await announce_revoked(tx, services, user_id, revoked)
