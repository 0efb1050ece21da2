"""What a file really is (magic bytes, never the name or the declared type), and the
re-encoding that strips metadata from images and makes their thumbnails."""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import filetype
from PIL import Image, ImageOps

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
# Voice messages as browsers record them (Opus in Ogg or WebM), and videos that play inline.
AUDIO_TYPES = {"audio/ogg", "audio/webm"}
VIDEO_TYPES = {"video/mp4", "video/webm"}
ALLOWED = set(IMAGE_TYPES) | DOCUMENT_TYPES | AUDIO_TYPES | VIDEO_TYPES
# Declared types that say nothing, so they cannot contradict the content.
VAGUE_DECLARATIONS = {"", "application/octet-stream", "binary/octet-stream"}
# Names some clients still use for an allowed type.
ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
    "application/x-pdf": "application/pdf",
    "audio/opus": "audio/ogg",
}
# Text a browser would run or render as a page: never "plain text", whatever the content.
ACTIVE_TEXT = {"text/html", "text/xml", "text/javascript", "text/ecmascript", "text/xsl"}
# The WHATWG sniffing patterns for HTML and XML (case-insensitive, after leading blanks).
MARKUP = re.compile(
    rb"\A(?:\xef\xbb\xbf)?[\t\n\x0c\r ]*(?:<\?xml|<!--|<svg|<(?:!doctype html|html|head|script"
    rb"|iframe|h1|div|font|table|a|style|title|b|body|br|p)[ >])",
    re.IGNORECASE,
)
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
WORD_STREAM = "WordDocument".encode("utf-16-le")  # the directory entry of a Word 97 file
MAX_PIXELS = 40_000_000  # a 40 MP image decodes to ~160 MB: the ceiling we accept
# Every frame of an animation is decoded whole and kept until it is written again.
MAX_ANIMATION_PIXELS = 50_000_000  # frames x canvas
MAX_FRAMES = 1000
THUMBNAIL_BOX = (320, 320)
CHUNK = 1 << 20
# Image info that is not metadata: needed to draw the pixels as they were.
KEEP_INFO = ("transparency", "background", "icc_profile")


def _is_utf8_text(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            if b"\x00" in chunk:
                return False
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _is_word97(path: Path) -> bool:
    """filetype knows a .doc only by the Word header in the first sector; any OLE2 file
    holding a WordDocument stream is one (XLS, PPT and MSI share the container, not this)."""
    with path.open("rb") as f:
        if f.read(len(OLE2_MAGIC)) != OLE2_MAGIC:
            return False
        return WORD_STREAM in f.read()


def detect(path: Path) -> str:
    kind = filetype.guess(str(path))
    guess = None if kind is None else "image/png" if kind.mime == "image/apng" else str(kind.mime)
    if guess in ALLOWED:
        return guess
    if _is_word97(path):
        return "application/msword"
    # Two-byte signatures match text too ("BMI: 22" is a BMP, "MZ..." an EXE, "ID3..." an
    # MP3 for filetype): what decodes as text in full is text.
    if _is_utf8_text(path):
        with path.open("rb") as f:
            head = f.read(1024)
        if MARKUP.match(head):
            return "text/xml" if re.search(rb"<\?xml|<svg", head, re.IGNORECASE) else "text/html"
        return "text/plain"
    return guess or "application/octet-stream"


def check_type(path: Path, declared: str) -> str:
    if path.stat().st_size == 0:
        raise Invalid("The file is empty.")
    mime = detect(path)
    if mime not in ALLOWED:
        raise UnsupportedType(
            "Only PNG, JPEG, GIF and WebP images, Ogg and WebM audio, MP4 and WebM video,"
            " PDF, DOC, DOCX and plain text are accepted."
        )
    declared = declared.split(";")[0].strip().lower()
    declared = ALIASES.get(declared, declared)
    if mime == "video/webm" and declared == "audio/webm":
        # One container for both: the bytes say WebM, the client says which (a recorder
        # declares audio/webm for a voice message; a .webm file from disk is video/webm).
        return "audio/webm"
    plain = mime == "text/plain" and declared.startswith("text/") and declared not in ACTIVE_TEXT
    if declared not in VAGUE_DECLARATIONS and declared != mime and not plain:
        raise UnsupportedType(f"The content is {mime}, not the declared {declared}.")
    return mime


@dataclass(frozen=True)
class ImageInfo:
    width: int
    height: int
    size: int
    has_thumbnail: bool


# Bytes a pixel takes once Pillow has decoded it, by mode (what is not listed takes 4).
MODE_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "LA": 4, "PA": 4}
# Modes whose thumbnail is made from the image as it is; any other is converted whole first.
THUMB_IN_PLACE = ("RGB", "L")
EXIF_ORIENTATION = 0x0112


def _check_size(img: Image.Image) -> int:
    if img.width * img.height > MAX_PIXELS:
        raise Invalid("The image has too many pixels.")
    n_frames = int(getattr(img, "n_frames", 1))
    too_long = n_frames > MAX_FRAMES
    if too_long or n_frames * img.width * img.height > MAX_ANIMATION_PIXELS:
        raise Invalid("The animation has too many frames for its size.")
    return n_frames


