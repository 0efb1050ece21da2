"""Whatever a client sends as the body is a 4xx with the error body, never a 5xx, and never a
temporary file left behind."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest

from tests.harness import ServerProcess
from tests.uploads import files, rawhttp
from tests.uploads.client import assert_error, assert_no_temp_files

B = rawhttp.BOUNDARY
MULTIPART = f"multipart/form-data; boundary={B}"
WHOLE = rawhttp.multipart(rawhttp.part("file", files.TEXT, "a.txt", "text/plain"))

MALFORMED: list[tuple[str, str | None, bytes]] = [
    ("no boundary", "multipart/form-data", WHOLE),
    ("empty boundary", 'multipart/form-data; boundary=""', WHOLE),
    ("no content type", None, WHOLE),
    ("json", "application/json", b'{"file": "aGVsbG8="}'),
    ("urlencoded", "application/x-www-form-urlencoded", b"file=hello"),
    ("multipart/mixed", f"multipart/mixed; boundary={B}", WHOLE),
    ("other boundary", "multipart/form-data; boundary=somethingElse", WHOLE),
    ("empty body", MULTIPART, b""),
    ("only the closing boundary", MULTIPART, f"--{B}--\r\n".encode()),
    ("ends mid-part", MULTIPART, WHOLE[: len(WHOLE) // 2]),
    ("ends in the part headers", MULTIPART, f"--{B}\r\nContent-Disposition: form-da".encode()),
    ("ends before the closing boundary", MULTIPART, WHOLE[: -len(f"--{B}--\r\n") - 2]),
    ("no file field", MULTIPART, rawhttp.multipart(rawhttp.part("note", b"hi", None))),
    ("file field named otherwise", MULTIPART, rawhttp.multipart(rawhttp.part("files", b"hi"))),
    (
        "part without a name",
        MULTIPART,
        f"--{B}\r\nContent-Type: text/plain\r\n\r\nhi\r\n--{B}--\r\n".encode(),
    ),
    ("header without colon", MULTIPART, f"--{B}\r\nnonsense\r\n\r\nhi\r\n--{B}--\r\n".encode()),
    ("garbage", MULTIPART, bytes(range(256)) * 64),
    ("bare LF line ends", MULTIPART, WHOLE.replace(b"\r\n", b"\n")),
    (
        "no file chosen",
        MULTIPART,
        rawhttp.multipart(rawhttp.part("file", b"", "", "application/octet-stream")),
    ),
]


@pytest.mark.parametrize(
    ("label", "content_type", "body"), MALFORMED, ids=[m[0] for m in MALFORMED]
)
async def test_malformed_multipart_is_4xx_with_an_error_body(
    users: Any, server: ServerProcess, label: str, content_type: str | None, body: bytes
) -> None:
    (alice,) = await users(1)
    headers = {"Content-Type": content_type} if content_type else {}
    r = await alice.http.post("/api/upload", content=body, headers=headers)
    assert_error(r, 422, "invalid")
    if label.startswith("ends"):
        assert "ended early" in r.json()["error"]["message"]
    await assert_no_temp_files(server)


async def test_body_ending_mid_part_on_a_closed_connection_is_4xx(
    users: Any, server: ServerProcess
) -> None:
    """The client says the body is longer than it is, then stops sending (half-close)."""
    (alice,) = await users(1)
    partial = rawhttp.file_head("a.txt", "text/plain") + b"some text but not the end"
    head = rawhttp.request_head(server, alice.token, length=len(partial) + 1000)

    def send_and_half_close() -> bytes:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(head + partial)
            sock.shutdown(socket.SHUT_WR)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
            return answer

    answer = await asyncio.to_thread(send_and_half_close)
    assert not answer.startswith(b"HTTP/1.1 5"), answer[:200]
    await assert_no_temp_files(server)
    assert (await alice.http.get("/api/health")).status_code == 200


async def test_only_the_first_file_part_counts_other_fields_are_ignored(users: Any) -> None:
    (alice,) = await users(1)
    body = rawhttp.multipart(
        rawhttp.part("note", b"ignored", None),
        rawhttp.part("file", b"first\n", "first.txt", "text/plain"),
        rawhttp.part("file", files.EXE, "second.exe", "application/x-msdownload"),
    )
    r = await alice.http.post("/api/upload", content=body, headers={"Content-Type": MULTIPART})
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "first.txt"
    assert (await alice.http.get(r.json()["url"])).content == b"first\n"


async def test_part_headers_in_any_case_and_order_are_understood(users: Any) -> None:
    (alice,) = await users(1)
    body = (
        (
            f"--{B}\r\ncontent-type: IMAGE/PNG\r\n"
            f'CONTENT-DISPOSITION: form-data; filename="x.png"; name=file\r\n\r\n'
        ).encode()
        + files.image("PNG")
        + f"\r\n--{B}--\r\n".encode()
    )
    r = await alice.http.post(
        "/api/upload",
        content=body,
        headers={"Content-Type": f'Multipart/Form-Data; charset=utf-8; boundary="{B}"'},
    )
    assert r.status_code == 201, r.text
    assert (r.json()["mime"], r.json()["name"]) == ("image/png", "x.png")
