"""the chat list at scale: chats.member_count, and an index for the furthest read position

Revision ID: 0006
Revises: 0005

The chat list no longer carries member lists (a user in 1,000 groups of 1,000 got a million
members). What it shows instead: `Chat.memberCount`, kept in `chats.member_count` (filled
here from the rows there are), and `Chat.othersReadSeq` (the furthest any other member has
read, for "read" ticks), with this index a walk down one chat's read positions that stops
at the first other member, whatever the group's size. Additions only (expand/contract,
docs/deployment.md §6). The release before this one never writes `member_count`: members it
adds or removes during a rolling upgrade leave a chat's count behind until that chat's next
membership change, which counts again (chats/repository.py `_count_members`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "chats", sa.Column("member_count", sa.Integer(), server_default="0", nullable=False)
    )
    op.execute(
        "UPDATE chats SET member_count = "
        "(SELECT count(*) FROM chat_members WHERE chat_members.chat_id = chats.id)"
    )
    op.create_index(
        op.f("ix_chat_members_chat_id_last_read_seq"),
        "chat_members",
        ["chat_id", "last_read_seq"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_chat_members_chat_id_last_read_seq"), table_name="chat_members")
    op.drop_column("chats", "member_count")
