"""`shomik backup FILE`: a consistent copy of the SQLite database while the server runs.

SQLite's online backup API, in one step: the copy is made inside one read transaction, so
it is the database as of one commit, and in WAL mode the server's writes go on meanwhile.
(Copied in several steps, a backup starts over whenever another process writes between
two of them, and under steady traffic may never finish.) `cp` of a live database file is
not a backup: it can catch a page half-written and misses what is still in the WAL.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from shomik.errors import ShomikError


def sqlite_backup(source: Path, target: Path) -> int:
    """Copy `source` into `target` (replaced whole, never half-written); its size."""
    if not source.is_file():
        raise ShomikError(f"There is no database at {source}.")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    # 0600 from the start: the copy holds password hashes and two-step secrets.
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    try:
        with (
            contextlib.closing(sqlite3.connect(source, timeout=30)) as src,
            contextlib.closing(sqlite3.connect(tmp)) as dst,
        ):
            src.backup(dst)  # pages=-1: the whole database in one step
            # A file of its own, with no -wal beside it to carry along.
            dst.execute("PRAGMA journal_mode=DELETE")
            check = dst.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise ShomikError(f"The copy failed its check: {check}")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target.stat().st_size
