from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from shomik.auth import service as auth_service
from shomik.auth.schemas import TokenResponse
from shomik.deps import CurrentUser, ServicesDep
from shomik.schemas import PathId
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
    data: PasswordChange, user: CurrentUser, services: ServicesDep
) -> TokenResponse:
    """Change the password; every older token stops working, open sockets included."""
    return await auth_service.change_password(
        services, user.id, data.current_password, data.new_password
    )


@router.get("")
async def find_users(
    user: CurrentUser,
    services: ServicesDep,
    q: Annotated[str, Query(min_length=1, max_length=64)],
) -> UserList:
    return UserList(users=await service.search(services, user.id, q))


@router.get("/{user_id}")
async def get_user(user_id: PathId, user: CurrentUser, services: ServicesDep) -> UserPublic:
    return await service.get_public(services, user_id)
