"""Every Janus secret, derived from one shared setting (SHOMIK_SFU_SECRET), so that the
server and `shomik janus-config` agree without a second place to keep them in step.

HMAC-SHA256 with a label per use: knowing one derived value (say, a room's secret) reveals
neither the others nor the shared secret.
"""

from __future__ import annotations

import hashlib
import hmac


def derive(secret: str, label: str) -> str:
    return hmac.new(secret.encode(), label.encode(), hashlib.sha256).hexdigest()


def admin_secret(secret: str) -> str:
    """Janus's Admin API secret: tokens, sessions, and the room sweep."""
    return derive(secret, "janus admin_secret")


def api_secret(secret: str) -> str:
    """The Janus API secret this server uses; browsers use per-user tokens instead."""
    return derive(secret, "janus api_secret")


def admin_key(secret: str) -> str:
    """The VideoRoom admin_key: without it no room can be created or listed in full."""
    return derive(secret, "janus videoroom admin_key")


def room_secret(secret: str, room_id: int) -> str:
    """A room's own secret (kick, allowed, destroy). Derived, so that any process of this
    server can clean up a room another one left behind."""
    return derive(secret, f"janus room {room_id}")
