"""SQLite's search index filled after the commit, in batches, not by a trigger in every send

Revision ID: 0010
Revises: 0009

SQLite only (PostgreSQL's GIN index is kept by PostgreSQL itself): the insert trigger of
0003/0007 indexed each message in its send's own transaction, a quarter of an in-process
send's CPU (docs/benchmarks.md, "Tenth session"), most of it FTS5 writing a small segment
per commit. Now messages are indexed by `messages/search_index.py` in batches after they are
committed, in id order, and `server_state['fts_indexed_through']` says how far: the edit and
delete triggers act only on rows at or below it (a row above is indexed later with whatever
content it has then). Everything that exists here is indexed already, so the position starts
at the newest message. Expand/contract (docs/deployment.md §6): a process of the previous
release still writes messages, which the indexer of this one picks up.
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Written out in full (no formatting into SQL). The position is
# server_state['fts_indexed_through']; a chat's `secret` never changes (0007).
SQLITE_UP = [
    """INSERT INTO server_state (key, value)
        SELECT 'fts_indexed_through', CAST(coalesce(max(id), 0) AS TEXT) FROM messages""",
    "DROP TRIGGER IF EXISTS messages_fts_insert",
    "DROP TRIGGER IF EXISTS messages_fts_delete",
    "DROP TRIGGER IF EXISTS messages_fts_update",
    """CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
        WHEN old.id <= (SELECT CAST(value AS INTEGER) FROM server_state
                        WHERE key = 'fts_indexed_through')
        AND (SELECT secret FROM chats WHERE id = old.chat_id) = 0 BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content)
        VALUES ('delete', old.id, old.content);
    END""",
    """CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages
        WHEN old.id <= (SELECT CAST(value AS INTEGER) FROM server_state
                        WHERE key = 'fts_indexed_through')
        AND (SELECT secret FROM chats WHERE id = new.chat_id) = 0 BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content)
        VALUES ('delete', old.id, old.content);
        INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
    END""",
]

# 0007's triggers, after indexing what was still waiting.
SQLITE_DOWN = [
    """INSERT INTO messages_fts(rowid, content)
        SELECT m.id, m.content FROM messages m JOIN chats c ON c.id = m.chat_id
        WHERE m.id > coalesce((SELECT CAST(value AS INTEGER) FROM server_state
                               WHERE key = 'fts_indexed_through'), 0)
        AND c.secret = 0 ORDER BY m.id""",
    "DELETE FROM server_state WHERE key = 'fts_indexed_through'",
    "DROP TRIGGER IF EXISTS messages_fts_delete",
    "DROP TRIGGER IF EXISTS messages_fts_update",
    """CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
        WHEN (SELECT secret FROM chats WHERE id = new.chat_id) = 0 BEGIN
        INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
    END""",
    """CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
        WHEN (SELECT secret FROM chats WHERE id = old.chat_id) = 0 BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content)
        VALUES ('delete', old.id, old.content);
    END""",
    """CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages
        WHEN (SELECT secret FROM chats WHERE id = new.chat_id) = 0 BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content)
        VALUES ('delete', old.id, old.content);
        INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
    END""",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
