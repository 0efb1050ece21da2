"""Typing indicators: ephemeral, and expiring by themselves when a client goes quiet."""

from __future__ import annotations

import asyncio

from shomik.presence.events import TYPING_UPDATE
from shomik.presence.schemas import TypingUpdate
from shomik.realtime.events import emit_ephemeral
from shomik.realtime.hub import Hub


class TypingTracker:
    def __init__(self, hub: Hub, ttl_seconds: float) -> None:
        self._hub = hub
        self._ttl = ttl_seconds
        self._timers: dict[tuple[int, int], asyncio.TimerHandle] = {}

    async def _announce(self, chat_id: int, user_id: int, is_typing: bool) -> None:
        members = await self._hub.members.get(chat_id)
        others = members - {user_id}
        data = TypingUpdate(chat_id=chat_id, user_id=user_id, is_typing=is_typing)
        emit_ephemeral(self._hub, TYPING_UPDATE, data, others)

    async def start(self, chat_id: int, user_id: int) -> None:
        key = (chat_id, user_id)
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()
        else:  # only the first start is announced; repeats just extend the timer
            await self._announce(chat_id, user_id, True)
        loop = asyncio.get_running_loop()
        self._timers[key] = loop.call_later(self._ttl, self._expire, chat_id, user_id)

    def _expire(self, chat_id: int, user_id: int) -> None:
        if self._timers.pop((chat_id, user_id), None) is not None:
            asyncio.get_running_loop().create_task(self._announce(chat_id, user_id, False))

    async def stop(self, chat_id: int, user_id: int) -> None:
        timer = self._timers.pop((chat_id, user_id), None)
        if timer is not None:
            timer.cancel()
            await self._announce(chat_id, user_id, False)

    def stopped_by_send(self, chat_id: int, user_id: int) -> None:
        """A sent message ends typing; clients infer that from `message:new`."""
        timer = self._timers.pop((chat_id, user_id), None)
        if timer is not None:
            timer.cancel()

    async def stop_all(self, user_id: int) -> None:
        for chat_id, uid in [k for k in self._timers if k[1] == user_id]:
            await self.stop(chat_id, uid)
