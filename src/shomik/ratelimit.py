"""Rate limits (the `limits` library's moving windows) for login, registration, sending,
uploads, commands. In memory for one process; in Redis for several (SHOMIK_REDIS_URL), so a
limit is the cluster's, not N times it. A refusal carries the seconds to wait."""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from shomik.cluster import clients
from shomik.errors import RateLimited
from shomik.settings import Settings

log = logging.getLogger(__name__)


class RateLimiter:
    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limits_enabled
        self._limiter = MovingWindowRateLimiter(_storage(settings))
        self._items: dict[str, RateLimitItem] = {
            "login": parse(settings.rate_login),
            "login_account": parse(settings.rate_login_account),
            "register": parse(settings.rate_register),
            "send": parse(settings.rate_send),
            "upload": parse(settings.rate_upload),
            "command": parse(settings.rate_ws_commands),
            "call_signal": parse(settings.rate_call_signals),
            "ice_servers": parse(settings.rate_ice_servers),
            "key_packages": parse(settings.rate_key_packages),
        }

    async def hit(self, action: str, key: str, message: str | None = None) -> None:
        """Count one attempt; raise RateLimited (with `message`, if given) if the window is
        full."""
        if not self.enabled:
            return
        item = self._items[action]
        try:
            allowed = await self._limiter.hit(item, action, key)
        except Exception:
            # Redis away (several processes): let it through rather than refuse everything;
            # the limits are back with Redis.
            log.warning("rate limit storage unreachable: %s not counted", action)
            return
        if not allowed:
            reset_at = (await self._limiter.get_window_stats(item, action, key)).reset_time
            raise RateLimited(max(1, math.ceil(reset_at - time.time())), message)


def _storage(settings: Settings) -> Storage:
    if settings.redis_url and not settings.is_sqlite:
        # limits' async Redis storage, on the redis-py asyncio client (not coredis).
        url = "async+" + settings.redis_url
        # A pool that waits for a connection (cluster/clients.py): a burst past the pool's
        # size must be counted, not failed open. A Redis that stops answering lets requests
        # through after a second (hit() fails open) rather than holding every request.
        # (limits documents `connection_pool` but types its options as scalars.)
        pooled: dict[str, Any] = {
            "connection_pool": clients.pool(
                settings.redis_url, wait=1, socket_timeout=1, socket_connect_timeout=1
            )
        }
        return RedisStorage(
            url, implementation="redispy", key_prefix=f"{settings.redis_prefix}:limits", **pooled
        )
    return MemoryStorage()
