"""The event log's epoch: the same across restarts, new after a restore, and a `since` of
another epoch gets `resync_required` instead of a replay that would skip events."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shomik.realtime.epoch import HIGH_WATER_FILE
from tests.engines import ENGINES, engine_server
from tests.harness import ServerProcess, User, Ws, register


def ready_of(ws: Ws) -> dict[str, Any]:
    data: dict[str, Any] = ws.of_type("ready")[0]["data"]
    return data


async def last_seq(ws: Ws, count: int) -> int:
    """The seq of the last of `count` message:new frames on this socket."""
    frames = [await ws.expect("message:new") for _ in range(count)]
    return int(frames[-1]["seq"])


@pytest.fixture(params=ENGINES)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    with engine_server(request, tmp_path_factory) as server:
        yield server


async def test_the_epoch_outlives_a_restart_and_resumes_replay(engine: ServerProcess) -> None:
    alice, bob = await register(engine), await register(engine)
    chat = await alice.private_chat(bob)
    b = await bob.ws()
    epoch, since = ready_of(b)["epoch"], ready_of(b)["seq"]
    assert isinstance(epoch, str) and len(epoch) >= 8
    await b.close()
    engine.stop()
    engine.start()
    await alice.send(chat["id"], "after the restart")
    again = await bob.ws(since=since, epoch=epoch)
    assert ready_of(again)["epoch"] == epoch
    missed = await again.expect("message:new")
    assert missed["data"]["content"] == "after the restart"
    assert again.of_type("resync_required") == []
    await alice.aclose()
    await bob.aclose()


@pytest.mark.parametrize("engine", [ENGINES[1]], indirect=True)
async def test_a_log_gone_back_gets_a_new_epoch(engine: ServerProcess) -> None:
    """What a pg_restore does to the log: the head moves back while the server is down.
    (SQLite's real backup and restore are below.)"""
    alice, bob = await register(engine), await register(engine)
    chat = await alice.private_chat(bob)
    b = await bob.ws()
    epoch, start = ready_of(b)["epoch"], ready_of(b)["seq"]
    for i in range(3):
        await alice.send(chat["id"], f"m{i}")
    seen = await last_seq(b, 3)
    await b.close()
    engine.stop()
    await engine.execute_sql(f"DELETE FROM events WHERE id > {start}")
    engine.start()
    again = await bob.ws(since=seen, epoch=epoch)
    assert ready_of(again)["epoch"] != epoch
    await again.expect("resync_required")
    await alice.aclose()
    await bob.aclose()


async def _restore(server: ServerProcess, backup: Path) -> None:
    server.stop()
    for suffix in ("", "-wal", "-shm"):
        (server.data_dir / f"shomik.db{suffix}").unlink(missing_ok=True)
    shutil.copyfile(backup, server.data_dir / "shomik.db")
    server.start()


async def _sent_after_backup(
    server: ServerProcess, tmp_path: Path
) -> tuple[User, User, int, Path, str, int]:
    """Alice and Bob chat; a backup is taken; three more messages follow that Bob sees.
    Returns them, the chat, the backup, Bob's epoch and the seq he saw last."""
    alice, bob = await register(server), await register(server)
    chat = await alice.private_chat(bob)
    b = await bob.ws()
    epoch = ready_of(b)["epoch"]
    await alice.send(chat["id"], "in the backup")
    await last_seq(b, 1)
    backup = tmp_path / "before.db"
    result = await server.cli("backup", str(backup))
    assert result.returncode == 0, result.stderr
    for i in range(3):
        await alice.send(chat["id"], f"lost {i}")
    seen = await last_seq(b, 3)
    await b.close()
    return alice, bob, chat["id"], backup, epoch, seen


async def test_a_restored_backup_makes_old_positions_resync(
    make_server: Any, tmp_path: Path
) -> None:
    server: ServerProcess = make_server()
    alice, bob, chat_id, backup, epoch, seen = await _sent_after_backup(server, tmp_path)
    await _restore(server, backup)
    # The restored log issues the lost ids again, to new events, past Bob's position.
    for i in range(5):
        await alice.send(chat_id, f"new {i}")
    resumed = await bob.ws(since=seen, epoch=epoch)
    new_epoch = ready_of(resumed)["epoch"]
    assert new_epoch != epoch
    assert ready_of(resumed)["seq"] > seen
    frame = await resumed.expect("resync_required")
    assert frame["data"]["seq"] == ready_of(resumed)["seq"]
    await resumed.quiet()
    assert resumed.of_type("message:new") == []
    # Without an epoch, `since` is taken as today: the replay starts after it and the
    # reissued ids below it are skipped (why clients must send the epoch).
    legacy = await bob.ws(since=seen)
    assert legacy.of_type("resync_required") == []
    replayed = [(await legacy.expect("message:new"))["data"]["content"] for _ in range(2)]
    assert replayed == ["new 3", "new 4"]
    # In the new epoch resuming works as ever.
    current = await bob.ws(since=ready_of(resumed)["seq"], epoch=new_epoch)
    await alice.send(chat_id, "latest")
    assert (await current.expect("message:new"))["data"]["content"] == "latest"
    assert current.of_type("resync_required") == []
    await alice.aclose()
    await bob.aclose()


async def test_a_restore_after_a_crash_is_noticed_too(make_server: Any, tmp_path: Path) -> None:
    """Killed, not stopped: the high-water mark written while running is the evidence."""
    server: ServerProcess = make_server()
    alice, bob, _chat_id, backup, epoch, seen = await _sent_after_backup(server, tmp_path)
    mark = server.data_dir / HIGH_WATER_FILE
    async with asyncio.timeout(15):  # written every second while the head moves
        while json.loads(mark.read_text())["head"] < seen:
            await asyncio.sleep(0.1)
    server.kill()
    await _restore(server, backup)
    resumed = await bob.ws(since=seen, epoch=epoch)
    assert ready_of(resumed)["epoch"] != epoch
    await resumed.expect("resync_required")
    await alice.aclose()
    await bob.aclose()


async def test_a_data_dir_without_a_high_water_mark_starts_a_new_epoch(make_server: Any) -> None:
    server: ServerProcess = make_server()
    (alice,) = [await register(server)]
    a = await alice.ws()
    epoch = ready_of(a)["epoch"]
    await a.close()
    server.stop()
    (server.data_dir / HIGH_WATER_FILE).unlink()
    server.start()
    again = await alice.ws(since=ready_of(a)["seq"], epoch=epoch)
    assert ready_of(again)["epoch"] != epoch
    await again.expect("resync_required")
    await alice.aclose()


async def test_an_epoch_is_a_short_string(users: Any) -> None:
    from tests.harness import open_ws

    (alice,) = await users(1)
    ws = await open_ws(alice.server, alice.token, since=0, epoch="x" * 65, expect_ready=False)
    assert (await ws.closed)[0] == 4401  # a malformed auth frame


def test_the_high_water_mark_goes_into_a_data_dir_not_made_yet(tmp_path: Path) -> None:
    """On PostgreSQL nothing else makes the data dir before the first start writes the
    mark there (found by the benchmark, whose first PostgreSQL start failed on it)."""
    from shomik.realtime.epoch import Position, _read, _write

    path = tmp_path / "not-yet" / HIGH_WATER_FILE
    _write(path, Position(head=7, epoch="abc"))
    assert _read(path) == Position(head=7, epoch="abc")
