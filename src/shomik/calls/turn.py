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

from shomik.calls.schemas import IceServers, StunServer, TurnServer
from shomik.settings import Settings


def credentials(
    secret: str, user_id: int | str, ttl: int, now: float | None = None
) -> tuple[str, str]:
    """(username, credential): username = "<expiry unix>:<user id>" (or "janus" for the
    SFU's own, sfu/config.py),
    credential = base64(HMAC-SHA1(secret, username))."""
    expiry = int(now if now is not None else time.time()) + ttl
    username = f"{expiry}:{user_id}"
    # SHA-1 is what coturn's scheme specifies; as an HMAC it is not broken by SHA-1's
    # collision weakness.
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_servers(settings: Settings, user_id: int) -> IceServers:
    """The RTCConfiguration fields for one user's call: STUN, and TURN with fresh
    credentials."""
    servers: list[StunServer | TurnServer] = []
    if settings.stun_urls:
        servers.append(StunServer(urls=settings.stun_urls))
    if settings.turn_urls and settings.turn_secret:
        username, credential = credentials(settings.turn_secret, user_id, settings.turn_ttl)
        servers.append(
            TurnServer(urls=settings.turn_urls, username=username, credential=credential)
        )
    return IceServers(
        ice_servers=servers,
        ice_transport_policy=settings.ice_transport_policy,
        ttl=settings.turn_ttl,
    )
