"""Voice messages and videos: Ogg/WebM audio and MP4/WebM video are recognised by their bytes,
the duration and waveform the browser measured are checked and stored, a video's poster
becomes its thumbnail, and the message type says what was sent. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import struct
from typing import Any

import pytest
from PIL import Image

from tests.harness import User
from tests.messages.everyday import history
from tests.uploads import files
from tests.uploads.client import OCTET, assert_error

# Only the signatures matter to the server, which never decodes audio or video.
OGG = b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x13OpusHead" + b"\x00" * 64
WEBM = (
    b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08"
    b"\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02" + b"\x00" * 64
)
MP4 = struct.pack(">I", 24) + b"ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 64
WAVEFORM = [0, 12, 255, 128, 64] * 12  # 60 bars


async def post(
    user: User,
    data: bytes,
    name: str,
    ctype: str,
    fields: dict[str, str] | None = None,
    poster: tuple[str, bytes, str] | None = None,
) -> Any:
    parts: dict[str, Any] = {"file": (name, data, ctype)}
    if poster is not None:
        parts["poster"] = poster
    return await user.http.post("/api/upload", files=parts, data=fields or {})


async def voice(user: User, duration: int = 3200) -> dict[str, Any]:
    fields = {"durationMs": str(duration), "waveform": json.dumps(WAVEFORM)}
    r = await post(user, OGG, "voice.ogg", "audio/ogg; codecs=opus", fields)
    assert r.status_code == 201, r.text
    return dict(r.json())


@pytest.mark.parametrize(
    ("name", "data", "declared", "mime"),
    [
        ("v.ogg", OGG, "audio/ogg", "audio/ogg"),
        ("v.ogg", OGG, OCTET, "audio/ogg"),
        ("v.webm", WEBM, "audio/webm;codecs=opus", "audio/webm"),
        ("clip.webm", WEBM, "video/webm", "video/webm"),
        ("clip.webm", WEBM, OCTET, "video/webm"),  # undeclared WebM is taken for a video
        ("clip.mp4", MP4, "video/mp4", "video/mp4"),
    ],
    ids=["ogg", "ogg-vague", "webm-audio", "webm-video", "webm-vague", "mp4"],
)
async def test_audio_and_video_are_recognised_by_their_bytes(
    people: Any, name: str, data: bytes, declared: str, mime: str
) -> None:
    (alice,) = await people(1)
    r = await post(alice, data, name, declared)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["mime"] == mime
    assert body["durationMs"] is None and body["waveform"] is None
    assert body["thumbnailUrl"] is None
    fetched = await alice.http.get(body["url"])
    assert fetched.content == data
    assert fetched.headers["content-type"].split(";")[0] == mime


@pytest.mark.parametrize(
    ("data", "declared"),
    [
        (b"this is just text, renamed\n", "audio/ogg"),
        (b"\x00\x01binary junk" * 10, "audio/webm"),
        (OGG, "video/mp4"),  # the bytes contradict the declaration
        (MP4, "audio/ogg"),
    ],
    ids=["text", "junk", "ogg-as-mp4", "mp4-as-ogg"],
)
async def test_fake_audio_and_video_are_refused(people: Any, data: bytes, declared: str) -> None:
    (alice,) = await people(1)
    assert_error(await post(alice, data, "voice.ogg", declared), 415, "unsupported_type")


async def test_voice_message_keeps_its_duration_and_waveform(people: Any) -> None:
    alice, bob = await people(2)
    chat = await alice.private_chat(bob)
    upload = await voice(alice, 3200)
    assert upload["durationMs"] == 3200
    assert upload["waveform"] == WAVEFORM
    message = await alice.send(chat["id"], "", attachmentIds=[upload["id"]])
    assert message["type"] == "voice"
    (seen,) = await history(bob, chat["id"])
    assert seen["type"] == "voice"
    (attachment,) = seen["attachments"]
    assert attachment["durationMs"] == 3200 and attachment["waveform"] == WAVEFORM
    assert (await bob.http.get(attachment["url"])).content == OGG


async def test_audio_without_a_duration_is_a_file_not_a_voice_message(people: Any) -> None:
    alice, bob = await people(2)
    chat = await alice.private_chat(bob)
    r = await post(alice, OGG, "song.ogg", "audio/ogg")
    message = await alice.send(chat["id"], "", attachmentIds=[r.json()["id"]])
    assert message["type"] == "file"


@pytest.mark.parametrize(
    "fields",
    [
        {"durationMs": "-5"},
        {"durationMs": "0"},
        {"durationMs": str(10 * 60 * 1000 + 1)},  # over 10 minutes
        {"durationMs": "3.5s"},
        {"durationMs": "3000", "waveform": json.dumps([1] * 101)},
        {"durationMs": "3000", "waveform": json.dumps([1, 256])},
        {"durationMs": "3000", "waveform": json.dumps([1, -1])},
        {"durationMs": "3000", "waveform": json.dumps([1, 2.5])},
        {"durationMs": "3000", "waveform": json.dumps([True])},
        {"durationMs": "3000", "waveform": json.dumps([])},
        {"durationMs": "3000", "waveform": '{"a": 1}'},
        {"durationMs": "3000", "waveform": "[1, 2"},
        {"durationMs": "3000", "waveform": "[" + "1," * 2000 + "1]"},  # over the field size
    ],
)
async def test_bad_duration_or_waveform_is_refused(people: Any, fields: dict[str, str]) -> None:
    (alice,) = await people(1)
    r = await post(alice, OGG, "voice.ogg", "audio/ogg", fields)
    assert_error(r, 422, "invalid")


async def test_duration_and_waveform_only_for_audio_and_video(people: Any) -> None:
    (alice,) = await people(1)
    r = await post(alice, files.image("PNG"), "p.png", "image/png", {"durationMs": "100"})
    assert_error(r, 422, "invalid")
    r = await post(alice, MP4, "c.mp4", "video/mp4", {"waveform": "[1, 2]"})
    assert_error(r, 422, "invalid")
    # A video may be long: its cap is a day, not the voice message's 10 minutes.
    r = await post(alice, MP4, "c.mp4", "video/mp4", {"durationMs": str(20 * 60 * 1000)})
    assert r.status_code == 201, r.text
    assert r.json()["durationMs"] == 20 * 60 * 1000


async def test_video_poster_becomes_the_thumbnail_and_the_type_is_video(people: Any) -> None:
    alice, bob = await people(2)
    chat = await alice.private_chat(bob)
    poster = ("poster.jpg", files.jpeg_with_metadata((160, 90)), "image/jpeg")
    r = await post(alice, MP4, "clip.mp4", "video/mp4", {"durationMs": "1500"}, poster)
    assert r.status_code == 201, r.text
    upload = r.json()
    assert upload["mime"] == "video/mp4"
    assert (upload["width"], upload["height"]) == (160, 90)
    assert upload["durationMs"] == 1500
    assert upload["thumbnailUrl"] == f"/api/files/{upload['id']}/thumbnail"
    message = await alice.send(chat["id"], "", attachmentIds=[upload["id"]])
    assert message["type"] == "video"
    thumb = await bob.http.get(upload["thumbnailUrl"])
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/webp"
    assert b"SecretCam" not in thumb.content  # re-encoded like any image
    (seen,) = await history(bob, chat["id"])
    assert seen["type"] == "video" and seen["attachments"][0]["thumbnailUrl"]


async def test_a_bad_poster_is_refused(people: Any) -> None:
    (alice,) = await people(1)
    text = ("poster.jpg", b"not an image\n", "image/jpeg")
    assert_error(await post(alice, MP4, "c.mp4", "video/mp4", poster=text), 415)
    pdf = ("poster.pdf", files.PDF, "application/pdf")
    assert_error(await post(alice, MP4, "c.mp4", "video/mp4", poster=pdf), 422, "invalid")
    png = ("poster.png", files.image("PNG"), "image/png")
    assert_error(await post(alice, OGG, "v.ogg", "audio/ogg", poster=png), 422, "invalid")


async def test_an_animated_gif_keeps_its_frames_and_loops_forever(people: Any) -> None:
    (alice,) = await people(1)
    r = await post(alice, files.animated("GIF"), "a.gif", "image/gif")
    assert r.status_code == 201, r.text
    stored = (await alice.http.get(r.json()["url"])).content
    with Image.open(io.BytesIO(stored)) as img:
        assert getattr(img, "n_frames", 1) == 3
        assert img.info.get("loop") == 0  # 0: for ever


async def test_a_pinned_voice_message_or_video_is_named(people: Any) -> None:
    alice, bob = await people(2)
    chat = await alice.private_chat(bob)
    clip = (await post(alice, MP4, "c.mp4", "video/mp4")).json()
    for upload, what in ((await voice(alice), "a voice message"), (clip, "a video")):
        msg = await alice.send(chat["id"], "", attachmentIds=[upload["id"]])
        b = await bob.ws()
        await b.command("message:pin", {"chatId": chat["id"], "messageId": msg["id"]})
        note = (await b.expect("message:new", lambda d: d["type"] == "system"))["data"]
        assert note["content"] == f"{bob.me['displayName']} pinned {what}"
