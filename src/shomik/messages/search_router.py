from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from shomik.deps import CurrentUser, ServicesDep
from shomik.messages import search_service
from shomik.messages.search_schemas import SearchPage
from shomik.schemas import MAX_ID

router = APIRouter(tags=["messages"])


@router.get("/api/search")
async def search(
    user: CurrentUser,
    services: ServicesDep,
    # Length and blankness are checked by the service, to answer with a clear message.
    q: Annotated[str, Query(description="Words to find (1-256 characters)")],
    chat_id: Annotated[
        int | None, Query(alias="chatId", ge=1, le=MAX_ID, description="Only this chat")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Message id below this (the last one)")
    ] = None,
) -> SearchPage:
    """Messages holding every word of `q` (case-insensitive word prefixes, Russian and
    English alike), newest first, in the user's chats or in one of them. Page on with
    `before` = the `id` of the last result's message. The first page of a search across all
    chats also lists the user's chats and people matching `q` by name."""
    return await search_service.search(services, user.id, q, chat_id, limit, before)
