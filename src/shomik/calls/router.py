"""REST of calls: the ICE servers to configure RTCPeerConnection with, and live calls."""

from __future__ import annotations

from fastapi import APIRouter

from shomik.calls import front, turn
from shomik.calls.schemas import CallList, IceServers
from shomik.deps import CurrentUser, ServicesDep

router = APIRouter(prefix="/api/calls", tags=["calls"])


@router.get("/ice-servers")
async def ice_servers(user: CurrentUser, services: ServicesDep) -> IceServers:
    """STUN and TURN servers for a call; the TURN credentials expire after `ttl` seconds,
    so fetch them right before each call."""
    await services.limiter.hit("ice_servers", str(user.id))
    return turn.ice_servers(services.settings, user.id)


@router.get("")
async def live_calls(user: CurrentUser, services: ServicesDep) -> CallList:
    """Calls going on now in your chats: to show "join", or to rejoin after a reload."""
    return CallList(calls=await front.live_calls(services, user.id))
