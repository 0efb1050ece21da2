"""The member cache: what fan-out and the call checks read. A load that raced a membership
change of its chat must not be returned: a member removed while their call:join was reading
the members would otherwise be let into the call (calls/service.py)."""

from __future__ import annotations

import asyncio

from shomik.realtime.hub import MemberCache


class Members:
    """A chat's members as the database has them, with a load that can be held mid-read."""

    def __init__(self, members: set[int]) -> None:
        self.members = set(members)
        self.loads = 0
        self.hold: asyncio.Event | None = None

    async def load(self, chat_id: int) -> frozenset[int]:
        self.loads += 1
        read = frozenset(self.members)  # the snapshot is taken before the wait
        if self.hold is not None:
            hold, self.hold = self.hold, None
            await hold.wait()
        return read


async def removal_during_load(invalidate: str) -> tuple[frozenset[int], Members, MemberCache]:
    db = Members({1, 2, 3})
    cache = MemberCache(db.load)
    hold = db.hold = asyncio.Event()
    reading = asyncio.create_task(cache.get(7))
    await asyncio.sleep(0)
    db.members.discard(3)  # the removal commits...
    if invalidate == "chat":
        cache.invalidate(7)  # ...and its after-commit drops the chat's cached set
    else:
        cache.clear()  # (a cluster process that lost its bus drops them all)
    hold.set()
    return await reading, db, cache


async def test_a_load_that_raced_a_removal_is_read_again() -> None:
    for invalidate in ("chat", "all"):
        members, db, cache = await removal_during_load(invalidate)
        assert members == {1, 2}, invalidate
        assert db.loads == 2
        assert await cache.get(7) == {1, 2}
        assert db.loads == 2  # the second read was kept


async def test_a_change_in_another_chat_does_not_make_a_load_read_again() -> None:
    db = Members({1, 2})
    cache = MemberCache(db.load)
    hold = db.hold = asyncio.Event()
    reading = asyncio.create_task(cache.get(7))
    await asyncio.sleep(0)
    cache.invalidate(8)
    hold.set()
    assert await reading == {1, 2}
    assert db.loads == 1
    assert await cache.get(7) == {1, 2} and db.loads == 1
