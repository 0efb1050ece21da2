"""One app's metrics, in a registry of its own: the tests run several apps in one process,
and the global registry would refuse the second app's collectors.

The hot paths (a command on a socket, an event emitted, an ephemeral event shed) pay a dict
lookup and a locked float add: the labelled children are made once per type and kept.
Gauges that can be read when scraped (connections, the database pool) are callbacks, so
nothing is counted for them on any hot path.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from shomik.realtime import wsdeflate

# A send commits in about a millisecond on SQLite; the target for a delivery's p99 is 50 ms
# (docs/benchmarks.md). Fine steps below 10 ms, coarse ones up to the 2.5 s of a stuck disk.
SEND_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        # The process's CPU, memory and open files (each socket is one), Python's version
        # and garbage collections: read when scraped, shared by every registry.
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            r.register(collector)
        self.connections = Gauge(
            "shomik_ws_connections",
            "WebSocket connections that have authenticated and are not closed yet.",
            registry=r,
        )
        self.commands = Counter(
            "shomik_ws_commands", "WebSocket commands received, by type.", ["type"], registry=r
        )
        self.events = Counter(
            "shomik_events",
            "Events emitted (once each, however many sockets receive them), by type.",
            ["type"],
            registry=r,
        )
        self.send_seconds = Histogram(
            "shomik_message_send_seconds",
            "message:send (via=ws) and POST /api/messages (via=rest): from the command reaching"
            " its handler until the message is committed and its event handed to the sockets.",
            ["via"],
            buckets=SEND_BUCKETS,
            registry=r,
        )
        self.sheds = Counter(
            "shomik_ws_shed_events",
            "Ephemeral events (typing, presence, call signals) dropped for a socket whose send"
            " queue was half full.",
            registry=r,
        )
        self.slow_consumers = Counter(
            "shomik_ws_slow_consumer_disconnects",
            "Sockets closed with 4008: their send queue filled up, or too many live events"
            " were held during their replay.",
            registry=r,
        )
        self.db_pool_in_use = Gauge(
            "shomik_db_pool_in_use",
            "Database connections checked out of the pool: every query on PostgreSQL; on"
            " SQLite the reads only (writes use one dedicated connection, one at a time).",
            registry=r,
        )
        self.deflaters = Gauge(
            "shomik_ws_deflaters",
            "WebSocket connections holding a zlib deflater now: it is dropped after"
            " SHOMIK_WS_COMPRESSION_IDLE_SECONDS without a message sent (about 38 KiB each).",
            registry=r,
        )
        self.deflaters.set_function(wsdeflate.holding)
        self._commands: dict[str, Counter] = {}
        self._events: dict[str, Counter] = {}
        self._send = {via: self.send_seconds.labels(via) for via in ("ws", "rest")}

    def watch(self, connection_count: Callable[[], int], engine: AsyncEngine) -> None:
        """Gauges read when scraped: the hub's connections and the pool's checked-out ones."""
        self.connections.set_function(connection_count)
        pool = engine.pool
        checkedout = getattr(pool, "checkedout", None)
        if callable(checkedout):  # every queue pool; a NullPool or StaticPool has none
            self.db_pool_in_use.set_function(checkedout)

    def command(self, type_: str) -> None:
        """Called for known command types only: the label set stays bounded."""
        child = self._commands.get(type_)
        if child is None:
            child = self._commands[type_] = self.commands.labels(type_)
        child.inc()

    def event(self, type_: str) -> None:
        child = self._events.get(type_)
        if child is None:
            child = self._events[type_] = self.events.labels(type_)
        child.inc()

    def sent(self, via: str, seconds: float) -> None:
        self._send[via].observe(seconds)

    def shed(self) -> None:
        self.sheds.inc()

    def slow_consumer(self) -> None:
        self.slow_consumers.inc()

    def broker_publish_lag(self) -> Histogram:
        """For the Redis bus (several processes, cluster/redis_bus.py): registered when it
        starts, it observes the time from an event's commit until Redis handed it back to
        this process, on one own event at most every 0.1 s that is also published to its
        own inbox (cluster/peers.py): through Redis as to every other process. One process
        has no such metric, rather than a lag of zero nothing measured."""
        return Histogram(
            "shomik_redis_publish_lag_seconds",
            "From an event's commit until Redis handed a sampled publication back to this process.",
            buckets=SEND_BUCKETS,
            registry=self.registry,
        )

    def broker_events_from_log(self) -> Counter:
        """For the Redis bus too: events this process delivered from the event log because
        the channel did not bring them, by why. Zero in a healthy cluster but for Redis
        restarts; a steady rise means publications are lost (docs/deployment.md §6)."""
        return Counter(
            "shomik_redis_events_from_log",
            "Events delivered from the event log instead of the Redis channel, by reason:"
            " reconnect (Redis was away), hole (an id never came), quiet (the channel fell"
            " silent with the log ahead).",
            ["reason"],
            registry=self.registry,
        )

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
