"""The e2ee API's bodies and events. MLS bytes travel as standard base64 (with padding) of
MLSMessage structures (RFC 9420 §6): KeyPackage, PublicMessage or PrivateMessage (a
commit), Welcome."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from shomik.schemas import Id, Model, UtcDatetime

# The most members a secret group may have (people, not devices): MLS handles far more, but
# each commit's cost grows with the devices (a 150-device group's commit took 2 s in Node,
# docs/e2ee.md), and small groups are what secret chats are for.
MAX_SECRET_GROUP_MEMBERS = 50
# Unused key packages one device may keep on the server.
MAX_KEY_PACKAGES_PER_DEVICE = 100
# A key package is 341 bytes with ts-mls's defaults (456 in base64); 2,048 characters leave
# room for extensions. A batch of 30 such fits the 64 KiB body limit (middleware.py).
MAX_KEY_PACKAGE_B64 = 2048
MAX_KEY_PACKAGES_PER_REQUEST = 30
# A commit or a Welcome for 150 devices is ~50 KB (68 KB in base64): 200 KiB each is three
# times that, and both together stay under the commit route's 512 KiB body limit.
MAX_HANDSHAKE_B64 = 200 * 1024
# A device id: secrets.token_urlsafe(16).
DeviceId = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]


class DeviceRegister(Model):
    # The device's Ed25519 signature public key (32 bytes, base64): its MLS identity key.
    signature_key: str = Field(min_length=44, max_length=44)


class Device(Model):
    """This session's MLS device."""

    device_id: str
    user_id: int
    # The basic credential's identity every key package of this device must carry:
    # "<userId>:<deviceId>" in UTF-8.
    identity: str
    signature_key: str
    created_at: UtcDatetime
    # Unused key packages on the server: publish more when this runs low.
    key_packages: int


class KeyPackagesPublish(Model):
    key_packages: list[Annotated[str, Field(max_length=MAX_KEY_PACKAGE_B64)]] = Field(
        min_length=1, max_length=MAX_KEY_PACKAGES_PER_REQUEST
    )


class KeyPackagesStored(Model):
    stored: int
    # The device's unused key packages now, these included.
    key_packages: int


class ClaimedKeyPackage(Model):
    device_id: str
    key_package: str


class ClaimedKeyPackages(Model):
    """One key package of each of the user's devices that the chat's group lacks, each
    handed out once (deleted as it is returned)."""

    user_id: int
    key_packages: list[ClaimedKeyPackage]
    # Devices the group lacks that have no key package left: they publish more when they
    # are next online, and are added then.
    exhausted_device_ids: list[str]


class SecretPrivateCreate(Model):
    type: Literal["private"]
    user_id: Id


class SecretGroupCreate(Model):
    type: Literal["group"]
    name: str = Field(min_length=1, max_length=128)
    participant_ids: list[Id] = Field(default_factory=list, max_length=MAX_SECRET_GROUP_MEMBERS - 1)


SecretChatCreate = Annotated[SecretPrivateCreate | SecretGroupCreate, Field(discriminator="type")]


class GroupDevice(Model):
    """A device that is in the chat's MLS group, or should be."""

    device_id: str
    user_id: int
    identity: str
    signature_key: str
    # In the group by the accepted commits (since `addedEpoch`, the first epoch it reads).
    in_group: bool
    added_epoch: int | None
    # Its session is signed in and its user a member: it belongs in the group. In the group
    # and not live: the next commit removes it. Live and not in the group: the next commit
    # adds it (with a claimed key package).
    live: bool
    revoked_at: UtcDatetime | None


class SecretGroup(Model):
    """A secret chat's group as the Delivery Service knows it, and the device directory
    its members' Authentication Service checks credentials against."""

    chat_id: int
    # The epoch the next commit must be made in.
    epoch: int
    devices: list[GroupDevice]


class CommitIn(Model):
    # The epoch the commit was made in: accepted only if it is the group's current one.
    epoch: int = Field(ge=0, le=2**62)
    commit: str = Field(min_length=4, max_length=MAX_HANDSHAKE_B64)
    # With any added devices: the Welcome the commit produced, for them.
    welcome: str | None = Field(None, max_length=MAX_HANDSHAKE_B64)
    added_device_ids: list[DeviceId] = Field(default_factory=list, max_length=500)
    removed_device_ids: list[DeviceId] = Field(default_factory=list, max_length=500)


class CommitAccepted(Model):
    chat_id: int
    # The group's epoch now (the commit's + 1).
    epoch: int


class CommitEvent(Model):
    """`e2ee:commit`: a commit the Delivery Service accepted, for every member device at
    `epoch` to apply (the committer has applied it; devices it added join by the Welcome)."""

    chat_id: int
    epoch: int
    commit: str
    user_id: int
    device_id: str
    added_device_ids: list[str]
    removed_device_ids: list[str]
    created_at: UtcDatetime


class CommitPage(Model):
    commits: list[CommitEvent]


class WelcomeEvent(Model):
    """`e2ee:welcome`, to a user some of whose devices a commit added: those devices (only)
    join the group with it, at `epoch`."""

    chat_id: int
    epoch: int
    device_ids: list[str]
    welcome: str


# A secret chat's self-destruct timers, as Telegram's secret chats offer them: 5 s to a week.
SelfDestructSeconds = Literal[5, 10, 30, 60, 300, 3600, 86400, 604800]


class TimerIn(Model):
    # Messages sent from now on are deleted for everyone this long after sending; null: off.
    # Required: `{}` is no answer.
    seconds: SelfDestructSeconds | None


class DeviceAdded(Model):
    """`e2ee:device_added`: a member registered a new device (a new sign-in, or a browser
    that made a new key); the chat's group lacks it until a member's device commits its add."""

    chat_id: int
    user_id: int
    device_id: str


class DevicesRevoked(Model):
    """`e2ee:devices_revoked`: sessions ended; their devices are still in this chat's
    group until a commit removes them."""

    chat_id: int
    user_id: int
    device_ids: list[str]
