"""secret chats: MLS devices, key packages, groups and commits; chats.secret

Revision ID: 0007
Revises: 0006

The state of the MLS Delivery and Authentication Service (e2ee/, docs/e2ee.md): additions
only (expand/contract, docs/deployment.md §6), with plain ALTER TABLE for `chats.secret`.
On SQLite the search triggers of 0003 are recreated with a WHEN clause, so the ciphertext
of secret chats never enters the FTS5 index (a chat's `secret` never changes, so insert,
update and delete agree on which rows are indexed). On PostgreSQL the GIN expression index
cannot look at another table; queries leave secret chats out (messages/search.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)

# A chat's `secret` never changes, so the three triggers agree on which rows are indexed.
SQLITE_TRIGGERS_UP = [
    "DROP TRIGGER IF EXISTS messages_fts_insert",
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
SQLITE_TRIGGERS_DOWN = [
    "DROP TRIGGER IF EXISTS messages_fts_insert",
    "DROP TRIGGER IF EXISTS messages_fts_delete",
    "DROP TRIGGER IF EXISTS messages_fts_update",
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
]


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    name = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_{table}_{column}_{name}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.add_column(
        "chats", sa.Column("secret", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.create_table(
        "e2ee_devices",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("session_id", sa.String(32), nullable=True),
        sa.Column("signature_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("revoked_at", Timestamp, nullable=True),
        _fk("e2ee_devices", "user_id", "users.id", "CASCADE"),
        _fk("e2ee_devices", "session_id", "sessions.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_e2ee_devices")),
        sa.UniqueConstraint("session_id", name=op.f("uq_e2ee_devices_session_id")),
        sa.UniqueConstraint("signature_key", name=op.f("uq_e2ee_devices_signature_key")),
    )
    op.create_index(op.f("ix_e2ee_devices_user_id"), "e2ee_devices", ["user_id"])
    op.create_table(
        "e2ee_key_packages",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("device_id", sa.String(32), nullable=False),
        sa.Column("session_id", sa.String(32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        _fk("e2ee_key_packages", "device_id", "e2ee_devices.id", "CASCADE"),
        _fk("e2ee_key_packages", "session_id", "sessions.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_e2ee_key_packages")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_e2ee_key_packages_device_id_id"), "e2ee_key_packages", ["device_id", "id"]
    )
    op.create_index(op.f("ix_e2ee_key_packages_session_id"), "e2ee_key_packages", ["session_id"])
    op.create_table(
        "e2ee_groups",
        sa.Column("chat_id", BigId, nullable=False),
        sa.Column("epoch", sa.BigInteger(), server_default="0", nullable=False),
        _fk("e2ee_groups", "chat_id", "chats.id", "CASCADE"),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_e2ee_groups")),
    )
    op.create_table(
        "e2ee_group_devices",
        sa.Column("chat_id", BigId, nullable=False),
        sa.Column("device_id", sa.String(32), nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("added_epoch", sa.BigInteger(), nullable=False),
        _fk("e2ee_group_devices", "chat_id", "chats.id", "CASCADE"),
        _fk("e2ee_group_devices", "device_id", "e2ee_devices.id", "CASCADE"),
        _fk("e2ee_group_devices", "user_id", "users.id", "CASCADE"),
        sa.PrimaryKeyConstraint("chat_id", "device_id", name=op.f("pk_e2ee_group_devices")),
    )
    op.create_index(op.f("ix_e2ee_group_devices_device_id"), "e2ee_group_devices", ["device_id"])
    op.create_table(
        "e2ee_commits",
        sa.Column("chat_id", BigId, nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("device_id", sa.String(32), nullable=False),
        sa.Column("commit", sa.LargeBinary(), nullable=False),
        sa.Column("welcome", sa.LargeBinary(), nullable=True),
        sa.Column("added", sa.JSON(), nullable=False),
        sa.Column("removed", sa.JSON(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        _fk("e2ee_commits", "chat_id", "chats.id", "CASCADE"),
        sa.PrimaryKeyConstraint("chat_id", "epoch", name=op.f("pk_e2ee_commits")),
    )
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS_DOWN:
            op.execute(statement)
    op.drop_table("e2ee_commits")
    op.drop_table("e2ee_group_devices")
    op.drop_table("e2ee_groups")
    op.drop_table("e2ee_key_packages")
    op.drop_table("e2ee_devices")
    op.drop_column("chats", "secret")
