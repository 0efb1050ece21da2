"""Accounts an operator deactivated or reactivated (`shomik admin`), announced live.

`shomik admin` runs in a process of its own and cannot add to a running server's event log
(on SQLite the server alone hands out the ids, admin/service.py). So it only marks the
change: a new value of `server_state.accounts_changed`, in the transaction that changes the
account. Every server reads that row every WATCH_EVERY_SECONDS (a primary-key look-up, as
auth/session_watch.py does for ended sessions); when it changed, the server compares the
deactivated accounts with those it knew and sends `user:updated` (with `deactivated`) for
each account that changed, as a profile change does (`users.service.announce_profile`).

Of several processes of a cluster, the one whose write moves `accounts_announced` to the new
mark announces it (`state.take`), so a change is announced once; a process that was slower
to notice only learns the new set. Should every process be down when it happens, the clients
see it on their next fetch of the user, as they do of any change they were away for.
"""

from __future__ import annotations

import secrets

from shomik.db import state
from shomik.db.engine import Conn
from shomik.services import Services
from shomik.users import repository as repo
from shomik.users.service import announce_profile

CHANGED_KEY = "accounts_changed"
ANNOUNCED_KEY = "accounts_announced"
WATCH_EVERY_SECONDS = 2.0


async def mark_changed(conn: Conn) -> None:
    """In the transaction that deactivates or reactivates an account."""
    await state.put(conn, CHANGED_KEY, secrets.token_hex(8))


async def announce(services: Services, mark: str, known: set[int]) -> set[int]:
    """Announce the accounts whose deactivation differs from `known`; returns the
    deactivated accounts as they are now."""
    async with services.db.write() as tx:
        now = await repo.deactivated_ids(tx.conn)
        changed = now ^ known
        if not changed or not await state.take(tx.conn, ANNOUNCED_KEY, mark):
            return now
        rows = await repo.get_many(tx.conn, changed)
        for user_id in sorted(rows):
            await announce_profile(tx, services, rows[user_id])
    return now


async def watch(services: Services) -> None:
    async with services.db.read() as db:
        known = await repo.deactivated_ids(db)

    async def changed(mark: str | None) -> None:
        nonlocal known
        if mark is not None:
            known = await announce(services, mark, known)

    await state.watch(services.db, CHANGED_KEY, WATCH_EVERY_SECONDS, changed)
