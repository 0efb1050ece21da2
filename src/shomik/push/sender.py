"""The background sender: encrypts (RFC 8291, aes128gcm), signs (VAPID, RFC 8292) and POSTs
pushes, off the request path, with bounded retries. Senders of messages never wait on it."""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import http_ece
import httpx
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from shomik.push.hosts import endpoint_allowed
from shomik.push.keys import VapidKeys, b64url_decode
from shomik.push.repository import Subscription
from shomik.settings import Settings

log = logging.getLogger(__name__)

Urgency = Literal["very-low", "low", "normal", "high"]
Job = Callable[[], Awaitable[None]]

# 1000 jobs (a job is one stored message or call): a burst beyond that is a flood, and
# dropping its pushes is better than holding memory for notifications nobody will read.
QUEUE_SIZE = 1000
# Jobs run WORKERS at a time, each chat's on one worker (chat id modulo), in order: a job
# with someone offline reads the database, and one worker taking them one by one fell
# behind an overloaded server whose slow sockets had been closed, dropping pushes.
WORKERS = 4
# Drops are logged at most this often, with their count: a line per drop was 2.4 % of the
# loop in that run (py-spy).
DROP_LOG_SECONDS = 10.0
# Concurrent POSTs: push services answer in ~50-300 ms; 16 keeps a burst moving without
# opening hundreds of connections.
CONCURRENCY = 16
MAX_PENDING = 2000
# 4 attempts over ~7 s for network errors and 5xx; a 429 waits as long as it is told,
# up to 10 minutes (a longer wait outlives the notification's usefulness).
MAX_ATTEMPTS = 4
MAX_RETRY_AFTER = 600.0
# 12 h: the JWT may live at most 24 h (RFC 8292 2); a fresh one per request costs a signature.
JWT_LIFETIME = 12 * 3600
TIMEOUT = httpx.Timeout(10.0)


@dataclass(frozen=True)
class Push:
    payload: bytes
    ttl: int
    urgency: Urgency
    topic: str | None  # collapses pushes of one chat still waiting in the push service


class PushSender:
    def __init__(
        self,
        settings: Settings,
        keys: VapidKeys,
        on_gone: Callable[[int], Awaitable[None]],
    ) -> None:
        self.settings = settings
        self.keys = keys
        self._vapid = Vapid02(keys.private_key)
        self._on_gone = on_gone
        self._queues: list[asyncio.Queue[Job]] = [
            asyncio.Queue(QUEUE_SIZE // WORKERS) for _ in range(WORKERS)
        ]
        self._dropped = 0
        self._drops_logged_at = -DROP_LOG_SECONDS
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self._pending: set[asyncio.Task[None]] = set()
        self._workers: list[asyncio.Task[None]] = []
        self._client: httpx.AsyncClient | None = None

    def start(self) -> None:
        # No redirects: a 3xx to another host would step around the endpoint check.
        self._client = httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False, trust_env=False)
        self._workers = [asyncio.create_task(self._run(queue)) for queue in self._queues]

    async def stop(self) -> None:
        tasks = [*self._workers, *self._pending]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._client is not None:
            await self._client.aclose()

    async def idle(self) -> None:
        """Wait until every queued job and delivery is done (tests, and a graceful stop)."""
        for queue in self._queues:
            await queue.join()
        while self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    def enqueue(self, job: Job, chat_id: int) -> None:
        """Called after a commit, under the write lock: must not block. A chat's jobs run
        in the order they come (its newest notification is shown last)."""
        try:
            self._queues[chat_id % WORKERS].put_nowait(job)
        except asyncio.QueueFull:
            self._dropped += 1
            now = time.monotonic()
            if now - self._drops_logged_at >= DROP_LOG_SECONDS:
                log.warning("push queue full: %d notification(s) dropped", self._dropped)
                self._drops_logged_at, self._dropped = now, 0

    async def _run(self, queue: asyncio.Queue[Job]) -> None:
        while True:
            job = await queue.get()
            try:
                await job()
            except Exception:
                log.exception("push job failed")
            finally:
                queue.task_done()

    def deliver(self, sub: Subscription, push: Push) -> None:
        if len(self._pending) >= MAX_PENDING:
            log.warning("too many pushes in flight: one is dropped")
            return
        task = asyncio.create_task(self._deliver(sub, push))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _deliver(self, sub: Subscription, push: Push) -> None:
        # Checked again at send time: the allowed hosts may have changed since subscribing.
        if not endpoint_allowed(sub.endpoint, self.settings):
            log.warning("push endpoint no longer allowed, subscription %s skipped", sub.id)
            return
        for attempt in range(MAX_ATTEMPTS):
            async with self._slots:
                try:
                    response = await self._post(sub, push)
                except httpx.HTTPError as exc:
                    log.info("push to subscription %s failed: %r", sub.id, exc)
                    response = None
            if response is not None and response.status_code < 300:
                return
            if response is not None and response.status_code in (404, 410):
                await self._on_gone(sub.id)  # the browser unsubscribed or the push expired
                return
            wait = _backoff(attempt, response)
            if wait is None or attempt == MAX_ATTEMPTS - 1:
                status = response.status_code if response is not None else "network error"
                log.warning("push to subscription %s given up: %s", sub.id, status)
                return
            await asyncio.sleep(wait)

    async def _post(self, sub: Subscription, push: Push) -> httpx.Response:
        assert self._client is not None
        body = encrypt(push.payload, sub.p256dh, sub.auth)
        parts = urlsplit(sub.endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        claims = {"aud": audience, "sub": self.keys.subject, "exp": int(time.time()) + JWT_LIFETIME}
        headers = {
            **self._vapid.sign(claims),
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(push.ttl),
            "Urgency": push.urgency,
        }
        if push.topic:
            headers["Topic"] = push.topic
        return await self._client.post(sub.endpoint, content=body, headers=headers)


def encrypt(payload: bytes, p256dh: str, auth: str) -> bytes:
    """RFC 8291 with a fresh sender key per message, by http_ece (no crypto written here)."""
    sender_key = ec.generate_private_key(ec.SECP256R1())
    encrypted: bytes = http_ece.encrypt(
        payload,
        private_key=sender_key,
        dh=b64url_decode(p256dh),
        auth_secret=b64url_decode(auth),
        version="aes128gcm",
    )
    return encrypted


def _backoff(attempt: int, response: httpx.Response | None) -> float | None:
    """Seconds to wait before retrying, or None when retrying is pointless."""
    if response is None or response.status_code >= 500:
        return float(2**attempt)  # 1, 2, 4 s
    if response.status_code == 429:
        wait = _retry_after(response.headers.get("Retry-After"))
        return wait if wait <= MAX_RETRY_AFTER else None
    return None  # 400, 401, 403, 413: the request itself is wrong; repeating it will not help


def _retry_after(value: str | None) -> float:
    if not value:
        return 5.0
    if value.strip().isdigit():
        return float(value)
    with contextlib.suppress(TypeError, ValueError):
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    return 5.0
