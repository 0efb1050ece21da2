"""What a file really is (magic bytes, never the name or the declared type), and the
re-encoding that strips metadata from images and makes their thumbnails."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import filetype
from PIL import Image, ImageOps, UnidentifiedImageError

from shomik.errors import Invalid, UnsupportedType

IMAGE_TYPES = {
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
}
DOCUMENT_TYPES = {
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "text/plain",
}
ALLOWED = set(IMAGE_TYPES) | DOCUMENT_TYPES
# Declared types that say nothing, so they cannot contradict the content.
VAGUE_DECLARATIONS = {"", "application/octet-stream", "binary/octet-stream"}
MAX_PIXELS = 40_000_000  # a 40 MP image decodes to ~160 MB: the ceiling we accept
THUMBNAIL_BOX = (320, 320)


def detect(path: Path) -> str:
    kind = filetype.guess(str(path))
    if kind is not None:
        return "image/png" if kind.mime == "image/apng" else str(kind.mime)
    head = path.read_bytes()[:65536]
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
            return "text/plain"
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the 64 KB boundary is still text.
            if exc.start < len(head) - 4:
                return "application/octet-stream"
            return "text/plain"
    return "application/octet-stream"


def check_type(path: Path, declared: str) -> str:
    mime = detect(path)
    if mime not in ALLOWED:
        raise UnsupportedType(
            "Only PNG, JPEG, GIF and WebP images, PDF, DOC, DOCX and plain text are accepted."
        )
    declared = declared.split(";")[0].strip()
    compatible = declared == mime or (mime == "text/plain" and declared.startswith("text/"))
    if declared not in VAGUE_DECLARATIONS and not compatible:
        raise UnsupportedType(f"The content is {mime}, not the declared {declared}.")
    return mime


@dataclass(frozen=True)
class ImageInfo:
    width: int
    height: int
    size: int
    has_thumbnail: bool


def reencode_image(path: Path, mime: str, thumbnail_path: Path) -> ImageInfo:
    """Decode and re-encode in place: EXIF (GPS!), comments and anything appended after the
    image data are dropped; orientation is applied to the pixels first."""
    fmt = IMAGE_TYPES[mime]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                if img.width * img.height > MAX_PIXELS:
                    raise Invalid("The image has too many pixels.")
                animated = getattr(img, "n_frames", 1) > 1
                if animated:
                    frames = _frames(img)
                    duration = img.info.get("duration", 100)
                    loop = img.info.get("loop", 0)
                    first = frames[0]
                    first.save(
                        path,
                        format=fmt,
                        save_all=True,
                        append_images=frames[1:],
                        duration=duration,
                        loop=loop,
                    )
                    still = first.convert("RGBA")
                else:
                    still = ImageOps.exif_transpose(img)
                    _save_still(still, path, fmt)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise Invalid("The image could not be decoded.") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Invalid("The image has too many pixels.") from exc
    width, height = still.size
    thumb = still.copy()
    thumb.thumbnail(THUMBNAIL_BOX)
    if thumb.mode not in ("RGB", "RGBA"):
        thumb = thumb.convert("RGBA")
    thumb.save(thumbnail_path, format="WEBP", quality=80)
    return ImageInfo(width, height, path.stat().st_size, True)


def _frames(img: Image.Image) -> list[Image.Image]:
    frames = []
    for index in range(getattr(img, "n_frames", 1)):
        img.seek(index)
        frames.append(img.copy())
    return frames


def _save_still(img: Image.Image, path: Path, fmt: str) -> None:
    if fmt == "JPEG":
        if img.mode not in ("RGB", "L"):
            img = img.convert("RGB")
        img.save(path, format="JPEG", quality=90, optimize=True)
    elif fmt == "WEBP":
        img.save(path, format="WEBP", quality=90)
    else:
        img.save(path, format=fmt)
