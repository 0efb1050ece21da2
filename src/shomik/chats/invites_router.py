from __future__ import annotations

from fastapi import APIRouter, status

from shomik.chats import invites, membership
from shomik.chats.invite_schemas import InviteList
from shomik.chats.schemas import Chat
from shomik.deps import CurrentUser, ServicesDep
from shomik.schemas import PathId

router = APIRouter(prefix="/api/invites", tags=["chats"])


@router.get("")
async def list_invites(user: CurrentUser, services: ServicesDep) -> InviteList:
    """Your pending invitations to groups, newest first."""
    return InviteList(invites=await invites.pending(services, user.id))


@router.post("/{chat_id}/accept")
async def accept_invite(chat_id: PathId, user: CurrentUser, services: ServicesDep) -> Chat:
    """Join the group (as a member); 409 `invite_expired` if its inviter left it."""
    return await membership.accept_invite(services, user.id, chat_id)


@router.post("/{chat_id}/decline", status_code=status.HTTP_204_NO_CONTENT)
async def decline_invite(chat_id: PathId, user: CurrentUser, services: ServicesDep) -> None:
    await invites.decline(services, user.id, chat_id)