def _orientation(img: Image.Image) -> int:
    """From the header only: a PNG's getexif() decodes the whole image to look for an eXIf
    chunk after the pixels (one found only there costs a brief second copy)."""
    if img.format != "PNG":
        return int(img.getexif().get(EXIF_ORIENTATION, 1))
    raw = img.info.get("exif")
    if not isinstance(raw, bytes):
        return 1
    exif = Image.Exif()
    exif.load(raw)
    return int(exif.get(EXIF_ORIENTATION, 1))


def decode_cost(path: Path, mime: str) -> int:
    """The memory `reencode_image` will need, from the header alone (nothing is decoded):
    what decoding waits for in uploads/decodes.py. Too many pixels is refused here."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=[IMAGE_TYPES[mime]]) as img:
                n_frames = _check_size(img)
                pixels = img.width * img.height
                if n_frames > 1:  # every frame is kept (RGB(A) after the first), plus the thumbnail
                    return (n_frames + 2) * pixels * 4
                cost = pixels * MODE_BYTES.get(img.mode, 4)
                if _orientation(img) != 1:
                    cost *= 2  # turning the pixels makes a copy
                if img.mode not in THUMB_IN_PLACE:
                    cost += pixels * 4  # the converted copy the thumbnail is made from
                return cost
    except Invalid:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Invalid("The image has too many pixels.") from exc
    except Exception as exc:
        raise Invalid("The image could not be decoded.") from exc


def reencode_image(path: Path, mime: str, thumbnail_path: Path) -> ImageInfo:
    """Decode and re-encode in place: EXIF (GPS!), XMP, comments and anything appended after
    the image data are dropped; orientation is applied to the pixels first. Run it through
    the DecodeGate with `decode_cost`: one copy of the pixels is held at a time where
    possible (turned in place, the thumbnail shrunk from the image itself)."""
    fmt = IMAGE_TYPES[mime]
    out = path.with_name(path.name + ".out")
    still: Image.Image | None = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=[fmt]) as img:
                n_frames = _check_size(img)
                if n_frames > 1:
                    still = _save_animation(img, out, fmt)
                else:
                    img.load()
                    turned = ImageOps.exif_transpose(img, in_place=True)
                    still = _bare(img if turned is None else turned)
                    _save_still(still, out, fmt)
                width, height = still.size
                _save_thumbnail(still, thumbnail_path)
        os.replace(out, path)
    except Invalid:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Invalid("The image has too many pixels.") from exc
    except Exception as exc:  # whatever a hostile file makes a decoder raise is the file's fault
        raise Invalid("The image could not be decoded.") from exc
    finally:
        if still is not None:
            still.close()  # the pixels go now, not whenever the thread's frame is collected
        with contextlib.suppress(FileNotFoundError):
            out.unlink()
    return ImageInfo(width, height, path.stat().st_size, True)


def _save_thumbnail(still: Image.Image, thumbnail_path: Path) -> None:
    """Shrinks `still` itself (its pixels are saved already): RGB and L without a copy of
    the full image; other modes are converted first so that the resampling is not the
    nearest-pixel one of palettes, and alpha is premultiplied."""
    alpha = _has_alpha(still)
    if still.mode in THUMB_IN_PLACE and not alpha:
        still.thumbnail(THUMBNAIL_BOX)
        thumb = still.convert("RGB")
    else:
        thumb = still.convert("RGBA" if alpha else "RGB")
        thumb.thumbnail(THUMBNAIL_BOX)
    thumb.save(thumbnail_path, format="WEBP", quality=80)
    thumb.close()


def _bare(img: Image.Image) -> Image.Image:
    """The image without its metadata: encoders write some of `info` back (JPEG and GIF
    comments, XMP, EXIF), so only what drawing needs is kept."""
    img.info = {key: img.info[key] for key in KEEP_INFO if key in img.info}
    return img


def _has_alpha(img: Image.Image) -> bool:
    return img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info


def _save_animation(img: Any, out: Path, fmt: str) -> Image.Image:
    # Read before seeking: GIF frames without the loop extension drop it from `info`.
    loop = {"loop": img.info["loop"]} if "loop" in img.info else {}
    frames: list[Image.Image] = []
    durations: list[int] = []
    for index in range(img.n_frames):
        img.seek(index)
        frame = img.copy()  # loads the frame: only then does WebP know its duration
        durations.append(int(img.info.get("duration", 100)))
        frames.append(_bare(frame))
    frames[0].save(
        out,
        format=fmt,
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        **loop,
    )
    return frames[0]


def _profile_fits(img: Image.Image) -> bool:
    """An ICC profile describes one colour space; after a conversion it would lie."""
    icc = img.info.get("icc_profile")
    space = icc[16:20] if isinstance(icc, bytes) else b""
    return (space == b"RGB " and img.mode in ("RGB", "RGBA")) or (
        space == b"GRAY" and img.mode in ("L", "LA")
    )


def _save_still(img: Image.Image, out: Path, fmt: str) -> None:
    if fmt == "JPEG":
        if img.mode not in ("RGB", "L"):
            img = _bare(img.convert("RGB"))
            img.info.pop("icc_profile", None)
        icc = img.info.get("icc_profile") if _profile_fits(img) else None
        img.save(out, format="JPEG", quality=90, optimize=True, icc_profile=icc)
    elif fmt == "WEBP":
        icc = img.info.get("icc_profile") if _profile_fits(img) else None
        img.save(out, format="WEBP", quality=90, icc_profile=icc)
    else:
        img.save(out, format=fmt)
