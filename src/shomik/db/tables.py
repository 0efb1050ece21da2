"""The schema, as SQLAlchemy Core tables: one definition for SQLite and PostgreSQL (the
end-to-end encryption tables are in `e2ee_tables.py`, on the same metadata).

Migrations in `migrations/versions` are written from this file; `tests/db/test_migrations.py`
fails when the two drift apart.
"""

from __future__ import annotations

import sqlalchemy as sa

# The secret chats' tables are defined in e2ee_tables.py on the same metadata: importing them
# here makes `metadata` the whole schema for whoever reads it (migrations, their test).
from shomik.db import e2ee_tables as e2ee_tables
from shomik.db.schema_base import BigId, Timestamp
from shomik.db.schema_base import metadata as metadata

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(32), nullable=False),
    # Uniqueness is case-insensitive: the lower-cased copy carries the unique index.
    sa.Column("username_lower", sa.String(32), nullable=False, unique=True),
    sa.Column("display_name", sa.String(64), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("avatar_id", sa.String(32), nullable=True),
    sa.Column("status", sa.String(8), nullable=False, server_default="offline"),
    sa.Column("last_seen", Timestamp, nullable=True),
    sa.Column("params", sa.JSON, nullable=False),
    # Unused since sessions (0005): kept so that the release before it, still serving during
    # a rolling upgrade, finds its column (expand/contract); a later migration drops it.
    sa.Column("token_version", sa.Integer, nullable=False, server_default="0"),
    # Privacy (PATCH /api/users/me/privacy): who sees the live status and last-seen time
    # ("everybody" | "chats" | "nobody"), who may add the user to groups ("everybody" |
    # "nobody": the others send an invite instead).
    sa.Column("last_seen_privacy", sa.String(16), nullable=False, server_default="chats"),
    sa.Column("group_adds", sa.String(16), nullable=False, server_default="everybody"),
    # Two-step verification (RFC 6238 TOTP): the confirmed secret, a secret being set up
    # (until a first code proves the authenticator has it), and the sha256 hashes of the
    # unused one-time recovery codes.
    sa.Column("totp_secret", sa.String(64), nullable=True),
    sa.Column("totp_pending", sa.String(64), nullable=True),
    sa.Column("recovery_codes", sa.JSON, nullable=True),
    # The RFC 6238 time step (unix time // 30) of the last code accepted: a code is good
    # once, so one seen over a shoulder or a wire cannot sign in again within its window.
    sa.Column("totp_last_step", sa.BigInteger, nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    # Set by `shomik admin deactivate`: the account can no longer sign in; its row stays so
    # its messages keep their sender.
    sa.Column("deactivated_at", Timestamp, nullable=True),
    sqlite_autoincrement=True,
)

chats = sa.Table(
    "chats",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("type", sa.String(8), nullable=False),
    sa.Column("name", sa.String(128), nullable=True),
    sa.Column("avatar_id", sa.String(32), nullable=True),
    # "<smaller user id>:<larger user id>" for private chats: one chat per pair.
    sa.Column("private_key", sa.String(64), nullable=True, unique=True),
    sa.Column("created_by", BigId, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    # The per-chat message sequence; also the seq of the last message.
    sa.Column("last_seq", sa.BigInteger, nullable=False, server_default="0"),
    # How many members: counted again by chats/repository.py at each membership change
    # (the only writes of chat_members rows), so that the chat list shows a group's size
    # without counting up to 1,000 rows for each chat.
    sa.Column("member_count", sa.Integer, nullable=False, server_default="0"),
    # A secret chat (e2ee/, docs/e2ee.md): its messages are MLS ciphertext the server
    # never reads. Set at creation, never changed.
    sa.Column("secret", sa.Boolean, nullable=False, server_default=sa.false()),
    # A secret chat's self-destruct timer: messages sent while it is set expire this many
    # seconds after they were sent (`messages.expires_at`). Null: off.
    sa.Column("self_destruct_seconds", sa.Integer, nullable=True),
    # The two furthest read positions of the members: who is furthest, how far, and how far
    # the furthest of the others is; what `Chat.othersReadSeq` is reckoned from, kept by
    # chats/readers.py (no foreign key: a cache, written by every send).
    sa.Column("read_top_user", BigId, nullable=True),
    sa.Column("read_top_seq", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("read_next_seq", sa.BigInteger, nullable=False, server_default="0"),
    sqlite_autoincrement=True,
)

chat_members = sa.Table(
    "chat_members",
    metadata,
    sa.Column("chat_id", BigId, sa.ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", BigId, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("role", sa.String(8), nullable=False),
    sa.Column("joined_at", Timestamp, nullable=False),
    # Event position when the member joined: replay gives them the chat's events after it.
    sa.Column("joined_event", sa.BigInteger, nullable=False, server_default="0"),
    # Message seq up to which this member has read; unread = chats.last_seq - last_read_seq.
    sa.Column("last_read_seq", sa.BigInteger, nullable=False, server_default="0"),
    # The member's own settings of the chat (PATCH /api/chats/{id}/settings), synced to
    # their devices: silent until then (far future = forever), in the Archived folder,
    # pinned to the top (the order: earlier first), marked unread by hand.
    sa.Column("muted_until", Timestamp, nullable=True),
    sa.Column("archived", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("pinned_at", Timestamp, nullable=True),
    sa.Column("marked_unread", sa.Boolean, nullable=False, server_default=sa.false()),
    # False for the other person of a private chat nobody wrote in yet: it is not in their
    # list (nor announced to them) until its first message, or until they open it too.
    sa.Column("listed", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Index(None, "user_id"),
    # No index on `last_read_seq`: every send moves its sender's, and an indexed column
    # would make each of those updates a new entry in every index (chats/readers.py).
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("chat_id", BigId, sa.ForeignKey("chats.id", ondelete="CASCADE"), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("sender_id", BigId, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("type", sa.String(8), nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("reply_to_id", BigId, nullable=True),
    sa.Column("client_id", sa.String(64), nullable=True),
    sa.Column("meta", sa.JSON, nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("edited_at", Timestamp, nullable=True),
    sa.Column("deleted_at", Timestamp, nullable=True),
    # A forwarded copy: {userId, displayName, chatId, messageId, sentAt} of the original.
    sa.Column("forwarded_from", sa.JSON, nullable=True),
    # User ids mentioned (@username of members), decided by the server.
    sa.Column("mentions", sa.JSON, nullable=True),
    # The preview card of the first link: {url, siteName, title, description, image}, set by
    # the server after the message is stored (messages/previews); {} once removed.
    sa.Column("link_preview", sa.JSON, nullable=True),
    # When the chat's self-destruct timer deletes it for everyone (secret chats only);
    # cleared once it is deleted, so the index holds only what the sweep still has to do.
    sa.Column("expires_at", Timestamp, nullable=True),
    # History pages are keyset queries on (chat_id, seq).
    sa.UniqueConstraint("chat_id", "seq"),
    # Idempotent sends: a retry with the same clientId finds the original.
    sa.UniqueConstraint("sender_id", "chat_id", "client_id"),
    # The self-destruct sweep (messages/expiry.py): what is due, oldest first.
    sa.Index(None, "expires_at"),
    sqlite_autoincrement=True,
)

attachments = sa.Table(
    "attachments",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("uploader_id", BigId, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("message_id", BigId, sa.ForeignKey("messages.id"), nullable=True),
    # Set when the file became an avatar: then any signed-in user may fetch it.
    sa.Column("is_avatar", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("storage_name", sa.String(64), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("mime", sa.String(100), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("width", sa.Integer, nullable=True),
    sa.Column("height", sa.Integer, nullable=True),
    sa.Column("has_thumbnail", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", Timestamp, nullable=False),
    # Voice and video: the length, and for voice the waveform the browser computed (a list
    # of 0-255 levels, validated and capped by the server).
    sa.Column("duration_ms", sa.Integer, nullable=True),
    sa.Column("waveform", sa.JSON, nullable=True),
    sa.Index(None, "message_id"),
)

# Web Push: one subscription per browser (its push service endpoint), replaced on
# re-subscribe; removed when the push service says it is gone (404/410) or at log-out.
push_subscriptions = sa.Table(
    "push_subscriptions",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("user_id", BigId, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("endpoint", sa.String(2048), nullable=False, unique=True),
    sa.Column("p256dh", sa.String(128), nullable=False),
    sa.Column("auth", sa.String(64), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    # The session that subscribed: ending it (log out, "Terminate") stops this browser's
    # notifications too.
    sa.Column("session_id", sa.String(32), nullable=True),
    sa.Index(None, "user_id"),
    sqlite_autoincrement=True,
)

# Link previews, cached per URL (a failed fetch is cached too, as `data` NULL, so a link
# posted again is not fetched again at once). The image is stored like an upload.
link_previews = sa.Table(
    "link_previews",
    metadata,
    # sha256 of the URL: URLs are long; the key must be short and exact.
    sa.Column("url_hash", sa.String(64), primary_key=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("data", sa.JSON, nullable=True),
    sa.Column("image_storage_name", sa.String(64), nullable=True),
    sa.Column("fetched_at", Timestamp, nullable=False),
)

reactions = sa.Table(
    "reactions",
    metadata,
    sa.Column(
        "message_id", BigId, sa.ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("user_id", BigId, sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("emoji", sa.String(32), primary_key=True),
    sa.Column("created_at", Timestamp, nullable=False),
)

pins = sa.Table(
    "pins",
    metadata,
    sa.Column("chat_id", BigId, sa.ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "message_id", BigId, sa.ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("pinned_by", BigId, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("pinned_at", Timestamp, nullable=False),
)

# "Delete for me": messages one user no longer sees, on all their devices.
hidden_messages = sa.Table(
    "hidden_messages",
    metadata,
    sa.Column("user_id", BigId, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "message_id", BigId, sa.ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("chat_id", BigId, sa.ForeignKey("chats.id", ondelete="CASCADE"), nullable=False),
    sa.Index(None, "user_id", "chat_id"),
)

# Who is mentioned where, for the unread-mention count and the jump to it (the message's
# own `mentions` column is what clients see).
mentions = sa.Table(
    "mentions",
    metadata,
    sa.Column("user_id", BigId, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "message_id", BigId, sa.ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("chat_id", BigId, sa.ForeignKey("chats.id", ondelete="CASCADE"), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Index(None, "user_id", "chat_id", "seq"),
)

# The durable event log: its id is the `seq` clients resume from. A row goes either to a
# chat's members (user_id NULL) or to one user (user_id set).
events = sa.Table(
    "events",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("chat_id", BigId, nullable=True),
    sa.Column("user_id", BigId, nullable=True),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Index(None, "chat_id", "id"),
    sa.Index(None, "user_id", "id"),
    sqlite_autoincrement=True,
)

# One row per signed-in device: tokens name their session (`sid`), and a token is good only
# while its row exists. Ending a session deletes the row. Ids are random, never reused.
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("user_id", BigId, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    # "Chrome 156, Linux", from the User-Agent at sign-in (empty without one).
    sa.Column("device", sa.String(128), nullable=False),
    sa.Column("ip", sa.String(64), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("last_active_at", Timestamp, nullable=False),
    # When its token expires: an expired session is gone, and pruned at the next sign-in.
    sa.Column("expires_at", Timestamp, nullable=False),
    sa.Index(None, "user_id"),
)

# Who blocked whom: the blocked user cannot message or call the blocker, add them to
# groups or see their status.
user_blocks = sa.Table(
    "user_blocks",
    metadata,
    sa.Column("blocker_id", BigId, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("blocked_id", BigId, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Index(None, "blocked_id"),
)

# Invitations to a group, for people who do not let others add them (group_adds "nobody").
chat_invites = sa.Table(
    "chat_invites",
    metadata,
    sa.Column("chat_id", BigId, sa.ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", BigId, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("invited_by", BigId, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Index(None, "user_id"),
)

# Small key/value facts about the server's state (e.g. how far the event log was pruned).
server_state = sa.Table(
    "server_state",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
