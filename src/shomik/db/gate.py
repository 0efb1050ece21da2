"""Which writes may run at the same time in one process (PostgreSQL without a cluster).

A write that names its key (a chat, or a user for what is only that user's row: presence)
runs beside writes with other keys and waits only for earlier writes with the same key, so
messages of a chat keep the order of their per-chat `seq`. A write that names no key
(membership, accounts, settings: the rare ones) runs alone: it waits for every write in
progress, and new ones wait for it. It is preferred, so a steady stream of keyed writes
cannot starve it.

Lock order is always the gate, then a key: a write holding a key never waits for the gate.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

WriteKey = tuple[str, int]  # ("chat", id) or ("user", id)


class WriteGate:
    def __init__(self) -> None:
        self._changed = asyncio.Condition()
        self._shared = 0
        self._exclusive = False
        self._exclusive_waiting = 0
        self._keys: dict[WriteKey, asyncio.Lock] = {}
        self._holders: dict[WriteKey, int] = {}

    @asynccontextmanager
    async def enter(self, key: WriteKey | None) -> AsyncIterator[None]:
        if key is None:
            async with self._alone():
                yield
        else:
            async with self.shared(), self.key(key):
                yield

    @asynccontextmanager
    async def _alone(self) -> AsyncIterator[None]:
        async with self._changed:
            self._exclusive_waiting += 1
            try:
                await self._changed.wait_for(lambda: not self._exclusive and self._shared == 0)
            finally:
                self._exclusive_waiting -= 1
            self._exclusive = True
        try:
            yield
        finally:
            async with self._changed:
                self._exclusive = False
                self._changed.notify_all()

    @asynccontextmanager
    async def shared(self) -> AsyncIterator[None]:
        """Beside other keyed writes: waits only for a write that runs alone."""
        async with self._changed:
            await self._changed.wait_for(
                lambda: not self._exclusive and self._exclusive_waiting == 0
            )
            self._shared += 1
        try:
            yield
        finally:
            async with self._changed:
                self._shared -= 1
                if self._shared == 0:
                    self._changed.notify_all()

    @asynccontextmanager
    async def key(self, key: WriteKey) -> AsyncIterator[None]:
        """After earlier writes with this key; inside `shared()`. A batch of sends
        (db/sendbatch.py) takes several, always in sorted order."""
        lock = self._keys.setdefault(key, asyncio.Lock())
        self._holders[key] = self._holders.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._holders[key] -= 1
            if self._holders[key] == 0:  # nobody holds or waits: forget it
                del self._holders[key]
                del self._keys[key]
