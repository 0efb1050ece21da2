"""Privacy settings and blocks: the rules and transactions. What each one hides is applied
where the hidden thing is made: presence in privacy/visibility.py, messages and calls of a
blocked user in messages/service.py and calls/service.py, group adds in chats/invites.py."""

from __future__ import annotations

from typing import Any

from shomik.db.engine import WriteTx
from shomik.errors import Invalid, NotFound
from shomik.presence.events import USER_STATUS
from shomik.presence.schemas import UserStatus
from shomik.privacy import repository as repo
from shomik.privacy import visibility
from shomik.privacy.events import BLOCK_UPDATED, PRIVACY_UPDATED
from shomik.privacy.schemas import BlockUpdated, Privacy, PrivacyUpdate
from shomik.realtime.events import Audience, emit, emit_ephemeral
from shomik.services import Services
from shomik.users import repository as users_repo
from shomik.users.schemas import UserPublic


async def update(services: Services, user_id: int, data: PrivacyUpdate) -> Privacy:
    async with services.db.write() as tx:
        row = await users_repo.get(tx.conn, user_id)
        assert row is not None
        values: dict[str, Any] = {}
        if data.last_seen is not None and data.last_seen != row.last_seen_privacy:
            values["last_seen_privacy"] = data.last_seen
        if data.group_adds is not None and data.group_adds != row.group_adds:
            values["group_adds"] = data.group_adds
        if not values:
            return users_repo.privacy_of(row)
        await users_repo.update(tx.conn, user_id, **values)
        row = await users_repo.get(tx.conn, user_id)
        assert row is not None
        privacy = users_repo.privacy_of(row)
        await emit(tx, services.hub, PRIVACY_UPDATED, privacy, Audience(user_id=user_id))
        if "last_seen_privacy" in values:
            # At once, not at the next change of status: contacts who may no longer see it
            # are told "recently" (null), those who now may are told the status.
            contacts = await users_repo.contacts(tx.conn, user_id)
            seeing = await visibility.status_audience(tx.conn, row, contacts)
            _announce_after_commit(tx, services, row, seeing, frozenset(contacts) - seeing)
    return privacy


def _announce_after_commit(
    tx: WriteTx, services: Services, row: Any, seeing: frozenset[int], not_seeing: frozenset[int]
) -> None:
    shown = UserStatus(user_id=row.id, status=row.status, last_seen=row.last_seen)
    hidden = UserStatus(user_id=row.id, status=None, last_seen=None)

    async def announce() -> None:
        if seeing:
            emit_ephemeral(services.hub, USER_STATUS, shown, seeing)
        if not_seeing:
            emit_ephemeral(services.hub, USER_STATUS, hidden, not_seeing)

    tx.after_commit(announce)


async def _other_user(tx: WriteTx, user_id: int, target_id: int) -> Any:
    if target_id == user_id:
        raise Invalid("You cannot block or unblock yourself.", code="self_block")
    row = await users_repo.get(tx.conn, target_id)
    if row is None:
        raise NotFound("User not found.")
    return row


async def block(services: Services, user_id: int, target_id: int) -> None:
    """Block someone: they cannot message or call you, add you to groups or see your
    status. Blocking twice changes nothing."""
    async with services.db.write() as tx:
        await _other_user(tx, user_id, target_id)
        me = await users_repo.get(tx.conn, user_id)
        was_told = await _told_live(tx, target_id, me)
        if not await repo.block(tx.conn, user_id, target_id):
            return
        data = BlockUpdated(user_id=target_id, blocked=True)
        await emit(tx, services.hub, BLOCK_UPDATED, data, Audience(user_id=user_id))
        if was_told:  # only who was told the status live hears that it is gone
            _announce_after_commit(tx, services, me, frozenset(), frozenset({target_id}))


async def unblock(services: Services, user_id: int, target_id: int) -> None:
    async with services.db.write() as tx:
        await _other_user(tx, user_id, target_id)
        if not await repo.unblock(tx.conn, user_id, target_id):
            return
        data = BlockUpdated(user_id=target_id, blocked=False)
        await emit(tx, services.hub, BLOCK_UPDATED, data, Audience(user_id=user_id))
        me = await users_repo.get(tx.conn, user_id)
        if await _told_live(tx, target_id, me):
            _announce_after_commit(tx, services, me, frozenset({target_id}), frozenset())


async def _told_live(tx: WriteTx, viewer_id: int, row: Any) -> bool:
    """Whether `viewer_id` is one of those told the user's status changes live (a contact who
    may see it): a stranger hears nothing of a block or an unblock, so cannot infer it."""
    if not await repo.sharing_a_chat(tx.conn, row.id, {viewer_id}):
        return False
    return not await visibility.hidden_from(tx.conn, viewer_id, [row], share_a_chat=True)


async def blocked(services: Services, user_id: int) -> list[UserPublic]:
    async with services.db.read() as conn:
        rows = await repo.blocked_users(conn, user_id)
        hidden = await visibility.hidden_from(conn, user_id, rows)
    return [users_repo.to_public(r, r.id in hidden) for r in rows]
