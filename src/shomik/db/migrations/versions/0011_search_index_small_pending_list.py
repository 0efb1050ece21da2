"""PostgreSQL's search index merges its pending list in small pieces, not 4 MB at once

Revision ID: 0011
Revises: 0010

PostgreSQL only. GIN (`fastupdate`, the default) adds an insert's words to a pending list,
and the insert that finds the list past `gin_pending_list_limit` (4 MB by default) merges
all of it into the index proper before it returns: 60-100 ms for one message's INSERT in
every 20,000-40,000 here (`python -m benchmarks.pg_search_index`), and the sends of its
chat wait behind it (db.write's per-chat turn). At 64 kB, the smallest limit, the largest
insert took under 10 ms for the same CPU per insert; `fastupdate = off` had no stalls either
but cost 15 % more CPU per insert. The pending entries already there are merged here, as
the new limit leaves them until an insert finds them.

Expand/contract (docs/deployment.md §6): the previous release does not notice. Setting the
option takes a brief exclusive lock on the index, which waits for inserts in progress;
`lock_timeout` keeps sends queued behind that waiting lock from stalling for long (the
migration then fails, changing nothing, and can be run again).
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

POSTGRES_UP = [
    "SET LOCAL lock_timeout = '5s'",
    "ALTER INDEX ix_messages_content_fts SET (gin_pending_list_limit = 64)",
    "SELECT gin_clean_pending_list('ix_messages_content_fts'::regclass)",
]
POSTGRES_DOWN = [
    "SET LOCAL lock_timeout = '5s'",
    "ALTER INDEX ix_messages_content_fts RESET (gin_pending_list_limit)",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_DOWN:
            op.execute(statement)
