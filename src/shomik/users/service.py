"""Profiles and settings."""

from __future__ import annotations

from typing import Any

from shomik.db.engine import WriteTx
from shomik.errors import NotFound
from shomik.presence.events import USER_UPDATED
from shomik.privacy import visibility
from shomik.realtime.events import Audience, emit
from shomik.services import Services
from shomik.uploads.avatars import release_avatar, use_as_avatar
from shomik.users import repository as repo
from shomik.users.schemas import Params, UserMe, UserPublic, UserUpdate

SEARCH_LIMIT = 20


async def update_me(services: Services, user_id: int, data: UserUpdate) -> UserMe:
    fields = data.model_fields_set
    async with services.db.write() as tx:
        row = await repo.get(tx.conn, user_id)
        assert row is not None
        values: dict[str, Any] = {}
        if "display_name" in fields and data.display_name is not None:
            values["display_name"] = data.display_name.strip() or row.display_name
        if "params" in fields and data.params is not None:
            change = data.params.model_dump(exclude_none=True)
            if "language" in data.params.model_fields_set:
                change["language"] = data.params.language  # null is a choice, not "unchanged"
            merged = Params.model_validate(row.params).model_copy(update=change)
            values["params"] = merged.model_dump(by_alias=True)
        if "avatar_id" in fields:
            if data.avatar_id is not None:
                await use_as_avatar(tx, user_id, data.avatar_id)
            values["avatar_id"] = data.avatar_id
        if values:
            old_avatar = row.avatar_id
            await repo.update(tx.conn, user_id, **values)
            row = await repo.get(tx.conn, user_id)
            assert row is not None
            if "avatar_id" in values and old_avatar != row.avatar_id:
                await release_avatar(tx, old_avatar)
        if {"display_name", "avatar_id"} & set(values):
            await announce_profile(tx, services, row)
    return repo.to_me(row)


async def announce_profile(tx: WriteTx, services: Services, row: Any) -> None:
    """`user:updated` with the user's profile as `row` has it: durable, once per chat of
    theirs (every contact shares one; the user is in each), or to the user alone without
    chats: a resume replays it."""
    profile = repo.to_profile(row)
    chat_ids = await repo.chat_ids(tx.conn, row.id)
    for chat_id in chat_ids:
        await emit(tx, services.hub, USER_UPDATED, profile, Audience(chat_id=chat_id))
    if not chat_ids:
        await emit(tx, services.hub, USER_UPDATED, profile, Audience(user_id=row.id))


async def search(services: Services, user_id: int, q: str) -> list[UserPublic]:
    async with services.db.read() as conn:
        rows = await repo.search(conn, q, user_id, SEARCH_LIMIT)
        hidden = await visibility.hidden_from(conn, user_id, rows)
    return [repo.to_public(r, r.id in hidden) for r in rows]


async def get_many_public(
    services: Services, viewer_id: int, user_ids: list[int]
) -> list[UserPublic]:
    """These people as `get_public` shows each, in id order; unknown ids are left out."""
    async with services.db.read() as conn:
        found = await repo.get_many(conn, user_ids)
        rows = [found[i] for i in sorted(found)]
        hidden = await visibility.hidden_from(conn, viewer_id, rows)
    return [repo.to_public(r, r.id in hidden) for r in rows]


async def get_public(services: Services, viewer_id: int, user_id: int) -> UserPublic:
    """Someone's profile, with their status and last seen if the viewer may see them."""
    async with services.db.read() as conn:
        row = await repo.get(conn, user_id)
        if row is None:
            raise NotFound("User not found.")
        hidden = await visibility.hidden_from(conn, viewer_id, [row])
    return repo.to_public(row, row.id in hidden)
