"""The rooms this server keeps in Janus: one private VideoRoom per group call, entered only
with a token this server issued for one user of that call.

Two locks on every way in: Janus's core accepts a request only with the server's api_secret
or a token added through the Admin API (token_auth), and the room lets in only the tokens
on its `allowed` list. A participant's token goes on both when they join the call and off
both when they leave it; they are also kicked, and with `require_pvtid` their subscriptions
stop with them. Nobody else can create, list, or manage rooms: that takes the admin_key and
each room's secret, all derived from SHOMIK_SFU_SECRET (sfu/secrets.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable

from shomik.settings import Settings
from shomik.sfu import secrets
from shomik.sfu.janus import Admin, Connection, JanusError, JanusUnavailable, Session

log = logging.getLogger(__name__)

NO_SUCH_ROOM = 426
NO_SUCH_FEED = 428
# Each publisher's video is capped (Janus asks the browser through REMB): a participant of
# a 25-person call receives 24 streams, 12 Mbit/s at this rate instead of ~60 at a browser's
# default for 720p.
PUBLISHER_BITRATE = 512_000

# What must survive a sweep: the rooms of live calls and their participants' tokens.
LiveRooms = Callable[[], tuple[set[int], set[str]]]
# Told of each room a sweep removes, with the description its call gave it (calls/lost.py).
LostRoom = Callable[[str], Awaitable[None]]


class Sfu:
    """The server's connection to Janus: one session with a VideoRoom handle, one Admin API
    connection, (re)opened on first use. `live` tells the sweep what to keep: after every
    (re)connection, rooms and tokens of calls this process no longer has (a restart, or
    Janus's connection lost meanwhile) are removed, and `lost` is told of each such room
    first (set once the services exist: it writes the call's end into its chat)."""

    def __init__(self, settings: Settings, live: LiveRooms | None = None) -> None:
        self.settings = settings
        self.live = live
        self.lost: LostRoom | None = None
        self._secret = settings.sfu_secret
        self._session: Session | None = None
        self._admin: Admin | None = None
        self._connecting = asyncio.Lock()

    def room_secret(self, room_id: int) -> str:
        return secrets.room_secret(self._secret, room_id)

    async def _ready(self) -> tuple[Session, Admin]:
        async with self._connecting:
            session, admin = self._session, self._admin
            if session is not None and admin is not None and session.alive and admin.conn.open:
                return session, admin
            await self._drop()
            api = Connection(
                self.settings.sfu_url, auth={"apisecret": secrets.api_secret(self._secret)}
            )
            admin_conn = Connection(
                self.settings.sfu_admin_url,
                admin=True,
                auth={"admin_secret": secrets.admin_secret(self._secret)},
            )
            try:
                await api.connect()
                await admin_conn.connect()
                session, admin = await Session.create(api), Admin(admin_conn)
            except BaseException:
                await api.close()
                await admin_conn.close()
                raise
            self._session, self._admin = session, admin
            await self._sweep(session, admin)
            return session, admin

    async def _sweep(self, session: Session, admin: Admin) -> None:
        if self.live is None:
            return
        rooms, tokens = self.live()
        listed = await self._list(session)
        for room_id in set(listed) - rooms:
            log.info("destroying Janus room %s: no call of this server has it", room_id)
            if self.lost is not None:
                # Told before the room goes: if this process dies in between, the next
                # sweep finds the room again (and `lost` writes nothing twice).
                try:
                    await self.lost(listed[room_id])
                except Exception:
                    log.exception("could not record the end of the call of room %s", room_id)
            await self._destroy(session, room_id)
        for token in set(await admin.tokens()) - tokens:
            await admin.remove_token(token)

    async def connect(self) -> None:
        """Connect now (and sweep), rather than at the first call."""
        await self._ready()

    async def create_room(
        self, room_id: int, publishers: int, tokens: Iterable[str], description: str
    ) -> None:
        session, admin = await self._ready()
        allowed = list(tokens)
        for token in allowed:
            await admin.add_token(token)
        await session.message(
            {
                "request": "create",
                "admin_key": secrets.admin_key(self._secret),
                "room": room_id,
                "secret": self.room_secret(room_id),
                # What the call is (calls/sfu.py): a sweep after a restart reads it back.
                "description": description,
                "is_private": True,
                "publishers": publishers,
                "allowed": allowed,
                # A subscription must name its publisher's private_id: kicking a publisher
                # then also stops what it was receiving.
                "require_pvtid": True,
                "audiocodec": "opus",
                "videocodec": "vp8",
                "bitrate": PUBLISHER_BITRATE,
                "bitrate_cap": True,
                # No `audiolevel_event`: browsers tell the active speaker from the sound they
                # play (web/src/features/calls/sfu/speakers.ts); Janus's events need 2 s
                # louder than -25 dBov and would go to every participant.
            }
        )

    async def describe(self, room_id: int, description: str) -> None:
        session, _ = await self._ready()
        body = {"request": "edit", "room": room_id, "secret": self.room_secret(room_id)}
        await session.message({**body, "new_description": description})

    async def allow(self, room_id: int, token: str) -> None:
        session, admin = await self._ready()
        await admin.add_token(token)
        await self._allowed(session, room_id, "add", token)

    async def revoke(self, room_id: int, token: str | None, feed: int, keep: set[int]) -> None:
        """Out of the room: kicked (with any feed that is not a participant's), the token off
        the room's list and out of Janus (the session then cannot even keep alive)."""
        session, admin = await self._ready()
        await self.kick(room_id, feed)
        await self.kick_strays(room_id, keep)
        if token is not None:
            with contextlib.suppress(JanusError):  # the room is gone: nothing to take off
                await self._allowed(session, room_id, "remove", token)
            await admin.remove_token(token)

    async def kick(self, room_id: int, feed: int) -> bool:
        session, _ = await self._ready()
        body = {"request": "kick", "room": room_id, "secret": self.room_secret(room_id)}
        try:
            await session.message({**body, "id": feed})
        except JanusError as exc:
            if exc.code not in (NO_SUCH_FEED, NO_SUCH_ROOM):
                raise
            return False
        return True

    async def kick_strays(self, room_id: int, keep: set[int]) -> None:
        """Kick every publisher whose id is no participant's: a browser picks its own id when
        it joins, so one that picked another must not stay when its user leaves."""
        for feed in set(await self.participants(room_id)) - keep:
            await self.kick(room_id, feed)

    async def destroy_room(self, room_id: int, tokens: Iterable[str]) -> None:
        session, admin = await self._ready()
        await self._destroy(session, room_id)
        for token in tokens:
            await admin.remove_token(token)

    async def rooms(self) -> list[int]:
        session, _ = await self._ready()
        return list(await self._list(session))

    async def participants(self, room_id: int) -> list[int]:
        session, _ = await self._ready()
        try:
            answer = await session.message({"request": "listparticipants", "room": room_id})
        except JanusError as exc:
            if exc.code == NO_SUCH_ROOM:
                return []
            raise
        return [int(p["id"]) for p in answer.get("participants", [])]

    async def _list(self, session: Session) -> dict[int, str]:
        """Every room, with its description. Private rooms are listed only to the admin_key."""
        body = {"request": "list", "admin_key": secrets.admin_key(self._secret)}
        answer = await session.message(body)
        return {int(r["room"]): str(r.get("description", "")) for r in answer.get("list", [])}

    async def _destroy(self, session: Session, room_id: int) -> None:
        body = {"request": "destroy", "room": room_id, "secret": self.room_secret(room_id)}
        try:
            await session.message(body)
        except JanusError as exc:
            if exc.code != NO_SUCH_ROOM:
                raise

    async def _allowed(self, session: Session, room_id: int, action: str, token: str) -> None:
        await session.message(
            {
                "request": "allowed",
                "room": room_id,
                "secret": self.room_secret(room_id),
                "action": action,
                "allowed": [token],
            }
        )

    async def _drop(self) -> None:
        session, admin = self._session, self._admin
        self._session = self._admin = None
        if session is not None:
            await session.destroy()
            await session.conn.close()
        if admin is not None:
            await admin.conn.close()

    async def close(self) -> None:
        async with self._connecting:
            await self._drop()


__all__ = ["JanusError", "JanusUnavailable", "Sfu"]
