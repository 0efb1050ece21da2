"""Group membership: adding, removing (and leaving), roles. Each change is one transaction
that also writes a `system` message and the events members need.

Who may do what: admins (the owner included) add members, promote members and remove
members; only the owner removes or demotes an admin; no one removes or demotes the owner;
anyone may leave. The owner's leaving hands the group on, so a group always has an owner.
Whoever is no longer a member is out of the group's call at once (calls/service.py).
People whose privacy lets no one add them are invited instead, and join if they accept
(chats/invites.py).
"""

from __future__ import annotations

from typing import Any

from shomik.calls import front as calls
from shomik.chats import invites, listing
from shomik.chats import invites_repository as invites_repo
from shomik.chats import repository as repo
from shomik.chats.events import CHAT_REMOVED
from shomik.chats.invite_schemas import ChatWithInvites
from shomik.chats.schemas import Chat, ChatRemoved
from shomik.chats.service import (
    ADMINS,
    add_member_rows,
    announce_members,
    announce_new,
    display_name,
    group_for_admin,
    invalidate_members_after_commit,
    require_users,
    system_message,
)
from shomik.db.engine import WriteTx
from shomik.e2ee.schemas import MAX_SECRET_GROUP_MEMBERS
from shomik.errors import Conflict, Forbidden, Invalid, NotFound
from shomik.realtime.events import Audience, emit
from shomik.services import Services


async def add_members(
    services: Services, user_id: int, chat_id: int, user_ids: list[int]
) -> ChatWithInvites:
    """Add people; those whose privacy lets no one add them are invited instead
    (chats/invites.py), and the answer names them."""
    async with services.db.write() as tx:
        chat, _ = await group_for_admin(tx, chat_id, user_id)
        current = await repo.member_ids(tx.conn, chat_id)
        wanted = [uid for uid in dict.fromkeys(user_ids) if uid not in current]
        users = await require_users(tx, [user_id, *wanted])
        screened = await invites.screen(tx, user_id, users, wanted)
        new = screened.added
        limit = _member_limit(services, chat)
        if len(current) + len(new) > limit:
            raise Invalid(f"A group has at most {limit} members.")
        if new:
            await add_member_rows(tx, services, chat, new)
            # chat:new first: the newcomers' first event of the chat is the chat itself.
            await announce_new(tx, services, chat_id, new)
            names = ", ".join(display_name(users, uid) for uid in new)
            await system_message(
                tx,
                services,
                chat_id,
                user_id,
                f"{display_name(users, user_id)} added {names}",
                {"event": "members_added", "userIds": new},
            )
            await announce_members(tx, services, chat_id, new)
        await invites.invite(tx, services, chat, user_id, screened)
        result = await listing.one(tx.conn, user_id, chat_id)
    return ChatWithInvites(**dict(result), invited_user_ids=screened.invited)


async def accept_invite(services: Services, user_id: int, chat_id: int) -> Chat:
    """Join a group one was invited to, as a member the inviter added would. Refused once
    the inviter is no longer a member."""
    async with services.db.write() as tx:
        found = await invites_repo.get(tx.conn, chat_id, user_id)
        if found is None:
            raise NotFound("You have no invitation to this chat.")
        if await repo.membership(tx.conn, chat_id, user_id) is None:
            if not found.valid:
                raise Conflict(
                    "This invitation is no longer valid: whoever sent it left the group.",
                    code="invite_expired",
                )
            await _join(tx, services, chat_id, user_id)
        gone = await invites_repo.delete(tx.conn, chat_id, [user_id])
        await invites.remove(tx, services, chat_id, gone)
        return await listing.one(tx.conn, user_id, chat_id)


def _member_limit(services: Services, chat: Any) -> int:
    # A secret group stays small: every member's every device is in its MLS group.
    return MAX_SECRET_GROUP_MEMBERS if chat.secret else services.settings.max_group_members


