"""The shapes of `GET /api/search` (docs/protocol.md, "Search")."""

from __future__ import annotations

from shomik.chats.schemas import ChatInfo
from shomik.messages.schemas import Message
from shomik.schemas import Model
from shomik.users.schemas import UserPublic

# 256 characters: a sentence or two; longer is no search box query (issue 8).
MAX_QUERY = 256


class SnippetPart(Model):
    """A piece of a snippet: plain text (never HTML), `match` when it is a matched word."""

    text: str
    match: bool


class SearchResult(Model):
    message: Message
    chat_id: int
    # The text around the first match; joining the parts' texts gives that excerpt.
    snippet: list[SnippetPart]


class SearchPage(Model):
    """Matching messages, newest first. `chats` and `users` (matched by name) are filled on
    the first page of a search across all chats only, empty otherwise."""

    results: list[SearchResult]
    has_more: bool
    chats: list[ChatInfo]
    users: list[UserPublic]
