from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from shomik.deps import CurrentUser, ServicesDep
from shomik.errors import Invalid
from shomik.messages import search_service, service
from shomik.messages.schemas import Message, MessagePage, MessageSend, SharedKind, SharedPage
from shomik.schemas import MAX_ID, PathId

router = APIRouter(tags=["messages"])


@router.get("/api/chats/{chat_id}/messages")
async def history(
    chat_id: PathId,
    user: CurrentUser,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Seq below this")] = None,
    after: Annotated[int | None, Query(ge=0, le=MAX_ID, description="Seq above this")] = None,
    around: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Seq of a message to center on")
    ] = None,
) -> MessagePage:
    """A page of history, ascending by seq: the newest by default, older with `before`,
    newer with `after`; with `around`, the page holding that message (about half older,
    half newer), `hasMore` telling of older messages and `hasNewer` of newer ones."""
    if around is not None:
        if before is not None or after is not None:
            raise Invalid("Use around without before or after.", field="around")
        found, has_older, has_newer = await search_service.around(
            services, user.id, chat_id, around, limit
        )
        return MessagePage(messages=found, has_more=has_older, has_newer=has_newer)
    messages, has_more = await service.history(services, user.id, chat_id, limit, before, after)
    return MessagePage(messages=messages, has_more=has_more)


@router.get("/api/chats/{chat_id}/shared")
async def shared(
    chat_id: PathId,
    user: CurrentUser,
    services: ServicesDep,
    kind: SharedKind,
    limit: Annotated[int, Query(ge=1, le=100)] = 30,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Seq below this")] = None,
) -> SharedPage:
    """The chat's shared media (photos), files or links, newest first: what the info panel
    lists. Older pages with `before` = the seq of the last item."""
    items, has_more = await service.shared(services, user.id, chat_id, kind, limit, before)
    return SharedPage(items=items, has_more=has_more)


@router.post(
    "/api/messages",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": Message, "description": "A retry: the original message."}},
)
async def send(
    data: MessageSend, user: CurrentUser, services: ServicesDep, response: Response
) -> Message:
    started = time.perf_counter()
    message, created = await service.send(services, user.id, data)
    services.metrics.sent("rest", time.perf_counter() - started)
    if not created:
        response.status_code = status.HTTP_200_OK
    return message
