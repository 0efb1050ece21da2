from __future__ import annotations

from fastapi import APIRouter, status

from shomik.auth import service
from shomik.auth.schemas import LoginRequest, RegisterRequest, TokenResponse
from shomik.deps import ClientIp, CurrentUser, ServicesDep

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post("/register", status_code=status.HTTP_201_CREATED)
async def register(data: RegisterRequest, services: ServicesDep, ip: ClientIp) -> TokenResponse:
    services.limiter.hit("register", ip)
    return await service.register(services, data)


@router.post("/login")
async def login(data: LoginRequest, services: ServicesDep, ip: ClientIp) -> TokenResponse:
    services.limiter.hit("login", ip)
    services.limiter.hit(
        "login_account",
        data.username.lower(),
        "Too many sign-in attempts for this account. Wait a while, then try again.",
    )
    return await service.login(services, data)


@router.post("/logout-all")
async def logout_all(user: CurrentUser, services: ServicesDep) -> TokenResponse:
    """Revoke every token of this user (open sockets close with 4401); returns a fresh one
    for this device."""
    return await service.revoke_all(services, user.id)
