"""The stored image of a message's link preview: for the chat's members, like other files."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from shomik.deps import CurrentUser, ServicesDep
from shomik.previews import service
from shomik.schemas import PathId
from shomik.uploads.router import SAFE_HEADERS

router = APIRouter(tags=["messages"])


@router.get("/api/messages/{message_id}/link-preview/image", response_class=FileResponse)
async def preview_image(
    message_id: PathId, user: CurrentUser, services: ServicesDep
) -> FileResponse:
    """The link preview's image: the server's re-encoded copy, never the site's URL."""
    path, mime = await service.image_file(services, user.id, message_id)
    return FileResponse(
        path, media_type=mime, content_disposition_type="inline", headers=SAFE_HEADERS
    )
