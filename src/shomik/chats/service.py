"""Creating, listing and renaming chats, and the helpers membership.py shares. Every change
is one transaction that also writes a `system` message and the events members need."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from shomik.chats import cursors, invites, listing, readers
from shomik.chats import repository as repo
from shomik.chats.events import CHAT_MEMBERS, CHAT_NEW, CHAT_UPDATED
from shomik.chats.invite_schemas import ChatWithInvites
from shomik.chats.schemas import (
    Chat,
    ChatList,
    ChatUpdate,
    MemberPage,
    MembersChanged,
    PrivateChatCreate,
)
from shomik.db.engine import WriteTx
from shomik.errors import Forbidden, Invalid
from shomik.messages.store import insert_message
from shomik.privacy import withhold
from shomik.realtime import events
from shomik.realtime.events import Audience, emit
from shomik.schemas import utcnow
from shomik.services import Services
from shomik.uploads.avatars import release_avatar, use_as_avatar
from shomik.users import repository as users_repo

ADMINS = ("owner", "admin")


async def list_chats(
    services: Services, user_id: int, limit: int = 50, cursor: str | None = None
) -> ChatList:
    """A page of the user's chat list, in list order, after `cursor` (chats/cursors.py).
    In one snapshot: totals read apart from the page could count a change the page does
    not show, and the client's counts would add it twice when its event arrives."""
    async with services.db.snapshot() as conn:
        return await listing.page(conn, user_id, limit, cursor)


async def get_chat(services: Services, user_id: int, chat_id: int) -> Chat:
    """One chat as the list has it: in one snapshot too (its unread count and last seq
    agree)."""
    async with services.db.snapshot() as conn:
        await repo.require_member(conn, chat_id, user_id)
        return await listing.one(conn, user_id, chat_id)


async def members(
    services: Services, user_id: int, chat_id: int, limit: int, after: str | None, q: str
) -> MemberPage:
    """A page of the chat's members, for its members only (outsiders get a 404)."""
    key = cursors.parse_member(after)
    async with services.db.read() as conn:
        await repo.require_member(conn, chat_id, user_id)
        found, more = await repo.member_page(conn, chat_id, user_id, limit, key, q)
    last = found[-1] if found else None
    next_cursor = None
    if more and last is not None:
        next_cursor = cursors.member_cursor(repo.RANKS[last.role], last.user.id)
    return MemberPage(members=found, next_cursor=next_cursor)


async def add_member_rows(
    tx: WriteTx,
    services: Services,
    chat: Any,
    user_ids: list[int],
    owner: int | None = None,
    unlisted: frozenset[int] = frozenset(),
) -> None:
    """Insert memberships: `owner` (a group's creator, at creation only) as the owner, the
    rest as members. Not by `created_by`: a creator who left and is added back is a member,
    since the group has had another owner since."""
    joined_event = await events.head(tx.conn)
    await repo.insert_members(
        tx.conn,
        chat.id,
        {uid: "owner" if uid == owner else "member" for uid in user_ids},
        joined_event=joined_event,
        # History from before joining is readable but not "unread".
        read_through=chat.last_seq,
        unlisted=unlisted,
    )
    invalidate_members_after_commit(tx, services, chat.id)


def invalidate_members_after_commit(tx: WriteTx, services: Services, chat_id: int) -> None:
    async def invalidate() -> None:
        await services.hub.bus.invalidate_members(chat_id)

    # Registered before the events' publication, so fan-out sees the new membership.
    tx.after_commit(invalidate)


