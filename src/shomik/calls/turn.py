"""Short-lived TURN credentials in coturn's `use-auth-secret` scheme (the "TURN REST API"
draft, draft-uberti-behave-turn-rest-00): coturn recomputes the HMAC with the shared secret
and refuses the username once its expiry has passed. Nothing is stored on either side.

Short-lived because a TURN credential is a bandwidth relay anyone can use: a leaked one
(browser extension, log, shared HAR file) stops working within the TTL, and no revocation
list is needed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time


def credentials(secret: str, user_id: int, ttl: int, now: float | None = None) -> tuple[str, str]:
    """(username, credential): username = "<expiry unix>:<user id>",
    credential = base64(HMAC-SHA1(secret, username))."""
    expiry = int(now if now is not None else time.time()) + ttl
    username = f"{expiry}:{user_id}"
    # SHA-1 is what coturn's scheme specifies; as an HMAC it is not broken by SHA-1's
    # collision weakness.
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()
