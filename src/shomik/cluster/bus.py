"""How events reach sockets. One process: straight into its hub (`Bus`). Several processes
(`SHOMIK_REDIS_URL`): through Redis (`cluster/redis_bus.py`), where every process delivers
in seq order its own durable events and those the others publish to its inbox.

Everything that must reach sockets on other processes goes through here: durable and
ephemeral events, member-cache invalidations (so fan-out after a membership change uses the
new membership everywhere), and the closing of a session's or a user's sockets.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shomik.realtime.hub import Hub


async def audience(hub: Hub, user_id: int | None, chat_id: int | None) -> Collection[int]:
    """Who a durable event is for: one user, or the chat's members now (member cache)."""
    if user_id is not None:
        return (user_id,)
    if chat_id is not None:
        return await hub.members.get(chat_id)
    return ()


async def deliver_durable(
    hub: Hub, seq: int, user_id: int | None, chat_id: int | None, text: str
) -> None:
    """A durable event to this process's sockets of its audience."""
    hub.send_durable(await audience(hub, user_id, chat_id), seq, text)


Handler = Callable[[dict[str, Any]], Awaitable[Any]]
Hook = Callable[[], Awaitable[None]]


class Bus:
    """One process: everything applies to this process's hub at once."""

    def __init__(self, hub: Hub, process_id: str = "local") -> None:
        self.hub = hub
        # How other processes name this one (sockets of calls are named by it).
        self.process_id = process_id
        self.handlers: dict[str, Handler] = {}
        # Run after the bus was cut off and is back: notes sent meanwhile are lost, so what
        # they keep up to date is read again (push/subscribed.py).
        self.on_reconnect: list[Hook] = []

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def durable(
        self, seq: int, user_id: int | None, chat_id: int | None, text: str
    ) -> Callable[[], None] | None:
        """Called after the commit, in the order of the ids (the write's turn, db/turns.py).
        The audience is read now; what sends the frames is returned, to run right after.
        None: nothing left to send (the Redis bus publishes here)."""
        hub, members = self.hub, await audience(self.hub, user_id, chat_id)
        return lambda: hub.send_durable(members, seq, text)

    def ephemeral(self, user_ids: Iterable[int], text: str) -> None:
        self.hub.send_ephemeral(user_ids, text)

    async def invalidate_members(self, chat_id: int) -> None:
        """Membership of the chat changed: registered before the change's events go out."""
        self.hub.members.invalidate(chat_id)

    def disconnect_session(self, user_id: int, session_id: str, code: int, reason: str) -> None:
        self.hub.disconnect_session(user_id, session_id, code, reason)

    def disconnect_user(self, user_id: int, code: int, reason: str) -> None:
        self.hub.disconnect_user(user_id, code, reason)

    def to_connection(self, process_id: str, cid: int, text: str) -> None:
        """An ephemeral frame for one socket, wherever it is (a call's signals)."""
        conn = self.hub.connection(cid) if process_id == self.process_id else None
        if conn is not None:
            conn.send_ephemeral(text)

    async def tell_all(self, op: str, payload: dict[str, Any]) -> None:
        """A note every process runs its handler of, this one at once (a new push
        subscription). Momentary: a process cut off from Redis meanwhile misses it, and
        reads again what it keeps when it is back (`on_reconnect`)."""
        await self.handlers[op](payload)

    async def calls_leader(self) -> str:
        """The process that holds the calls: this one, alone."""
        return self.process_id

    async def request(self, process_id: str, op: str, payload: dict[str, Any]) -> Any:
        """Run a registered handler on another process and wait for its answer."""
        return await self.handlers[op](payload)  # one process: it is this one
