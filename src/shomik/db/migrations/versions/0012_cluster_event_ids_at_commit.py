"""A cluster's event ids drawn by the event insert itself, under the order lock

Revision ID: 0012
Revises: 0011

PostgreSQL only. A process of a cluster drew its write's event ids in a round trip of
their own (the order lock, then `nextval`), and its event insert then went with the COMMIT:
two round trips under the lock that every write of the cluster waits for, and one more
wake-up of the writing process per write. `shomik_ordered_event_ids(lock_key, n)` takes
the same lock and draws `n` ids in the event insert's own statement, sent with the COMMIT
(db/eventids.py `OrderedIds`); it tells the writer the ids in a NOTICE (SQLSTATE SH001),
which arrives in the same reply, as a statement in one string with a COMMIT cannot return
rows to the client.

Expand/contract (docs/deployment.md §6): processes of the previous release still draw
their ids in a statement of their own, under the same lock and from the same sequence, so
the two kinds commit ids in the order they are drawn side by side during a rolling restart.
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# The lock comes before any id is drawn: an id drawn meanwhile by another writer is then
# smaller, and ids commit in the order they were drawn (tests/db/test_eventids.py).
POSTGRES_UP = """
CREATE OR REPLACE FUNCTION shomik_ordered_event_ids(lock_key bigint, n integer)
RETURNS bigint[] LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    seq text := pg_get_serial_sequence('events', 'id');
    ids bigint[];
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    SELECT array_agg(nextval(seq) ORDER BY i) INTO ids FROM generate_series(1, n) AS i;
    RAISE NOTICE USING MESSAGE = array_to_string(ids, ','), ERRCODE = 'SH001';
    RETURN ids;
END
$fn$
"""
POSTGRES_DOWN = "DROP FUNCTION IF EXISTS shomik_ordered_event_ids(bigint, integer)"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_UP)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_DOWN)
