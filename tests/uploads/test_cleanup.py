"""Abandoned uploads are swept at start-up; sent ones and avatars stay."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from typing import Any

from tests.harness import ServerProcess, register

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def test_abandoned_uploads_are_swept_and_sent_ones_kept(make_server: Any) -> None:
    server: ServerProcess = make_server()
    alice, bob = await register(server), await register(server)
    chat = await alice.private_chat(bob)
    ids = []
    for name in ("sent.pdf", "abandoned.pdf"):
        r = await alice.http.post("/api/upload", files={"file": (name, PDF, "application/pdf")})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    await alice.send(chat["id"], "here", attachmentIds=[ids[0]])
    uploads = server.data_dir / "uploads"
    stale_temp = uploads / ".upload-crashed"
    stale_temp.write_bytes(b"half a file")
    old = time.time() - 7200
    os.utime(stale_temp, (old, old))
    await alice.aclose()
    await bob.aclose()
    server.stop()
    # Age the abandoned upload past a day, as if the tab had been closed yesterday.
    with sqlite3.connect(server.data_dir / "shomik.db") as db:
        db.execute(
            "UPDATE attachments SET created_at = '2000-01-01 00:00:00.000000' WHERE id IN (?, ?)",
            ids,
        )
    server.start()  # housekeeping runs at start-up
    for _ in range(50):
        with sqlite3.connect(server.data_dir / "shomik.db") as db:
            left = {row[0] for row in db.execute("SELECT id FROM attachments")}
        if ids[1] not in left:
            break
        await asyncio.sleep(0.1)
    assert ids[0] in left and ids[1] not in left
    assert (uploads / ids[0]).exists() and not (uploads / ids[1]).exists()
    assert not stale_temp.exists()
