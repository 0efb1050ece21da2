"""Uploading from the tests, and what to check after every refusal."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from tests.harness import ServerProcess, User

OCTET = "application/octet-stream"


async def upload(
    user: User, data: bytes, name: str = "file.bin", ctype: str = OCTET
) -> httpx.Response:
    return await user.http.post("/api/upload", files={"file": (name, data, ctype)})


async def uploaded(
    user: User, data: bytes, name: str = "file.bin", ctype: str = OCTET
) -> dict[str, Any]:
    r = await upload(user, data, name, ctype)
    assert r.status_code == 201, r.text
    return dict(r.json())


def assert_error(r: httpx.Response, status: int, code: str | None = None) -> None:
    """The status, and the error body every refusal carries."""
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, error


def temp_files(server: ServerProcess) -> list[Path]:
    uploads = server.data_dir / "uploads"
    return sorted(uploads.glob(".upload-*")) if uploads.exists() else []


async def assert_no_temp_files(server: ServerProcess, wait: float = 5) -> None:
    """Cleaning up after a client that vanished happens when the server notices: poll."""
    deadline = asyncio.get_running_loop().time() + wait
    while (left := temp_files(server)) and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    assert left == [], left


def stored_files(server: ServerProcess) -> set[str]:
    """Names on disk, relative to the data dir (the database and the log excluded)."""
    return {
        str(p.relative_to(server.data_dir))
        for p in server.data_dir.rglob("*")
        if p.is_file() and p.parent.name == "uploads"
    }