async def _join(tx: WriteTx, services: Services, chat_id: int, user_id: int) -> None:
    chat = await repo.get(tx.conn, chat_id)
    assert chat is not None
    limit = _member_limit(services, chat)
    if len(await repo.member_ids(tx.conn, chat_id)) + 1 > limit:
        raise Invalid(f"A group has at most {limit} members.")
    users = await require_users(tx, [user_id])
    await add_member_rows(tx, services, chat, [user_id])
    # chat:new first: the newcomer's first event of the chat is the chat itself.
    await announce_new(tx, services, chat_id, [user_id])
    await system_message(
        tx,
        services,
        chat_id,
        user_id,
        f"{display_name(users, user_id)} joined the group",
        {"event": "member_joined"},
    )
    await announce_members(tx, services, chat_id, [user_id])


async def remove_member(services: Services, user_id: int, chat_id: int, target_id: int) -> None:
    """Remove someone (admins), or leave (anyone). The removed member's sockets get
    `chat:removed` and, from the commit on, nothing more of this chat."""
    async with services.db.write() as tx:
        me = await repo.require_member(tx.conn, chat_id, user_id)
        chat = await repo.get(tx.conn, chat_id)
        assert chat is not None
        if chat.type != "group":
            raise Invalid("You cannot leave a private chat.")
        target = me if target_id == user_id else await repo.membership(tx.conn, chat_id, target_id)
        if target_id != user_id:
            if me.role not in ADMINS:
                raise Forbidden("Only group admins can remove members.")
            if target is None:
                raise NotFound("That user is not a member of this chat.")
            if target.role == "owner" or (target.role == "admin" and me.role != "owner"):
                raise Forbidden("Only the owner can remove an admin, and no one the owner.")
        assert target is not None
        users = await require_users(tx, [user_id, target_id])
        await repo.delete_member(tx.conn, chat_id, target_id)
        invalidate_members_after_commit(tx, services, chat_id)
        await invites.inviter_left(tx, services, chat_id, target_id)
        heir = await repo.hand_over(tx.conn, chat_id) if target.role == "owner" else None
        if target_id == user_id:
            text, event = f"{display_name(users, user_id)} left the group", "member_left"
        else:
            actor, removed = display_name(users, user_id), display_name(users, target_id)
            text, event = f"{actor} removed {removed}", "member_removed"
        await system_message(
            tx, services, chat_id, user_id, text, {"event": event, "userIds": [target_id]}
        )
        await emit(
            tx,
            services.hub,
            CHAT_REMOVED,
            ChatRemoved(
                chat_id=chat_id,
                reason="left" if target_id == user_id else "removed",
                by_user_id=user_id,
                chat_name=chat.name,
            ),
            Audience(user_id=target_id),
        )
        await announce_members(tx, services, chat_id, [heir] if heir else [], [target_id])

        async def stop_typing() -> None:
            # Whoever is gone is no longer typing there: say so now, not at the timeout.
            await services.typing.stop(chat_id, target_id)

        tx.after_commit(stop_typing)

        async def out_of_call() -> None:
            calls.member_left_chat(services, chat_id, target_id)

        # After the member cache's invalidation (registered above): the others' events about
        # the call go to the members as they are now.
        tx.after_commit(out_of_call)


async def set_role(
    services: Services, user_id: int, chat_id: int, target_id: int, role: str
) -> Chat:
    async with services.db.write() as tx:
        _, me = await group_for_admin(tx, chat_id, user_id)
        target = await repo.membership(tx.conn, chat_id, target_id)
        if target is None:
            raise NotFound("That user is not a member of this chat.")
        if target.role == "owner":
            raise Forbidden("The owner's role cannot be changed.")
        if target.role == "admin" and me.role != "owner" and target_id != user_id:
            # Else an admin could demote another and then remove them.
            raise Forbidden("Only the owner can change another admin's role.")
        if target.role != role:
            users = await require_users(tx, [user_id, target_id])
            await repo.set_role(tx.conn, chat_id, target_id, role)
            verb = "made {} an admin" if role == "admin" else "made {} a member"
            await system_message(
                tx,
                services,
                chat_id,
                user_id,
                f"{display_name(users, user_id)} {verb.format(display_name(users, target_id))}",
                {"event": "role_changed", "userIds": [target_id], "role": role},
            )
            await announce_members(tx, services, chat_id, [target_id])
        return await listing.one(tx.conn, user_id, chat_id)
