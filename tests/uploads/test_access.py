"""Who may read a file (its uploader and the members of a chat it was sent to), how it is
served (never as a page), and how uploads become message attachments."""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import unquote

import httpx

from tests.harness import ServerProcess, User
from tests.uploads import files, rawhttp
from tests.uploads.client import assert_error, stored_files, upload, uploaded


async def status_of(user: User, url: str) -> int:
    return (await user.http.get(url)).status_code


async def test_only_uploader_and_chat_members_read_a_file(
    users: Any, server: ServerProcess
) -> None:
    alice, bob, carol, mallory = await users(4)
    photo = await uploaded(alice, files.image("PNG"), "p.png")
    urls = [photo["url"], photo["thumbnailUrl"]]
    for url in urls:  # unsent: the uploader alone
        assert await status_of(alice, url) == 200
        assert_error(await bob.http.get(url), 404, "not_found")
    group = await alice.group("trip", bob, carol)
    message = await alice.send(group["id"], "look", attachmentIds=[photo["id"]])
    assert [a["id"] for a in message["attachments"]] == [photo["id"]]
    for url in urls:
        for member in (alice, bob, carol):
            assert await status_of(member, url) == 200
        assert_error(await mallory.http.get(url), 404, "not_found")
    r = await alice.http.delete(f"/api/chats/{group['id']}/members/{carol.id}")
    assert r.status_code == 204, r.text
    for url in urls:
        assert_error(await carol.http.get(url), 404, "not_found")  # removed: like a stranger
        assert await status_of(bob, url) == 200
    async with httpx.AsyncClient(base_url=server.url) as anonymous:
        for url in urls:
            assert_error(await anonymous.get(url), 401, "unauthorized")
            bad = {"Authorization": "Bearer nonsense"}
            assert (await anonymous.get(url, headers=bad)).status_code == 401


async def test_private_chat_member_reads_what_was_sent_to_them(users: Any) -> None:
    alice, bob, mallory = await users(3)
    chat = await alice.private_chat(bob)
    doc = await uploaded(alice, files.PDF, "contract.pdf", "application/pdf")
    await alice.send(chat["id"], "", attachmentIds=[doc["id"]])
    r = await bob.http.get(doc["url"])
    assert r.status_code == 200 and r.content == files.PDF
    assert_error(await mallory.http.get(doc["url"]), 404)
    # A document has no thumbnail, whoever asks.
    assert_error(await bob.http.get(f"{doc['url']}/thumbnail"), 404)


async def test_unknown_and_odd_ids_are_404(users: Any) -> None:
    (alice,) = await users(1)
    for file_id in ("A" * 22, "..%2F..%2Fetc%2Fpasswd", "%00", "x" * 300):
        r = await alice.http.get(f"/api/files/{file_id}")
        assert r.status_code == 404, (file_id, r.text)
        assert r.json()["error"]["code"] == "not_found"


async def test_only_allow_listed_images_are_inline_everything_with_nosniff(
    users: Any,
) -> None:
    (alice,) = await users(1)
    cases = [
        (files.image("PNG"), "inline"),
        (files.image("JPEG"), "inline"),
        (files.image("GIF"), "inline"),
        (files.image("WEBP"), "inline"),
        (files.PDF, "attachment"),
        (files.docx(), "attachment"),
        (files.doc(), "attachment"),
        (files.TEXT, "attachment"),
    ]
    for data, disposition in cases:
        body = await uploaded(alice, data, "name.bin")
        r = await alice.http.get(body["url"])
        assert r.status_code == 200
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["content-disposition"].split(";")[0] == disposition, body["mime"]
        assert "sandbox" in r.headers["content-security-policy"]
        assert r.headers["content-type"].split(";")[0] == body["mime"]


def disposition_name(header: str) -> str:
    """The file name of a Content-Disposition, from its RFC 6266 `filename*` if present."""
    extended = re.search(r"filename\*=UTF-8''([^;\s]+)", header, re.IGNORECASE)
    if extended:
        assert re.fullmatch(r"[A-Za-z0-9!#$&+.^_`|~%-]+", extended.group(1))  # attr-chars only
        return unquote(extended.group(1), encoding="utf-8", errors="strict")
    plain = re.search(r'filename="([^"]*)"', header)
    assert plain, header
    return plain.group(1)