async def announce_new(tx: WriteTx, services: Services, chat_id: int, user_ids: list[int]) -> None:
    """`chat:new` for each new member. A group is loaded once (a group made with 1,000
    people gets 1,000 of these): what differs between its new members is their own role
    and read position, the furthest the others have read, and their unread count, read
    for all of them in two queries. A private chat's other person differs: loaded each."""
    if not user_ids:
        return
    base = await listing.one(tx.conn, user_ids[0], chat_id)
    if base.type == "private":  # one or two people, each with their own peer
        for uid in user_ids:
            chat = await listing.one(tx.conn, uid, chat_id)
            await emit(tx, services.hub, CHAT_NEW, chat, Audience(user_id=uid))
        return
    own = {m.user.id: m for m in await repo.members_of(tx.conn, chat_id, user_ids, None)}
    row = await repo.get(tx.conn, chat_id)
    for uid in user_ids:
        member = own[uid]
        others = readers.others_of(row, uid)
        chat = base.model_copy(
            update={
                "role": member.role,
                "last_read_seq": member.last_read_seq,
                "others_read_seq": others,
                "unread_count": max(0, base.last_seq - member.last_read_seq),
            }
        )
        await emit(tx, services.hub, CHAT_NEW, chat, Audience(user_id=uid))


async def require_users(tx: WriteTx, user_ids: list[int]) -> dict[int, Any]:
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
        await require_users(tx, [data.user_id])
        existing = await repo.by_private_key(tx.conn, key)
        if existing is not None:
            if await repo.list_member(tx.conn, existing.id, user_id):
                # The other person opened it before its first message: theirs now too.
                await announce_new(tx, services, existing.id, [user_id])
            return await listing.one(tx.conn, user_id, existing.id), False
        chat_id = await _insert_chat(tx, type_="private", name=None, by=user_id, private_key=key)
        row = await repo.get(tx.conn, chat_id)
        # Listed for its creator only: the other person learns of the chat with its first
        # message or call (messages/store.py `reveal_private`), as in Telegram.
        await add_member_rows(
            tx, services, row, [user_id, data.user_id], unlisted=frozenset({data.user_id})
        )
        await announce_new(tx, services, chat_id, [user_id])
        chat = await listing.one(tx.conn, user_id, chat_id)
    return chat, True


async def _insert_chat(
    tx: WriteTx, *, type_: str, name: str | None, by: int, private_key: str | None = None
) -> int:
    return await repo.insert_chat(
        tx.conn, type_=type_, name=name, by=by, private_key=private_key, at=utcnow()
    )


def display_name(users: dict[int, Any], user_id: int) -> str:
    return str(users[user_id].display_name)


GroupInsert = Callable[[WriteTx, str, int], Awaitable[int]]


class NewGroup(Protocol):
    """What making a group needs of its request (an ordinary or a secret one)."""

    @property
    def name(self) -> str: ...

    @property
    def participant_ids(self) -> Sequence[int]: ...


async def _insert_group(tx: WriteTx, name: str, by: int) -> int:
    return await _insert_chat(tx, type_="group", name=name, by=by)


async def create_group(
    services: Services,
    user_id: int,
    data: NewGroup,
    *,
    max_members: int | None = None,
    insert: GroupInsert = _insert_group,
    kind: str = "group",
) -> ChatWithInvites:
    """A group of the creator (its owner) and the people they add; those whose privacy
    lets no one add them are invited instead (chats/invites.py), and the answer names them.
    A secret group (e2ee/groups.py) is made the same way, with its own row `insert`, its
    own cap and `kind` in the texts."""
    others = [uid for uid in dict.fromkeys(data.participant_ids) if uid != user_id]
    cap = max_members or services.settings.max_group_members
    if len(others) + 1 > cap:
        raise Invalid(f"A {kind} has at most {cap} members.")
    name = data.name.strip()
    if not name:
        raise Invalid("A group needs a name.")
    async with services.db.write() as tx:
        users = await require_users(tx, [user_id, *others])
        screened = await invites.screen(tx, user_id, users, others)
        chat_id = await insert(tx, name, user_id)
        row = await repo.get(tx.conn, chat_id)
        members = [user_id, *screened.added]
        await add_member_rows(tx, services, row, members, owner=user_id)
        # chat:new first: a chat's events never precede the chat itself.
        await announce_new(tx, services, chat_id, members)
        await system_message(
            tx,
            services,
            chat_id,
            user_id,
            f"{display_name(users, user_id)} created the {kind} «{name}»",
            {"event": "group_created", "userIds": screened.added},
        )
        await invites.invite(tx, services, row, user_id, screened)
        chat = await listing.one(tx.conn, user_id, chat_id)
    return ChatWithInvites(**dict(chat), invited_user_ids=screened.invited)


