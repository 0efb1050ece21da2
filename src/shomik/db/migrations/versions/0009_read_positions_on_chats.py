"""a chat's two furthest read positions on its row, in place of an index on every read position

Revision ID: 0009
Revises: 0008

`chats.read_top_user`, `read_top_seq` and `read_next_seq` (chats/readers.py), filled here
from the members' rows, and the index on `chat_members (chat_id, last_read_seq)` dropped:
every send moved an indexed column, a new entry in each of the table's indexes for VACUUM
to clear. Expand/contract (docs/deployment.md §6): the previous release reads
`othersReadSeq` from the members' rows (without the index, a walk of one chat's rows) and
never writes the new columns; a chat whose members read through it during a rolling
upgrade may show its "read" ticks behind until one of its members reads or sends through
this release, or its membership changes, which reckons the pair again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# As they are at this revision (not the application's tables, which move on).
_chats = sa.table(
    "chats",
    *(sa.column(n) for n in ("id", "read_top_user", "read_top_seq", "read_next_seq")),
)
_members = sa.table(
    "chat_members", sa.column("chat_id"), sa.column("user_id"), sa.column("last_read_seq")
)


def _ranked(column: str, offset: int) -> sa.ScalarSelect[object]:
    m = _members.c
    return (
        sa.select(m[column])
        .where(m.chat_id == _chats.c.id)
        .order_by(m.last_read_seq.desc(), m.user_id)
        .limit(1)
        .offset(offset)
        .scalar_subquery()
    )


def upgrade() -> None:
    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.add_column("chats", sa.Column("read_top_user", big, nullable=True))
    for name in ("read_top_seq", "read_next_seq"):
        op.add_column("chats", sa.Column(name, sa.BigInteger(), server_default="0", nullable=False))
    op.execute(
        sa.update(_chats).values(
            read_top_user=_ranked("user_id", 0),
            read_top_seq=sa.func.coalesce(_ranked("last_read_seq", 0), 0),
            read_next_seq=sa.func.coalesce(_ranked("last_read_seq", 1), 0),
        )
    )
    op.drop_index(op.f("ix_chat_members_chat_id_last_read_seq"), table_name="chat_members")


def downgrade() -> None:
    op.create_index(
        op.f("ix_chat_members_chat_id_last_read_seq"),
        "chat_members",
        ["chat_id", "last_read_seq"],
        unique=False,
    )
    for name in ("read_next_seq", "read_top_seq", "read_top_user"):
        op.drop_column("chats", name)
