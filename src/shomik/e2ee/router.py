"""The MLS Delivery and Authentication Service over REST (docs/e2ee.md). Application
messages of secret chats are ordinary `message:send` commands carrying MLS ciphertext."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, status

from shomik.chats.invite_schemas import ChatWithInvites
from shomik.chats.schemas import ChatInfo
from shomik.deps import CurrentUser, ServicesDep
from shomik.e2ee import devices, groups, timer
from shomik.e2ee.schemas import (
    ClaimedKeyPackages,
    CommitAccepted,
    CommitIn,
    CommitPage,
    Device,
    DeviceRegister,
    KeyPackagesPublish,
    KeyPackagesStored,
    SecretChatCreate,
    SecretGroup,
    TimerIn,
    WelcomeEvent,
)
from shomik.schemas import PathId

router = APIRouter(prefix="/api/e2ee", tags=["e2ee"])


@router.post("/devices")
async def register_device(data: DeviceRegister, user: CurrentUser, services: ServicesDep) -> Device:
    """Register this session's MLS device (its Ed25519 signature public key). The same key
    again returns the device; a new key makes a new device and revokes the old one."""
    return await devices.register(services, user, data)


@router.get("/devices/current")
async def current_device(user: CurrentUser, services: ServicesDep) -> Device:
    """This session's device, with its count of unused key packages (404: none yet)."""
    return await devices.current(services, user)


@router.post("/key-packages", status_code=status.HTTP_201_CREATED)
async def publish_key_packages(
    data: KeyPackagesPublish, user: CurrentUser, services: ServicesDep
) -> KeyPackagesStored:
    """Publish key packages of this session's device (MLSMessage, base64), each carrying the
    device's identity and key and signed by it; at most 30 a request, 100 unused per device."""
    return await devices.publish(services, user, data)


@router.get("/key-packages/{user_id}")
async def claim_key_packages(
    user_id: PathId,
    chat_id: Annotated[int, Query(alias="chatId", ge=1, le=2**63 - 1)],
    user: CurrentUser,
    services: ServicesDep,
) -> ClaimedKeyPackages:
    """Take one key package of each of the user's signed-in devices that the secret chat's
    group lacks, to add them. You and they must be members of that secret chat. Each key
    package is handed out once; rate limited."""
    return await devices.claim(services, user, user_id, chat_id)


@router.post("/chats", status_code=status.HTTP_201_CREATED)
async def create_secret_chat(
    data: Annotated[SecretChatCreate, Body()], user: CurrentUser, services: ServicesDep
) -> ChatWithInvites:
    """A new secret chat with one person, or a secret group of up to 50 members (those
    whose privacy lets no one add them are invited). Never the ordinary chat of the same
    people. Its MLS group starts at epoch 0 with no device: the first commit founds it."""
    return await groups.create(services, user.id, data)


@router.get("/chats/{chat_id}")
async def secret_group(chat_id: PathId, user: CurrentUser, services: ServicesDep) -> SecretGroup:
    """The group's epoch and device directory: who is in the group, who should be."""
    return await groups.group(services, user.id, chat_id)


@router.post("/chats/{chat_id}/commits")
async def post_commit(
    chat_id: PathId, data: CommitIn, user: CurrentUser, services: ServicesDep
) -> CommitAccepted:
    """A commit made in the group's current epoch by this session's device: accepted (the
    group moves to the next epoch) or 409 `stale_epoch` with the current `epoch`."""
    return await groups.commit(services, user, chat_id, data)


@router.get("/chats/{chat_id}/commits")
async def list_commits(
    chat_id: PathId,
    user: CurrentUser,
    services: ServicesDep,
    since: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
) -> CommitPage:
    """Accepted commits made in epoch `since` and later, oldest first."""
    return await groups.commits(services, user.id, chat_id, since, limit)


@router.get("/chats/{chat_id}/welcome")
async def get_welcome(chat_id: PathId, user: CurrentUser, services: ServicesDep) -> WelcomeEvent:
    """The Welcome that added this session's device to the group (if it missed the event)."""
    return await groups.welcome(services, user, chat_id)


@router.put("/chats/{chat_id}/timer")
async def set_timer(
    chat_id: PathId, data: TimerIn, user: CurrentUser, services: ServicesDep
) -> ChatInfo:
    """Set the secret chat's self-destruct timer (any member; null turns it off): messages
    sent from now on get `expiresAt` and are deleted for everyone then. Writes a system
    message and `chat:updated`."""
    return await timer.set_timer(services, user.id, chat_id, data)