async def test_non_ascii_name_with_quotes_is_encoded_per_rfc_6266(users: Any) -> None:
    (alice,) = await users(1)
    name = 'résumé "final"; v2, ৯.pdf'
    # As a browser sends it: UTF-8 bytes, `"` encoded as %22 (which httpx does too).
    body = await uploaded(alice, files.PDF, name, "application/pdf")
    assert body["name"] == name
    header = (await alice.http.get(body["url"])).headers["content-disposition"]
    assert header.startswith("attachment;")
    assert re.search(r"filename\*=UTF-8''", header, re.IGNORECASE), header
    assert '"final"' not in header and ";" not in header.split("''", 1)[1]
    assert disposition_name(header) == name
    # The same name sent with backslash-escaped quotes, as RFC 7578 clients may.
    content = rawhttp.multipart(rawhttp.part("file", files.PDF, 'r\\"q\\".pdf', "application/pdf"))
    r = await alice.http.post(
        "/api/upload",
        content=content,
        headers={"Content-Type": f"multipart/form-data; boundary={rawhttp.BOUNDARY}"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["name"] == 'r"q".pdf'
    header = (await alice.http.get(r.json()["url"])).headers["content-disposition"]
    assert disposition_name(header) == 'r"q".pdf'


async def test_path_in_the_file_name_never_reaches_the_disk(
    users: Any, server: ServerProcess
) -> None:
    (alice,) = await users(1)
    names = {
        "../../etc/passwd": "passwd",
        "..\\..\\windows\\win.ini": "win.ini",
        "/abs/path/x.txt": "x.txt",
        "..": "file",
        "  .hidden\r\n.txt": "hidden.txt",
        "invoice\u202etxt.exe": "invoicetxt.exe",  # no right-to-left override
    }
    for sent, shown in names.items():
        before = stored_files(server)
        body = await uploaded(alice, b"root:x:0:0\n", sent, "text/plain")
        assert body["name"] == shown
        created = stored_files(server) - before
        assert created == {f"uploads/{body['id']}"}  # named by the id, in the uploads dir
        header = (await alice.http.get(body["url"])).headers["content-disposition"]
        assert disposition_name(header) == shown
    # Control characters, sent raw: dropped.
    content = rawhttp.multipart(rawhttp.part("file", b"x\n", "a\x01b\tc.txt", "text/plain"))
    r = await alice.http.post(
        "/api/upload",
        content=content,
        headers={"Content-Type": f"multipart/form-data; boundary={rawhttp.BOUNDARY}"},
    )
    assert r.status_code == 201 and r.json()["name"] == "abc.txt", r.text
    assert not (server.data_dir.parent / "etc").exists()
    assert not list(server.data_dir.rglob("passwd"))


async def test_attachment_is_sent_by_its_uploader_only_and_once(users: Any) -> None:
    alice, bob = await users(2)
    chat = await alice.private_chat(bob)
    photo = await uploaded(alice, files.image("JPEG"), "p.jpg")
    # Someone else's upload, or no upload at all: unknown.
    for attachment_id in (photo["id"], "A" * 22):
        r = await bob.http.post(
            "/api/messages",
            json={"chatId": chat["id"], "content": "mine now", "attachmentIds": [attachment_id]},
        )
        assert_error(r, 422, "unknown_attachment")
    assert_error(await bob.http.get(photo["url"]), 404)  # still not sent: still private
    message = await alice.send(chat["id"], "", attachmentIds=[photo["id"]])
    assert message["type"] == "image"
    (attachment,) = message["attachments"]
    assert {k: attachment[k] for k in photo} == photo
    again = await alice.http.post(
        "/api/messages",
        json={"chatId": chat["id"], "content": "again", "attachmentIds": [photo["id"]]},
    )
    assert again.status_code == 422, again.text
    history = (await bob.http.get(f"/api/chats/{chat['id']}/messages")).json()["messages"]
    assert [m["attachments"][0]["id"] for m in history if m["attachments"]] == [photo["id"]]


async def test_concurrent_sends_of_one_attachment_attach_it_once(users: Any) -> None:
    alice, bob = await users(2)
    chat = await alice.private_chat(bob)
    photo = await uploaded(alice, files.image("PNG"), "p.png")
    body = {"chatId": chat["id"], "content": "", "attachmentIds": [photo["id"]]}
    answers = await asyncio.gather(*(alice.http.post("/api/messages", json=body) for _ in range(5)))
    assert sorted(r.status_code for r in answers) == [201, 422, 422, 422, 422]
    history = (await bob.http.get(f"/api/chats/{chat['id']}/messages")).json()["messages"]
    assert [[a["id"] for a in m["attachments"]] for m in history] == [[photo["id"]]]


async def test_message_type_follows_the_attachments(users: Any) -> None:
    alice, bob = await users(2)
    chat = await alice.private_chat(bob)

    async def send_with(*data: bytes) -> str:
        ids = [(await uploaded(alice, d, "f.bin"))["id"] for d in data]
        return str((await alice.send(chat["id"], "", attachmentIds=ids))["type"])

    png, gif, pdf = files.image("PNG"), files.animated("GIF"), files.PDF
    assert await send_with(png) == "image"
    assert await send_with(png, gif) == "image"
    assert await send_with(pdf) == "file"
    assert await send_with(files.TEXT) == "file"
    assert await send_with(png, pdf) == "file"
    # A refused upload never yields an id to attach.
    assert (await upload(alice, files.HTML, "x.html", "text/html")).status_code == 415
