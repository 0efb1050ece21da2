"""The base of every public model: camelCase on the wire, unknown fields refused."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Path
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
)
from pydantic.alias_generators import to_camel


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _iso(value: datetime) -> str:
    return as_utc(value).isoformat().replace("+00:00", "Z")


# Ids are 64-bit signed in the database: a larger number must be refused as input (422),
# not reach the driver, which cannot bind it (500). Strict: `true` or "5" is no id.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
# A session's id: 22 URL-safe characters (secrets.token_urlsafe(16)).
SessionId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]

UtcDatetime = Annotated[datetime, PlainSerializer(_iso, return_type=str)]


def _not_a_number(value: Any) -> Any:
    if isinstance(value, int | float):
        raise ValueError("must be a date and time in ISO 8601, such as 2030-01-31T12:00:00Z")
    return value


# A date and time a client sends: the ISO 8601 text the schema says, never a number (which
# pydantic would read as seconds since 1970: `0` would mute a chat until 1970).
InputDatetime = Annotated[datetime, BeforeValidator(_not_a_number)]


class Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=False,
        # What the server sends always carries every field, defaults included: the
        # generated client types say so (`type: 'ready'`, not `type?: 'ready'`).
        json_schema_serialization_defaults_required=True,
    )

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # U+0000 ends strings in C and PostgreSQL refuses it in text (a 500 there): no text
        # a client sends may hold it, on either database.
        if _has_nul(value):
            raise ValueError("must not contain NUL (U+0000) characters")
        return value


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple | set | frozenset):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    return False


def utcnow() -> datetime:
    return datetime.now(UTC)