async def system_message(
    tx: WriteTx, services: Services, chat_id: int, actor_id: int, text: str, meta: dict[str, Any]
) -> None:
    """A `system` message about what `actor_id` did. One's own action is no news to
    oneself: the actor's read position moves onto it (before it is stored, so that its
    `readBy` says so too). Writes are serialized, so the next seq is certainly its own.
    What a blocked user does in the private chat of the one who blocked them (a pin, a
    call no one answered) is withheld from the blocker like their messages."""
    await readers.read_through_next(tx.conn, chat_id, actor_id)
    await insert_message(
        tx,
        services,
        chat_id=chat_id,
        sender_id=None,
        type_="system",
        content=text,
        meta={"actorId": actor_id, **meta},
        withheld=await withhold.of_author(tx.conn, chat_id, actor_id),
    )


async def group_for_admin(tx: WriteTx, chat_id: int, user_id: int) -> tuple[Any, Any]:
    member = await repo.require_member(tx.conn, chat_id, user_id)
    chat = await repo.get(tx.conn, chat_id)
    assert chat is not None
    if chat.type != "group":
        raise Invalid("Only groups have members to manage.")
    if member.role not in ADMINS:
        raise Forbidden("Only group admins can do this.")
    return chat, member


async def announce_updated(tx: WriteTx, services: Services, chat_id: int) -> None:
    info = await repo.info(tx.conn, chat_id)
    await emit(tx, services.hub, CHAT_UPDATED, info, Audience(chat_id=chat_id))


async def announce_members(
    tx: WriteTx,
    services: Services,
    chat_id: int,
    changed: Sequence[int],
    removed: Sequence[int] = (),
) -> None:
    """`chat:members` to the chat's members: who joined or changed role (as they are now),
    who left, and the new count. Only these members are read, whatever the group's size."""
    data = MembersChanged(
        chat_id=chat_id,
        member_count=await repo.member_count(tx.conn, chat_id),
        members=await repo.members_of(tx.conn, chat_id, changed, None),
        removed_user_ids=list(removed),
    )
    await emit(tx, services.hub, CHAT_MEMBERS, data, Audience(chat_id=chat_id))


async def update(services: Services, user_id: int, chat_id: int, data: ChatUpdate) -> Chat:
    fields = data.model_fields_set
    async with services.db.write() as tx:
        chat, _ = await group_for_admin(tx, chat_id, user_id)
        actor = display_name(await require_users(tx, [user_id]), user_id)
        values: dict[str, Any] = {}
        name = data.name.strip() if data.name is not None else None
        if "name" in fields and name == "":
            raise Invalid("A group needs a name.")
        if "name" in fields and name is not None and name != chat.name:
            values["name"] = name
        if "avatar_id" in fields and data.avatar_id != chat.avatar_id:
            if data.avatar_id is not None:
                await use_as_avatar(tx, user_id, data.avatar_id)
            values["avatar_id"] = data.avatar_id
        if values:
            await repo.update_chat(tx.conn, chat_id, **values)
            if "avatar_id" in values:
                await release_avatar(tx, chat.avatar_id)
            if "name" in values:
                await system_message(
                    tx,
                    services,
                    chat_id,
                    user_id,
                    f"{actor} renamed the group to «{values['name']}»",
                    {"event": "group_renamed", "name": values["name"]},
                )
            await announce_updated(tx, services, chat_id)
        return await listing.one(tx.conn, user_id, chat_id)
