"""PostgreSQL connections kept checked out for the hot paths, and asyncpg's failures told
as SQLAlchemy's.

Taking a connection from SQLAlchemy's asyncio pool and giving it back costs about 200 us of
CPU on this project's VM (two greenlet switches, the pool's events, a task to shield the
return, the isolation level set and reset): more than the statement it is taken for. Every
command's session check took one and every write another. A lane is a connection taken from
that pool once, in autocommit, and kept: the next quick read or write takes an idle lane for
the price of a list pop. A write runs its own transaction on the lane's asyncpg connection
(BEGIN and COMMIT straight through asyncpg, no greenlet); statements that go through
SQLAlchemy run in it too, as the adapter sends no BEGIN of its own in autocommit.

Only a lane that ends cleanly goes back to the idle list: one whose use raised (a refused
send, a lost connection, a cancellation) is rolled back, if it can be, and returned to
SQLAlchemy's pool, which resets or discards it as usual. A connection found lost empties
the idle list: after a database restart every lane would fail once otherwise.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any, NoReturn

import asyncpg
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

# Failures that mean the connection is gone rather than the statement wrong.
CONNECTION_LOST = (
    OSError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,  # the server shuts down, or killed us
    # The protocol caught mid-operation by the connection's end ("cannot switch to state
    # 11; another operation is in progress"): that connection is done for as well.
    asyncpg.InternalClientError,
)
KNOWN = (*CONNECTION_LOST, asyncpg.PostgresError)


async def failed(conn: AsyncConnection, sql: str, exc: Exception) -> NoReturn:
    """Raise `exc` as SQLAlchemy would have: a lost connection is invalidated and is an
    OperationalError (errors.database_down), a refused statement a DBAPIError."""
    cause: BaseException = exc
    if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None:
        cause = exc.orig
    if not isinstance(cause, KNOWN) and cause.__cause__ is not None:
        cause = cause.__cause__  # the adapter's wrapper: the asyncpg error in it
    if isinstance(cause, CONNECTION_LOST):
        await conn.run_sync(_lost, cause)
        raise sa.exc.OperationalError(sql, None, cause, connection_invalidated=True) from exc
    if isinstance(cause, asyncpg.IntegrityConstraintViolationError):
        raise sa.exc.IntegrityError(sql, None, cause) from exc
    raise sa.exc.DBAPIError(sql, None, cause) from exc


def _lost(sync_conn: Connection, cause: BaseException) -> None:
    """What SQLAlchemy does on a disconnect: every pooled connection made before now is
    replaced on its next checkout (the database restarted, they are all gone), and this
    one is invalidated. `Pool._invalidate` is SQLAlchemy's own call for it."""
    if sync_conn.invalidated or sync_conn.connection is None:
        return
    sync_conn.engine.pool._invalidate(sync_conn.connection, cause)
    sync_conn.invalidate(cause)


def driver_of(conn: AsyncConnection) -> Any:
    """The asyncpg connection under a checked-out SQLAlchemy connection."""
    fairy = conn.sync_connection.connection if conn.sync_connection is not None else None
    assert fairy is not None and fairy.driver_connection is not None
    return fairy.driver_connection


class Lanes:
    """At most `size` idle autocommit connections, taken and given back without the pool."""

    def __init__(self, engine: AsyncEngine, size: int) -> None:
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._size = size
        self._idle: list[AsyncConnection] = []

    @contextlib.asynccontextmanager
    async def take(self) -> AsyncIterator[AsyncConnection]:
        """A connection in autocommit for one use; more than `size` at once are taken from
        the pool as usual."""
        conn = await self._idle_or_new()
        try:
            yield conn
        except BaseException:
            await self._discard(conn)
            raise
        if conn.invalidated:  # lost, and the error caught inside: not for another use
            await self._discard(conn)
            return
        if conn.in_transaction():
            # A statement through SQLAlchemy began its bookkeeping transaction (nothing on
            # the server in autocommit): end it, so that the next use starts clean.
            await conn.rollback()
        if len(self._idle) < self._size and not driver_of(conn).is_in_transaction():
            self._idle.append(conn)
        else:
            await self._discard(conn)

    @contextlib.asynccontextmanager
    async def transaction(
        self, first: str | None = None, begin: str = "BEGIN"
    ) -> AsyncIterator[AsyncConnection]:
        """A lane with a transaction of its own: BEGIN on entry, COMMIT after the body
        unless the body sent it itself (`run(conn, "COMMIT")`, to act between the commit
        and the lane's return); ROLLBACK if the body raises. `first`: a statement without
        parameters sent with the BEGIN, in the same round trip; `begin`: the BEGIN itself,
        with its isolation level."""
        async with self.take() as conn:
            await run(conn, begin if first is None else f"{begin}; {first}")
            yield conn
            if driver_of(conn).is_in_transaction():
                await run(conn, "COMMIT")

    async def _idle_or_new(self) -> AsyncConnection:
        while self._idle:
            conn = self._idle.pop()
            if not driver_of(conn).is_closed():
                return conn
            # Its socket closed while it waited (a database restart).
            await self._discard(conn)
        return await self._engine.connect()

    async def _discard(self, conn: AsyncConnection) -> None:
        lost = await _give_back(conn)
        if lost:
            await self.close()  # the others are likely gone with it (a database restart)

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            await _give_back(conn)


async def _give_back(conn: AsyncConnection) -> bool:
    """Return a lane to SQLAlchemy's pool: rolled back if a transaction is open, invalidated
    (so the pool does not hand it out again) if its connection is gone. Whether it was."""
    with contextlib.suppress(Exception):
        if not conn.invalidated and driver_of(conn).is_closed():
            await conn.run_sync(_lost, ConnectionError("the connection closed while idle"))
        if not conn.invalidated and driver_of(conn).is_in_transaction():
            await run(conn, "ROLLBACK")  # invalidates it if that fails on a lost connection
    lost = conn.invalidated
    with contextlib.suppress(Exception):
        await conn.close()
    return lost


async def run(conn: AsyncConnection, sql: str, *args: Any) -> None:
    """A statement straight on the lane's asyncpg connection, its failure told as
    SQLAlchemy's."""
    try:
        await driver_of(conn).execute(sql, *args)
    except KNOWN as exc:
        await failed(conn, sql, exc)
