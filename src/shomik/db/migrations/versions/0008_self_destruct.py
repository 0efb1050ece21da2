"""self-destructing messages in secret chats: chats.self_destruct_seconds, messages.expires_at

Revision ID: 0008
Revises: 0007

A secret chat's timer (`PUT /api/e2ee/chats/{id}/timer`) and each message's expiry, set at
send from the timer then in force; the sweep (messages/expiry.py) deletes what is due, by the
index on `expires_at`. Additions only (expand/contract, docs/deployment.md §6): the previous
release neither reads nor writes them, and its messages simply never expire.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("chats", sa.Column("self_destruct_seconds", sa.Integer(), nullable=True))
    op.add_column("messages", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_messages_expires_at"), "messages", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_messages_expires_at"), table_name="messages")
    op.drop_column("messages", "expires_at")
    op.drop_column("chats", "self_destruct_seconds")
