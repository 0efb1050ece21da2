from __future__ import annotations

from typing import Literal

from shomik.schemas import Id, Model, UtcDatetime
from shomik.users.schemas import Status


class TypingCommand(Model):
    chat_id: Id


class PresenceCommand(Model):
    status: Literal["online", "away"]


class TypingUpdate(Model):
    chat_id: int
    user_id: int
    is_typing: bool


class UserStatus(Model):
    user_id: int
    # Both null: you may no longer see them ("last seen recently"; privacy/visibility.py).
    status: Status | None
    last_seen: UtcDatetime | None
