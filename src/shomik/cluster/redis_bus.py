"""The bus of several processes: Redis pub/sub.

Order: on PostgreSQL with Redis, a write transaction takes a cluster-wide advisory lock right
before it inserts its events and keeps it until its commit (db/engine.py), so event ids
commit in the order they were taken, and each process publishes its own in that order, to
the other processes' inboxes (cluster/peers.py), and hands them to its own reader. Two
processes' publications can still cross (A commits 501, B commits 502 and publishes first):
every process delivers what its reader takes, in seq order, and an id that arrives with ids
missing before it waits a moment for them and then first delivers those from the log, where
they already are (they committed first). A client that saw seq N never later needs a
smaller one.

Losses: a subscriber that loses Redis (a restart, a network cut), or misses a publish that
failed, catches up from the event log: after reconnecting; when an event arrives with ids
missing before it (the missing ones that the log has go first); and when the log's head
stays ahead of what it delivered while the channel is quiet (a lost last event). The member
cache is dropped then, as invalidations may have been missed with the events. Too much to
catch up closes this process's sockets (4008), and their clients resume, missing nothing.

Besides the shared channel (ephemeral events, invalidations, closings, notes), each process
reads an inbox of its own (`proc:<id>`): the others' durable events, frames for one of its
sockets (a call's signals) and requests to the calls leader with their answers
(calls/front.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import orjson
import redis.asyncio as redis
from prometheus_client import Counter
from redis.exceptions import RedisError

from shomik.cluster import clients, rpc
from shomik.cluster.bus import Bus, deliver_durable
from shomik.cluster.peers import LagProbe, Peers
from shomik.cluster.publisher import PUBLISH_TIMEOUT, Publisher
from shomik.cluster.subscriber import Subscription, subscribe
from shomik.db.engine import Database
from shomik.errors import Busy
from shomik.realtime import events
from shomik.realtime.connection import CLOSE_SLOW_CONSUMER

if TYPE_CHECKING:
    from shomik.realtime.hub import Hub

log = logging.getLogger(__name__)

REQUEST_TIMEOUT = 10.0
LEADER_TTL_SECONDS = 10
LEADER_RENEW_SECONDS = 3
# Renew the leader key only if this process still holds it.
_RENEW = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('expire', KEYS[1], ARGV[2]) else return 0 end"
)
IDLE_CHECK_SECONDS = 1.0
RECONNECT_MAX_SECONDS = 5.0
SUBSCRIBE_TIMEOUT = 5.0
CATCH_UP_MAX = 10_000
# An event whose seq skips one waits this long for the one before it, published by another
# process a moment later than its own, before the log is asked for it. With several processes
# sending, publications cross all the time; reading the log (and dropping the member cache)
# for each was most of the cluster's cost (docs/benchmarks.md).
HOLE_WAIT_SECONDS = 0.05
HELD_MAX = 1000


class RedisBus(Bus):
    def __init__(self, hub: Hub, url: str, db: Database, prefix: str, process_id: str) -> None:
        super().__init__(hub, process_id)
        self._url = url
        self._db = db
        self._prefix = prefix
        self._channel = f"{prefix}:bus"
        self._leader_key = f"{prefix}:calls_leader"
        self._replies: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.lag = LagProbe()  # shomik_redis_publish_lag_seconds
        # shomik_redis_events_from_log (metrics/registry.py), by why the channel fell short.
        self.from_log: Counter | None = None
        self._redis: redis.Redis = clients.client(
            url, wait=REQUEST_TIMEOUT / 2, socket_timeout=PUBLISH_TIMEOUT
        )
        self._publisher = Publisher(url)
        self._peers = Peers(self._redis, prefix, process_id)
        self._own = self._peers.inbox(process_id)
        self._subscription: Subscription | None = None
        self._outbox: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue(maxsize=100_000)
        self._tasks: list[asyncio.Task[None]] = []
        self._running: set[asyncio.Task[None]] = set()
        self.delivered_through = 0
        # Durable events past a hole, by seq, until it fills or HOLE_WAIT_SECONDS pass.
        self._held: dict[int, dict[str, Any]] = {}
        self._hole_deadline = 0.0
        # False while the subscriber is cut off: publishing then would only wait out timeouts.
        self.connected = False

    async def start(self) -> None:
        async with self._db.read() as conn:
            self.delivered_through = await events.head(conn)
        subscribed = asyncio.Event()
        self._tasks = [
            asyncio.create_task(self._subscribe_forever(subscribed), name="bus-subscriber"),
            asyncio.create_task(self._publish_forever(), name="bus-publisher"),
            asyncio.create_task(self._lead_forever(), name="calls-leadership"),
            asyncio.create_task(self._peers.refresh_forever(), name="bus-peers"),
        ]
        # Up before serving, so no event of this process's own first seconds is missed.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(subscribed.wait(), 5)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._publisher.close()
        await self._redis.aclose()

    # --- publishing -------------------------------------------------------------------

    async def durable(
        self, seq: int, user_id: int | None, chat_id: int | None, text: str
    ) -> Callable[[], None] | None:
        # Published here, in the event-order section, to the other processes' inboxes, and
        # handed to this process's own reader: each delivers it in seq order.
        subscription = self._subscription
        if not self.connected or subscription is None:
            return None  # everyone, this process too, catches up from the log when it is back
        message = {"k": "d", "s": seq, "u": user_id, "c": chat_id, "t": text}
        targets = self._peers.targets
        if self.lag.sample(seq):  # called right after the commit
            targets = (*targets, self._own)
        if targets:
            await self._publish_now(message, targets)
        subscription.inject(message)
        return None

    async def invalidate_members(self, chat_id: int) -> None:
        self.hub.members.invalidate(chat_id)  # this process's next read must not use it
        await self._publish_now({"k": "i", "c": chat_id})

    async def tell_all(self, op: str, payload: dict[str, Any]) -> None:
        await super().tell_all(op, payload)
        await self._publish_now({"k": "all", "from": self.process_id, "op": op, "a": payload})

    def ephemeral(self, user_ids: Iterable[int], text: str) -> None:
        self._later({"k": "e", "u": list(user_ids), "t": text})

    def disconnect_session(self, user_id: int, session_id: str, code: int, reason: str) -> None:
        self.hub.disconnect_session(user_id, session_id, code, reason)
        self._later({"k": "s", "u": user_id, "sid": session_id, "code": code, "r": reason})

    def disconnect_user(self, user_id: int, code: int, reason: str) -> None:
        self.hub.disconnect_user(user_id, code, reason)
        self._later({"k": "x", "u": user_id, "code": code, "r": reason})

    async def _publish_now(
        self, message: dict[str, Any], channels: Iterable[str] | None = None
    ) -> None:
        """Awaited in the event-order section: this process's events enter the channels
        (the shared one unless given) in the order of their ids."""
        if not self.connected:
            return  # the others catch up from the log when Redis is back
        body = orjson.dumps(message)
        try:
            for channel in channels or (self._channel,):
                await self._publisher.publish(channel, body)
        except Exception:
            # Whatever the client library raised, the write it follows has committed and
            # must still be acknowledged: the others catch up from the log.
            log.warning("publish to Redis failed; subscribers will catch up from the log")

    def to_connection(self, process_id: str, cid: int, text: str) -> None:
        if process_id == self.process_id:
            super().to_connection(process_id, cid, text)
        else:
            self._later({"k": "c", "cid": cid, "t": text}, self._peers.inbox(process_id))

    # --- the calls leader and requests to it ---------------------------------------------

    async def calls_leader(self) -> str:
        """The process holding the calls: whoever holds the leader key, which this process
        takes if nobody does. It expires unless renewed, so a dead leader is replaced."""
        key = self._leader_key
        leader = await self._redis.get(key)
        if leader is None and await self._redis.set(
            key, self.process_id, nx=True, ex=LEADER_TTL_SECONDS
        ):
            return self.process_id
        leader = leader or await self._redis.get(key)
        return leader.decode() if isinstance(leader, bytes) else str(leader)

    async def _lead_forever(self) -> None:
        while True:
            await asyncio.sleep(LEADER_RENEW_SECONDS)
            with contextlib.suppress(RedisError, OSError):
                await self._redis.eval(
                    _RENEW, 1, self._leader_key, self.process_id, LEADER_TTL_SECONDS
                )

    async def request(self, process_id: str, op: str, payload: dict[str, Any]) -> Any:
        if process_id == self.process_id:
            return await super().request(process_id, op, payload)
        request_id = secrets.token_hex(8)
        reply: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._replies[request_id] = reply
        message = {"k": "rpc", "id": request_id, "from": self.process_id, "op": op, "a": payload}
        try:
            await self._redis.publish(self._peers.inbox(process_id), orjson.dumps(message))
            answer = await asyncio.wait_for(reply, REQUEST_TIMEOUT)
        except (RedisError, OSError, TimeoutError) as exc:
            raise Busy("Calls are unavailable for a moment: try again.", retry_after=2) from exc
        finally:
            self._replies.pop(request_id, None)
        return rpc.result(answer)

    async def _answer(self, message: dict[str, Any]) -> None:
        answer = await rpc.answer(self.handlers[message["op"]], message["op"], message["a"])
        reply = {"k": "rep", "id": message["id"], **answer}
        self._later(reply, self._peers.inbox(message["from"]))

    def _later(self, message: dict[str, Any], channel: str | None = None) -> None:
        """Not ordered against commits (typing, presence, closings): queued, never awaited
        by the caller; dropped when Redis is away (they are momentary)."""
        if self.connected:
            with contextlib.suppress(asyncio.QueueFull):
                self._outbox.put_nowait((channel or self._channel, orjson.dumps(message)))

    async def _publish_forever(self) -> None:
        while True:
            channel, body = await self._outbox.get()
            try:
                await self._publisher.publish(channel, body)
            except Exception:  # this task must outlive any failure of one publish
                log.warning("publish to Redis failed; dropped an ephemeral message")

    # --- subscribing ------------------------------------------------------------------

    async def _subscribe_forever(self, subscribed: asyncio.Event) -> None:
        delay = 0.1
        while True:
            subscription: Subscription | None = None
            try:
                subscription = await subscribe(
                    self._url, [self._channel, self._own], SUBSCRIBE_TIMEOUT
                )
                self._subscription = subscription
                self.connected = True
                await self._publish_now(self._peers.hello())  # the others publish to us now
                await self._peers.refresh()  # and we to them
                subscribed.set()
                delay = 0.1
                await self._catch_up(reason="reconnect")  # what committed while we were away
                await self._release_held()
                for hook in self.on_reconnect:
                    await hook()
                await self._read(subscription)
            except asyncio.CancelledError:
                raise
            except Exception:
                if self.connected:
                    log.warning("lost Redis; reconnecting", exc_info=True)
                self.connected = False
            finally:
                self._subscription = None
                if subscription is not None:
                    subscription.close()
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_SECONDS)

    async def _read(self, subscription: Subscription) -> None:
        behind_since_last_check = False
        loop = asyncio.get_running_loop()
        while True:
            timeout = IDLE_CHECK_SECONDS
            if self._held:
                timeout = max(0.0, self._hole_deadline - loop.time())
            batch = await subscription.next_batch(timeout)
            for data in batch:
                await self._apply(data if isinstance(data, dict) else orjson.loads(data))
            if self._held and loop.time() >= self._hole_deadline:
                await self._fill_hole()
            if batch or self._held:
                continue
            # Quiet: is the log ahead of us (a publish that timed out)? Twice in a row, so
            # an event committed a moment ago and on its way is not fetched for nothing.
            async with self._db.read() as conn:
                behind = await events.head(conn) > self.delivered_through
            if behind and behind_since_last_check:
                await self._catch_up(reason="quiet")
                await self._release_held()
                behind = False
            behind_since_last_check = behind

    async def _apply(self, message: dict[str, Any]) -> None:
        kind = message["k"]
        hub = self.hub
        if kind == "d":
            seq = int(message["s"])
            self.lag.read_back(seq)
            if seq <= self.delivered_through:
                return  # delivered by a catch-up already
            if seq > self.delivered_through + 1:
                # A hole: another process's publication still on its way (usual), ids
                # rolled back, or a publish that never arrived. Held for a moment; then
                # `_fill_hole` asks the log.
                if not self._held:
                    self._hole_deadline = asyncio.get_running_loop().time() + HOLE_WAIT_SECONDS
                self._held[seq] = message
                if len(self._held) > HELD_MAX:
                    await self._fill_hole()
                return
            await self._deliver(message)
            await self._release_held()
        elif kind == "hello":
            answer_at = self._peers.heard(message)
            if answer_at is not None:
                self._later(self._peers.hello(answer=True), answer_at)
        elif kind == "e":
            hub.send_ephemeral(message["u"], message["t"])
        elif kind == "i":
            hub.members.invalidate(int(message["c"]))
        elif kind == "s":
            hub.disconnect_session(message["u"], message["sid"], message["code"], message["r"])
        elif kind == "x":
            hub.disconnect_user(message["u"], message["code"], message["r"])
        elif kind == "c":
            super().to_connection(self.process_id, message["cid"], message["t"])
        elif kind == "all":
            handler = self.handlers.get(message["op"])
            # Its own notes it ran when it sent them; an unknown one comes from a newer
            # version during a rolling restart.
            if handler is not None and message["from"] != self.process_id:
                await handler(message["a"])
        elif kind == "rpc":
            # Not awaited here: a call's work may write (a system message), and the channel
            # must keep flowing meanwhile.
            task = asyncio.create_task(self._answer(message))
            self._running.add(task)
            task.add_done_callback(self._running.discard)
        elif kind == "rep":
            reply = self._replies.get(message["id"])
            if reply is not None and not reply.done():
                reply.set_result(message)

    async def _deliver(self, message: dict[str, Any]) -> None:
        self.delivered_through = int(message["s"])
        await deliver_durable(
            self.hub, self.delivered_through, message["u"], message["c"], message["t"]
        )

    async def _release_held(self) -> None:
        """What waited behind a hole that is now filled goes out, in order."""
        if not self._held:  # the usual case, after every event
            return
        for seq in [seq for seq in self._held if seq <= self.delivered_through]:
            del self._held[seq]
        while self.delivered_through + 1 in self._held:
            await self._deliver(self._held.pop(self.delivered_through + 1))
        if self._held:  # another hole further on: its own wait
            self._hole_deadline = asyncio.get_running_loop().time() + HOLE_WAIT_SECONDS

    async def _fill_hole(self) -> None:
        """The hole did not fill in time. Ids commit in order, so everything below the first
        held seq was settled when it committed: what the log has there goes out first."""
        first = min(self._held)
        await self._catch_up(before=first, reason="hole")
        self.delivered_through = max(self.delivered_through, first - 1)
        await self._release_held()

    async def _catch_up(self, before: int | None = None, *, reason: str) -> None:
        """Deliver from the log what was committed after what we delivered. `reason`: why
        (counted when anything was missing): `reconnect` (Redis was away), `hole` (an id
        never came on the channel), `quiet` (the log is ahead and the channel silent)."""
        async with self._db.read() as conn:
            rows = await events.after(conn, self.delivered_through, CATCH_UP_MAX + 1, before)
        if not rows:
            return
        if self.from_log is not None:
            self.from_log.labels(reason).inc(len(rows))
        self.hub.members.clear()  # invalidations may have been missed too
        if len(rows) > CATCH_UP_MAX:
            for socket in self.hub.all_connections():
                socket.close(CLOSE_SLOW_CONSUMER, "missed too much: resume")
            self.delivered_through = rows[-1].id
            return
        for row in rows:
            text = f'{{"type":"{row.type}","seq":{row.id},"data":{row.data}}}'
            self.delivered_through = row.id
            await deliver_durable(self.hub, row.id, row.user_id, row.chat_id, text)
