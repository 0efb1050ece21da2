"""`shomik backup FILE` while the server writes: an openable copy of one moment, holding
every message acknowledged before the backup began."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import stat
import uuid
from pathlib import Path
from typing import Any

from tests.harness import SHOMIK, ServerProcess, register


def _snapshot(path: Path, chat_id: int) -> tuple[str, set[int], int, set[int]]:
    """integrity_check, the chat's message ids, its last_seq, and the ids its
    message:new events name."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        check = db.execute("PRAGMA integrity_check").fetchone()[0]
        ids = {r[0] for r in db.execute("SELECT id FROM messages WHERE chat_id = ?", (chat_id,))}
        (last_seq,) = db.execute("SELECT last_seq FROM chats WHERE id = ?", (chat_id,)).fetchone()
        (max_seq,) = db.execute(
            "SELECT coalesce(max(seq), 0) FROM messages WHERE chat_id = ?", (chat_id,)
        ).fetchone()
        assert last_seq == max_seq  # the message and its chat's counter: one transaction
        events = {
            int(r[0])
            for r in db.execute(
                "SELECT json_extract(data, '$.id') FROM events"
                " WHERE type = 'message:new' AND chat_id = ?",
                (chat_id,),
            )
        }
    return check, ids, last_seq, events


async def test_a_backup_while_writing_is_consistent(make_server: Any, tmp_path: Path) -> None:
    server: ServerProcess = make_server()
    alice, bob = await register(server), await register(server)
    chat = await alice.private_chat(bob)
    a = await alice.ws()
    acked: list[int] = []
    stop = asyncio.Event()

    async def write() -> None:
        i = 0
        while not stop.is_set():
            ack = await a.command(
                "message:send",
                {
                    "chatId": chat["id"],
                    "content": f"m{i} " + "x" * 500,
                    "clientId": uuid.uuid4().hex,
                },
            )
            acked.append(ack["id"])
            i += 1

    writer = asyncio.create_task(write())
    try:
        while len(acked) < 20:
            await asyncio.sleep(0.05)
        for n in range(3):
            before = set(acked)
            target = tmp_path / f"copy{n}.db"
            result = await server.cli("backup", str(target))
            assert result.returncode == 0, result.stderr
            after = set(acked)
            check, ids, _last_seq, events = _snapshot(target, chat["id"])
            assert check == "ok"
            assert before <= ids  # committed before the ack, so in any later copy
            # Nothing else: at most the one send still waiting for its ack.
            assert len(ids - after) <= 1
            assert ids == events  # each message with its event: nothing torn between them
            assert stat.S_IMODE(target.stat().st_mode) == 0o600
            assert not Path(f"{target}-wal").exists()
    finally:
        stop.set()
        await writer
    assert len(acked) > 20
    await alice.aclose()
    await bob.aclose()


async def test_backup_refuses_what_it_cannot_do(server: ServerProcess, tmp_path: Path) -> None:
    result = await server.cli("backup", str(tmp_path / "no" / "such" / "dir.db"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert not list(tmp_path.rglob("*.tmp"))
    env = {**server.env, "SHOMIK_DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:1/x"}
    proc = await asyncio.create_subprocess_exec(
        SHOMIK, "backup", str(tmp_path / "pg.db"), env=env, stderr=asyncio.subprocess.PIPE
    )
    _, err = await proc.communicate()
    assert proc.returncode == 1 and b"pg_dump" in err
    assert not (tmp_path / "pg.db").exists()
