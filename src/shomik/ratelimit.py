"""Rate limits (the `limits` library, moving windows in memory) for login, registration,
sending and uploads. A refusal carries the seconds to wait."""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from shomik.errors import RateLimited
from shomik.settings import Settings


class RateLimiter:
    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limits_enabled
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._items: dict[str, RateLimitItem] = {
            "login": parse(settings.rate_login),
            "login_account": parse(settings.rate_login_account),
            "register": parse(settings.rate_register),
            "send": parse(settings.rate_send),
            "upload": parse(settings.rate_upload),
            "command": parse(settings.rate_ws_commands),
            "call_signal": parse(settings.rate_call_signals),
            "ice_servers": parse(settings.rate_ice_servers),
        }

    def hit(self, action: str, key: str, message: str | None = None) -> None:
        """Count one attempt; raise RateLimited (with `message`, if given) if the window is
        full."""
        if not self.enabled:
            return
        item = self._items[action]
        if not self._limiter.hit(item, action, key):
            reset_at = self._limiter.get_window_stats(item, action, key).reset_time
            raise RateLimited(max(1, math.ceil(reset_at - time.time())), message)
