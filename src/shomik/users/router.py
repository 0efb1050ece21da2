from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from shomik.auth import service as auth_service
from shomik.auth.schemas import TokenResponse
from shomik.deps import ClientDevice, CurrentUser, ServicesDep
from shomik.errors import Invalid
from shomik.privacy import service as privacy
from shomik.privacy.schemas import Privacy, PrivacyUpdate
from shomik.schemas import MAX_ID, PathId
from shomik.users import service
from shomik.users.repository import to_me
from shomik.users.schemas import PasswordChange, UserList, UserMe, UserPublic, UserUpdate

router = APIRouter(prefix="/api/users", tags=["users"])


@router.get("/me")
async def get_me(user: CurrentUser) -> UserMe:
    return to_me(user)


@router.patch("/me")
async def update_me(data: UserUpdate, user: CurrentUser, services: ServicesDep) -> UserMe:
    return await service.update_me(services, user.id, data)


@router.post("/me/password")
async def change_password(
    data: PasswordChange, user: CurrentUser, services: ServicesDep, device: ClientDevice
) -> TokenResponse:
    """Change the password; every session ends (open sockets included) and this device gets
    the token of a new one."""
    return await auth_service.change_password(
        services, user, data.current_password, data.new_password, device
    )


@router.get("")
async def find_users(
    user: CurrentUser,
    services: ServicesDep,
    q: Annotated[str, Query(min_length=1, max_length=64)],
) -> UserList:
    return UserList(users=await service.search(services, user.id, q))


@router.patch("/me/privacy")
async def update_privacy(data: PrivacyUpdate, user: CurrentUser, services: ServicesDep) -> Privacy:
    """Who sees your status and last seen, who may add you to groups (any subset). Synced to
    your devices with `privacy:updated`."""
    return await privacy.update(services, user.id, data)


# Before `/{user_id}`: "by-id" is no id.
@router.get("/by-id")
async def users_by_id(
    user: CurrentUser,
    services: ServicesDep,
    ids: Annotated[list[int], Query(min_length=1, max_length=100)],
) -> UserList:
    """These people (`?ids=1&ids=2`, at most 100; unknown ids are left out), as
    `GET /api/users/{id}` shows each: how a client names the senders and mentions of a
    group whose members it has not loaded."""
    if any(not 1 <= i <= MAX_ID for i in ids):
        raise Invalid("Not a user id.", field="ids")
    return UserList(users=await service.get_many_public(services, user.id, ids))


# Before `/{user_id}`: "blocked" is no id.
@router.get("/blocked")
async def blocked_users(user: CurrentUser, services: ServicesDep) -> UserList:
    """The people you blocked, the latest first."""
    return UserList(users=await privacy.blocked(services, user.id))


@router.get("/{user_id}")
async def get_user(user_id: PathId, user: CurrentUser, services: ServicesDep) -> UserPublic:
    """Status and last seen are null if their privacy settings hide them from you."""
    return await service.get_public(services, user.id, user_id)


@router.post("/{user_id}/block", status_code=status.HTTP_204_NO_CONTENT)
async def block_user(user_id: PathId, user: CurrentUser, services: ServicesDep) -> None:
    """They can no longer message or call you, add you to groups or see your status; they
    are not told."""
    await privacy.block(services, user.id, user_id)


@router.delete("/{user_id}/block", status_code=status.HTTP_204_NO_CONTENT)
async def unblock_user(user_id: PathId, user: CurrentUser, services: ServicesDep) -> None:
    await privacy.unblock(services, user.id, user_id)
