"""PostgreSQL's search index without a pending list: GIN `fastupdate = off`

Revision ID: 0009
Revises: 0008

With `fastupdate` on (GIN's default) a message's words go to the index's pending list, and
the insert that finds the list over `gin_pending_list_limit` (4 MB) merges all of it into
the index, inside its own statement: that send, and every write of the chat and of the
event order behind it, waited hundreds of milliseconds every few thousand messages
(docs/benchmarks.md, "Twelfth session"). Off, each message's few words go into the index
as it is stored, a steady small cost. Setting a storage parameter changes no data and no
query: safe while the previous release serves (docs/deployment.md §6). SQLite: nothing.
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_messages_content_fts SET (fastupdate = off)")
        # What is pending already goes into the index now, not at some send's insert.
        op.execute("SELECT gin_clean_pending_list('ix_messages_content_fts'::regclass)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_messages_content_fts RESET (fastupdate)")
