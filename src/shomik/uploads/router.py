from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import FileResponse, JSONResponse

from shomik.deps import CurrentUser, ServicesDep
from shomik.errors import NotFound, RateLimited, ShomikError
from shomik.uploads import service
from shomik.uploads.inspect import IMAGE_TYPES
from shomik.uploads.schemas import UploadOut
from shomik.uploads.stream import Refused, drain, receive_file

router = APIRouter(tags=["uploads"])

# User files never run as a page: no sniffing, and a sandbox even if opened directly.
SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
    # Content under an id never changes; only the signed-in browser may keep it.
    "Cache-Control": "private, max-age=31536000, immutable",
}

UPLOAD_BODY = {
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "durationMs": {
                        "type": "integer",
                        "description": "Audio/video length, 1 to 600000 for audio",
                    },
                    "waveform": {
                        "type": "string",
                        "description": "Audio: a JSON list of 1-100 integers 0-255",
                    },
                    "poster": {
                        "type": "string",
                        "format": "binary",
                        "description": "Video: a poster frame image (up to 512 KB)",
                    },
                },
            }
        }
    },
    "required": True,
}


def _refusal(exc: ShomikError, reusable: bool) -> JSONResponse:
    headers = {} if reusable else {"Connection": "close"}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    return JSONResponse({"error": exc.body()}, status_code=exc.status, headers=headers)


@router.post(
    "/api/upload",
    status_code=status.HTTP_201_CREATED,
    response_model=UploadOut,
    openapi_extra={"requestBody": UPLOAD_BODY},
    responses={
        413: {"description": "Over the size limit"},
        415: {"description": "Not allowed"},
        422: {"description": "Malformed body, or an image that cannot be decoded"},
        429: {"description": "Too many uploads"},
        503: {"description": "Busy decoding images (code `busy`): send again after Retry-After"},
    },
)
async def upload(
    request: Request, user: CurrentUser, services: ServicesDep
) -> UploadOut | JSONResponse:
    """Upload one file (multipart field `file`): PNG, JPEG, GIF, WebP, Ogg/WebM audio, MP4/WebM
    video, PDF, DOC, DOCX or plain text, up to 10 MB. Images are re-encoded without metadata
    and get a thumbnail; a video's `poster` image becomes its thumbnail; audio with a
    `durationMs` (and a `waveform`) is a voice message."""
    settings = services.settings
    try:
        await services.limiter.hit("upload", str(user.id))
    except RateLimited as exc:
        return _refusal(exc, await drain(request.stream()))
    try:
        received = await receive_file(request, settings.uploads_dir, settings.max_upload_bytes)
    except Refused as refused:
        return _refusal(refused.error, refused.reusable)
    return await service.store(services, user.id, received)


@router.get("/api/files/{file_id}", response_class=FileResponse)
async def download(file_id: str, user: CurrentUser, services: ServicesDep) -> FileResponse:
    row = await service.readable(services, user.id, file_id)
    inline = row.mime in IMAGE_TYPES
    return FileResponse(
        services.settings.uploads_dir / row.storage_name,
        media_type=row.mime,
        filename=row.name,
        content_disposition_type="inline" if inline else "attachment",
        headers=SAFE_HEADERS,
    )


@router.get("/api/avatars/{file_id}", response_class=FileResponse)
async def public_avatar(file_id: str, services: ServicesDep) -> FileResponse:
    """An avatar's thumbnail without a token, while it is someone's avatar (for the
    notifications the service worker shows); anything else is the 404 of a missing file."""
    row = await service.avatar(services, file_id)
    path = (
        service.thumbnail_path(services, row.storage_name)
        if row.has_thumbnail
        else services.settings.uploads_dir / row.storage_name
    )
    return FileResponse(
        path,
        media_type="image/webp" if row.has_thumbnail else row.mime,
        content_disposition_type="inline",
        headers=SAFE_HEADERS,
    )


@router.get("/api/files/{file_id}/thumbnail", response_class=FileResponse)
async def thumbnail(file_id: str, user: CurrentUser, services: ServicesDep) -> FileResponse:
    row = await service.readable(services, user.id, file_id)
    if not row.has_thumbnail:
        raise NotFound("This file has no thumbnail.")
    return FileResponse(
        service.thumbnail_path(services, row.storage_name),
        media_type="image/webp",
        content_disposition_type="inline",
        headers=SAFE_HEADERS,
    )
