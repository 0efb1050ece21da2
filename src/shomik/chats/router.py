from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Response, status

from shomik.chats import membership, service
from shomik.chats import settings as chat_settings
from shomik.chats.invite_schemas import ChatWithInvites
from shomik.chats.schemas import (
    Chat,
    ChatCreate,
    ChatList,
    ChatSettings,
    ChatSettingsUpdate,
    ChatUpdate,
    GroupChatCreate,
    MemberPage,
    MembersAdd,
    PinnedChatsOrder,
    RoleUpdate,
)
from shomik.deps import CurrentUser, ServicesDep
from shomik.schemas import PathId

router = APIRouter(prefix="/api/chats", tags=["chats"])


@router.get("")
async def list_chats(
    user: CurrentUser,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=64, description="A `nextCursor`")] = None,
) -> ChatList:
    """A page of your chats in list order (pinned first, then by last activity); the next
    with `cursor` = this page's `nextCursor`. Chats carry no member list: see
    `GET /api/chats/{id}/members`."""
    return await service.list_chats(services, user.id, limit, cursor)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": ChatWithInvites, "description": "The private chat already existed."}},
)
async def create_chat(
    data: Annotated[ChatCreate, Body()],
    user: CurrentUser,
    services: ServicesDep,
    response: Response,
) -> ChatWithInvites:
    """A group (`invitedUserIds`: who was asked to join instead of added, as their privacy
    settings want) or a private chat (`invitedUserIds` empty)."""
    if isinstance(data, GroupChatCreate):
        return await service.create_group(services, user.id, data)
    chat, created = await service.create_private(services, user.id, data)
    if not created:
        response.status_code = status.HTTP_200_OK
    return ChatWithInvites(**dict(chat), invited_user_ids=[])


@router.put("/pinned", status_code=status.HTTP_204_NO_CONTENT)
async def reorder_pinned(data: PinnedChatsOrder, user: CurrentUser, services: ServicesDep) -> None:
    """Order your pinned chats (top first): exactly the chats pinned now."""
    await chat_settings.reorder_pinned(services, user.id, data.chat_ids)


@router.patch("/{chat_id}/settings")
async def update_settings(
    chat_id: PathId, data: ChatSettingsUpdate, user: CurrentUser, services: ServicesDep
) -> ChatSettings:
    """Your own settings of the chat (any subset): mute until a time (null: unmute),
    archive, pin to the top (at most 5), mark unread. Synced with `chat:settings`."""
    return await chat_settings.update(services, user.id, chat_id, data)


@router.get("/{chat_id}")
async def get_chat(chat_id: PathId, user: CurrentUser, services: ServicesDep) -> Chat:
    return await service.get_chat(services, user.id, chat_id)


@router.patch("/{chat_id}")
async def update_chat(
    chat_id: PathId, data: ChatUpdate, user: CurrentUser, services: ServicesDep
) -> Chat:
    """Rename a group or change its avatar (admins)."""
    return await service.update(services, user.id, chat_id, data)


@router.get("/{chat_id}/members")
async def list_members(
    chat_id: PathId,
    user: CurrentUser,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
    after: Annotated[str | None, Query(max_length=64, description="A `nextCursor`")] = None,
    q: Annotated[str, Query(max_length=64, description="Part of a name or username")] = "",
) -> MemberPage:
    """A page of the chat's members (the owner, admins, then members), for its members;
    `q` keeps those whose username or display name holds it (the @mention picker)."""
    return await service.members(services, user.id, chat_id, limit, after, q.strip())


@router.post("/{chat_id}/members")
async def add_members(
    chat_id: PathId, data: MembersAdd, user: CurrentUser, services: ServicesDep
) -> ChatWithInvites:
    """Add members (admins); `invitedUserIds`: who was asked to join instead."""
    return await membership.add_members(services, user.id, chat_id, data.user_ids)


@router.delete("/{chat_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_member(
    chat_id: PathId, user_id: PathId, user: CurrentUser, services: ServicesDep
) -> None:
    """Remove a member (admins), or leave the group (your own id)."""
    await membership.remove_member(services, user.id, chat_id, user_id)


@router.patch("/{chat_id}/members/{user_id}")
async def set_role(
    chat_id: PathId, user_id: PathId, data: RoleUpdate, user: CurrentUser, services: ServicesDep
) -> Chat:
    return await membership.set_role(services, user.id, chat_id, user_id, data.role)
