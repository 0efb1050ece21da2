"""A secret chat's files are encrypted in the browser and uploaded `sealed`: stored byte for
byte (no type check, no re-encoding, no thumbnail), served only as a download, attached only
in secret chats; and a secret chat takes no other file (its plaintext would be on the
server). On SQLite and PostgreSQL."""

from __future__ import annotations

import os
from typing import Any

from tests.chats.support import assert_error
from tests.e2ee import mls
from tests.e2ee.support import secret_chat
from tests.harness import User
from tests.uploads import files


async def upload(user: User, data: bytes, sealed: str | None = "true", **extra: str) -> Any:
    fields = {**({"sealed": sealed} if sealed is not None else {}), **extra}
    parts = {"file": ("file.bin", data, "application/octet-stream")}
    return await user.http.post("/api/upload", files=parts, data=fields)


async def test_sealed_files_are_kept_as_they_came_and_only_for_secret_chats(people: Any) -> None:
    alice, bob = await people(2)
    secret = await secret_chat(alice, bob)
    plain = await alice.private_chat(bob)
    ciphertext = os.urandom(5000)
    r = await upload(alice, ciphertext)
    assert r.status_code == 201, r.text
    sealed = r.json()
    assert sealed["mime"] == "application/octet-stream" and sealed["size"] == 5000
    assert sealed["thumbnailUrl"] is None and sealed["width"] is None

    # Not in an ordinary chat: the server checked nothing of it.
    body = {"chatId": plain["id"], "content": "", "attachmentIds": [sealed["id"]]}
    assert_error(await alice.http.post("/api/messages", json=body), 422, "sealed_attachment")
    sent = await alice.send(secret["id"], mls.application(), attachmentIds=[sealed["id"]])
    assert sent["type"] == "file" and sent["attachments"][0]["id"] == sealed["id"]
    got = await bob.http.get(sent["attachments"][0]["url"])
    assert got.status_code == 200 and got.content == ciphertext
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["content-disposition"].startswith("attachment")

    # A file uploaded the ordinary way (a photo, in the clear) is refused in a secret chat.
    r = await alice.http.post(
        "/api/upload", files={"file": ("p.png", files.image("PNG"), "image/png")}
    )
    assert r.status_code == 201, r.text
    body = {"chatId": secret["id"], "content": mls.application(), "attachmentIds": [r.json()["id"]]}
    assert_error(await alice.http.post("/api/messages", json=body), 422, "not_ciphertext")


async def test_a_sealed_upload_is_only_the_bytes(people: Any) -> None:
    (alice,) = await people(1)
    assert_error(await upload(alice, b""), 422, "invalid")
    assert_error(await upload(alice, b"x" * 10, sealed="yes"), 422, "invalid")
    assert_error(await upload(alice, b"x" * 10, durationMs="1000"), 422, "invalid")
    # Without `sealed`, opaque bytes are what they always were: refused.
    assert_error(await upload(alice, os.urandom(500), sealed=None), 415, "unsupported_type")
