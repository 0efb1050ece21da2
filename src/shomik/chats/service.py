"""Creating chats and managing group membership. Every membership change is one
transaction that also writes a `system` message and the events members need."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from shomik.chats import repository as repo
from shomik.chats.events import CHAT_NEW, CHAT_REMOVED, CHAT_UPDATED
from shomik.chats.schemas import (
    Chat,
    ChatRemoved,
    ChatUpdate,
    GroupChatCreate,
    PrivateChatCreate,
)
from shomik.db.engine import WriteTx
from shomik.db.tables import attachments, chat_members, chats
from shomik.errors import Forbidden, Invalid, NotFound
from shomik.messages.service import insert_message
from shomik.realtime import events
from shomik.realtime.events import Audience, emit
from shomik.schemas import utcnow
from shomik.services import Services
from shomik.users import repository as users_repo

ADMINS = ("owner", "admin")


async def list_chats(services: Services, user_id: int) -> list[Chat]:
    async with services.db.read() as conn:
        return await repo.list_for(conn, user_id)


async def get_chat(services: Services, user_id: int, chat_id: int) -> Chat:
    async with services.db.read() as conn:
        await repo.require_member(conn, chat_id, user_id)
        (chat,) = await repo.list_for(conn, user_id, chat_id)
        return chat


async def _add_members(tx: WriteTx, services: Services, chat: Any, user_ids: list[int]) -> None:
    joined_event = await events.head(tx.conn)
    now = utcnow()
    await tx.conn.execute(
        sa.insert(chat_members),
        [
            {
                "chat_id": chat.id,
                "user_id": uid,
                "role": role,
                "joined_at": now,
                "joined_event": joined_event,
                # History from before joining is readable but not "unread".
                "last_read_seq": chat.last_seq,
            }
            for uid, role in ((uid, _initial_role(chat, uid)) for uid in user_ids)
        ],
    )
    _invalidate_after_commit(tx, services, chat.id)


def _initial_role(chat: Any, user_id: int) -> str:
    return "owner" if chat.type == "group" and chat.created_by == user_id else "member"


def _invalidate_after_commit(tx: WriteTx, services: Services, chat_id: int) -> None:
    async def invalidate() -> None:
        services.hub.members.invalidate(chat_id)

    # Registered before the events' publication, so fan-out sees the new membership.
    tx.after_commit(invalidate)


async def _announce_new(tx: WriteTx, services: Services, chat_id: int, user_ids: list[int]) -> None:
    for uid in user_ids:
        (chat,) = await repo.list_for(tx.conn, uid, chat_id)
        await emit(tx, services.hub, CHAT_NEW, chat, Audience(user_id=uid))


async def _require_users(tx: WriteTx, user_ids: list[int]) -> dict[int, Any]:
    found = await users_repo.get_many(tx.conn, user_ids)
    missing = set(user_ids) - set(found)
    if missing:
        raise Invalid(f"Unknown users: {sorted(missing)}.", code="unknown_user")
    return found


async def create_private(
    services: Services, user_id: int, data: PrivateChatCreate
) -> tuple[Chat, bool]:
    if data.user_id == user_id:
        raise Invalid("A private chat needs another person.")
    key = f"{min(user_id, data.user_id)}:{max(user_id, data.user_id)}"
    async with services.db.write() as tx:
        await _require_users(tx, [data.user_id])
        existing = await repo.by_private_key(tx.conn, key)
        if existing is not None:
            (chat,) = await repo.list_for(tx.conn, user_id, existing.id)
            return chat, False
        chat_id = await _insert_chat(tx, type_="private", name=None, by=user_id, private_key=key)
        row = await repo.get(tx.conn, chat_id)
        await _add_members(tx, services, row, [user_id, data.user_id])
        await _announce_new(tx, services, chat_id, [user_id, data.user_id])
        (chat,) = await repo.list_for(tx.conn, user_id, chat_id)
    return chat, True


async def _insert_chat(
    tx: WriteTx, *, type_: str, name: str | None, by: int, private_key: str | None = None
) -> int:
    result = await tx.conn.execute(
        sa.insert(chats)
        .values(type=type_, name=name, created_by=by, private_key=private_key, created_at=utcnow())
        .returning(chats.c.id)
    )
    return int(result.scalar_one())


def _name(users: dict[int, Any], user_id: int) -> str:
    return str(users[user_id].display_name)


async def create_group(services: Services, user_id: int, data: GroupChatCreate) -> Chat:
    others = [uid for uid in dict.fromkeys(data.participant_ids) if uid != user_id]
    if len(others) + 1 > services.settings.max_group_members:
        raise Invalid(f"A group has at most {services.settings.max_group_members} members.")
    name = data.name.strip()
    if not name:
        raise Invalid("A group needs a name.")
    async with services.db.write() as tx:
        users = await _require_users(tx, [user_id, *others])
        chat_id = await _insert_chat(tx, type_="group", name=name, by=user_id)
        await _add_members(tx, services, await repo.get(tx.conn, chat_id), [user_id, *others])
        await _system(
            tx,
            services,
            chat_id,
            f"{_name(users, user_id)} created the group «{name}»",
            {"event": "group_created", "actorId": user_id, "userIds": others},
        )
        await _announce_new(tx, services, chat_id, [user_id, *others])
        (chat,) = await repo.list_for(tx.conn, user_id, chat_id)
    return chat


async def _system(
    tx: WriteTx, services: Services, chat_id: int, text: str, meta: dict[str, Any]
) -> None:
    await insert_message(
        tx, services, chat_id=chat_id, sender_id=None, type_="system", content=text, meta=meta
    )


async def _group_for_admin(tx: WriteTx, chat_id: int, user_id: int) -> tuple[Any, Any]:
    member = await repo.require_member(tx.conn, chat_id, user_id)
    chat = await repo.get(tx.conn, chat_id)
    assert chat is not None
    if chat.type != "group":
        raise Invalid("Only groups have members to manage.")
    if member.role not in ADMINS:
        raise Forbidden("Only group admins can do this.")
    return chat, member


async def _updated(tx: WriteTx, services: Services, chat_id: int) -> None:
    info = await repo.info(tx.conn, chat_id)
    await emit(tx, services.hub, CHAT_UPDATED, info, Audience(chat_id=chat_id))


async def update(services: Services, user_id: int, chat_id: int, data: ChatUpdate) -> Chat:
    fields = data.model_fields_set
    async with services.db.write() as tx:
        chat, _ = await _group_for_admin(tx, chat_id, user_id)
        actor = _name(await _require_users(tx, [user_id]), user_id)
        values: dict[str, Any] = {}
        if "name" in fields and data.name is not None and data.name.strip() != chat.name:
            values["name"] = data.name.strip()
        if "avatar_id" in fields and data.avatar_id != chat.avatar_id:
            if data.avatar_id is not None:
                await use_as_avatar(tx, user_id, data.avatar_id)
            values["avatar_id"] = data.avatar_id
        if values:
            await tx.conn.execute(sa.update(chats).where(chats.c.id == chat_id).values(**values))
            if "name" in values:
                await _system(
                    tx,
                    services,
                    chat_id,
                    f"{actor} renamed the group to «{values['name']}»",
                    {"event": "group_renamed", "actorId": user_id, "name": values["name"]},
                )
            await _updated(tx, services, chat_id)
        (result,) = await repo.list_for(tx.conn, user_id, chat_id)
    return result


async def use_as_avatar(tx: WriteTx, user_id: int, attachment_id: str) -> None:
    """An avatar must be an image this user uploaded; from now on any signed-in user may
    fetch it."""
    query = sa.select(attachments).where(attachments.c.id == attachment_id)
    row = (await tx.conn.execute(query)).first()
    if row is None or row.uploader_id != user_id or row.width is None:
        raise Invalid("An avatar must be an image you uploaded.", code="unknown_attachment")
    await tx.conn.execute(
        sa.update(attachments).where(attachments.c.id == attachment_id).values(is_avatar=True)
    )


async def add_members(
    services: Services, user_id: int, chat_id: int, user_ids: list[int]
) -> Chat:
    async with services.db.write() as tx:
        chat, _ = await _group_for_admin(tx, chat_id, user_id)
        current = await repo.member_ids(tx.conn, chat_id)
        new = [uid for uid in dict.fromkeys(user_ids) if uid not in current]
        users = await _require_users(tx, [user_id, *new])
        if len(current) + len(new) > services.settings.max_group_members:
            raise Invalid(f"A group has at most {services.settings.max_group_members} members.")
        if new:
            await _add_members(tx, services, chat, new)
            names = ", ".join(_name(users, uid) for uid in new)
            await _system(
                tx,
                services,
                chat_id,
                f"{_name(users, user_id)} added {names}",
                {"event": "members_added", "actorId": user_id, "userIds": new},
            )
            await _announce_new(tx, services, chat_id, new)
            await _updated(tx, services, chat_id)
        (result,) = await repo.list_for(tx.conn, user_id, chat_id)
    return result


async def remove_member(services: Services, user_id: int, chat_id: int, target_id: int) -> None:
    """Remove someone (admins), or leave (anyone). The owner's leaving hands the group to the
    longest-standing admin, else the longest-standing member: a group always has an admin."""
    async with services.db.write() as tx:
        me = await repo.require_member(tx.conn, chat_id, user_id)
        chat = await repo.get(tx.conn, chat_id)
        assert chat is not None
        if chat.type != "group":
            raise Invalid("You cannot leave a private chat.")
        target = me if target_id == user_id else await repo.membership(tx.conn, chat_id, target_id)
        if target is None:
            raise NotFound("That user is not a member of this chat.")
        if target_id != user_id:
            if me.role not in ADMINS:
                raise Forbidden("Only group admins can remove members.")
            if target.role == "owner" or (target.role == "admin" and me.role != "owner"):
                raise Forbidden("Only the owner can remove an admin, and no one the owner.")
        users = await _require_users(tx, [user_id, target_id])
        await tx.conn.execute(
            sa.delete(chat_members).where(
                chat_members.c.chat_id == chat_id, chat_members.c.user_id == target_id
            )
        )
        _invalidate_after_commit(tx, services, chat_id)
        if target.role == "owner":
            await _hand_over(tx, chat_id)
        if target_id == user_id:
            text, event = f"{_name(users, user_id)} left the group", "member_left"
        else:
            text = f"{_name(users, user_id)} removed {_name(users, target_id)}"
            event = "member_removed"
        await _system(
            tx, services, chat_id, text, {"event": event, "actorId": user_id, "userIds": [target_id]}
        )
        await emit(
            tx, services.hub, CHAT_REMOVED, ChatRemoved(chat_id=chat_id), Audience(user_id=target_id)
        )
        await _updated(tx, services, chat_id)


async def _hand_over(tx: WriteTx, chat_id: int) -> None:
    m = chat_members
    query = (
        sa.select(m.c.user_id)
        .where(m.c.chat_id == chat_id)
        .order_by((m.c.role == "admin").desc(), m.c.joined_at, m.c.user_id)
        .limit(1)
    )
    heir = (await tx.conn.execute(query)).scalar()
    if heir is not None:
        await tx.conn.execute(
            sa.update(m).where(m.c.chat_id == chat_id, m.c.user_id == heir).values(role="owner")
        )


async def set_role(
    services: Services, user_id: int, chat_id: int, target_id: int, role: str
) -> Chat:
    async with services.db.write() as tx:
        await _group_for_admin(tx, chat_id, user_id)
        target = await repo.membership(tx.conn, chat_id, target_id)
        if target is None:
            raise NotFound("That user is not a member of this chat.")
        if target.role == "owner":
            raise Forbidden("The owner's role cannot be changed.")
        if target.role != role:
            users = await _require_users(tx, [user_id, target_id])
            await tx.conn.execute(
                sa.update(chat_members)
                .where(chat_members.c.chat_id == chat_id, chat_members.c.user_id == target_id)
                .values(role=role)
            )
            verb = "made {} an admin" if role == "admin" else "made {} a member"
            await _system(
                tx,
                services,
                chat_id,
                f"{_name(users, user_id)} {verb.format(_name(users, target_id))}",
                {"event": "role_changed", "actorId": user_id, "userIds": [target_id], "role": role},
            )
            await _updated(tx, services, chat_id)
        (result,) = await repo.list_for(tx.conn, user_id, chat_id)
    return result
