"""Secret chats and the ordering of their MLS handshakes: the Delivery Service's half.

A secret chat is a chat row with `secret` set (never the ordinary chat of the same people)
and an MLS group the server only orders: it keeps the epoch the next commit must be made
in, accepts exactly one commit per epoch (a commit for another epoch is a 409
`stale_epoch` with the current one: its maker processes the winner and tries again), and
fans each out as `e2ee:commit`, with its Welcome as `e2ee:welcome` to the users whose
devices it added. Which devices a commit adds and removes the committer declares (the
commit itself is encrypted); the server holds them to its directory: only live devices of
current members are added, only devices no longer live are removed."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from shomik.chats import listing
from shomik.chats import repository as chats_repo
from shomik.chats.invite_schemas import ChatWithInvites
from shomik.chats.service import (
    add_member_rows,
    announce_new,
    create_group,
    require_users,
)
from shomik.db.engine import WriteTx
from shomik.e2ee import repository as repo
from shomik.e2ee import wire
from shomik.e2ee.devices import b64, identity_of, require_device, require_secret_member
from shomik.e2ee.events import E2EE_COMMIT, E2EE_WELCOME
from shomik.e2ee.schemas import (
    MAX_SECRET_GROUP_MEMBERS,
    CommitAccepted,
    CommitEvent,
    CommitIn,
    CommitPage,
    GroupDevice,
    SecretChatCreate,
    SecretGroup,
    SecretGroupCreate,
    WelcomeEvent,
)
from shomik.errors import Conflict, Forbidden, Invalid, NotFound
from shomik.privacy import repository as privacy_repo
from shomik.realtime.events import Audience, emit
from shomik.schemas import utcnow
from shomik.services import Services


async def create(services: Services, user_id: int, data: SecretChatCreate) -> ChatWithInvites:
    if isinstance(data, SecretGroupCreate):
        return await _create_group(services, user_id, data)
    other = data.user_id
    if other == user_id:
        raise Invalid("A secret chat needs another person.")
    async with services.db.write() as tx:
        await require_users(tx, [other])
        if await privacy_repo.is_blocked(tx.conn, other, user_id) or await privacy_repo.is_blocked(
            tx.conn, user_id, other
        ):
            raise Forbidden("You cannot start a secret chat with this user.", code="blocked")
        chat_id = await repo.insert_secret_chat(
            tx.conn, type_="private", name=None, by=user_id, at=utcnow()
        )
        row = await chats_repo.get(tx.conn, chat_id)
        # Listed for both at once: the other person's devices are about to get a Welcome.
        await add_member_rows(tx, services, row, [user_id, other])
        await announce_new(tx, services, chat_id, [user_id, other])
        chat = await listing.one(tx.conn, user_id, chat_id)
    return ChatWithInvites(**dict(chat), invited_user_ids=[])


async def _create_group(
    services: Services, user_id: int, data: SecretGroupCreate
) -> ChatWithInvites:
    async def insert(tx: WriteTx, name: str, by: int) -> int:
        return await repo.insert_secret_chat(tx.conn, type_="group", name=name, by=by, at=utcnow())

    return await create_group(
        services,
        user_id,
        data,
        max_members=MAX_SECRET_GROUP_MEMBERS,
        insert=insert,
        kind="secret group",
    )


def _group_device(row: Any) -> GroupDevice:
    return GroupDevice(
        device_id=row.id,
        user_id=row.user_id,
        identity=identity_of(row.user_id, row.id),
        signature_key=b64(bytes(row.signature_key)),
        in_group=row.added_epoch is not None,
        added_epoch=row.added_epoch,
        live=bool(row.live),
        revoked_at=row.revoked_at,
    )


async def group(services: Services, user_id: int, chat_id: int) -> SecretGroup:
    async with services.db.read() as conn:
        await require_secret_member(conn, chat_id, user_id)
        return SecretGroup(
            chat_id=chat_id,
            epoch=await repo.epoch(conn, chat_id),
            devices=[_group_device(r) for r in await repo.directory(conn, chat_id, utcnow())],
        )


def _decode_handshake(data: CommitIn) -> tuple[bytes, bytes | None]:
    """The commit and Welcome bytes, checked to be what the request says they are."""
    commit = wire.decode_b64(data.commit, "commit")
    try:
        info = wire.message(commit)
    except wire.Malformed as exc:
        raise Invalid(
            f"commit: not an MLS message ({exc}).", field="commit", code="not_mls"
        ) from exc
    if info.content_type is not wire.ContentType.COMMIT:
        raise Invalid("commit: not a commit.", field="commit", code="not_mls")
    if info.epoch != data.epoch:
        raise Invalid(
            f"commit: made in epoch {info.epoch}, not {data.epoch}.",
            field="epoch",
            code="epoch_mismatch",
        )
    if bool(data.added_device_ids) != (data.welcome is not None):
        raise Invalid(
            "A commit that adds devices comes with its Welcome, and only such a commit.",
            field="welcome",
        )
    welcome = None
    if data.welcome is not None:
        welcome = wire.decode_b64(data.welcome, "welcome")
        try:
            wire.welcome(welcome)
        except wire.Malformed as exc:
            raise Invalid(f"welcome: {exc}.", field="welcome", code="not_mls") from exc
    listed = [*data.added_device_ids, *data.removed_device_ids]
    if len(set(listed)) != len(listed):
        raise Invalid("A device is listed twice.", code="duplicate")
    return commit, welcome


def _check_changes(data: CommitIn, by_id: dict[str, Any], committer: str) -> None:
    for device_id in data.added_device_ids:
        row = by_id.get(device_id)
        if row is None or not row.live or row.added_epoch is not None or device_id == committer:
            raise Invalid(
                f"Device {device_id} is not a signed-in device of a member, or is in the "
                "group already.",
                code="cannot_add",
                deviceId=device_id,
            )
    for device_id in data.removed_device_ids:
        row = by_id.get(device_id)
        if row is None or row.added_epoch is None or row.live or device_id == committer:
            raise Invalid(
                f"Device {device_id} is not in the group, or still belongs there (only "
                "devices of ended sessions and of former members are removed).",
                code="cannot_remove",
                deviceId=device_id,
            )


async def commit(services: Services, user: Any, chat_id: int, data: CommitIn) -> CommitAccepted:
    commit_bytes, welcome = _decode_handshake(data)
    async with services.db.write(chat_id=chat_id) as tx:
        await require_secret_member(tx.conn, chat_id, user.id)
        device = await require_device(tx.conn, user)
        current = await repo.epoch(tx.conn, chat_id)
        if data.epoch != current:
            raise Conflict(
                f"Epoch {data.epoch} is over: the group is at epoch {current}. Apply the "
                "commits since, and commit again.",
                code="stale_epoch",
                epoch=current,
            )
        now = utcnow()
        by_id = {r.id: r for r in await repo.directory(tx.conn, chat_id, now)}
        in_group = [i for i, r in by_id.items() if r.added_epoch is not None]
        # The group's first commit: whichever member device makes it founded the group.
        founding = current == 0 and not in_group
        mine = by_id.get(device.id)
        if mine is None or not mine.live or (not founding and mine.added_epoch is None):
            raise Forbidden("This device is not in the chat's group.", code="not_in_group")
        _check_changes(data, by_id, device.id)
        if not await repo.advance(tx.conn, chat_id, current):
            raise Conflict("Another commit won this epoch.", code="stale_epoch", epoch=current)
        await repo.insert_commit(
            tx.conn,
            chat_id=chat_id,
            epoch=current,
            user_id=user.id,
            device_id=device.id,
            commit=commit_bytes,
            welcome=welcome,
            added=data.added_device_ids,
            removed=data.removed_device_ids,
            created_at=now,
        )
        if founding:
            await repo.add_to_group(tx.conn, chat_id, [(device.id, user.id)], 0)
        added = [(i, by_id[i].user_id) for i in data.added_device_ids]
        await repo.add_to_group(tx.conn, chat_id, added, current + 1)
        await repo.remove_from_group(tx.conn, chat_id, data.removed_device_ids)
        event = CommitEvent(
            chat_id=chat_id,
            epoch=current,
            commit=data.commit,
            user_id=user.id,
            device_id=device.id,
            added_device_ids=data.added_device_ids,
            removed_device_ids=data.removed_device_ids,
            created_at=now,
        )
        await emit(tx, services.hub, E2EE_COMMIT, event, Audience(chat_id=chat_id))
        if data.welcome is not None:
            await _welcome(tx, services, chat_id, current + 1, added, data.welcome)
    return CommitAccepted(chat_id=chat_id, epoch=current + 1)


async def _welcome(
    tx: Any, services: Services, chat_id: int, epoch: int, added: list[tuple[str, int]], text: str
) -> None:
    by_user: dict[int, list[str]] = defaultdict(list)
    for device_id, user_id in added:
        by_user[user_id].append(device_id)
    for user_id, device_ids in by_user.items():
        event = WelcomeEvent(chat_id=chat_id, epoch=epoch, device_ids=device_ids, welcome=text)
        await emit(tx, services.hub, E2EE_WELCOME, event, Audience(user_id=user_id))


def _commit_event(row: Any) -> CommitEvent:
    return CommitEvent(
        chat_id=row.chat_id,
        epoch=row.epoch,
        commit=b64(bytes(row.commit)),
        user_id=row.user_id,
        device_id=row.device_id,
        added_device_ids=list(row.added),
        removed_device_ids=list(row.removed),
        created_at=row.created_at,
    )


async def commits(
    services: Services, user_id: int, chat_id: int, since: int, limit: int
) -> CommitPage:
    """The accepted commits made in epoch `since` and later, oldest first: how a device
    that missed `e2ee:commit` events (offline longer than the event log keeps) catches up."""
    async with services.db.read() as conn:
        await require_secret_member(conn, chat_id, user_id)
        rows = await repo.commits_since(conn, chat_id, since, limit)
    return CommitPage(commits=[_commit_event(r) for r in rows])


async def welcome(services: Services, user: Any, chat_id: int) -> WelcomeEvent:
    """The Welcome that added this session's device to the chat's group, again."""
    async with services.db.read() as conn:
        await require_secret_member(conn, chat_id, user.id)
        device = await require_device(conn, user)
        added = next(
            (
                r.added_epoch
                for r in await repo.directory(conn, chat_id, utcnow())
                if r.id == device.id and r.added_epoch
            ),
            None,
        )
        row = await repo.commit_at(conn, chat_id, added - 1) if added else None
    if row is None or row.welcome is None:
        raise NotFound("This device joined by no Welcome in this chat.")
    return WelcomeEvent(
        chat_id=chat_id, epoch=added, device_ids=[device.id], welcome=b64(bytes(row.welcome))
    )
