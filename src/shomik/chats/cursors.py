"""The cursors of the chat list and of member pages. Opaque to clients (docs/protocol.md
says so); readable text here, so that a log line or a bug report shows where a page began.

The chat list's order is the one the client draws (web/src/stores/chatOrder.ts): pinned
chats first by `pinnedAt` (earlier first, then id), then the rest by last activity (newest
first, then the larger id). A cursor names the last chat of a page by its place in that
order: "0.<pinnedAt>.<id>" for a pinned chat, "1.<activity>.<id>" for another, times in
microseconds since 1970. The next page is the chats after it (listing.py says so in SQL).
A chat that moves meanwhile (a new message) may be seen twice or skipped by a client paging
through; the events that moved it tell that client anyway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shomik.errors import Invalid
from shomik.schemas import as_utc

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Times from year 1 to 9999 fit in 18 digits of microseconds.
_CHAT = re.compile(r"([01])\.(-?\d{1,18})\.(\d{1,19})")
_MEMBER = re.compile(r"([012])\.(\d{1,19})")


@dataclass(frozen=True)
class ChatPlace:
    """Where a chat is in the list: pinned (at `at`) or not (last active at `at`)."""

    pinned: bool
    at: datetime
    chat_id: int


def _micros(when: datetime) -> int:
    return (as_utc(when) - _EPOCH) // timedelta(microseconds=1)


def chat_cursor(chat_id: int, pinned_at: datetime | None, activity: datetime) -> str:
    if pinned_at is not None:
        return f"0.{_micros(pinned_at)}.{chat_id}"
    return f"1.{_micros(activity)}.{chat_id}"


def member_cursor(rank: int, user_id: int) -> str:
    return f"{rank}.{user_id}"


def parse_chat(cursor: str | None) -> ChatPlace | None:
    if cursor is None:
        return None
    found = _CHAT.fullmatch(cursor)
    if found is None:
        raise Invalid("Not a cursor of the chat list: pass a `nextCursor`.", field="cursor")
    group, micros, chat_id = (int(part) for part in found.groups())
    try:
        at = _EPOCH + timedelta(microseconds=micros)
    except OverflowError:
        at = None  # outside years 1-9999: no time of ours
    if at is None:
        raise Invalid("Not a cursor of the chat list: pass a `nextCursor`.", field="cursor")
    return ChatPlace(pinned=group == 0, at=at, chat_id=chat_id)


def parse_member(cursor: str | None) -> tuple[int, int] | None:
    if cursor is None:
        return None
    found = _MEMBER.fullmatch(cursor)
    if found is None:
        raise Invalid("Not a cursor of the member list: pass a `nextCursor`.", field="after")
    rank, user_id = (int(part) for part in found.groups())
    return (rank, user_id)
