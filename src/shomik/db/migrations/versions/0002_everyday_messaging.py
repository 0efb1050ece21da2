"""everyday messaging: per-member chat settings, forwarded copies, mentions, delete for me

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("chat_members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("muted_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("archived", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("pinned_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("marked_unread", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("listed", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("forwarded_from", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("mentions", sa.JSON(), nullable=True))
    op.create_table(
        "hidden_messages",
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("message_id", BigId, nullable=False),
        sa.Column("chat_id", BigId, nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.id"],
            name=op.f("fk_hidden_messages_chat_id_chats"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_hidden_messages_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_hidden_messages_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "message_id", name=op.f("pk_hidden_messages")),
    )
    with op.batch_alter_table("hidden_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hidden_messages_user_id_chat_id"), ["user_id", "chat_id"], unique=False
        )
    op.create_table(
        "mentions",
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("message_id", BigId, nullable=False),
        sa.Column("chat_id", BigId, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name=op.f("fk_mentions_chat_id_chats"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_mentions_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mentions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "message_id", name=op.f("pk_mentions")),
    )
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mentions_user_id_chat_id_seq"),
            ["user_id", "chat_id", "seq"],
            unique=False,
        )


def downgrade() -> None:
    op.drop_table("mentions")
    op.drop_table("hidden_messages")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("mentions")
        batch_op.drop_column("forwarded_from")
    with op.batch_alter_table("chat_members", schema=None) as batch_op:
        batch_op.drop_column("listed")
        batch_op.drop_column("marked_unread")
        batch_op.drop_column("pinned_at")
        batch_op.drop_column("archived")
        batch_op.drop_column("muted_until")
