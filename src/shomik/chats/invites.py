"""Group invitations: who may be added to a group, and the invitation for who may not.

Someone whose privacy setting lets no one add them to groups (`groupAdds: "nobody"`) is
invited instead of added: `chat:invited` asks them, and accepting makes them a member as an
add would. Someone who blocked the adder is neither added nor invited, and the adder is told
"invited" all the same, so the block does not show. An invitation holds while its inviter
is a member of the group: it goes when they leave, and with the group.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shomik.chats import invites_repository as repo
from shomik.chats.events import CHAT_INVITE_REMOVED, CHAT_INVITED
from shomik.chats.invite_schemas import Invite, InviteRemoved
from shomik.db.engine import WriteTx
from shomik.errors import NotFound
from shomik.privacy import repository as privacy_repo
from shomik.realtime.events import Audience, emit
from shomik.services import Services
from shomik.users.repository import avatar_url
from shomik.users.schemas import UserProfile


@dataclass(frozen=True)
class Screened:
    """The people an admin adds, sorted by what their privacy lets happen."""

    added: list[int]
    # What the adder is told: asked to join instead.
    invited: list[int]
    # Of the invited, those who blocked the adder: no invitation is made for them.
    blocking: frozenset[int]


async def screen(tx: WriteTx, adder_id: int, users: dict[int, Any], ids: list[int]) -> Screened:
    blocking = await privacy_repo.blockers_among(tx.conn, adder_id, ids)
    added, invited = [], []
    for uid in ids:
        if uid == adder_id or (users[uid].group_adds == "everybody" and uid not in blocking):
            added.append(uid)
        else:
            invited.append(uid)
    return Screened(added=added, invited=invited, blocking=frozenset(blocking))


async def invite(
    tx: WriteTx, services: Services, chat: Any, inviter_id: int, screened: Screened
) -> None:
    """Store and announce the invitations of a screened add; someone already invited to
    this group keeps the invitation they have. And those added now lose theirs."""
    await remove(tx, services, chat.id, await repo.delete(tx.conn, chat.id, screened.added))
    wanted = [uid for uid in screened.invited if uid not in screened.blocking]
    if not wanted:
        return
    pending = await repo.pending_among(tx.conn, chat.id, wanted)
    new = [uid for uid in wanted if uid not in pending]
    if not new:
        return
    await repo.insert(tx.conn, chat.id, new, inviter_id)
    created = await repo.one(tx.conn, chat.id, new[0])
    assert created is not None
    data = _invite(created)
    for uid in new:
        await emit(tx, services.hub, CHAT_INVITED, data, Audience(user_id=uid))


async def inviter_left(tx: WriteTx, services: Services, chat_id: int, inviter_id: int) -> None:
    """A member left or was removed: the invitations they sent no longer hold."""
    await remove(tx, services, chat_id, await repo.delete_by_inviter(tx.conn, chat_id, inviter_id))


async def remove(tx: WriteTx, services: Services, chat_id: int, user_ids: list[int]) -> None:
    for uid in user_ids:
        gone = InviteRemoved(chat_id=chat_id)
        await emit(tx, services.hub, CHAT_INVITE_REMOVED, gone, Audience(user_id=uid))


def _invite(row: Any) -> Invite:
    inviter = UserProfile(
        id=row.inviter_id,
        username=row.inviter_username,
        display_name=row.inviter_name,
        avatar_url=avatar_url(row.inviter_avatar_id),
        deactivated=row.inviter_deactivated_at is not None,
    )
    return Invite(
        chat_id=row.chat_id,
        chat_name=row.chat_name,
        chat_avatar_url=avatar_url(row.chat_avatar_id),
        inviter=inviter,
        created_at=row.created_at,
    )


async def pending(services: Services, user_id: int) -> list[Invite]:
    async with services.db.read() as conn:
        return [_invite(row) for row in await repo.of_user(conn, user_id)]


async def decline(services: Services, user_id: int, chat_id: int) -> None:
    async with services.db.write() as tx:
        removed = await repo.delete(tx.conn, chat_id, [user_id])
        if not removed:
            raise NotFound("You have no invitation to this chat.")
        await remove(tx, services, chat_id, removed)
