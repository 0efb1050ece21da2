"""Who may have a push subscription, kept in memory so that a message to a chat where nobody
has one costs nothing of the push path: no presence question per message (in a cluster, a
Redis call asking which of the members not connected here are connected elsewhere).

A superset: a user is added when they subscribe, on every process (the bus tells them all),
and dropped only when the set is read again from the database: at start-up, and in a
cluster whenever the bus reconnects (a note of a subscription may have been missed while it
was away). A user who is in it but has no subscription any more only costs the question.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa

from shomik.db.engine import Database
from shomik.db.tables import push_subscriptions

# The bus operation every process runs when someone subscribes (cluster/bus.py `tell_all`).
OP_SUBSCRIBED = "push.subscribed"


class Subscribed:
    def __init__(self) -> None:
        self._users: set[int] = set()

    async def load(self, db: Database) -> None:
        async with db.read() as conn:
            query = sa.select(push_subscriptions.c.user_id).distinct()
            self._users = {int(user_id) for user_id in (await conn.execute(query)).scalars()}

    async def on_note(self, payload: dict[str, Any]) -> None:
        """Another process (or this one) stored a subscription of the user."""
        self._users.add(int(payload["userId"]))

    def among(self, user_ids: Collection[int]) -> list[int]:
        """Those of the users who may have a subscription."""
        users = self._users
        return [user_id for user_id in user_ids if user_id in users]
