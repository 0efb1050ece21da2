"""Where a send's time goes in SQLite: each hot statement and the COMMIT, in-process.

    python -m benchmarks.sqlite_statements                 # 2,000 sends to a group of 50
    python -m benchmarks.sqlite_statements --sends 5000 --no-fts

Builds the services as `shomik serve` does on a fresh SQLite data dir, registers `--members`
users in one group and sends `--sends` messages through `messages.service.send`, one after
another (no sockets: no fan-out, no gateway), after 200 unmeasured. Prints the process's
CPU per send and, per statement run through db/fast.py and for the COMMIT, the wall time
per send (perf_counter around each call; in-process and one at a time, so nothing else
runs meanwhile). The full-text index is filled after the commit (messages/search_index.py):
here every `INDEX_EVERY` sends, about what the server's indexer takes at a time under load,
inside the measured CPU; `--no-fts` never fills it, to see what indexing costs a send. Run
it pinned to one core (`taskset -c 1`) and repeat: figures move by 10-30 % between runs on
a shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection, default

from benchmarks.run_support import PASSWORD, SERVER_ENV
from shomik.db import fast

_spent: collections.Counter[str] = collections.Counter()
_calls: collections.Counter[str] = collections.Counter()


def _instrument() -> None:
    """Time every hot statement and every COMMIT (both SQLAlchemy's and the driver's)."""
    run = fast._SqliteForm.run

    def timed_run(form: Any, conn: Connection, params: Any) -> list[Any]:
        start = time.perf_counter_ns()
        try:
            return run(form, conn, params)
        finally:
            key = " ".join(form.sql.split())[:70]
            _spent[key] += time.perf_counter_ns() - start
            _calls[key] += 1

    commit: Any = default.DefaultDialect.do_commit

    def timed_commit(dialect: Any, dbapi_connection: Any) -> None:
        start = time.perf_counter_ns()
        commit(dialect, dbapi_connection)
        _spent["COMMIT"] += time.perf_counter_ns() - start
        _calls["COMMIT"] += 1

    fast._SqliteForm.run = timed_run  # type: ignore[method-assign,assignment]
    default.DefaultDialect.do_commit = timed_commit  # type: ignore[method-assign]


# Sends between two runs of the indexer: the server's looks every 0.5 s, and at 300-600
# sends/s finds a few hundred waiting.
INDEX_EVERY = 200


async def measure(sends: int, members: int, fts: bool) -> None:
    os.environ.update(SERVER_ENV)  # as the benchmark's server runs: cheap argon2, no limits
    # Imported here: the settings read the environment set just above.
    from shomik.app import build_services
    from shomik.auth import service as auth
    from shomik.auth.schemas import RegisterRequest
    from shomik.auth.sessions import Device
    from shomik.chats import service as chats
    from shomik.chats.schemas import GroupChatCreate
    from shomik.db.migrate import upgrade
    from shomik.messages import search_index
    from shomik.messages import service as messages
    from shomik.messages.schemas import MessageSend
    from shomik.settings import Settings

    data = Path(tempfile.mkdtemp(prefix="shomik-statements-"))
    settings = Settings(data_dir=data, secret_key="k" * 32, link_previews=False)
    await asyncio.to_thread(upgrade, settings)
    services = build_services(settings)
    ids = []
    for i in range(members):
        token = await auth.register(
            services,
            RegisterRequest(username=f"member{i}", password=PASSWORD),
            Device("benchmark", "127.0.0.1"),
        )
        ids.append(token.user.id)
    group = GroupChatCreate(type="group", name="statements", participant_ids=ids[1:])
    chat = await chats.create_group(services, ids[0], group)

    async def send(i: int) -> None:
        text = f"message number {i}, a sentence of about the usual length"
        await messages.send(services, ids[i % members], MessageSend(chat_id=chat.id, content=text))

    for i in range(200):
        await send(i)
    await search_index.index_pending(services)
    _spent.clear()
    _calls.clear()
    started = time.process_time()
    for i in range(sends):
        await send(i)
        if fts and (i + 1) % INDEX_EVERY == 0:
            await search_index.index_pending(services)
    cpu = time.process_time() - started
    await services.db.dispose()
    print(f"{sends} sends to a group of {members}, full-text index {'on' if fts else 'off'}")
    print(f"process CPU per send: {cpu / sends * 1e6:.0f} us")
    total = sum(_spent.values())
    print(f"in the statements below: {total / sends / 1e3:.0f} us per send")
    for key, spent in _spent.most_common():
        print(f"{spent / sends / 1e3:8.1f} us  x{_calls[key] / sends:.2f}  {key}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sends", type=int, default=2000, help="messages measured")
    p.add_argument("--members", type=int, default=50, help="the group's size")
    p.add_argument("--no-fts", action="store_true", help="without filling the full-text index")
    args = p.parse_args()
    _instrument()
    asyncio.run(measure(args.sends, args.members, not args.no_fts))


if __name__ == "__main__":
    main()
