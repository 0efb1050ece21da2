"""sessions, privacy, blocks, group invites, two-step verification, deactivated accounts

Revision ID: 0005
Revises: 0004

Tokens now name a server-side session instead of carrying the user's token version.
Existing tokens stop working: everyone signs in once more. `users.token_version` stays,
unused, so that the previous release keeps working while the processes are restarted one by
one (expand now, contract in a later migration). Only additions, with plain ALTER TABLE
(not a batch copy, which would drop the search triggers of 0003).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("last_seen_privacy", sa.String(16), server_default="chats", nullable=False),
    )
    op.add_column(
        "users", sa.Column("group_adds", sa.String(16), server_default="everybody", nullable=False)
    )
    op.add_column("users", sa.Column("totp_secret", sa.String(64), nullable=True))
    op.add_column("users", sa.Column("totp_pending", sa.String(64), nullable=True))
    op.add_column("users", sa.Column("recovery_codes", sa.JSON(), nullable=True))
    op.add_column("users", sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    op.add_column("users", sa.Column("deactivated_at", Timestamp, nullable=True))
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("device", sa.String(128), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("last_active_at", Timestamp, nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
        _user_fk("sessions", "user_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
    )
    op.create_index(op.f("ix_sessions_user_id"), "sessions", ["user_id"], unique=False)
    op.add_column("push_subscriptions", sa.Column("session_id", sa.String(32), nullable=True))
    op.create_table(
        "user_blocks",
        sa.Column("blocker_id", BigId, nullable=False),
        sa.Column("blocked_id", BigId, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        _user_fk("user_blocks", "blocker_id"),
        _user_fk("user_blocks", "blocked_id"),
        sa.PrimaryKeyConstraint("blocker_id", "blocked_id", name=op.f("pk_user_blocks")),
    )
    op.create_index(op.f("ix_user_blocks_blocked_id"), "user_blocks", ["blocked_id"])
    op.create_table(
        "chat_invites",
        sa.Column("chat_id", BigId, nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("invited_by", BigId, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.id"],
            name=op.f("fk_chat_invites_chat_id_chats"),
            ondelete="CASCADE",
        ),
        _user_fk("chat_invites", "user_id"),
        _user_fk("chat_invites", "invited_by"),
        sa.PrimaryKeyConstraint("chat_id", "user_id", name=op.f("pk_chat_invites")),
    )
    op.create_index(op.f("ix_chat_invites_user_id"), "chat_invites", ["user_id"])


def downgrade() -> None:
    op.drop_column("push_subscriptions", "session_id")
    op.drop_table("chat_invites")
    op.drop_table("user_blocks")
    op.drop_table("sessions")
    for column in (
        "deactivated_at",
        "totp_last_step",
        "recovery_codes",
        "totp_pending",
        "totp_secret",
        "group_adds",
    ):
        op.drop_column("users", column)
    op.drop_column("users", "last_seen_privacy")
