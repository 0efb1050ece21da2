"""message search: an FTS5 index kept by triggers (SQLite), a GIN index (PostgreSQL)

Revision ID: 0003
Revises: 0002

SQLite: an external-content FTS5 table over messages.content. The triggers keep it in step
in the writing transaction itself: an insert adds the words, an edit replaces them, and a
delete for everyone (which clears content by UPDATE) removes them. `rebuild` indexes the rows
that exist already. Note for later migrations: a batch "move and copy" of `messages` drops
its triggers; recreate them (and `rebuild`) after one.

PostgreSQL: a GIN index on the expression to_tsvector('simple', content). Queries must use
the same expression to use it (messages/search.py). See docs/architecture.md, "Search".
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SQLITE_UP = [
    """CREATE VIRTUAL TABLE messages_fts USING fts5(
        content, content='messages', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
    END""",
    """CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content)
        VALUES ('delete', old.id, old.content);
    END""",
    """CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content)
        VALUES ('delete', old.id, old.content);
        INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
    END""",
    "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS messages_fts_update",
    "DROP TRIGGER IF EXISTS messages_fts_delete",
    "DROP TRIGGER IF EXISTS messages_fts_insert",
    "DROP TABLE IF EXISTS messages_fts",
]
POSTGRES_UP = [
    "CREATE INDEX ix_messages_content_fts ON messages USING gin (to_tsvector('simple', content))",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS ix_messages_content_fts"]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_UP if sqlite else POSTGRES_UP:
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_DOWN if sqlite else POSTGRES_DOWN:
        op.execute(statement)
