"""Images are decoded and written anew: no metadata survives, the size is known, a thumbnail
exists; what cannot be decoded safely is a 422, never a 5xx."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image, ImageSequence

from tests.harness import ServerProcess, User
from tests.uploads import files
from tests.uploads.client import assert_error, assert_no_temp_files, upload, uploaded


async def fetch(user: User, url: str) -> bytes:
    r = await user.http.get(url)
    assert r.status_code == 200, r.text
    return r.content


def jpeg_segments(data: bytes) -> list[bytes]:
    """The marker segments before the scan: (marker byte + payload) each."""
    assert data[:2] == b"\xff\xd8"
    segments, pos = [], 2
    while data[pos + 1] != 0xDA:  # start of scan
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        segments.append(data[pos + 1 : pos + 2 + length])
        pos += 2 + length
    return segments


def assert_no_metadata(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as img:
        assert dict(img.getexif()) == {}
        assert "exif" not in img.info and "xmp" not in img.info
        assert "comment" not in img.info and "Comment" not in img.info
    for secret in (b"Exif\x00\x00", b"SecretCam", files.COMMENT, b"secret-xmp", b"GPS"):
        assert secret not in data


async def test_jpeg_exif_with_gps_comment_and_xmp_is_stripped(users: Any) -> None:
    (alice,) = await users(1)
    original = files.jpeg_with_metadata((64, 48))
    with Image.open(io.BytesIO(original)) as img:  # the fixture really carries all of it
        assert img.getexif().get_ifd(0x8825) and img.info["comment"] == files.COMMENT
    body = await uploaded(alice, original, "holiday.jpg", "image/jpeg")
    assert (body["mime"], body["width"], body["height"]) == ("image/jpeg", 64, 48)
    data = await fetch(alice, body["url"])
    assert len(data) == body["size"]
    assert_no_metadata(data)
    app1 = [s for s in jpeg_segments(data) if s[:1] == b"\xe1"]
    assert app1 == []  # neither EXIF nor XMP
    assert not [s for s in jpeg_segments(data) if s[:1] == b"\xfe"]  # no comment segment


@pytest.mark.parametrize(
    ("fmt", "data"),
    [("PNG", files.png_with_metadata()), ("WEBP", files.webp_with_metadata())],
)
async def test_png_and_webp_metadata_is_stripped(users: Any, fmt: str, data: bytes) -> None:
    (alice,) = await users(1)
    assert b"SecretCam" in data
    body = await uploaded(alice, data, f"x.{fmt.lower()}")
    stored = await fetch(alice, body["url"])
    assert_no_metadata(stored)
    with Image.open(io.BytesIO(stored)) as img:
        assert img.format == fmt and img.size == (64, 48)


async def test_exif_orientation_is_applied_to_the_pixels(users: Any) -> None:
    (alice,) = await users(1)
    # Orientation 6: stored 80x40, shown rotated a quarter turn, as 40x80.
    body = await uploaded(alice, files.jpeg_with_metadata((80, 40), orientation=6), "r.jpg")
    assert (body["width"], body["height"]) == (40, 80)
    with Image.open(io.BytesIO(await fetch(alice, body["url"]))) as img:
        assert img.size == (40, 80)
        assert dict(img.getexif()) == {}


async def test_appended_payload_does_not_survive(users: Any) -> None:
    (alice,) = await users(1)
    payload = b"<html><script>alert(1)</script></html>" + files.zip_archive()
    body = await uploaded(alice, files.image("PNG") + payload, "polyglot.png", "image/png")
    stored = await fetch(alice, body["url"])
    assert b"<script>" not in stored and b"payload.exe" not in stored


@pytest.mark.parametrize("size", [(2000, 1000), (300, 900), (100, 50)])
async def test_thumbnail_fits_in_320_and_keeps_the_aspect(
    users: Any, size: tuple[int, int]
) -> None:
    (alice,) = await users(1)
    body = await uploaded(alice, files.image("JPEG", size), "big.jpg")
    assert (body["width"], body["height"]) == size
    r = await alice.http.get(body["thumbnailUrl"])
    assert r.status_code == 200 and r.headers["content-type"] == "image/webp"
    assert r.headers["x-content-type-options"] == "nosniff"
    with Image.open(io.BytesIO(r.content)) as thumb:
        assert thumb.format == "WEBP"
        assert max(thumb.size) <= 320
        if max(size) > 320:
            assert max(thumb.size) == 320
            assert abs(thumb.width / thumb.height - size[0] / size[1]) < 0.05
        else:
            assert thumb.size == size  # never enlarged


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "PNG"])
async def test_animation_stays_animated_with_its_timing(users: Any, fmt: str) -> None:
    (alice,) = await users(1)
    durations = (100, 250, 400)
    body = await uploaded(alice, files.animated(fmt, durations), f"a.{fmt.lower()}")
    assert (body["width"], body["height"]) == (40, 30)
    stored = await fetch(alice, body["url"])
    assert files.COMMENT not in stored
    with Image.open(io.BytesIO(stored)) as img:
        assert img.format == fmt and getattr(img, "is_animated", False)
        assert getattr(img, "n_frames", 1) == 3
        timing, colours = [], []
        for frame in ImageSequence.Iterator(img):
            frame.load()  # WebP knows a frame's duration once it is decoded
            timing.append(frame.info.get("duration"))
            colours.append(frame.convert("RGB").getpixel((5, 5)))
    assert [round(float(t or 0)) for t in timing] == list(durations)
    assert colours[0] != colours[1] != colours[2]
    r = await alice.http.get(body["thumbnailUrl"])
    assert r.status_code == 200


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [("I;16", "PNG"), ("LA", "PNG"), ("P", "PNG"), ("1", "PNG"), ("CMYK", "JPEG"), ("L", "WEBP")],
)
async def test_unusual_pixel_modes_are_stored_with_a_thumbnail(
    users: Any, mode: str, fmt: str
) -> None:
    (alice,) = await users(1)
    extra = {"transparency": 0} if mode == "P" else {}
    body = await uploaded(alice, files.image(fmt, (500, 400), mode, **extra), "m.img")
    assert (body["width"], body["height"]) == (500, 400)
    with Image.open(io.BytesIO(await fetch(alice, body["thumbnailUrl"]))) as thumb:
        assert thumb.size == (320, 256)


BOMBS = [
    # 100k x 100k claimed: past Pillow's own bomb limit.
    ("claims.png", files.png_claiming(100_000, 100_000)),
    # 20k x 20k of real, highly compressed pixel data (a few kB that decode to 400 MP).
    ("zeros.png", files.png_claiming(20_000, 20_000, rows=20_000)),
    # 8000 x 6000: under Pillow's limit, over ours (40 MP).
    ("wide.png", files.png_claiming(8000, 6000)),
    # 1000 frames of a 2000 x 2000 canvas: 1x1 pixel each on disk, 4 MP each decoded.
    ("frames.gif", files.gif_with_frames((2000, 2000), 1000)),
    # 300 000 frames of 1x1: nothing to decode, but a Python object and a copy each.
    ("many-frames.gif", files.gif_with_frames((1, 1), 300_000)),
]


@pytest.mark.parametrize(("name", "data"), BOMBS, ids=[b[0] for b in BOMBS])
async def test_decompression_bomb_is_422_quickly(
    users: Any, server: ServerProcess, name: str, data: bytes
) -> None:
    (alice,) = await users(1)
    assert len(data) < 8 * 1024 * 1024
    r = await upload(alice, data, name)
    assert r.elapsed.total_seconds() < 5
    assert_error(r, 422, "invalid")
    await assert_no_temp_files(server)
    assert (await alice.http.get("/api/health")).status_code == 200


CORRUPT = [
    ("half.png", files.truncated(files.noisy("PNG"))),
    ("half.jpg", files.truncated(files.noisy("JPEG"))),
    ("half.gif", files.truncated(files.noisy("GIF"))),
    ("half.webp", files.truncated(files.noisy("WEBP"))),
    ("magic-only.png", b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 100),
    ("magic-only.jpg", b"\xff\xd8\xff\xe0" + b"\x13\x37" * 200),
    ("header-only.png", files.png_claiming(100, 100, rows=0)),
]


@pytest.mark.parametrize(("name", "data"), CORRUPT, ids=[c[0] for c in CORRUPT])
async def test_truncated_or_corrupt_image_is_422(
    users: Any, server: ServerProcess, name: str, data: bytes
) -> None:
    (alice,) = await users(1)
    r = await upload(alice, data, name)
    assert_error(r, 422, "invalid")
    await assert_no_temp_files(server)


async def test_good_pixels_with_broken_exif_are_kept_without_the_exif(users: Any) -> None:
    (alice,) = await users(1)
    good = files.image("JPEG")
    broken_exif = b"\xff\xe1\x00\x10Exif\x00\x00MM\x00*\xff\xff"  # an IFD offset past the end
    body = await uploaded(alice, good[:2] + broken_exif + good[2:], "odd.jpg")
    assert (body["width"], body["height"]) == (64, 48)
    stored = await fetch(alice, body["url"])
    assert_no_metadata(stored)
    assert not [s for s in jpeg_segments(stored) if s[:1] == b"\xe1"]
