"""Redis clients whose pool waits for a free connection instead of failing.

redis-py's pool refuses a command outright (MaxConnectionsError) once `max_connections` are
in use: 100 by default since redis-py 6, unbounded before. A burst of a cluster's Redis
calls passes that easily: 5,000 sockets reconnecting at once each record presence, and each
one that closed tells the calls leader. The burst's calls then failed instead of waiting:
presence not recorded, closed sockets never reaching the calls leader, and rate limits
found "unreachable" and let through (ratelimit.py fails open), which a flood of logins
could use. A blocking pool queues the burst on a fixed number of connections per process,
each call waiting at most `wait` seconds for one.
"""

from __future__ import annotations

from typing import Any

import redis.asyncio as redis

# Per pool and process: Redis serves each connection's commands in turn, so more
# connections than this buy no throughput, only Redis's memory and file descriptors.
CONNECTIONS = 32


def pool(url: str, *, wait: float, **options: Any) -> redis.BlockingConnectionPool:
    """A blocking pool for `url`; `options` as redis-py's `from_url` takes them."""
    return redis.BlockingConnectionPool.from_url(
        url, max_connections=CONNECTIONS, timeout=wait, **options
    )


def client(url: str, *, wait: float, **options: Any) -> redis.Redis:
    """A client on its own blocking pool, closed with it."""
    return redis.Redis.from_pool(pool(url, wait=wait, **options))
