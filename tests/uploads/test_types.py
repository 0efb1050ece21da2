"""What may be uploaded: decided by the bytes, never by the name; a declared type that
contradicts the bytes is refused."""

from __future__ import annotations

from typing import Any

import pytest

from tests.harness import ServerProcess
from tests.uploads import files
from tests.uploads.client import OCTET, assert_error, assert_no_temp_files, upload, uploaded

ALLOWED = [
    ("photo.png", files.image("PNG"), "image/png", "image/png"),
    ("photo.jpg", files.image("JPEG"), "image/jpeg", "image/jpeg"),
    ("anim.gif", files.image("GIF"), "image/gif", "image/gif"),
    ("pic.webp", files.image("WEBP"), "image/webp", "image/webp"),
    ("report.pdf", files.PDF, "application/pdf", "application/pdf"),
    ("letter.docx", files.docx(), files.DOCX_MIME, files.DOCX_MIME),
    ("old.doc", files.doc(), "application/msword", "application/msword"),
    ("older.doc", files.doc_by_stream_name(), "application/msword", "application/msword"),
    ("notes.txt", files.TEXT, "text/plain", "text/plain"),
    ("data.csv", b"a,b\n1,2\n", "text/csv", "text/plain"),
    ("readme.md", b"# Title\n\n<b>bold</b> later\n", "text/markdown; charset=utf-8", "text/plain"),
    ("legacy.jpg", files.image("JPEG"), "image/jpg", "image/jpeg"),
    # Text that begins like a BMP, an EXE or an MP3 signature is still text.
    ("bmi.txt", b"BMI: 22.5\n", "text/plain", "text/plain"),
    ("mz.txt", b"MZ stands for Mark Zbikowski\n", "text/plain", "text/plain"),
    ("tags.txt", b"ID3 tags hold the title\n", "text/plain", "text/plain"),
]


@pytest.mark.parametrize(("name", "data", "declared", "mime"), ALLOWED)
async def test_allowed_type_is_stored_with_the_type_of_its_bytes(
    users: Any, name: str, data: bytes, declared: str, mime: str
) -> None:
    (alice,) = await users(1)
    for ctype in (declared, OCTET):  # a vague declaration is no contradiction
        body = await uploaded(alice, data, name, ctype)
        assert body["mime"] == mime
        assert body["name"] == name
        assert body["url"] == f"/api/files/{body['id']}"
        assert len(body["id"]) >= 16
        is_image = mime.startswith("image/")
        assert (body["thumbnailUrl"] == f"/api/files/{body['id']}/thumbnail") is is_image
        assert (body["width"] is not None and body["height"] is not None) is is_image
        r = await alice.http.get(body["url"])
        assert r.status_code == 200
        assert r.headers["content-type"].split(";")[0] == mime
        assert len(r.content) == body["size"]
        if not is_image:
            assert r.content == data  # documents are stored as sent
            assert body["size"] == len(data)


REFUSED = [
    ("page.html", files.HTML, "text/html"),
    ("page.txt", files.HTML, "text/plain"),  # the bytes are a page, whatever the label
    ("page.html", files.HTML, OCTET),
    ("notes.txt", files.TEXT, "text/html"),  # a label a browser would render as a page
    ("icon.svg", files.SVG, "image/svg+xml"),
    ("icon.txt", files.SVG, "text/plain"),
    ("icon.svg", files.XML_SVG, OCTET),
    ("setup.exe", files.EXE, "application/x-msdownload"),
    ("setup.pdf", files.EXE, "application/pdf"),
    ("archive.zip", files.zip_archive(), "application/zip"),
    ("sheet.xls", files.bare_ole2(), "application/msword"),
    ("photo.pdf", files.image("PNG"), "application/pdf"),  # a PNG declared as a PDF
    ("report.png", files.PDF, "image/png"),  # a PDF renamed .png, declared image/png
    ("photo.gif", files.image("JPEG"), "image/gif"),
    ("letter.txt", files.docx(), "text/plain"),
    ("image.bmp", files.image("BMP"), "image/bmp"),
    ("image.tiff", files.image("TIFF"), OCTET),
    ("blob.bin", bytes(range(256)) * 4, OCTET),
    ("latin1.txt", "café".encode("latin-1") + b"\n" * 10, "text/plain"),
]


@pytest.mark.parametrize(("name", "data", "declared"), REFUSED)
async def test_disallowed_or_contradicted_type_is_415_and_leaves_nothing(
    users: Any, server: ServerProcess, name: str, data: bytes, declared: str
) -> None:
    (alice,) = await users(1)
    before = {p.name for p in (server.data_dir / "uploads").glob("*")}
    r = await upload(alice, data, name, declared)
    assert_error(r, 415, "unsupported_type")
    await assert_no_temp_files(server)
    assert {p.name for p in (server.data_dir / "uploads").glob("*")} == before


async def test_text_that_turns_binary_after_the_first_64_kb_is_not_plain_text(users: Any) -> None:
    (alice,) = await users(1)
    r = await upload(alice, b"a" * 70_000 + files.EXE, "notes.txt", "text/plain")
    assert_error(r, 415, "unsupported_type")
    # A character cut in two at any boundary is still text, as long as the file completes it.
    text = b"a" * 65535 + "দ".encode() * 10
    assert (await uploaded(alice, text, "long.txt", "text/plain"))["mime"] == "text/plain"


async def test_empty_file_is_refused(users: Any) -> None:
    (alice,) = await users(1)
    assert_error(await upload(alice, b"", "empty.txt", "text/plain"), 422)
