"""A resuming socket's replay reads its own chats' events, not the whole log's.

Through the events' (user_id, id) index, SQLite read every chat event of the gap (their
user_id is NULL) and looked each up in the user's memberships: in a reconnect storm of
5,000 clients that was a tenth of the server's CPU, and it grows with the whole server's
traffic, not the user's (docs/benchmarks.md, "Connections at scale")."""

from __future__ import annotations

import pytest

from shomik.realtime import events
from shomik.services import Services
from tests.inprocess import quiet_services  # noqa: F401 (a fixture)


@pytest.fixture
def services(quiet_services: Services) -> Services:  # noqa: F811 (the imported fixture)
    return quiet_services


# The plan is SQLite's own choice with no statistics (no ANALYZE is run); PostgreSQL plans
# from its statistics and takes the memberships first for a user in few chats either way.
@pytest.mark.parametrize("quiet_services", ["sqlite"], indirect=True)
async def test_the_replay_is_read_chat_by_chat_from_the_users_memberships(
    services: Services,
) -> None:
    async with services.db.quick_read() as db:
        sync = getattr(db, "sync_connection")  # noqa: B009 (InlineConn on SQLite)
        sql = events._MISSED.for_sqlite(sync.dialect).sql
        raw = sync.connection.dbapi_connection
        plan = [
            row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {sql}", [1, 0, 10, 1, 0, 10, 5, 0])
        ]
    # The chats' part: the user's memberships first, then each chat's events by (chat_id, id).
    assert any(
        p.startswith("SEARCH chat_members USING INDEX ix_chat_members_user_id") for p in plan
    )
    assert any(p.startswith("SEARCH events USING INDEX ix_events_chat_id_id") for p in plan)
    # The (user_id, id) index serves the events addressed to the user alone.
    assert sum("ix_events_user_id_id" in p for p in plan) == 1, plan
