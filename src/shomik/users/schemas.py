from __future__ import annotations

from typing import Literal

from pydantic import Field

from shomik.privacy.schemas import Privacy
from shomik.schemas import Model, UtcDatetime

Status = Literal["online", "offline", "away"]
Theme = Literal["dark", "light", "system"]
# The interface language; null follows the browser's languages.
Language = Literal["en", "ru"]


class Params(Model):
    theme: Theme = "dark"
    message_text_size: int = Field(16, ge=12, le=24)
    language: Language | None = None
    # False: notifications say "New message", without the sender or the text.
    push_preview: bool = True


class ParamsUpdate(Model):
    theme: Theme | None = None
    # Strict, as the schema says: 16.0, "16" or `true` are refused, not coerced.
    message_text_size: int | None = Field(None, ge=12, le=24, strict=True)
    # Unlike the others, an explicit null is a value here: "follow the browser again".
    language: Language | None = None
    push_preview: bool | None = Field(None, strict=True)


class UserProfile(Model):
    """Who someone is, without their presence: the payload of `user:updated`, which goes to
    every chat of theirs alike and so cannot carry what only some of them may see."""

    id: int
    username: str
    display_name: str
    avatar_url: str | None
    # An operator deactivated the account (`shomik admin deactivate`): it cannot sign in,
    # and it shows as deactivated instead of a "last seen" (offline, no time).
    deactivated: bool


class UserPublic(UserProfile):
    # Both null where the viewer may not see them (the user's privacy settings, or a block):
    # "last seen recently".
    status: Status | None
    last_seen: UtcDatetime | None


class UserMe(UserPublic):
    params: Params
    privacy: Privacy
    # Two-step verification is on: signing in takes a code after the password.
    two_factor: bool


class UserUpdate(Model):
    display_name: str | None = Field(None, min_length=1, max_length=64)
    params: ParamsUpdate | None = None
    # An image uploaded by this user; null removes the avatar.
    avatar_id: str | None = Field(None, max_length=32)


class PasswordChange(Model):
    current_password: str = Field(max_length=256)
    new_password: str = Field(max_length=256)


class UserList(Model):
    users: list[UserPublic]
