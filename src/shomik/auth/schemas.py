from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shomik.schemas import Model
from shomik.users.schemas import UserMe

USERNAME_PATTERN = r"^[A-Za-z0-9_.]{3,32}$"


class RegisterRequest(Model):
    username: str = Field(pattern=USERNAME_PATTERN, description="3-32 letters, digits, _ or .")
    password: str = Field(max_length=256)
    display_name: str | None = Field(None, min_length=1, max_length=64)


class LoginRequest(Model):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


class TokenResponse(BaseModel):
    # snake_case on purpose: the OAuth2 bearer-token response shape.
    model_config = ConfigDict(extra="forbid")
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105  # a scheme name, not a secret
    user: UserMe
