"""The end-to-end encryption tables (e2ee/, docs/e2ee.md), part of the schema of
`tables.py` (same metadata, imported there): the MLS Delivery and Authentication Service's
state. No key that decrypts anything is ever here."""

from __future__ import annotations

import sqlalchemy as sa

from shomik.db.schema_base import BigId, Timestamp, metadata

# One MLS identity per signed-in device: its Ed25519 signature key, bound to the user and
# the session. A session's end leaves the row (revoked: its key must still verify the leaf
# it has in groups until a commit removes it) but nulls `session_id`.
e2ee_devices = sa.Table(
    "e2ee_devices",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("user_id", BigId, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column(
        "session_id",
        sa.String(32),
        sa.ForeignKey("sessions.id", ondelete="SET NULL"),
        nullable=True,
        unique=True,
    ),
    # MLS requires distinct signature keys across a group's leaves (RFC 9420 §7.3).
    sa.Column("signature_key", sa.LargeBinary, nullable=False, unique=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("revoked_at", Timestamp, nullable=True),
    sa.Index(None, "user_id"),
)

# Published KeyPackages (MLSMessage bytes), each handed out once. `session_id` repeats the
# device's so that ending the session deletes them in the same statement, on both engines.
e2ee_key_packages = sa.Table(
    "e2ee_key_packages",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column(
        "device_id",
        sa.String(32),
        sa.ForeignKey("e2ee_devices.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column(
        "session_id",
        sa.String(32),
        sa.ForeignKey("sessions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Index(None, "device_id", "id"),
    sa.Index(None, "session_id"),
    sqlite_autoincrement=True,
)

# A secret chat's MLS group as the Delivery Service orders it: the current epoch (the one
# the next commit must be made in).
e2ee_groups = sa.Table(
    "e2ee_groups",
    metadata,
    sa.Column("chat_id", BigId, sa.ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("epoch", sa.BigInteger, nullable=False, server_default="0"),
)

# Which devices the accepted commits put in a group (as their committers declared).
e2ee_group_devices = sa.Table(
    "e2ee_group_devices",
    metadata,
    sa.Column("chat_id", BigId, sa.ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "device_id",
        sa.String(32),
        sa.ForeignKey("e2ee_devices.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("user_id", BigId, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    # The first epoch the device can read: earlier messages are not for it.
    sa.Column("added_epoch", sa.BigInteger, nullable=False),
    sa.Index(None, "device_id"),
)

# Every accepted commit, one per epoch (the key makes a second one impossible), with the
# Welcome for the devices it added: what a device that missed the events catches up from.
e2ee_commits = sa.Table(
    "e2ee_commits",
    metadata,
    sa.Column("chat_id", BigId, sa.ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True),
    # The epoch the commit was made in; it moved the group to epoch + 1.
    sa.Column("epoch", sa.BigInteger, primary_key=True),
    # Who committed (no foreign keys: the history outlives a revoked device).
    sa.Column("user_id", BigId, nullable=False),
    sa.Column("device_id", sa.String(32), nullable=False),
    sa.Column("commit", sa.LargeBinary, nullable=False),
    sa.Column("welcome", sa.LargeBinary, nullable=True),
    sa.Column("added", sa.JSON, nullable=False),
    sa.Column("removed", sa.JSON, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
)
