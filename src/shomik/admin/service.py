"""What `shomik admin` does to accounts. It runs in its own process, beside a running
server or without one, on the same database with the same rules (password strength, the
username pattern). Ending sessions from here reaches a running server's sockets through
auth/session_watch.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from shomik.admin import repository as repo
from shomik.auth import service as auth
from shomik.auth.passwords import Passwords, check_strength
from shomik.auth.schemas import RegisterRequest
from shomik.auth.session_watch import end_all_from_outside
from shomik.db.engine import Conn, Database
from shomik.errors import Conflict, Invalid, NotFound, invalid_message
from shomik.schemas import as_utc, utcnow
from shomik.users import repository as users_repo
from shomik.users.deactivations import mark_changed


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    display_name: str
    created_at: datetime
    deactivated_at: datetime | None
    sessions: int


async def _user(conn: Conn, username: str) -> Any:
    row = await users_repo.get_by_username(conn, username)
    if row is None:
        raise NotFound(f"There is no user {username!r}.")
    return row


async def create_user(
    db: Database, passwords: Passwords, username: str, password: str, display_name: str | None
) -> int:
    try:
        data = RegisterRequest(username=username, password=password, display_name=display_name)
    except ValidationError as exc:
        raise Invalid(invalid_message(exc.errors())) from exc
    check_strength(data.password, data.username)
    password_hash = await passwords.hash(data.password)
    try:
        async with db.write() as tx:
            return await auth.create_account(tx, data, password_hash)
    except IntegrityError as exc:  # lost a race with a sign-up of the same name
        raise Conflict("This username is taken.", code="username_taken") from exc


async def reset_password(db: Database, passwords: Passwords, username: str, password: str) -> int:
    """A new password; every session of the user ends. Returns how many there were.
    Two-step verification stays as it was."""
    async with db.read() as conn:
        row = await _user(conn, username)
    check_strength(password, row.username)
    password_hash = await passwords.hash(password)
    async with db.write() as tx:
        await users_repo.update(tx.conn, row.id, password_hash=password_hash)
        return await end_all_from_outside(tx, row.id)


async def deactivate(db: Database, username: str) -> int:
    """The user can no longer sign in and every session ends (their sockets close); their
    messages and chats stay. Returns how many sessions ended."""
    async with db.write() as tx:
        row = await _user(tx.conn, username)
        if row.deactivated_at is None:
            await users_repo.update(tx.conn, row.id, deactivated_at=utcnow())
            await mark_changed(tx.conn)  # running servers tell the user's contacts
        return await end_all_from_outside(tx, row.id)


async def reactivate(db: Database, username: str) -> bool:
    """Undo a deactivation: the user may sign in again. False if they were not deactivated."""
    async with db.write() as tx:
        row = await _user(tx.conn, username)
        if row.deactivated_at is None:
            return False
        await users_repo.update(tx.conn, row.id, deactivated_at=None)
        await mark_changed(tx.conn)
        return True


async def list_users(db: Database) -> list[Account]:
    async with db.read() as conn:
        rows = await repo.accounts(conn, utcnow())
    return [
        Account(
            id=row.id,
            username=row.username,
            display_name=row.display_name,
            created_at=as_utc(row.created_at),
            deactivated_at=as_utc(row.deactivated_at) if row.deactivated_at else None,
            sessions=int(row.sessions),
        )
        for row in rows
    ]
