"""The event log's epoch: a random name for one history of event ids.

An event's id (`seq`) means something only within one history. A database restored from
an older backup issues the ids after the backup's head again, for other events: a client
that saw ids past that head would resume, once the new head has passed its `since`, and
silently skip what the reissued ids carry. So the epoch changes whenever that may have
happened: `ready` carries it, a resuming client sends it back, and a client of another
epoch gets `resync_required` (docs/protocol.md §1.4), as in Centrifugo.

Noticing a restore. Everything in the database goes back with it, so the evidence is kept
outside, in `<data_dir>/events_high_water.json`: the highest head this server has seen,
written at start-up, every second while the head moves, and at shutdown. At start-up the
epoch in the database (`server_state`) is replaced when:

- there is none: a new database, or one from before epochs;
- the database's head is below the high-water mark: it went back in time;
- the data dir has no high-water file (or an unreadable one): nothing says where the log
  was, as after a restore onto a new machine. A new epoch costs each client one refetch;
  a missed restore costs silently skipped events, so doubt makes a new epoch.

What it cannot see: a server killed (not stopped) less than a second after a backup was
taken, then restored from that backup; and a data dir restored together with the database,
high-water file included. Deleting the file before starting makes a new epoch by hand.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from shomik.db import fast, state
from shomik.db.engine import Conn, Database
from shomik.db.tables import events, server_state

log = logging.getLogger(__name__)

EPOCH_KEY = "events_epoch"
HIGH_WATER_FILE = "events_high_water.json"
# How stale the high-water mark may be after a crash (a clean stop writes it exactly).
HIGH_WATER_EVERY_SECONDS = 1.0

# The head and the epoch in one statement: every `ready` reads both.
_POSITION = sa.select(
    sa.select(sa.func.max(events.c.id)).scalar_subquery(),
    sa.select(server_state.c.value).where(server_state.c.key == EPOCH_KEY).scalar_subquery(),
)
_POSITION_HOT = fast.Hot(_POSITION)


@dataclass(frozen=True)
class Position:
    head: int
    epoch: str


async def position(conn: Conn) -> Position:
    """The newest event id (0 for an empty log) and the epoch ("" before the first start)."""
    head, epoch = await fast.fetch_one(conn, _POSITION_HOT, {})
    return Position(int(head or 0), epoch or "")


def _read(path: Path) -> Position | None:
    try:
        data = json.loads(path.read_text())
        return Position(int(data["head"]), str(data["epoch"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("%s is unreadable: taken as missing", path)
        return None


def _write(path: Path, seen: Position) -> None:
    # Written whole and renamed over the old one: a crash leaves the old file or the new,
    # never half of one. No fsync: a file lost with the page cache reads as missing, which
    # makes a new epoch, the safe side.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    path.parent.mkdir(parents=True, exist_ok=True)  # on PostgreSQL nothing else made it yet
    tmp.write_text(json.dumps({"epoch": seen.epoch, "head": seen.head}) + "\n")
    os.replace(tmp, path)


def _why_new(current: Position, seen: Position | None) -> str | None:
    if not current.epoch:
        return "the event log has no epoch yet"
    if seen is None:
        return "this data dir has no record of how far the event log got"
    if current.head < seen.head:
        return (
            f"the event log's head ({current.head}) is behind what this server saw "
            f"({seen.head}): the database was restored from an older backup?"
        )
    return None


class HighWater:
    """The high-water file of one data dir, and the epoch check at start-up."""

    def __init__(self, db: Database, data_dir: Path) -> None:
        self._db = db
        self._path = data_dir / HIGH_WATER_FILE
        self._written: Position | None = None

    async def start(self) -> Position:
        """Check the database against the file; a new epoch if they disagree.

        Processes of a cluster starting together take turns: their write transactions are
        serialized across processes (db/engine.py), and each writes the file before its
        commit. The next one reads the file that goes with the epoch it finds, and keeps it.
        """
        async with self._db.write() as tx:
            seen = _read(self._path)
            current = await position(tx.conn)
            why = _why_new(current, seen)
            if why is not None:
                current = Position(current.head, secrets.token_urlsafe(8))
                await state.put(tx.conn, EPOCH_KEY, current.epoch)
            # Before the commit; if the commit fails, the file holds a head the database
            # has too, and an epoch nothing compares (only heads are).
            _write(self._path, current)
        self._written = current
        if why is not None:
            # A first start is routine; anything else makes every client refetch.
            level = logging.INFO if seen is None and current.head == 0 else logging.WARNING
            log.log(level, "new event log epoch %s: %s", current.epoch, why)
        return current

    async def record(self) -> None:
        """Write the current head if it moved (or the epoch changed)."""
        async with self._db.read() as conn:
            current = await position(conn)
        if current != self._written:
            await self._save(current)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(HIGH_WATER_EVERY_SECONDS)
            try:
                await self.record()
            except Exception:
                log.exception("could not record the event log's high-water mark")

    async def stop(self) -> None:
        """At shutdown: the exact final head, so a restore after a clean stop is seen."""
        try:
            await self.record()
        except Exception:
            log.warning("could not record the final high-water mark", exc_info=True)

    async def _save(self, current: Position) -> None:
        await asyncio.to_thread(_write, self._path, current)
        self._written = current
