from __future__ import annotations

from fastapi import APIRouter, status

from shomik.auth import service, sessions
from shomik.auth.schemas import LoginRequest, RegisterRequest, SessionOut, TokenResponse
from shomik.deps import ClientDevice, ClientIp, CurrentUser, ServicesDep
from shomik.schemas import SessionId

router = APIRouter(prefix="/api/auth", tags=["auth"])
sessions_router = APIRouter(prefix="/api/sessions", tags=["auth"])


@router.post("/register", status_code=status.HTTP_201_CREATED)
async def register(
    data: RegisterRequest, services: ServicesDep, ip: ClientIp, device: ClientDevice
) -> TokenResponse:
    await services.limiter.hit("register", ip)
    return await service.register(services, data, device)


@router.post("/login")
async def login(
    data: LoginRequest, services: ServicesDep, ip: ClientIp, device: ClientDevice
) -> TokenResponse:
    await services.limiter.hit("login", ip)
    await services.limiter.hit(
        "login_account",
        data.username.lower(),
        "Too many sign-in attempts for this account. Wait a while, then try again.",
    )
    return await service.login(services, data, device)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(user: CurrentUser, services: ServicesDep) -> None:
    """End this session: its token stops working and its sockets close (4401)."""
    await sessions.end(services, user.id, [user.session_id])


@router.post("/logout-all")
async def logout_all(
    user: CurrentUser, services: ServicesDep, device: ClientDevice
) -> TokenResponse:
    """End every session of this user (open sockets close with 4401); returns a token of a
    new session for this device."""
    return await service.logout_all(services, user.id, device)


@sessions_router.get("")
async def list_sessions(user: CurrentUser, services: ServicesDep) -> list[SessionOut]:
    """This user's signed-in devices, the most recently active first."""
    return await sessions.listing(services, user.id, user.session_id)


@sessions_router.delete("", status_code=status.HTTP_204_NO_CONTENT)
async def end_other_sessions(user: CurrentUser, services: ServicesDep) -> None:
    """ "Terminate all other sessions": every session but this one ends."""
    await sessions.end_others(services, user.id, keep=user.session_id)


@sessions_router.delete("/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
async def end_session(session_id: SessionId, user: CurrentUser, services: ServicesDep) -> None:
    """End one of this user's sessions (this one too: that is logging out); 404 if no such
    session of theirs."""
    await sessions.end_one(services, user.id, session_id)
