from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from shomik.auth.twofactor.schemas import OneTimeCode
from shomik.schemas import Model, UtcDatetime
from shomik.users.schemas import UserMe

USERNAME_PATTERN = r"^[A-Za-z0-9_.]{3,32}$"


class RegisterRequest(Model):
    username: str = Field(
        max_length=64,
        description="3-32 Latin letters, digits, _ or . (no spaces)",
        json_schema_extra={"pattern": USERNAME_PATTERN},
    )
    password: str = Field(max_length=256)
    display_name: str | None = Field(None, min_length=1, max_length=64)

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        # Said in words: "Alice Smith" is a display name, and the user must learn why not.
        if not re.fullmatch(USERNAME_PATTERN, value):
            raise PydanticCustomError(
                "username",
                "Use 3-32 Latin letters, digits, _ or . (no spaces); "
                "your full name goes in Display name.",
            )
        return value


class LoginRequest(Model):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)
    # Asked for (401 `totp_required`) when the account has two-step verification on.
    code: OneTimeCode | None = None


class TokenResponse(BaseModel):
    # snake_case on purpose: the OAuth2 bearer-token response shape.
    model_config = ConfigDict(extra="forbid")
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105  # a scheme name, not a secret
    user: UserMe


class SessionOut(Model):
    """One signed-in device, as Settings → Active sessions lists it."""

    id: str
    device: str
    ip: str
    created_at: UtcDatetime
    last_active_at: UtcDatetime
    # The session the request came through.
    current: bool
